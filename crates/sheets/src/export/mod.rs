//! Streaming export of the ledger views: 接待台账 (intake), 处置清单 (disposal), or both on one
//! sheet, to `.xlsx` or `.csv`.
//!
//! Rows are pushed one at a time and written straight through: nothing is held in memory
//! but the current row, so the caller can stream a million requests out of the store.

mod columns;
mod csv_out;
mod xlsx_out;

use crate::SheetError;
use chrono::NaiveDateTime;
use std::borrow::Cow;
use std::path::Path;

pub(crate) use columns::{Cell, Column};

/// The end of a cell cut short to fit Excel: `…（已截断 truncated）`.
pub const TRUNCATED: &str = "…（已截断 truncated）";

/// Excel's limit for the text of one cell, in UTF-16 code units (what rust_xlsxwriter
/// counts, and refuses past).
const EXCEL_CELL_UNITS: usize = 32_767;

/// `text` as one .xlsx cell can hold it: whole when it fits Excel's 32,767 characters,
/// otherwise cut to fit with [`TRUNCATED`] at the end, visibly. Whatever the store holds,
/// writing it never fails.
pub(crate) fn fit_cell(text: &str) -> Cow<'_, str> {
    // A UTF-16 unit is at least one byte of UTF-8: short text cannot be too long.
    if text.len() <= EXCEL_CELL_UNITS || text.encode_utf16().count() <= EXCEL_CELL_UNITS {
        return Cow::Borrowed(text);
    }
    let room = EXCEL_CELL_UNITS - TRUNCATED.encode_utf16().count();
    let mut units = 0;
    let mut cut = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > room {
            break;
        }
        cut = at + c.len_utf8();
    }
    Cow::Owned(format!("{}{TRUNCATED}", &text[..cut]))
}

/// Which ledger view to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// 接待台账: when each request came, who raised it, what it was about.
    Intake,
    /// 处置清单: what was done about each request.
    Disposal,
    /// Both views side by side on one sheet (编号 once).
    Both,
}

impl View {
    /// The worksheet name used for the view.
    pub fn sheet_name(self) -> &'static str {
        match self {
            View::Intake => "接待台账",
            View::Disposal => "处置清单",
            View::Both => "接待处置台账",
        }
    }

    pub(crate) fn columns(self) -> &'static [Column] {
        use Column::*;
        match self {
            View::Intake => &[
                Seq,
                Code,
                ReportedAt,
                ReporterName,
                ReporterPhone,
                Address,
                Description,
                Category,
                Channel,
            ],
            View::Disposal => &[
                Seq,
                Code,
                DispatchedAt,
                Assignee,
                Outcome,
                ResolvedAt,
                Status,
                Satisfaction,
                Hours,
            ],
            View::Both => &[
                Seq,
                Code,
                ReportedAt,
                ReporterName,
                ReporterPhone,
                Address,
                Description,
                Category,
                Channel,
                DispatchedAt,
                Assignee,
                Outcome,
                ResolvedAt,
                Status,
                Satisfaction,
                Hours,
            ],
        }
    }
}

/// The file format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Excel 2007+ workbook, written in constant-memory mode.
    Xlsx,
    /// Comma-separated values, UTF-8 with a byte-order mark so Excel reads the Chinese.
    Csv,
}

/// One request as a ledger row, already turned into display text by the caller.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LedgerRow {
    /// 序号: 1-based, running across the whole export.
    pub seq: u64,
    /// 编号: the request's code.
    pub code: String,
    /// 反映时间, local (Asia/Shanghai) time.
    pub reported_at: NaiveDateTime,
    /// 反映人.
    pub reporter_name: String,
    /// 联系电话.
    pub reporter_phone: String,
    /// 地址, e.g. `3号楼2门301`.
    pub address: String,
    /// 反映事项.
    pub description: String,
    /// 类别, the category's Chinese name.
    pub category: String,
    /// 渠道, the channel's Chinese name.
    pub channel: String,
    /// 派单时间, local time.
    pub dispatched_at: Option<NaiveDateTime>,
    /// 承办人: the volunteer or partner who took the job.
    pub assignee: String,
    /// 处置结果.
    pub outcome: String,
    /// 办结时间, local time.
    pub resolved_at: Option<NaiveDateTime>,
    /// 状态, in Chinese.
    pub status: String,
    /// 回访满意度, in Chinese, or empty when not yet rated.
    pub satisfaction: String,
    /// 服务时长(小时).
    pub hours: Option<f64>,
}

/// The column headers of a view, in order.
pub fn headers(view: View) -> Vec<&'static str> {
    view.columns().iter().map(|c| c.header()).collect()
}

/// Writes one ledger view to a file, one row at a time.
pub struct LedgerWriter {
    inner: Inner,
    rows: u64,
}

enum Inner {
    Xlsx(Box<xlsx_out::XlsxLedger>),
    Csv(Box<csv_out::CsvLedger>),
}

impl LedgerWriter {
    /// Creates the file at `path` and writes the header (and, for .xlsx, the title row).
    ///
    /// The .xlsx writer keeps its row data in a temporary file next to `path` until
    /// [`LedgerWriter::finish`]; the CSV writer writes straight to `path`. A CSV file has no
    /// title row, so that it stays a plain table.
    pub fn create(
        path: &Path,
        view: View,
        format: Format,
        title: &str,
    ) -> Result<Self, SheetError> {
        let inner = match format {
            Format::Xlsx => Inner::Xlsx(Box::new(xlsx_out::XlsxLedger::create(path, view, title)?)),
            Format::Csv => Inner::Csv(Box::new(csv_out::CsvLedger::create(path, view)?)),
        };
        Ok(LedgerWriter { inner, rows: 0 })
    }

    /// Writes one row. Rows go to the file (or the .xlsx temporary file) at once.
    pub fn push(&mut self, row: &LedgerRow) -> Result<(), SheetError> {
        match &mut self.inner {
            Inner::Xlsx(x) => x.push(row)?,
            Inner::Csv(c) => c.push(row)?,
        }
        self.rows += 1;
        Ok(())
    }

    /// Completes the file and returns how many rows were written. For .xlsx this is when
    /// the workbook is assembled from the streamed rows (about 15 s for a million rows);
    /// a writer dropped without `finish` leaves no .xlsx file, and a CSV cut short.
    pub fn finish(self) -> Result<u64, SheetError> {
        match self.inner {
            Inner::Xlsx(x) => x.finish()?,
            Inner::Csv(c) => c.finish()?,
        }
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_to_what_excel_holds() {
        assert_eq!(fit_cell("楼道灯不亮"), "楼道灯不亮");
        let fits = "漏".repeat(EXCEL_CELL_UNITS);
        assert!(matches!(fit_cell(&fits), Cow::Borrowed(_)));
        for long in [
            "漏".repeat(100_000),
            "a".repeat(40_000),
            "😀".repeat(20_000),
        ] {
            let cut = fit_cell(&long);
            assert!(cut.ends_with(TRUNCATED));
            let units = cut.encode_utf16().count();
            assert!(
                units <= EXCEL_CELL_UNITS && units > EXCEL_CELL_UNITS - 2,
                "{units}"
            );
            assert!(long.starts_with(cut.trim_end_matches(TRUNCATED)));
        }
    }
}
