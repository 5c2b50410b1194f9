//! Bar charts drawn on the server as SVG with `plotters`, for the stats and mid-term report pages.
//!
//! The SVG's text is real `<text>` (not paths), so Chinese labels stay sharp, searchable and
//! printable; the viewer needs a CJK font (on Debian, `fonts-noto-cjk`).

#[cfg(test)]
mod tests;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row of numbers, drawn as one bar in every group (e.g. "requests" or "entrances").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series<'a> {
    /// Shown in the legend, such as "诉求数".
    pub name: &'a str,
    /// One value per label, in the same order as the labels.
    pub values: Vec<i64>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChartError {
    /// The canvas is too small to hold a title, axes and bars.
    #[error("a chart must be at least {MIN_WIDTH}×{MIN_HEIGHT} px, not {width}×{height}")]
    TooSmall {
        /// The width asked for, in pixels.
        width: u32,
        /// The height asked for, in pixels.
        height: u32,
    },
    /// A series does not have exactly one value per label.
    #[error("series {series:?} has {values} values for {labels} labels")]
    LengthMismatch {
        /// The name of the series at fault.
        series: String,
        /// How many values it has.
        values: usize,
        /// How many labels there are.
        labels: usize,
    },
    /// The drawing library failed.
    #[error("the chart could not be drawn: {0}")]
    Drawing(String),
}

const MIN_WIDTH: u32 = 200;
const MIN_HEIGHT: u32 = 150;
/// Bar colours: each has at least 4.5:1 contrast on white and the pair (blue, orange) stays
/// distinct for red–green colour blindness and in greyscale print.
const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xb3, 0x4a, 0x0c),
    RGBColor(0x2e, 0x7d, 0x32),
    RGBColor(0x6a, 0x3d, 0x9a),
];
const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const AXIS: RGBColor = RGBColor(0x59, 0x59, 0x59);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
const FONT: &str = "sans-serif";
const LABEL_PX: f64 = 13.0;
const LINE_PX: i32 = 16;

/// A text style of `px` CSS pixels (plotters writes `font-size` as its size divided by 1.24).
fn font(px: f64) -> FontDesc<'static> {
    (FONT, px * 1.24).into_font()
}

/// Draws grouped bars, one group per label and one bar per series, with each value written at
/// the end of its bar and a legend naming the series. Returns a standalone `<svg>` document with
/// `role="img"`, an `aria-label` and `<title>` holding `title`, and a `<desc>` listing every
/// number, for screen readers. No labels or no series gives empty axes, not an error.
pub fn bar_chart(
    title: &str,
    labels: &[String],
    series: &[Series],
    width: u32,
    height: u32,
) -> Result<String, ChartError> {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return Err(ChartError::TooSmall { width, height });
    }
    if let Some(bad) = series.iter().find(|s| s.values.len() != labels.len()) {
        return Err(ChartError::LengthMismatch {
            series: bad.name.to_owned(),
            values: bad.values.len(),
            labels: labels.len(),
        });
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&root, title, labels, series).map_err(|e| ChartError::Drawing(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Drawing(e.to_string()))?;
    }
    Ok(make_accessible(&svg, title, labels, series))
}

type DrawResult =
    Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

fn draw(
    root: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    labels: &[String],
    series: &[Series],
) -> DrawResult {
    root.fill(&WHITE)?;
    let (width, _) = root.dim_in_pixel();
    let values = || {
        series
            .iter()
            .flat_map(|s| s.values.iter().map(|&v| on_axis(v)))
    };
    let (low, high) = (
        values().min().unwrap_or(0).min(0),
        values().max().unwrap_or(0).max(0),
    );
    // Headroom above (and below) for the numbers written at the bar ends.
    let pad = (high.saturating_sub(low) / 8).max(1);
    let y_low = if low < 0 { low.saturating_sub(pad) } else { 0 };
    let y_high = high.saturating_add(pad);
    let digits = [y_low, y_high]
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(1);
    let y_area = 14 + 8 * digits as u32;
    let groups = labels.len().max(1);
    let plot_width = f64::from(width.saturating_sub(y_area + 30));
    let group_px = plot_width / groups as f64;
    let wrapped: Vec<Vec<String>> = labels.iter().map(|l| wrap(l, group_px - 6.0)).collect();
    let label_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let legend_height = if series.is_empty() { 0 } else { 26 };

    let below_title = root.titled(title, font(18.0).color(&INK))?;
    let legend_y = below_title.get_base_pixel().1 + 14;
    let mut chart = ChartBuilder::on(&below_title)
        .margin(10)
        .margin_top(6 + legend_height)
        .margin_right(20)
        .x_label_area_size(10 + LINE_PX as u32 * label_lines as u32)
        .y_label_area_size(y_area)
        .build_cartesian_2d(0f64..groups as f64, y_low..y_high)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|v| v.to_string())
        .label_style(font(12.0).color(&AXIS))
        .axis_style(AXIS)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;

    // Category labels, centred under their groups and wrapped to fit them.
    let label_style = font(LABEL_PX)
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, lines) in wrapped.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, y_low));
        for (n, line) in lines.iter().enumerate() {
            root.draw(&Text::new(
                line.as_str(),
                (x, y + 6 + LINE_PX * n as i32),
                label_style.clone(),
            ))?;
        }
    }

    // Bars, each with its value at its end: above a positive bar, below a negative one.
    let slot = 0.7 / series.len().max(1) as f64;
    let bar_px = slot * group_px;
    let value_px = if bar_px >= 24.0 { 12.0 } else { 10.0 };
    for (k, one) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        for (i, &value) in one.values.iter().enumerate() {
            let left = i as f64 + 0.15 + slot * k as f64;
            let right = left + slot * 0.88;
            let end = on_axis(value);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, 0), (right, end)],
                colour.filled(),
            )))?;
            let (x, y) = chart.backend_coord(&((left + right) / 2.0, end));
            let (anchor, dy) = if value < 0 {
                (VPos::Top, 3)
            } else {
                (VPos::Bottom, -3)
            };
            let style = font(value_px)
                .color(&INK)
                .pos(Pos::new(HPos::Center, anchor));
            root.draw(&Text::new(value.to_string(), (x, y + dy), style))?;
        }
    }

    // Legend: a swatch and a name per series, in a row under the title.
    let mut x = y_area as i32 + 10;
    let y = legend_y;
    for (k, one) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        root.draw(&Rectangle::new(
            [(x, y - 6), (x + 12, y + 6)],
            colour.filled(),
        ))?;
        let style = font(LABEL_PX)
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(one.name, (x + 18, y), style))?;
        x += 18 + text_width(one.name, LABEL_PX) as i32 + 24;
    }
    Ok(())
}

/// Clamps a value into the range plotters can lay out an axis for without overflowing
/// (about ±10^15); the written value stays exact.
fn on_axis(value: i64) -> i64 {
    const LIMIT: i64 = 1 << 50;
    value.clamp(-LIMIT, LIMIT)
}

/// A rough width of `text` in pixels: CJK and other wide characters take a full em.
fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 * px } else { px })
        .sum()
}

/// Breaks a category label into at most three lines that fit `max_px`; the rest is cut with "…".
fn wrap(label: &str, max_px: f64) -> Vec<String> {
    const MAX_LINES: usize = 3;
    let mut lines = vec![String::new()];
    for c in label.chars() {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty()
            && text_width(line, LABEL_PX) + text_width(&c.to_string(), LABEL_PX) > max_px
        {
            if lines.len() == MAX_LINES {
                let last = lines.last_mut().expect("never empty");
                last.pop();
                last.push('…');
                return lines;
            }
            lines.push(String::new());
        }
        lines.last_mut().expect("never empty").push(c);
    }
    lines
}

/// Adds `role="img"`, `aria-label`, `<title>` and a `<desc>` with every number.
fn make_accessible(svg: &str, title: &str, labels: &[String], series: &[Series]) -> String {
    let desc: Vec<String> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let values: Vec<String> = series
                .iter()
                .map(|s| format!("{} {}", s.name, s.values[i]))
                .collect();
            format!("{label}: {}", values.join(", "))
        })
        .collect();
    let opening = svg.find('>').map_or(0, |end| end + 1);
    let (head, body) = svg.split_at(opening);
    let head = head.replacen(
        "<svg",
        &format!(r#"<svg role="img" aria-label="{}""#, escape(title)),
        1,
    );
    format!(
        "{head}\n<title>{}</title>\n<desc>{}</desc>{body}",
        escape(title),
        escape(&desc.join("; "))
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
