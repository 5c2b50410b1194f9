//! The record layer of an .xls Workbook stream (BIFF), read exactly as calamine's
//! `xls.rs` reads it, so that `xls_scan.rs` sees the records, and the shared strings,
//! that calamine will.

use super::xls_scan::damaged;
use crate::SheetError;
use std::collections::VecDeque;

/// calamine takes each CONTINUE record off the front of a vector; past this many parts
/// that is quadratic. A full SST in 16 MiB needs about 2,000.
const MAX_CONTINUES: usize = 8192;
const CONTINUE: u16 = 0x003C;

/// One record as calamine sees it: its data and the CONTINUE records after it.
pub(crate) struct Record<'a> {
    pub(crate) typ: u16,
    pub(crate) data: &'a [u8],
    /// Offset of `data` in the stream.
    pub(crate) at: usize,
    pub(crate) cont: VecDeque<&'a [u8]>,
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
pub(crate) struct Records<'a> {
    pub(crate) stream: &'a [u8],
    pub(crate) offset: usize,
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

pub(crate) fn u16_at(s: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([s[at], s[at + 1]])
}

pub(crate) fn u32_at(s: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]])
}

/// The number of cells calamine reserves for a DIMENSIONS record, computed as it does in
/// a release build (wrapping), or `None` when it fails on the record.
pub(crate) fn declared_area(r: &[u8]) -> Option<u64> {
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
pub(crate) fn sst_lengths(r: &mut Record<'_>, unit: u64) -> Option<Vec<u64>> {
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
