//! The CSV side of the ledger export: UTF-8 with a byte-order mark, dates as
//! `2024-07-03 09:30`, quoting by the csv crate.

use super::{Cell, Column, LedgerRow, View};
use crate::SheetError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The UTF-8 byte-order mark: without it Excel reads a CSV in the local ANSI code page and
/// the Chinese turns to mojibake.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) struct CsvLedger {
    writer: csv::Writer<BufWriter<File>>,
    columns: &'static [Column],
    record: Vec<String>,
}

impl CsvLedger {
    pub(crate) fn create(path: &Path, view: View) -> Result<Self, SheetError> {
        let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
        out.write_all(BOM)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        let columns = view.columns();
        writer.write_record(columns.iter().map(|c| c.header()))?;
        Ok(CsvLedger {
            writer,
            columns,
            record: vec![String::new(); columns.len()],
        })
    }

    pub(crate) fn push(&mut self, row: &LedgerRow) -> Result<(), SheetError> {
        use std::fmt::Write as _;
        for (field, column) in self.record.iter_mut().zip(self.columns) {
            field.clear();
            match column.cell(row) {
                Cell::Int(n) => write!(field, "{n}").expect("writing to a String"),
                Cell::Text(text) => {
                    if starts_like_formula(text) {
                        // Excel would run `=HYPERLINK(..)` typed by a resident as a formula.
                        field.push('\'');
                    }
                    field.push_str(text);
                }
                Cell::Date(Some(at)) => {
                    write!(field, "{}", at.format("%Y-%m-%d %H:%M")).expect("writing to a String")
                }
                Cell::Number(Some(n)) => write!(field, "{n}").expect("writing to a String"),
                Cell::Date(None) | Cell::Number(None) => {}
            }
        }
        self.writer.write_record(&self.record)?;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), SheetError> {
        self.writer.flush()?;
        let out = self
            .writer
            .into_inner()
            .map_err(|e| SheetError::Io(e.into_error()))?;
        out.into_inner()
            .map_err(|e| SheetError::Io(e.into_error()))?
            .sync_all()?;
        Ok(())
    }
}

/// Text that a spreadsheet would take for a formula when it opens a CSV: starting with
/// `=`, `+`, `-` or `@`, with their full-width (`＝＋－＠`, what a Chinese input method
/// types) or small (`﹦﹢﹣﹫`) forms, which spreadsheets in a Chinese locale may read as
/// the ASCII ones, or with a tab or a carriage return. Every text column is checked: a
/// category or status is typed by someone too.
fn starts_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some(
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                | '＝'
                | '＋'
                | '－'
                | '＠'
                | '﹦'
                | '﹢'
                | '﹣'
                | '﹫'
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_in_every_width() {
        for text in [
            "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "＝1+1", "＋1", "－1", "＠x", "﹦1",
            "﹢1", "﹣1", "﹫x",
        ] {
            assert!(starts_like_formula(text), "{text:?}");
        }
        for text in ["", "楼道灯不亮", "3号楼", " =1", "（=1）", "——", "–1"] {
            assert!(!starts_like_formula(text), "{text:?}");
        }
    }
}
