//! Reading the first non-empty sheet of an .xlsx or .xls workbook through calamine, within
//! the import limits.
//!
//! - `.xlsx`: every part is checked first (`xlsx_scan.rs`), then the cells are streamed
//!   one at a time with calamine's `worksheet_cells_reader` (never `worksheet_range`,
//!   which allocates the bounding box of whatever cells a sheet names) and each one is
//!   counted against the limits before it is kept.
//! - `.xls`: calamine parses the whole workbook in `Xls::new`, so its container is walked
//!   (`cfb.rs`) and its records scanned (`xls_scan.rs`) first; calamine then reads the
//!   scanned stream from a fresh container.
//! - Merged regions are checked (how many, and the cells they cover) before any is filled.
//! - calamine is run under `catch_unwind`: a record it cannot cope with makes it panic
//!   here and there, and that is a damaged file, not a crashed import.

use super::cells::cell_text;
use super::limits::{Budget, ImportLimits, Limit};
use super::{cfb, xls_scan, xlsx_scan};
use crate::SheetError;
use calamine::{Data, DataRef, Dimensions, Reader, Xls, Xlsx, XlsxError};
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The first sheet of an .xlsx with any text in it, as rows of text from A1.
pub(crate) fn read_xlsx(
    bytes: &[u8],
    limits: &ImportLimits,
) -> Result<Vec<Vec<String>>, SheetError> {
    // calamine opens every .xlsx as a compound file first, to look for a password.
    if cfb::is_compound_file(bytes) {
        cfb::check(bytes)?;
    }
    xlsx_scan::check_xlsx(bytes, limits)?;
    guarded(|| {
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(calamine::Error::from)?;
        for name in book.sheet_names() {
            let mut sheet = Sheet::new(limits);
            match book.worksheet_cells_reader(&name) {
                Ok(mut cells) => {
                    while let Some(cell) = cells.next_cell().map_err(calamine::Error::from)? {
                        let (row, col) = cell.get_position();
                        sheet.push_ref(row, col, cell.get_value())?;
                    }
                }
                Err(XlsxError::NotAWorksheet(_)) => continue,
                Err(e) => return Err(calamine::Error::from(e).into()),
            }
            if !sheet.has_text {
                continue;
            }
            let merges = book
                .merge_cells_by_sheet_name(&name)
                .map_err(calamine::Error::from)?;
            return sheet.into_table(&merges);
        }
        Err(SheetError::EmptyWorkbook)
    })
}

/// The first sheet of an .xls with any text in it, as rows of text from A1.
pub(crate) fn read_xls(
    bytes: &[u8],
    limits: &ImportLimits,
) -> Result<Vec<Vec<String>>, SheetError> {
    let Some(mut stream) = cfb::workbook_stream(bytes)? else {
        // Not a container calamine can read: let it say why.
        return guarded(|| match Xls::new(Cursor::new(bytes)) {
            Ok(_) => Err(SheetError::EmptyWorkbook),
            Err(e) => Err(calamine::Error::from(e).into()),
        });
    };
    xls_scan::scan(&mut stream, limits)?;
    let file = cfb::wrap(&stream);
    drop(stream);
    guarded(|| {
        let mut book = Xls::new(Cursor::new(&file[..])).map_err(calamine::Error::from)?;
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).map_err(calamine::Error::from)?;
            let mut sheet = Sheet::new(limits);
            if let (Some((top, left)), Some((bottom, right))) = (range.start(), range.end()) {
                // The table reaches the range's last row and column, as calamine gives it.
                sheet
                    .budget
                    .extend(u64::from(bottom) + 1, u64::from(right) + 1)?;
                for (r, c, value) in range.used_cells() {
                    sheet.push(top + r as u32, left + c as u32, value)?;
                }
            }
            if !sheet.has_text {
                continue;
            }
            let merges = book
                .merge_cells_by_sheet_name(&name)
                .map_err(calamine::Error::from)?;
            return sheet.into_table(&merges);
        }
        Err(SheetError::EmptyWorkbook)
    })
}

/// Runs calamine, turning a panic in it into a refusal.
fn guarded<T>(read: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(SheetError::Damaged(
            "the spreadsheet reader stopped on a record it could not read".into(),
        ))
    })
}

/// The cells of one sheet as they are read, counted against the limits, placed in their
/// rows as they come (cells normally arrive row by row, left to right).
struct Sheet<'a> {
    budget: Budget<'a>,
    rows: Vec<Vec<String>>,
    has_text: bool,
}

impl<'a> Sheet<'a> {
    fn new(limits: &'a ImportLimits) -> Self {
        Sheet {
            budget: Budget::new(limits),
            rows: Vec::new(),
            has_text: false,
        }
    }

    /// A streamed .xlsx cell. Empty cells (styled, but without a value) take no room; a
    /// shared string is measured before it is copied.
    fn push_ref(&mut self, row: u32, col: u32, value: &DataRef<'_>) -> Result<(), SheetError> {
        match value {
            DataRef::Empty => Ok(()),
            DataRef::SharedString(s) => {
                self.budget
                    .cell(u64::from(row), u64::from(col), s.len() as u64)?;
                self.keep(row, col, s.to_string());
                Ok(())
            }
            other => self.push(row, col, &Data::from(other.clone())),
        }
    }

    fn push(&mut self, row: u32, col: u32, value: &Data) -> Result<(), SheetError> {
        let text = cell_text(value);
        self.budget
            .cell(u64::from(row), u64::from(col), text.len() as u64)?;
        self.keep(row, col, text);
        Ok(())
    }

    /// Places a cell the budget has taken in.
    fn keep(&mut self, row: u32, col: u32, text: String) {
        let (row, col) = (row as usize, col as usize);
        self.has_text |= !text.trim().is_empty();
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let width = self.budget.size().1;
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            cells.reserve_exact(width.max(col + 1) - cells.len());
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }

    /// The table from A1 to the last row and column read, merged regions filled.
    fn into_table(mut self, merges: &[Dimensions]) -> Result<Vec<Vec<String>>, SheetError> {
        let (rows, cols) = self.budget.size();
        self.rows.resize_with(rows, Vec::new);
        for row in &mut self.rows {
            row.resize(cols, String::new());
        }
        fill_merges(&mut self.rows, merges, &mut self.budget)?;
        Ok(self.rows)
    }
}

/// Fills each merged region from its top-left cell, so that a 类别 merged over five rows
/// gives all five rows the category. A region is filled down to the table's last row and
/// across as far as it goes (widening the table), except that one reaching past the column
/// limit (a title merged across a whole row) stops at the table's width. Before any is
/// filled, the regions are counted and the cells they reach within the table's rows are
/// added up, past the column limit too: A1:XFD1000 over a thousand rows is 16 million.
fn fill_merges(
    table: &mut [Vec<String>],
    merges: &[Dimensions],
    budget: &mut Budget<'_>,
) -> Result<(), SheetError> {
    let limits = budget.limits;
    if merges.len() as u64 > limits.max_merged_regions {
        return Err(limits.refuse(Limit::MergedRegions));
    }
    let (rows, mut width) = budget.size();
    let mut regions = Vec::new();
    let mut covered = 0u64;
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let has_value = table
            .get(r0)
            .and_then(|row| row.get(c0))
            .is_some_and(|v| !v.is_empty());
        if !has_value {
            continue;
        }
        let r1 = (m.end.0 as usize).min(rows - 1);
        let declared_c1 = m.end.1 as usize;
        let c1 = if declared_c1 as u64 >= limits.max_columns {
            width.max(c0 + 1) - 1
        } else {
            declared_c1
        };
        if r1 < r0 || c1 < c0 {
            continue;
        }
        // Counted as far as the region reaches, even where filling stops short.
        let reach = (r1 - r0 + 1) as u64 * (declared_c1 - c0 + 1) as u64;
        covered = covered.saturating_add(reach);
        if covered > limits.max_merged_cells {
            return Err(limits.refuse(Limit::MergedCells));
        }
        width = width.max(c1 + 1);
        regions.push((r0, c0, r1, c1));
    }
    budget.extend(rows as u64, width as u64)?;
    for row in table.iter_mut() {
        row.resize(width, String::new());
    }
    for (r0, c0, r1, c1) in regions {
        let value = table[r0][c0].clone();
        for row in &mut table[r0..=r1] {
            for cell in &mut row[c0..=c1] {
                if cell.is_empty() {
                    budget.text(value.len() as u64)?;
                    cell.clone_from(&value);
                }
            }
        }
    }
    Ok(())
}
