//! Scanning the records of an .xls Workbook stream before calamine parses them.
//!
//! `Xls::new` parses every sheet of the workbook at once, and a few records make it
//! allocate from what they declare: a sheet's DIMENSIONS record reserves rows × columns
//! cells, the cells of a sheet become a dense grid of their bounding box, and each cell
//! that points into the shared string table gets its own copy of the string. So this scan
//! walks the records the way calamine will (`xls.rs`, `parse_workbook`), adds up what
//! they will cost, and refuses the file at the first limit passed.
//!
//! It also neutralises formulas: their cached values are all an import reads, and
//! calamine's formula decompiler is the part of its reader that a crafted record can make
//! slow (quadratic) or make panic. Each formula's token stream is given length zero here,
//! in place, so calamine keeps the cached value and decompiles nothing.

use super::biff::{declared_area, sst_lengths, u16_at, u32_at, Records};
use super::limits::{ImportLimits, Limit};
use crate::SheetError;

/// An upper bound of UTF-8 bytes per character unit of an .xls string as calamine
/// decodes it: 3 with the usual UTF-16 code page (1200), 4 with any other (calamine
/// then decodes one-byte characters padded with a zero byte in that code page).
const UTF8_PER_UNIT: u64 = 3;
const UTF8_PER_UNIT_OTHER: u64 = 4;
/// What calamine keeps for each shared string, sheet name or defined name besides its
/// text: the `String` in a vector that may have twice the room it uses.
const PER_ENTRY: u64 = 48;

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FORMULA: u16 = 0x0006;

/// Scans `stream` (the Workbook stream) against the limits and neutralises its formulas.
/// A stream calamine would simply fail on is let through for calamine to report.
pub(crate) fn scan(stream: &mut [u8], limits: &ImportLimits) -> Result<(), SheetError> {
    let mut scan = Scan {
        limits,
        unit: UTF8_PER_UNIT,
        structure: 0,
        cells: 0,
        text: 0,
        strings: Vec::new(),
        formulas: Vec::new(),
    };
    let sheets = match scan.globals(stream)? {
        Some(sheets) => sheets,
        None => return Ok(()),
    };
    let mut scanned = 0usize;
    for pos in sheets {
        let Some(sheet) = stream.get(pos..) else {
            return Err(damaged("a sheet starts past the end of the workbook"));
        };
        scanned = scanned.saturating_add(sheet.len());
        if scanned > stream.len().saturating_mul(2).saturating_add(1 << 20) {
            return Err(damaged("its sheets overlap"));
        }
        if !scan.sheet(sheet, pos)? {
            break;
        }
    }
    for at in scan.formulas {
        stream[at..at + 2].copy_from_slice(&[0, 0]);
    }
    Ok(())
}

pub(crate) fn damaged(why: &str) -> SheetError {
    SheetError::Damaged(format!("the .xls workbook: {why}"))
}

struct Scan<'l> {
    limits: &'l ImportLimits,
    /// UTF-8 bytes per character unit under the workbook's code page.
    unit: u64,
    structure: u64,
    /// Cells of the dense grids calamine builds, all sheets together.
    cells: u64,
    text: u64,
    /// An upper bound of each shared string's UTF-8 length, by index.
    strings: Vec<u64>,
    /// Offsets of formulas' token lengths, to zero.
    formulas: Vec<usize>,
}

impl Scan<'_> {
    fn structure(&mut self, bytes: u64) -> Result<(), SheetError> {
        self.structure = self.structure.saturating_add(bytes);
        if self.structure > self.limits.max_structure_bytes {
            return Err(self.limits.refuse(Limit::StructureBytes));
        }
        Ok(())
    }

    fn text(&mut self, bytes: u64) -> Result<(), SheetError> {
        self.text = self.text.saturating_add(bytes);
        if self.text > self.limits.max_text_bytes {
            return Err(self.limits.refuse(Limit::TextBytes));
        }
        Ok(())
    }

    /// The workbook globals: the shared strings and the sheets' offsets. `None` when
    /// calamine stops in them.
    fn globals(&mut self, stream: &[u8]) -> Result<Option<Vec<usize>>, SheetError> {
        let mut sheets = Vec::new();
        for record in (Records { stream, offset: 0 }) {
            let mut r = record?;
            if r.typ != 0x00FC {
                let conts: usize = r.cont.iter().map(|c| c.len()).sum();
                self.structure(2 * (r.data.len() + conts) as u64)?;
            }
            match r.typ {
                // CodePage.
                0x0042 if r.data.len() >= 2 => {
                    self.unit = if u16_at(r.data, 0) == 1200 {
                        UTF8_PER_UNIT
                    } else {
                        UTF8_PER_UNIT_OTHER
                    };
                }
                0x002F if r.data.len() >= 2 && u16_at(r.data, 0) != 0 => return Ok(None),
                // BoundSheet8: calamine reads six bytes and a short string unchecked.
                0x0085 => {
                    if r.data.len() < 8 {
                        return Err(damaged("a sheet entry is cut short"));
                    }
                    sheets.push(u32_at(r.data, 0) as usize);
                    self.structure(PER_ENTRY + self.unit * u64::from(r.data[6]))?;
                }
                // Lbl: a defined name.
                0x0018 => self.structure(PER_ENTRY * 2)?,
                0x00FC => match sst_lengths(&mut r, self.unit) {
                    Some(lengths) => {
                        let text: u64 = lengths.iter().sum();
                        self.structure(PER_ENTRY * lengths.len() as u64 + text)?;
                        self.strings = lengths;
                    }
                    None => return Ok(None),
                },
                EOF => return Ok(Some(sheets)),
                _ => {}
            }
        }
        // calamine reads on to the end of the stream without an EOF record.
        Ok(Some(sheets))
    }

    /// One sheet's substream, from offset `pos`. `false` when calamine stops in it.
    fn sheet(&mut self, sheet: &[u8], pos: usize) -> Result<bool, SheetError> {
        let mut cells = Extent::default();
        let mut formulas = Extent::default();
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut fmla_pos = (0u32, 0u32);
        for record in (Records {
            stream: sheet,
            offset: pos,
        }) {
            let r = record?;
            if depth > 0 {
                match r.typ {
                    BOF => depth += 1,
                    EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let d = r.data;
            let at = |n: usize| (u32::from(u16_at(d, 0)), u32::from(u16_at(d, 2)), n);
            let (row, col, count) = match r.typ {
                BOF => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                    continue;
                }
                EOF => break,
                // Dimensions: calamine reserves rows × columns cells from it.
                0x0200 => {
                    let Some(area) = declared_area(d) else {
                        return Ok(false);
                    };
                    if area > self.limits.max_cells {
                        return Err(self.limits.refuse(Limit::Cells));
                    }
                    continue;
                }
                // Number, RK, BoolErr.
                0x0203 if d.len() >= 14 => at(1),
                0x027E if d.len() >= 10 => at(1),
                0x0205 if d.len() >= 8 => at(1),
                // Label, RString: a string of their own.
                0x0204 | 0x00D6 if d.len() >= 6 => {
                    self.text(self.unit * d.len() as u64)?;
                    at(1)
                }
                // LabelSst: a copy of a shared string.
                0x00FD if d.len() >= 10 => {
                    let Some(&len) = self.strings.get(u32_at(d, 6) as usize) else {
                        continue;
                    };
                    self.text(len)?;
                    at(1)
                }
                // MulRk: a run of numbers along a row.
                0x00BD if d.len() >= 6 => {
                    let n = (d.len() - 6) / 6;
                    (u32::from(u16_at(d, 0)), u32::from(u16_at(d, 2)), n.max(1))
                }
                // String: the text value of the formula before it.
                0x0207 => {
                    self.text(self.unit * d.len() as u64)?;
                    (fmla_pos.0, fmla_pos.1, 1)
                }
                FORMULA if d.len() >= 20 => {
                    fmla_pos = (u32::from(u16_at(d, 0)), u32::from(u16_at(d, 2)));
                    if d.len() >= 22 {
                        self.formulas.push(r.at + 20);
                    }
                    // calamine sizes each formula's text by the rest of its record.
                    self.text(d.len() as u64)?;
                    formulas.add(fmla_pos.0, fmla_pos.1, 1, self.limits)?;
                    at(1)
                }
                0x0203 | 0x027E | 0x0205 | 0x0204 | 0x00D6 | 0x00FD | 0x00BD | FORMULA => {
                    // Too short: calamine fails on it.
                    return Ok(false);
                }
                _ => continue,
            };
            cells.add(row, col, count as u64, self.limits)?;
        }
        for extent in [cells, formulas] {
            self.cells = self.cells.saturating_add(extent.area());
            if self.cells > self.limits.max_cells {
                return Err(self.limits.refuse(Limit::Cells));
            }
        }
        Ok(true)
    }
}

/// The cells calamine collects for one sheet: how many, and their bounding box.
#[derive(Default)]
struct Extent {
    count: u64,
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    /// `n` cells along a row from (row, col).
    fn add(&mut self, row: u32, col: u32, n: u64, limits: &ImportLimits) -> Result<(), SheetError> {
        self.count += n;
        if self.count > limits.max_cells {
            return Err(limits.refuse(Limit::Cells));
        }
        let last_col = u64::from(col) + n - 1;
        if u64::from(row) >= limits.max_table_rows() {
            return Err(limits.refuse(Limit::Rows));
        }
        if last_col >= limits.max_columns {
            return Err(limits.refuse(Limit::Columns));
        }
        let last_col = last_col as u32;
        self.rows = Some(
            self.rows
                .map_or((row, row), |(a, b)| (a.min(row), b.max(row))),
        );
        self.cols = Some(
            self.cols
                .map_or((col, last_col), |(a, b)| (a.min(col), b.max(last_col))),
        );
        Ok(())
    }

    fn area(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => {
                u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
            }
            _ => 0,
        }
    }
}
