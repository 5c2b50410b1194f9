//! The mid-term report workbook: one printable A4 page (portrait, fitted to the page
//! width) with the figures a community reports, and native Excel charts of the
//! categories and the monthly trend.

mod charts;

use crate::export::fit_cell;
use crate::SheetError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::path::Path;

/// The report's sheet name, also used by the charts' data ranges.
pub const SHEET: &str = "中期报告";

/// Everything the report shows, already counted by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportData {
    /// The report's title, e.g. `流霞里社区"8850工作室"中期工作报告`.
    pub title: String,
    /// The community (or district) reported on.
    pub community: String,
    /// The period, e.g. `2024-07-01 至 2024-11-15`.
    pub period: String,
    /// Headline figures as (label, value): 收集诉求 143, 已办结 134, 长期跟进 9, ...
    pub counts: Vec<(String, i64)>,
    /// Rates as (名称, percent text, numerator, denominator, definition).
    pub rates: Vec<(String, String, i64, i64, String)>,
    /// Per category: (name, requests, resolved, distinct entrances).
    pub by_category: Vec<(String, i64, i64, i64)>,
    /// Per channel: (name, requests, resolved).
    pub by_channel: Vec<(String, i64, i64)>,
    /// Per grid: (name, requests, resolved).
    pub by_grid: Vec<(String, i64, i64)>,
    /// Per month: (`2024-07`, received, resolved).
    pub monthly: Vec<(String, i64, i64)>,
    /// Exemplary volunteers: (name, jobs, hours, stars out of 5).
    pub top_volunteers: Vec<(String, i64, f64, u8)>,
    /// The latest signed ledger checkpoint, as one line (when, key fingerprint, Merkle
    /// root), so a printed report can later be checked against the ledger.
    pub checkpoint: Option<String>,
}

/// The report's columns: tables sit in A–D, with a second table or a chart beside them in
/// E–H; the rates' definitions are merged across E–H.
const WIDTHS: [f64; 8] = [16.0, 10.0, 10.0, 10.0, 16.0, 10.0, 10.0, 10.0];
const LAST_COL: u16 = 7;
const RIGHT: u16 = 4;
const PAPER_A4: u8 = 9;

pub(crate) struct Styles {
    title: Format,
    subtitle: Format,
    heading: Format,
    head: Format,
    text: Format,
    wrap: Format,
    int: Format,
    big: Format,
    hours: Format,
    empty: Format,
}

impl Styles {
    fn new() -> Styles {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_font_size(10.5);
        Styles {
            title: Format::new()
                .set_bold()
                .set_font_size(18)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: Format::new()
                .set_align(FormatAlign::Center)
                .set_font_size(10.5),
            heading: Format::new().set_bold().set_font_size(12),
            head: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(0xD9E1F2),
            text: cell.clone(),
            wrap: cell.clone().set_text_wrap().set_font_size(9),
            int: cell.clone().set_align(FormatAlign::Center),
            big: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_bold()
                .set_font_size(14)
                .set_font_color(0x1F4E79),
            hours: cell.set_align(FormatAlign::Center).set_num_format("0.0"),
            empty: Format::new().set_italic().set_font_color(0x808080),
        }
    }
}

/// Writes the report workbook to `path`.
pub fn write_report(path: &Path, data: &ReportData) -> Result<(), SheetError> {
    let mut workbook = Workbook::new();
    let s = Styles::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    for (i, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(i as u16, *w)?;
    }
    sheet
        .set_portrait()
        .set_paper_size(PAPER_A4)
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页");

    sheet.set_row_height(0, 36)?;
    // Free text from the caller is cut to what a cell holds (see `fit_cell`).
    sheet.merge_range(0, 0, 0, LAST_COL, &fit_cell(&data.title), &s.title)?;
    let subtitle = format!("{}　　统计周期：{}", data.community, data.period);
    sheet.merge_range(1, 0, 1, LAST_COL, &fit_cell(subtitle.trim()), &s.subtitle)?;
    let mut row = 3;

    row = heading(sheet, &s, row, "一、总体情况")?;
    row = counts(sheet, &s, row, &data.counts)?;

    row = heading(sheet, &s, row, "二、主要指标")?;
    row = rates(sheet, &s, row, &data.rates)?;

    row = heading(sheet, &s, row, "三、分类统计")?;
    let cats: Vec<Vec<Value>> = data
        .by_category
        .iter()
        .map(|(name, n, done, doors)| {
            vec![
                Value::Text(name),
                Value::Int(*n),
                Value::Int(*done),
                Value::Int(*doors),
            ]
        })
        .collect();
    let used = table(
        sheet,
        &s,
        row,
        0,
        &["类别", "诉求数", "办结数", "涉及门数"],
        &cats,
    )?;
    let chart = match cats.len() {
        0 => 0,
        n => charts::category_chart(sheet, row, RIGHT, row + 1, row + n as u32)?,
    };
    row += used.max(chart) + 1;

    row = heading(sheet, &s, row, "四、月度趋势")?;
    let months = pairs(&data.monthly);
    let used = table(sheet, &s, row, 0, &["月份", "受理数", "办结数"], &months)?;
    let chart = match months.len() {
        0 => 0,
        n => charts::monthly_chart(sheet, row, RIGHT, row + 1, row + n as u32)?,
    };
    row += used.max(chart) + 1;

    sheet.write_string_with_format(row, 0, "五、渠道统计", &s.heading)?;
    sheet.write_string_with_format(row, RIGHT, "六、网格统计", &s.heading)?;
    row += 1;
    let left = table(
        sheet,
        &s,
        row,
        0,
        &["渠道", "诉求数", "办结数"],
        &pairs(&data.by_channel),
    )?;
    let right = table(
        sheet,
        &s,
        row,
        RIGHT,
        &["网格", "诉求数", "办结数"],
        &pairs(&data.by_grid),
    )?;
    row += left.max(right) + 1;

    row = heading(sheet, &s, row, "七、优秀志愿者")?;
    let volunteers: Vec<Vec<Value>> = data
        .top_volunteers
        .iter()
        .map(|(name, jobs, hours, stars)| {
            vec![
                Value::Text(name),
                Value::Int(*jobs),
                Value::Hours(*hours),
                Value::Stars(*stars),
            ]
        })
        .collect();
    let used = table(
        sheet,
        &s,
        row,
        0,
        &["姓名", "接单数", "时长(小时)", "星级"],
        &volunteers,
    )?;
    row += used + 1;

    // The ledger checkpoint the figures can be checked against, printed at the foot.
    if let Some(checkpoint) = &data.checkpoint {
        sheet.merge_range(row, 0, row, LAST_COL, &fit_cell(checkpoint), &s.subtitle)?;
    }

    workbook.save(path)?;
    Ok(())
}

fn pairs(list: &[(String, i64, i64)]) -> Vec<Vec<Value<'_>>> {
    list.iter()
        .map(|(name, n, done)| vec![Value::Text(name), Value::Int(*n), Value::Int(*done)])
        .collect()
}

enum Value<'a> {
    Text(&'a str),
    Int(i64),
    Hours(f64),
    Stars(u8),
}

fn heading(sheet: &mut Worksheet, s: &Styles, row: u32, text: &str) -> Result<u32, SheetError> {
    sheet.set_row_height(row, 20)?;
    sheet.write_string_with_format(row, 0, text, &s.heading)?;
    Ok(row + 1)
}

/// Headline figures laid out across the page: a row of labels over a row of values, eight
/// to a line. Returns the next free row, leaving one blank.
fn counts(
    sheet: &mut Worksheet,
    s: &Styles,
    mut row: u32,
    counts: &[(String, i64)],
) -> Result<u32, SheetError> {
    if counts.is_empty() {
        sheet.write_string_with_format(row, 0, "（无数据）", &s.empty)?;
        return Ok(row + 2);
    }
    for chunk in counts.chunks(usize::from(LAST_COL) + 1) {
        for (c, (label, value)) in chunk.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, fit_cell(label), &s.head)?;
            sheet.write_number_with_format(row + 1, c as u16, *value as f64, &s.big)?;
        }
        row += 2;
    }
    Ok(row + 1)
}

/// 指标, 比率, 分子, 分母 in A–D and the definition merged across E–H.
fn rates(
    sheet: &mut Worksheet,
    s: &Styles,
    row: u32,
    rates: &[(String, String, i64, i64, String)],
) -> Result<u32, SheetError> {
    for (c, h) in ["指标", "比率", "分子", "分母"].iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &s.head)?;
    }
    sheet.merge_range(row, RIGHT, row, LAST_COL, "口径说明", &s.head)?;
    if rates.is_empty() {
        sheet.write_string_with_format(row + 1, 0, "（无数据）", &s.empty)?;
        return Ok(row + 3);
    }
    for (i, (name, pct, num, den, def)) in rates.iter().enumerate() {
        let r = row + 1 + i as u32;
        sheet.write_string_with_format(r, 0, fit_cell(name), &s.text)?;
        sheet.write_string_with_format(r, 1, fit_cell(pct), &s.int)?;
        sheet.write_number_with_format(r, 2, *num as f64, &s.int)?;
        sheet.write_number_with_format(r, 3, *den as f64, &s.int)?;
        sheet.merge_range(r, RIGHT, r, LAST_COL, &fit_cell(def), &s.wrap)?;
    }
    Ok(row + rates.len() as u32 + 2)
}

/// A bordered table with a bold header, its top-left cell at (row, col). Returns how many
/// rows it used.
fn table(
    sheet: &mut Worksheet,
    s: &Styles,
    row: u32,
    col: u16,
    head: &[&str],
    rows: &[Vec<Value>],
) -> Result<u32, SheetError> {
    for (i, h) in head.iter().enumerate() {
        sheet.write_string_with_format(row, col + i as u16, *h, &s.head)?;
    }
    if rows.is_empty() {
        sheet.write_string_with_format(row + 1, col, "（无数据）", &s.empty)?;
        return Ok(2);
    }
    for (r, cells) in rows.iter().enumerate() {
        let r = row + 1 + r as u32;
        for (c, value) in cells.iter().enumerate() {
            let c = col + c as u16;
            match value {
                Value::Text(t) => sheet.write_string_with_format(r, c, fit_cell(t), &s.text)?,
                Value::Int(n) => sheet.write_number_with_format(r, c, *n as f64, &s.int)?,
                Value::Hours(h) => sheet.write_number_with_format(r, c, *h, &s.hours)?,
                Value::Stars(n) => {
                    let n = usize::from((*n).min(5));
                    let stars = format!("{}{}", "★".repeat(n), "☆".repeat(5 - n));
                    sheet.write_string_with_format(r, c, &stars, &s.int)?
                }
            };
        }
    }
    Ok(rows.len() as u32 + 1)
}
