//! How big a file an import takes, and the running count that enforces it.
//!
//! A spreadsheet describes itself, and none of that description is trusted: a zip entry
//! says how big it unpacks to, a sheet says which cells it uses, an .xls stream says how
//! many strings it holds and which rows its cells sit in. Each reader here counts what
//! the file really holds as it goes and stops at the first limit passed, before anything
//! is built from it. Nothing is ever allocated from a size the file declares.
//!
//! The defaults are sized for the largest ledger an office keeps in one file (50,000
//! requests, a few dozen columns) with room to spare, and so that refusing a hostile file
//! costs a few megabytes, not the server.

use super::header::HEADER_SEARCH_ROWS;
use crate::SheetError;

/// The limits one import is read under. [`Default`] is what `read_table` uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLimits {
    /// The file itself, in bytes.
    pub max_file_bytes: u64,
    /// Data rows. The sheet may have [`HEADER_ROWS`] more above them for titles and the
    /// header, so a full 50,000-row ledger with its title still fits.
    pub max_rows: u64,
    /// Columns (`IV`, the .xls limit, by default).
    pub max_columns: u64,
    /// Cells of the table as it is built: rows × columns of its bounding box, counted from
    /// A1, and also the number of cell records read (a sheet that repeats one cell a
    /// million times is refused too).
    pub max_cells: u64,
    /// Text held in cells, in UTF-8 bytes, after merged regions are filled.
    pub max_text_bytes: u64,
    /// One cell's text in UTF-8 bytes, and in an .xlsx any one run of text or tag of its
    /// XML (the parser holds each in one buffer). Excel itself keeps at most 32,767
    /// characters in a cell, under 400 KiB even written as XML character references.
    pub max_cell_bytes: u64,
    /// Merged regions in one sheet.
    pub max_merged_regions: u64,
    /// The cells merged regions cover, all together (overlaps counted twice).
    pub max_merged_cells: u64,
    /// .xlsx: every part unpacked, all together, counted while unpacking (the sizes the
    /// zip declares are checked too, but not relied on).
    pub max_inflated_bytes: u64,
    /// .xlsx: parts (zip entries) in the file.
    pub max_parts: u64,
    /// Memory the spreadsheet reader needs for the workbook's own tables (shared strings,
    /// cell formats and fonts, the sheet list, names), estimated from what the file
    /// actually holds before the reader is let at it.
    pub max_structure_bytes: u64,
}

/// Rows allowed above the data for titles and the header: as many as header detection
/// looks at.
pub const HEADER_ROWS: u64 = HEADER_SEARCH_ROWS as u64;

const MIB: u64 = 1024 * 1024;

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            // What the web's import route takes. 50,000 rows of .xlsx are about 5 MiB,
            // of .csv about 14 MiB.
            max_file_bytes: 20 * MIB,
            max_rows: 50_000,
            max_columns: 256,
            // 50,000 rows × 40 columns; each empty cell of the table is 24 bytes.
            max_cells: 2_000_000,
            max_text_bytes: 64 * MIB,
            max_cell_bytes: 512 * 1024,
            max_merged_regions: 100_000,
            max_merged_cells: 1_000_000,
            // bangbang's own export of 50,000 rows unpacks to about 50 MiB.
            max_inflated_bytes: 256 * MIB,
            max_parts: 10_000,
            max_structure_bytes: 64 * MIB,
        }
    }
}

impl ImportLimits {
    /// The rows a table may have: the data rows and the rows above them.
    pub(crate) fn max_table_rows(&self) -> u64 {
        self.max_rows.saturating_add(HEADER_ROWS)
    }

    /// The error for passing `limit`.
    pub(crate) fn refuse(&self, limit: Limit) -> SheetError {
        let max = match limit {
            Limit::FileBytes => self.max_file_bytes,
            Limit::Rows => self.max_rows,
            Limit::Columns => self.max_columns,
            Limit::Cells => self.max_cells,
            Limit::TextBytes => self.max_text_bytes,
            Limit::CellText => self.max_cell_bytes,
            Limit::MergedRegions => self.max_merged_regions,
            Limit::MergedCells => self.max_merged_cells,
            Limit::InflatedBytes => self.max_inflated_bytes,
            Limit::Parts => self.max_parts,
            Limit::StructureBytes => self.max_structure_bytes,
        };
        SheetError::TooLarge { limit, max }
    }
}

/// Which limit of [`ImportLimits`] a file passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`ImportLimits::max_file_bytes`].
    FileBytes,
    /// [`ImportLimits::max_rows`].
    Rows,
    /// [`ImportLimits::max_columns`].
    Columns,
    /// [`ImportLimits::max_cells`].
    Cells,
    /// [`ImportLimits::max_text_bytes`].
    TextBytes,
    /// [`ImportLimits::max_cell_bytes`].
    CellText,
    /// [`ImportLimits::max_merged_regions`].
    MergedRegions,
    /// [`ImportLimits::max_merged_cells`].
    MergedCells,
    /// [`ImportLimits::max_inflated_bytes`].
    InflatedBytes,
    /// [`ImportLimits::max_parts`].
    Parts,
    /// [`ImportLimits::max_structure_bytes`].
    StructureBytes,
}

impl Limit {
    /// A stable code for logs and tests: `rows`, `inflated_bytes`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::FileBytes => "file_bytes",
            Limit::Rows => "rows",
            Limit::Columns => "columns",
            Limit::Cells => "cells",
            Limit::TextBytes => "text_bytes",
            Limit::CellText => "cell_bytes",
            Limit::MergedRegions => "merged_regions",
            Limit::MergedCells => "merged_cells",
            Limit::InflatedBytes => "inflated_bytes",
            Limit::Parts => "parts",
            Limit::StructureBytes => "structure_bytes",
        }
    }

    /// What the user reads, in Chinese and English, naming the limit.
    pub fn message(self, max: u64) -> String {
        let n = grouped(max);
        let mb = grouped(max.div_ceil(MIB));
        let kb = grouped(max.div_ceil(1024));
        match self {
            Limit::FileBytes => format!(
                "文件太大：最多 {mb} MB / the file is larger than {mb} MB; split it into smaller files"
            ),
            Limit::Rows => format!(
                "表格太大：最多 {max} 行 / the sheet has more than {n} rows; split it into smaller files"
            ),
            Limit::Columns => format!(
                "表格太宽：最多 {max} 列 / the sheet has more than {n} columns; delete the columns it does not need"
            ),
            Limit::Cells => format!(
                "表格太大：最多 {max} 个单元格 / the sheet has more than {n} cells (rows × columns); split it into smaller files"
            ),
            Limit::TextBytes => format!(
                "表格文字太多：最多 {mb} MB / the cells hold more than {mb} MB of text; split it into smaller files"
            ),
            Limit::CellText => format!(
                "单元格内容太长：最多 {kb} KB / a cell holds more than {kb} KB of text (Excel itself keeps at most 32,767 characters in a cell)"
            ),
            Limit::MergedRegions => format!(
                "合并单元格太多：最多 {max} 处 / the sheet has more than {n} merged regions; unmerge them"
            ),
            Limit::MergedCells => format!(
                "合并单元格范围太大：合计最多 {max} 格 / the merged regions cover more than {n} cells; unmerge them"
            ),
            Limit::InflatedBytes => format!(
                "文件解压后太大：最多 {mb} MB / the workbook unpacks to more than {mb} MB; split it into smaller files"
            ),
            Limit::Parts => format!(
                "文件内部部件太多：最多 {max} 个 / the file holds more than {n} parts; save the ledger into a new workbook"
            ),
            Limit::StructureBytes => format!(
                "工作簿的格式、共享文本或名称太多（超过 {mb} MB）/ the workbook's cell formats, shared text or names need more than {mb} MB; copy the ledger into a new workbook as values"
            ),
        }
    }
}

/// `50000` → `50,000`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The running count of one table against the limits.
pub(crate) struct Budget<'a> {
    pub(crate) limits: &'a ImportLimits,
    rows: u64,
    columns: u64,
    cells: u64,
    text: u64,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(limits: &'a ImportLimits) -> Self {
        Budget {
            limits,
            rows: 0,
            columns: 0,
            cells: 0,
            text: 0,
        }
    }

    /// Takes in one cell at (row, column), 0-based, holding `text_bytes` of text: refused
    /// when it lies beyond the row or column limit, when the table's bounding box grows
    /// past the cell limit, when too many cells were read, or when the text runs over.
    pub(crate) fn cell(
        &mut self,
        row: u64,
        column: u64,
        text_bytes: u64,
    ) -> Result<(), SheetError> {
        if text_bytes > self.limits.max_cell_bytes {
            return Err(self.limits.refuse(Limit::CellText));
        }
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            return Err(self.limits.refuse(Limit::Cells));
        }
        self.extend(row.saturating_add(1), column.saturating_add(1))?;
        self.text(text_bytes)
    }

    /// Grows the table to at least `rows` × `columns`.
    pub(crate) fn extend(&mut self, rows: u64, columns: u64) -> Result<(), SheetError> {
        if rows > self.limits.max_table_rows() {
            return Err(self.limits.refuse(Limit::Rows));
        }
        if columns > self.limits.max_columns {
            return Err(self.limits.refuse(Limit::Columns));
        }
        self.rows = self.rows.max(rows);
        self.columns = self.columns.max(columns);
        if self.rows.saturating_mul(self.columns) > self.limits.max_cells {
            return Err(self.limits.refuse(Limit::Cells));
        }
        Ok(())
    }

    /// Counts `bytes` more of cell text.
    pub(crate) fn text(&mut self, bytes: u64) -> Result<(), SheetError> {
        self.text = self.text.saturating_add(bytes);
        if self.text > self.limits.max_text_bytes {
            return Err(self.limits.refuse(Limit::TextBytes));
        }
        Ok(())
    }

    /// The table's size so far: (rows, columns).
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.rows as usize, self.columns as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit() {
        let limits = ImportLimits::default();
        assert_eq!(
            limits.refuse(Limit::Rows).to_string(),
            "表格太大：最多 50000 行 / the sheet has more than 50,000 rows; split it into smaller files"
        );
        assert!(limits
            .refuse(Limit::FileBytes)
            .to_string()
            .contains("larger than 20 MB"));
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn the_budget_stops_at_each_limit() {
        let limits = ImportLimits {
            max_rows: 10,
            max_columns: 5,
            max_cells: 100,
            max_text_bytes: 20,
            ..ImportLimits::default()
        };
        let refused = |r: Result<(), SheetError>| match r {
            Err(SheetError::TooLarge { limit, .. }) => Some(limit),
            _ => None,
        };
        let wide = ImportLimits {
            max_cells: 1000,
            ..limits.clone()
        };
        let mut budget = Budget::new(&wide);
        assert_eq!(refused(budget.cell(10 + HEADER_ROWS - 1, 4, 5)), None);
        assert_eq!(
            refused(budget.cell(10 + HEADER_ROWS, 0, 0)),
            Some(Limit::Rows)
        );
        assert_eq!(refused(budget.cell(0, 5, 0)), Some(Limit::Columns));
        assert_eq!(refused(budget.cell(0, 0, 16)), Some(Limit::TextBytes));
        let mut budget = Budget::new(&limits);
        assert_eq!(refused(budget.cell(30, 2, 0)), None);
        assert_eq!(refused(budget.cell(34, 2, 0)), Some(Limit::Cells));
    }
}
