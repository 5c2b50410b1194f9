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

use super::limits::{ImportLimits, Limit};
use crate::SheetError;
use std::collections::VecDeque;

/// calamine takes each CONTINUE record off the front of a vector; past this many parts
/// that is quadratic. A full SST in 16 MiB needs about 2,000.
const MAX_CONTINUES: usize = 8192;
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
const CONTINUE: u16 = 0x003C;
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

fn damaged(why: &str) -> SheetError {
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

/// One record as calamine sees it: its data and the CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    /// Offset of `data` in the stream.
    at: usize,
    cont: VecDeque<&'a [u8]>,
}

impl<'a> Record<'a> {
    fn continue_record(&mut self) -> bool {
        match self.cont.pop_front() {
            Some(next) => {
                self.data = next;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.continue_record() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = &self.data[l..];
            len -= l;
        }
        Some(())
    }
}

/// Records from `start`, as calamine's `RecordIter` reads them; `None` where it fails.
struct Records<'a> {
    stream: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let header = |s: &[u8]| (u16_at(s, 0), usize::from(u16_at(s, 2)));
        if self.stream.len() < 4 {
            return None;
        }
        let (typ, len) = header(self.stream);
        if self.stream.len() < len + 4 {
            return None;
        }
        let data = &self.stream[4..4 + len];
        let at = self.offset + 4;
        self.stream = &self.stream[4 + len..];
        self.offset += 4 + len;
        let mut cont = VecDeque::new();
        while self.stream.len() > 4 && u16_at(self.stream, 0) == CONTINUE {
            let (_, len) = header(self.stream);
            if self.stream.len() < len + 4 {
                return None;
            }
            cont.push_back(&self.stream[4..4 + len]);
            self.stream = &self.stream[4 + len..];
            self.offset += 4 + len;
            if cont.len() > MAX_CONTINUES {
                return Some(Err(damaged("a record continues in too many parts")));
            }
        }
        Some(Ok(Record {
            typ,
            data,
            at,
            cont,
        }))
    }
}

fn u16_at(s: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([s[at], s[at + 1]])
}

fn u32_at(s: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]])
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

/// The number of cells calamine reserves for a DIMENSIONS record, computed as it does in
/// a release build (wrapping), or `None` when it fails on the record.
fn declared_area(r: &[u8]) -> Option<u64> {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u32::from(u16_at(r, 0)),
            u32::from(u16_at(r, 2)),
            u32::from(u16_at(r, 4)),
            u32::from(u16_at(r, 6)),
        ),
        14 | 16 => (
            u32_at(r, 0),
            u32_at(r, 4),
            u32::from(u16_at(r, 8)),
            u32::from(u16_at(r, 10)),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1) as u64;
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1) as u64;
    Some(rows.saturating_mul(cols))
}

/// Upper bounds of the UTF-8 length of each string of an SST record, walked the way
/// calamine's `parse_sst` reads it; `None` where calamine fails or panics.
fn sst_lengths(r: &mut Record<'_>, unit: u64) -> Option<Vec<u64>> {
    if r.data.len() < 8 {
        return None;
    }
    r.data = &r.data[8..];
    let mut lengths = Vec::new();
    while !r.data.is_empty() || r.continue_record() {
        if r.data.is_empty() {
            lengths.push(0);
            continue;
        }
        if r.data.len() < 3 {
            return None;
        }
        let cch = usize::from(u16_at(r.data, 0));
        let flags = r.data[2];
        r.data = &r.data[3..];
        let mut high_byte = flags & 0x1 != 0;
        let mut runs = 0;
        let mut ext = 0;
        if flags & 0x8 != 0 {
            if r.data.len() < 2 {
                return None;
            }
            runs = usize::from(u16_at(r.data, 0));
            r.data = &r.data[2..];
        }
        if flags & 0x4 != 0 {
            if r.data.len() < 4 {
                return None;
            }
            ext = i32::from_le_bytes([r.data[0], r.data[1], r.data[2], r.data[3]]) as usize;
            r.data = &r.data[4..];
        }
        let mut left = cch;
        while left > 0 {
            let units = if high_byte {
                (r.data.len() / 2).min(left)
            } else {
                r.data.len().min(left)
            };
            r.data = &r.data[if high_byte { 2 * units } else { units }..];
            left -= units;
            if left > 0 {
                if !r.continue_record() || r.data.is_empty() {
                    return None;
                }
                high_byte = r.data[0] & 0x1 != 0;
                r.data = &r.data[1..];
            }
        }
        r.skip(runs * 4)?;
        r.skip(ext)?;
        lengths.push(unit * cch as u64);
    }
    Some(lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn shared_strings_across_continue_records() {
        // Two strings: "ab" compressed, then "xyz" split over a CONTINUE that switches
        // to two-byte characters.
        let mut sst = vec![2, 0, 0, 0, 2, 0, 0, 0];
        sst.extend([2, 0, 0, b'a', b'b']);
        sst.extend([3, 0, 0, b'x']);
        let mut cont = vec![1];
        cont.extend([b'y', 0, b'z', 0]);
        let stream = [record(0x00FC, &sst), record(CONTINUE, &cont)].concat();
        let mut records = Records {
            stream: &stream,
            offset: 0,
        };
        let mut r = records.next().unwrap().unwrap();
        assert_eq!(sst_lengths(&mut r, 3), Some(vec![6, 9]));
    }

    #[test]
    fn declared_dimensions_as_calamine_reserves_them() {
        let dims = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut d = rf.to_le_bytes().to_vec();
            d.extend(rl.to_le_bytes());
            d.extend(cf.to_le_bytes());
            d.extend(cl.to_le_bytes());
            d.extend([0, 0]);
            declared_area(&d)
        };
        assert_eq!(dims(0, 10, 0, 5), Some(50));
        // Last row before the first: calamine's subtraction wraps.
        assert!(dims(10, 2, 0, 5).unwrap() > 1 << 32);
        assert_eq!(declared_area(&[0; 12]), None);
    }
}
