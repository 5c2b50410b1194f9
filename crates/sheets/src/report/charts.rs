//! The report's native Excel charts, placed under their tables.

use super::SHEET;
use crate::SheetError;
use rust_xlsxwriter::{
    Chart, ChartFont, ChartLegendPosition, ChartMarker, ChartMarkerType, ChartType, Worksheet,
};

/// Chart size in pixels: the width of columns E–H, and the rows it covers.
const WIDTH: u32 = 338;
const HEIGHT: u32 = 220;
const ROWS: u32 = 11;

/// 诉求数 and 涉及门数 per category, as horizontal bars (long Chinese names read level). Data rows are `first..=last` of the
/// category table (names in A, requests in B, entrances in D). The chart's top-left is
/// at (row, col); returns how many rows it covers.
pub(crate) fn category_chart(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    first: u32,
    last: u32,
) -> Result<u32, SheetError> {
    let mut chart = Chart::new(ChartType::Bar);
    chart
        .add_series()
        .set_name("诉求数")
        .set_categories((SHEET, first, 0, last, 0))
        .set_values((SHEET, first, 1, last, 1));
    chart
        .add_series()
        .set_name("涉及门数")
        .set_categories((SHEET, first, 0, last, 0))
        .set_values((SHEET, first, 3, last, 3));
    chart
        .title()
        .set_name("各类诉求数与涉及门数")
        .set_font(&title_font());
    // Bars list categories bottom-up by default; read them in table order.
    // (For bar charts rust_xlsxwriter's y axis is the category axis.)
    chart
        .y_axis()
        .set_reverse()
        .set_font(ChartFont::new().set_size(8));
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(WIDTH).set_height(HEIGHT);
    sheet.insert_chart_with_offset(row, col, &chart, 2, 0)?;
    Ok(ROWS)
}

/// 受理数 as columns with 办结数 as a line, per month (months in A, counts in B and C).
pub(crate) fn monthly_chart(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    first: u32,
    last: u32,
) -> Result<u32, SheetError> {
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_name("受理数")
        .set_categories((SHEET, first, 0, last, 0))
        .set_values((SHEET, first, 1, last, 1));
    let mut line = Chart::new(ChartType::Line);
    line.add_series()
        .set_name("办结数")
        .set_categories((SHEET, first, 0, last, 0))
        .set_values((SHEET, first, 2, last, 2))
        .set_marker(ChartMarker::new().set_type(ChartMarkerType::Circle));
    chart.combine(&line);
    chart
        .title()
        .set_name("月度受理与办结趋势")
        .set_font(&title_font());
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(WIDTH).set_height(HEIGHT);
    sheet.insert_chart_with_offset(row, col, &chart, 2, 0)?;
    Ok(ROWS)
}

fn title_font() -> ChartFont {
    ChartFont::new().set_size(11).set_bold().clone()
}
