//! The .xlsx side of the ledger export: rust_xlsxwriter in constant-memory mode.
//!
//! Text longer than a cell holds (32,767 characters) is cut with a visible mark
//! ([`super::TRUNCATED`]) rather than failing the export: what the store holds is
//! never a reason for an export to fail.
//!
//! Constant-memory mode flushes each row to a temporary file as soon as the next row is
//! started, so rows must be written strictly in order. Everything that is not cell data
//! (column widths, frozen panes, the autofilter range, print setup) is worksheet metadata
//! that rust_xlsxwriter writes around the streamed `<sheetData>` when the workbook is
//! saved, so the autofilter can be given its true last row in [`XlsxLedger::finish`].
//!
//! Each column's cell format is set as a column format while the rows stream, and cells
//! with a value are written without one: rust_xlsxwriter gives an unformatted cell its
//! column's format, as Excel does when one types into a formatted column, so the file is
//! the same, but a format given with every cell is hashed and compared in the workbook's
//! format table each time, which was a quarter of the time of a million-row export. Blank
//! cells still carry their format (rust_xlsxwriter writes no blank cell without one), and
//! the column formats are taken off again before saving, so that the empty cells below the
//! ledger stay unformatted.

use super::{fit_cell, Cell, Column, LedgerRow, View};
use crate::SheetError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::path::{Path, PathBuf};

/// Excel's row limit.
const MAX_ROWS: u32 = 1_048_576;
/// Rows of wrapped text get an explicit height, estimated from their text, so that
/// viewers which do not size rows on opening (LibreOffice) show and print every line;
/// Excel and WPS size rows without a height themselves. rust_xlsxwriter keeps every row
/// height it is given in memory until the workbook is saved (about 350 bytes a row, even
/// in constant-memory mode), so only the first rows, the ones anyone prints, are sized:
/// that bounds the memory at a few megabytes however long the export.
const SIZED_ROWS: u32 = 10_000;
/// Points per line of wrapped text: the default row height of 15 points plus room for
/// CJK glyphs, which sit taller than Latin ones.
const LINE_HEIGHT: f64 = 15.5;
/// A4 in Excel's paper-size numbering.
const PAPER_A4: u8 = 9;
/// Deflate level of the saved workbook: the level Excel itself writes. It compresses a
/// million rows in about half the time of rust_xlsxwriter's default (6), for a file about
/// 5% larger.
const ZIP_LEVEL: u8 = 3;

pub(crate) struct XlsxLedger {
    workbook: Workbook,
    path: PathBuf,
    columns: &'static [Column],
    header_row: u32,
    next_row: u32,
    formats: Formats,
    /// Which cells of the last row written are blank (bit `i` for column `i`).
    blanks: u32,
}

struct Formats {
    text: Format,
    wrap: Format,
    date: Format,
    int: Format,
    hours: Format,
}

impl XlsxLedger {
    pub(crate) fn create(path: &Path, view: View, title: &str) -> Result<Self, SheetError> {
        let mut workbook = Workbook::new();
        // Keep the streamed rows next to the output rather than in /tmp, which may be a
        // small tmpfs: a million rows of sheet XML is several hundred megabytes.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            workbook.set_tempdir(dir)?;
        }
        let columns = view.columns();
        let last_col = (columns.len() - 1) as u16;
        let border = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let formats = Formats {
            text: border.clone(),
            wrap: border.clone().set_text_wrap(),
            date: border.clone().set_num_format("yyyy-mm-dd hh:mm"),
            int: border.clone().set_align(FormatAlign::Center),
            hours: border.clone().set_num_format("0.0"),
        };
        let header = border
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_background_color(0xD9E1F2);
        let title_format = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);

        workbook.set_zip_compression_level(ZIP_LEVEL);
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(view.sheet_name())?;
        for (i, column) in columns.iter().enumerate() {
            sheet.set_column_width(i as u16, column.width())?;
        }
        let header_row = if title.trim().is_empty() {
            0
        } else {
            sheet.set_row_height(0, 30)?;
            sheet.merge_range(0, 0, 0, last_col, &fit_cell(title.trim()), &title_format)?;
            1
        };
        sheet.set_row_height(header_row, 22)?;
        for (i, column) in columns.iter().enumerate() {
            sheet.write_string_with_format(header_row, i as u16, column.header(), &header)?;
        }
        // After the title and header, so that the formats are numbered in the order they
        // are first used, as when every cell named its own.
        for (i, column) in columns.iter().enumerate() {
            sheet.set_column_format(i as u16, formats.of(*column))?;
        }
        sheet.set_freeze_panes(header_row + 1, 0)?;
        sheet.set_repeat_rows(0, header_row)?;
        sheet
            .set_landscape()
            .set_paper_size(PAPER_A4)
            .set_print_fit_to_pages(1, 0);

        Ok(XlsxLedger {
            workbook,
            path: path.to_path_buf(),
            columns,
            header_row,
            next_row: header_row + 1,
            formats,
            blanks: 0,
        })
    }

    pub(crate) fn push(&mut self, row: &LedgerRow) -> Result<(), SheetError> {
        if self.next_row >= MAX_ROWS {
            return Err(SheetError::TooManyRows {
                limit: u64::from(MAX_ROWS - self.header_row - 1),
            });
        }
        let r = self.next_row;
        let f = &self.formats;
        let sheet = sheet(&mut self.workbook)?;
        let mut lines = 1;
        // A cell with a value takes its column's format (see the module's introduction);
        // a blank one names its own.
        self.blanks = 0;
        for (i, column) in self.columns.iter().enumerate() {
            let c = i as u16;
            let cell = column.cell(row);
            if matches!(cell, Cell::Text("") | Cell::Date(None) | Cell::Number(None)) {
                self.blanks |= 1 << i;
            }
            match cell {
                Cell::Int(n) => sheet.write_number(r, c, n as f64)?,
                Cell::Text("") => sheet.write_blank(r, c, &f.text)?,
                Cell::Text(text) if column.wraps() => {
                    let text = fit_cell(text);
                    lines = lines.max(column.lines(&text));
                    sheet.write_string(r, c, text)?
                }
                Cell::Text(text) => sheet.write_string(r, c, fit_cell(text))?,
                Cell::Date(Some(at)) => sheet.write_datetime(r, c, at)?,
                Cell::Date(None) => sheet.write_blank(r, c, &f.date)?,
                Cell::Number(Some(n)) => sheet.write_number(r, c, n)?,
                Cell::Number(None) => sheet.write_blank(r, c, &f.hours)?,
            };
        }
        if lines > 1 && r - self.header_row <= SIZED_ROWS {
            sheet.set_row_height(r, LINE_HEIGHT * lines.min(8) as f64)?;
        }
        self.next_row += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), SheetError> {
        let last_col = (self.columns.len() - 1) as u16;
        let last_row = self.next_row - 1;
        let sheet = sheet(&mut self.workbook)?;
        sheet.autofilter(self.header_row, 0, last_row, last_col)?;
        // The last row is still in memory, to be written when the workbook is saved, after
        // the column formats are gone: its cells with a value name their formats now.
        if last_row > self.header_row {
            for (i, column) in self.columns.iter().enumerate() {
                if self.blanks & (1 << i) == 0 {
                    sheet.set_cell_format(last_row, i as u16, self.formats.of(*column))?;
                }
            }
        }
        // The columns themselves stay plain, as the empty cells below the ledger.
        let plain = Format::new();
        for i in 0..self.columns.len() {
            sheet.set_column_format(i as u16, &plain)?;
        }
        self.workbook.save(&self.path)?;
        Ok(())
    }
}

impl Formats {
    /// The format of a cell with a value in `column`.
    fn of(&self, column: Column) -> &Format {
        match column.cell(&LedgerRow::default()) {
            Cell::Int(_) => &self.int,
            Cell::Text(_) if column.wraps() => &self.wrap,
            Cell::Text(_) => &self.text,
            Cell::Date(_) => &self.date,
            Cell::Number(_) => &self.hours,
        }
    }
}

fn sheet(workbook: &mut Workbook) -> Result<&mut Worksheet, SheetError> {
    Ok(workbook.worksheet_from_index(0)?)
}
