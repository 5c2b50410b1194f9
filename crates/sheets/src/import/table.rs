//! Reading a spreadsheet file into a grid of text, within the import limits.
//!
//! - `.xlsx` and `.xls` go through calamine (`workbook.rs`). The first sheet with any
//!   content is read. The grid starts at cell A1 whatever the sheet's used range, so row
//!   and column indexes are what the user sees in Excel, minus one.
//! - Merged regions (calamine reads them for both .xlsx and .xls) are filled from their
//!   top-left cell, so a 类别 merged over five rows gives all five rows the category, and a
//!   header merged over two rows is seen on both.
//! - Cells read as people see them (`cells.rs`): dates as `2024-07-03 09:30`, whole
//!   numbers without `.0`.
//! - `.csv` (and `.txt`/`.tsv`) is decoded as UTF-8 (with or without a BOM), UTF-16 with a
//!   BOM, or else GB18030 (a superset of GBK/GB2312, what Excel on a Chinese Windows
//!   writes by default). The delimiter is a comma unless the first line has more tabs or
//!   semicolons. Records are read one at a time and counted as they come.
//! - Every file is read under [`ImportLimits`]: past a limit the read stops with
//!   [`SheetError::TooLarge`] naming it, before anything is built from the rest.

use super::limits::{Budget, ImportLimits, Limit};
use super::workbook::{read_xls, read_xlsx};
use crate::SheetError;
use std::borrow::Cow;

/// Reads the first non-empty sheet of an .xlsx/.xls file, or a .csv file, into rows of
/// cell text, under the default [`ImportLimits`]. Every row has the same length. See the
/// module notes for how cells are turned into text.
pub fn read_table(bytes: &[u8], file_name: &str) -> Result<Vec<Vec<String>>, SheetError> {
    read_table_with(bytes, file_name, &ImportLimits::default())
}

/// [`read_table`] under the given limits.
pub fn read_table_with(
    bytes: &[u8],
    file_name: &str,
    limits: &ImportLimits,
) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(limits.refuse(Limit::FileBytes));
    }
    let lower = file_name.to_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let table = match ext {
        "xlsx" | "xlsm" => read_xlsx(bytes, limits)?,
        "xls" => read_xls(bytes, limits)?,
        "csv" | "tsv" | "txt" => read_csv(bytes, limits)?,
        _ if bytes.starts_with(b"PK\x03\x04") => read_xlsx(bytes, limits)?,
        _ if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => read_xls(bytes, limits)?,
        _ => {
            return Err(SheetError::UnsupportedFile {
                file_name: file_name.to_string(),
            })
        }
    };
    Ok(square(table))
}

fn read_csv(bytes: &[u8], limits: &ImportLimits) -> Result<Vec<Vec<String>>, SheetError> {
    let text = decode(bytes);
    let first_line = text.lines().next().unwrap_or("");
    let count = |c: char| first_line.matches(c).count();
    let delimiter = [b'\t', b';']
        .into_iter()
        .find(|d| count(*d as char) > count(','))
        .unwrap_or(b',');
    check_csv_shape(text.as_bytes(), delimiter, limits)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut budget = Budget::new(limits);
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let row = table.len() as u64;
        for (col, field) in record.iter().enumerate() {
            budget.cell(row, col as u64, field.len() as u64)?;
        }
        table.push(record.iter().map(str::to_string).collect());
    }
    Ok(table)
}

/// Counts the records and fields of a CSV text the way the csv crate will split it
/// (quotes open only at the start of a field, `""` inside quotes is a quote, blank lines
/// are no records), refusing it at the first record too wide or too many: the csv crate
/// gathers a whole record before it hands it over, so one line of a million commas would
/// cost its field offsets before any of them could be counted.
fn check_csv_shape(text: &[u8], delimiter: u8, limits: &ImportLimits) -> Result<(), SheetError> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let (mut records, mut fields, mut widest, mut content) = (0u64, 1u64, 0u64, false);
    for &b in text.iter().chain(std::iter::once(&b'\n')) {
        let ends_record = matches!(b, b'\n' | b'\r') && state != State::Quoted;
        if ends_record {
            if content {
                records += 1;
                widest = widest.max(fields);
                if records > limits.max_table_rows() {
                    return Err(limits.refuse(Limit::Rows));
                }
                if records.saturating_mul(widest) > limits.max_cells {
                    return Err(limits.refuse(Limit::Cells));
                }
            }
            (state, fields, content) = (State::FieldStart, 1, false);
            continue;
        }
        content = true;
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::FieldStart, b'"') | (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, d) if d == delimiter => {
                fields += 1;
                if fields > limits.max_columns {
                    return Err(limits.refuse(Limit::Columns));
                }
                State::FieldStart
            }
            _ => State::Unquoted,
        };
    }
    Ok(())
}

/// UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030. UTF-8 is read in place, not copied.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0,
    }
}

/// Pads every row to the width of the widest.
fn square(mut table: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut table {
        row.resize(width, String::new());
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::limits::HEADER_ROWS;

    #[test]
    fn csv_encodings() {
        let utf8 = "反映时间,反映人\n2024-07-03,张三\n";
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), utf8.as_bytes()].concat();
        let (gbk, _, _) = encoding_rs::GB18030.encode(utf8);
        for bytes in [utf8.as_bytes(), &with_bom, &gbk] {
            let table = read_table(bytes, "台账.CSV").unwrap();
            assert_eq!(table[0][0], "反映时间");
            assert_eq!(table[1][1], "张三");
        }
    }

    #[test]
    fn tabs_and_ragged_rows() {
        let table = read_table("a\tb\tc\n1\t2\n".as_bytes(), "x.txt").unwrap();
        assert_eq!(table, vec![vec!["a", "b", "c"], vec!["1", "2", ""]]);
    }

    #[test]
    fn csv_shape_counts_what_the_csv_crate_reads() {
        let limits = ImportLimits {
            max_columns: 3,
            max_rows: 2,
            ..ImportLimits::default()
        };
        let shape = |text: &str| match check_csv_shape(text.as_bytes(), b',', &limits) {
            Ok(()) => "ok",
            Err(SheetError::TooLarge { limit, .. }) => limit.as_str(),
            Err(_) => "other",
        };
        assert_eq!(shape("a,b,c\n\n\r\n1,2,3\r\n"), "ok");
        assert_eq!(shape("a,b,c,d\n"), "columns");
        // Commas and line breaks inside quotes are text; a quote mid-field is not one.
        assert_eq!(shape("\"a,b,c,d\",\"x\ny\"\n"), "ok");
        assert_eq!(shape("\"a\"\",\"\",\"\n"), "ok");
        assert_eq!(shape("5\",a,b,c\n"), "columns");
        assert_eq!(shape(&"1\n".repeat(2 + HEADER_ROWS as usize)), "ok");
        assert_eq!(shape(&"1\n".repeat(3 + HEADER_ROWS as usize)), "rows");
    }

    #[test]
    fn unknown_files_are_refused() {
        assert!(matches!(
            read_table(b"hello", "notes.docx"),
            Err(SheetError::UnsupportedFile { .. })
        ));
    }

    #[test]
    fn a_sheet_that_starts_below_a1_keeps_its_row_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offset.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(2, 1, "反映时间").unwrap();
        sheet.write_string(3, 1, "2024-07-03").unwrap();
        book.save(&path).unwrap();
        let table = read_table(&std::fs::read(&path).unwrap(), "offset.xlsx").unwrap();
        assert_eq!(table[2][1], "反映时间");
        assert_eq!(table[3][1], "2024-07-03");
        assert_eq!(table[0], ["", ""]);
    }
}
