//! Checking an .xlsx before calamine opens it.
//!
//! calamine's `Xlsx::new` unpacks and parses the shared strings, the cell formats and the
//! workbook part in full, and reserves room for as many shared strings as the file says it
//! has. So before it runs, every part of the zip is unpacked here into a counting sink.
//! The sizes the zip declares are added up first, and then not relied on: each part is
//! counted as it really unpacks, so one that unpacks to more than it declares cannot
//! pass (the count stops it at the limit; the zip crate also stops it past its declared
//! size, which is reported as a damaged file). While a part streams through, a small tag
//! scanner counts the elements calamine turns into memory (`<si>`, `<xf>`, `<font>`,
//! `<sheet>`, `<mergeCell>`, ...), checks the longest run of text and the longest tag
//! (quick-xml holds each in one buffer), and reads the `uniqueCount` of the shared
//! strings. From those counts, and calamine's own type sizes, comes an estimate of what
//! opening the workbook costs, which must fit the structure budget.
//!
//! Nothing is kept: the scan holds a few counters whatever the size of the part. The
//! cells themselves are not counted here: `workbook.rs` streams them one at a time.

use super::limits::{ImportLimits, Limit};
use crate::SheetError;
use std::io::{Cursor, Write};
use std::mem::size_of;

/// Shared strings a file may declare beyond those it holds, for sloppy writers.
const UNIQUE_COUNT_SLACK: u64 = 1024;

/// Checks every part of the .xlsx in `bytes` against the limits. A file the zip crate
/// cannot open is let through: calamine, which uses the same crate, refuses it with its
/// own error.
pub(crate) fn check_xlsx(bytes: &[u8], limits: &ImportLimits) -> Result<(), SheetError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    if zip.len() as u64 > limits.max_parts {
        return Err(limits.refuse(Limit::Parts));
    }
    let mut declared = 0u64;
    for i in 0..zip.len() {
        if let Ok(part) = zip.by_index_raw(i) {
            declared = declared.saturating_add(part.size());
        }
    }
    if declared > limits.max_inflated_bytes {
        return Err(limits.refuse(Limit::InflatedBytes));
    }
    let mut inflated = 0u64;
    let mut structure = 0u64;
    for i in 0..zip.len() {
        // A part that cannot be opened (an unknown compression, encrypted) is one
        // calamine fails on too, if it reads it at all.
        let Ok(mut part) = zip.by_index(i) else {
            continue;
        };
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut scan = PartScan::new(limits.max_inflated_bytes - inflated, limits.max_cell_bytes);
        let copied = std::io::copy(&mut part, &mut scan);
        inflated += scan.bytes;
        if let Some(limit) = scan.passed {
            return Err(limits.refuse(limit));
        }
        // One that opens but breaks while unpacking (more data than it declared, a bad
        // checksum) is a damaged file.
        if let Err(e) = copied {
            return Err(SheetError::Damaged(format!(
                "part '{name}' cannot be unpacked: {e}"
            )));
        }
        let tags = &scan.tags;
        if tags.merge_cells > limits.max_merged_regions {
            return Err(limits.refuse(Limit::MergedRegions));
        }
        if tags.unique_count > tags.shared_strings.saturating_add(UNIQUE_COUNT_SLACK) {
            return Err(SheetError::Damaged(format!(
                "the shared strings table says it holds {} strings but holds {}",
                tags.unique_count, tags.shared_strings
            )));
        }
        structure = structure.saturating_add(tags.cost(scan.bytes));
        if structure > limits.max_structure_bytes {
            return Err(limits.refuse(Limit::StructureBytes));
        }
    }
    Ok(())
}

/// Counts of the elements calamine keeps in memory when it opens a workbook.
#[derive(Debug, Default)]
struct Tags {
    shared_strings: u64,
    unique_count: u64,
    cell_formats: u64,
    number_formats: u64,
    fonts: u64,
    fills: u64,
    borders: u64,
    /// `<sheet>`, `<definedName>`, `<Relationship>`: an entry with a few strings each.
    entries: u64,
    merge_cells: u64,
    /// The longest `<name .../>` (a font name) and `<numFmt .../>` tag: calamine copies
    /// the font name and the format code into every cell format that uses them.
    longest_name: u64,
    longest_number_format: u64,
}

impl Tags {
    /// Bytes calamine needs to hold what these tags become, in a part of `bytes` bytes.
    /// Vectors may have twice the room they use, hence the doubled sizes.
    fn cost(&self, bytes: u64) -> u64 {
        let per_format = 2
            * (size_of::<calamine::Style>() + size_of::<calamine::NumberFormat>()) as u64
            + self.longest_name
            + self.longest_number_format;
        let per_font = 2 * size_of::<calamine::Font>() as u64 + self.longest_name;
        let costs = [
            (
                self.shared_strings.max(self.unique_count),
                2 * size_of::<String>() as u64,
            ),
            (self.cell_formats, per_format),
            (self.number_formats, 96 + self.longest_number_format),
            (self.fonts, per_font),
            (self.fills, 2 * size_of::<calamine::Fill>() as u64),
            (self.borders, 2 * size_of::<calamine::Borders>() as u64),
            (self.entries, 160),
            (
                self.merge_cells,
                2 * size_of::<calamine::Dimensions>() as u64,
            ),
        ];
        let held = costs.iter().fold(0u64, |sum, (n, each)| {
            sum.saturating_add(n.saturating_mul(*each))
        });
        // The text of a part whose elements calamine keeps is kept too.
        let keeps_text = self.shared_strings
            + self.cell_formats
            + self.number_formats
            + self.fonts
            + self.entries
            > 0;
        held.saturating_add(if keeps_text { bytes } else { 0 })
    }

    fn count(&mut self, local_name: &[u8]) {
        match local_name {
            b"si" => self.shared_strings += 1,
            b"xf" => self.cell_formats += 1,
            b"numFmt" => self.number_formats += 1,
            b"font" => self.fonts += 1,
            b"fill" => self.fills += 1,
            b"border" => self.borders += 1,
            b"sheet" | b"definedName" | b"Relationship" => self.entries += 1,
            b"mergeCell" => self.merge_cells += 1,
            _ => {}
        }
    }
}

/// A sink for one unpacked part: counts its bytes (failing the write past the budget) and
/// scans its tags.
struct PartScan {
    bytes: u64,
    budget: u64,
    max_run: u64,
    passed: Option<Limit>,
    in_tag: bool,
    /// Bytes since the last `<` or `>`.
    run: u64,
    /// The tag's name so far (at most 24 bytes are kept) and whether it is complete.
    name: Vec<u8>,
    name_done: bool,
    /// The attributes of an `<sst>` tag, for its `uniqueCount`.
    attributes: Option<Vec<u8>>,
    tags: Tags,
}

impl PartScan {
    fn new(budget: u64, max_run: u64) -> Self {
        PartScan {
            bytes: 0,
            budget,
            max_run,
            passed: None,
            in_tag: false,
            run: 0,
            name: Vec::with_capacity(24),
            name_done: false,
            attributes: None,
            tags: Tags::default(),
        }
    }

    fn refuse(&mut self, limit: Limit) -> std::io::Error {
        self.passed = Some(limit);
        std::io::Error::other(limit.as_str())
    }

    fn byte(&mut self, b: u8) -> Result<(), Limit> {
        self.run += 1;
        if self.run > self.max_run {
            return Err(Limit::CellText);
        }
        if !self.in_tag {
            if b == b'<' {
                self.in_tag = true;
                self.run = 0;
                self.name.clear();
                self.name_done = false;
                self.attributes = None;
            }
            return Ok(());
        }
        if b == b'>' {
            self.end_tag();
            self.in_tag = false;
            self.run = 0;
            return Ok(());
        }
        if !self.name_done {
            if b.is_ascii_whitespace() || b == b'/' && !self.name.is_empty() {
                self.name_done = true;
                if self.local_name() == b"sst" {
                    self.attributes = Some(Vec::new());
                }
            } else if self.name.len() < 24 {
                self.name.push(b);
            }
        } else if let Some(attributes) = &mut self.attributes {
            if attributes.len() < 4096 {
                attributes.push(b);
            }
        }
        Ok(())
    }

    fn local_name(&self) -> &[u8] {
        let name = &self.name[..];
        name.iter()
            .rposition(|b| *b == b':')
            .map_or(name, |colon| &name[colon + 1..])
    }

    fn end_tag(&mut self) {
        if matches!(self.name.first(), None | Some(b'/' | b'?' | b'!')) {
            return;
        }
        let tag_bytes = self.run + 1;
        let local = self.local_name().to_vec();
        self.tags.count(&local);
        match &local[..] {
            b"name" => self.tags.longest_name = self.tags.longest_name.max(tag_bytes),
            b"numFmt" => {
                self.tags.longest_number_format = self.tags.longest_number_format.max(tag_bytes)
            }
            b"sst" => {
                let declared = self.attributes.as_deref().map_or(0, unique_count);
                self.tags.unique_count = self.tags.unique_count.max(declared);
            }
            _ => {}
        }
    }
}

impl Write for PartScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.budget - self.bytes;
        if buf.len() as u64 > room {
            return Err(self.refuse(Limit::InflatedBytes));
        }
        self.bytes += buf.len() as u64;
        for &b in buf {
            if let Err(limit) = self.byte(b) {
                return Err(self.refuse(limit));
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The largest number given as `uniqueCount="…"` among an `<sst>` tag's attributes
/// (saturating: a number too big for u64 counts as u64::MAX).
fn unique_count(attributes: &[u8]) -> u64 {
    let key = b"uniqueCount";
    let mut largest = 0u64;
    let mut at = 0;
    while let Some(found) = find(&attributes[at..], key) {
        let mut rest = &attributes[at + found + key.len()..];
        at += found + key.len();
        rest = trim_start(rest);
        let Some(after_eq) = rest.strip_prefix(b"=") else {
            continue;
        };
        let after_quote = trim_start(after_eq);
        let digits = after_quote
            .get(1..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit());
        let n = digits.fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
        largest = largest.max(n);
    }
    largest
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str) -> Result<Tags, Limit> {
        let mut scan = PartScan::new(u64::MAX, 1000);
        // Feed it in small pieces: tags split across writes must still be read.
        for chunk in xml.as_bytes().chunks(7) {
            if scan.write(chunk).is_err() {
                return Err(scan.passed.expect("a refusal names its limit"));
            }
        }
        Ok(scan.tags)
    }

    #[test]
    fn counts_what_calamine_keeps() {
        let tags = scan(
            r#"<?xml version="1.0"?><x:sst xmlns:x="ns" count="9" uniqueCount = '3'><x:si><x:t>a</x:t></x:si><si><t>b</t></si><si/></x:sst>"#,
        )
        .unwrap();
        assert_eq!((tags.shared_strings, tags.unique_count), (3, 3));
        let tags = scan(
            r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy/m/d"/></numFmts><fonts><font><name val="宋体"/></font></fonts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#,
        )
        .unwrap();
        assert_eq!(
            (tags.number_formats, tags.fonts, tags.cell_formats),
            (1, 1, 2)
        );
        assert_eq!(tags.longest_name, r#"<name val="宋体"/>"#.len() as u64);
        let tags = scan(r#"<mergeCells count="2"><mergeCell ref="A1:B2"/><mergeCell ref="A3:B4"/></mergeCells>"#).unwrap();
        assert_eq!(tags.merge_cells, 2);
    }

    #[test]
    fn a_huge_declared_count_is_read_in_full() {
        assert_eq!(
            unique_count(br#" count="1" uniqueCount="99999999999999999999999""#),
            u64::MAX
        );
        assert_eq!(unique_count(br#"uniqueCount="12""#), 12);
    }

    #[test]
    fn an_endless_run_of_text_is_refused() {
        let long = format!("<t>{}</t>", "a".repeat(1001));
        assert_eq!(scan(&long).unwrap_err(), Limit::CellText);
    }
}
