//! Reading a spreadsheet file into a grid of text.
//!
//! - `.xlsx` and `.xls` go through calamine. The first sheet with any content is read.
//!   The grid starts at cell A1 whatever the sheet's used range, so row and column indexes
//!   are what the user sees in Excel, minus one.
//! - Merged regions (calamine reads them for both .xlsx and .xls) are filled from their
//!   top-left cell, so a 类别 merged over five rows gives all five rows the category, and a
//!   header merged over two rows is seen on both.
//! - Date cells become `2024-07-03` (midnight) or `2024-07-03 09:30` (or `…:ss` when the
//!   seconds are not zero); a time-only cell becomes `09:30`. Whole numbers lose their
//!   `.0`, so a phone number stored as a number reads `13812345678`.
//! - `.csv` (and `.txt`/`.tsv`) is decoded as UTF-8 (with or without a BOM), UTF-16 with a
//!   BOM, or else GB18030 (a superset of GBK/GB2312, what Excel on a Chinese Windows
//!   writes by default). The delimiter is a comma unless the first line has more tabs or
//!   semicolons.

use crate::SheetError;
use calamine::{Data, Dimensions, ExcelDateTime, Range, Reader, Xls, Xlsx};
use chrono::{Duration, NaiveDate, Timelike};
use std::io::Cursor;

/// Reads the first non-empty sheet of an .xlsx/.xls file, or a .csv file, into rows of
/// cell text. Every row has the same length. See the module notes for how cells are
/// turned into text.
pub fn read_table(bytes: &[u8], file_name: &str) -> Result<Vec<Vec<String>>, SheetError> {
    let lower = file_name.to_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let table = match ext {
        "xlsx" | "xlsm" => read_workbook(Book::Xlsx(
            Xlsx::new(Cursor::new(bytes)).map_err(calamine::Error::from)?,
        ))?,
        "xls" => read_workbook(Book::Xls(
            Xls::new(Cursor::new(bytes)).map_err(calamine::Error::from)?,
        ))?,
        "csv" | "tsv" | "txt" => read_csv(bytes)?,
        _ if bytes.starts_with(b"PK\x03\x04") => read_workbook(Book::Xlsx(
            Xlsx::new(Cursor::new(bytes)).map_err(calamine::Error::from)?,
        ))?,
        _ if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => read_workbook(Book::Xls(
            Xls::new(Cursor::new(bytes)).map_err(calamine::Error::from)?,
        ))?,
        _ => {
            return Err(SheetError::UnsupportedFile {
                file_name: file_name.to_string(),
            })
        }
    };
    Ok(square(table))
}

enum Book<'a> {
    Xlsx(Xlsx<Cursor<&'a [u8]>>),
    Xls(Xls<Cursor<&'a [u8]>>),
}

fn read_workbook(mut book: Book<'_>) -> Result<Vec<Vec<String>>, SheetError> {
    let names = match &book {
        Book::Xlsx(b) => b.sheet_names(),
        Book::Xls(b) => b.sheet_names(),
    };
    for name in names {
        let range = match &mut book {
            Book::Xlsx(b) => b.worksheet_range(&name).map_err(calamine::Error::from)?,
            Book::Xls(b) => b.worksheet_range(&name).map_err(calamine::Error::from)?,
        };
        let mut table = grid(&range);
        if table
            .iter()
            .all(|row| row.iter().all(|c| c.trim().is_empty()))
        {
            continue;
        }
        let merges = match &mut book {
            Book::Xlsx(b) => b
                .merge_cells_by_sheet_name(&name)
                .map_err(calamine::Error::from)?,
            Book::Xls(b) => b
                .merge_cells_by_sheet_name(&name)
                .map_err(calamine::Error::from)?,
        };
        fill_merges(&mut table, &merges);
        return Ok(table);
    }
    Err(SheetError::EmptyWorkbook)
}

/// The range as text, placed so that `table[r][c]` is the sheet's cell (r, c).
fn grid(range: &Range<Data>) -> Vec<Vec<String>> {
    let Some((top, left)) = range.start() else {
        return Vec::new();
    };
    let (top, left) = (top as usize, left as usize);
    let mut table = vec![Vec::new(); top];
    for row in range.rows() {
        let mut cells = vec![String::new(); left];
        cells.extend(row.iter().map(cell_text));
        table.push(cells);
    }
    table
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => date_text(dt),
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A date cell as `2024-07-03`, `2024-07-03 09:30`, `2024-07-03 09:30:15`, or `09:30` for
/// a time alone. calamine works out the day (1900 or 1904 date system); the time of day is
/// rounded to the second here.
fn date_text(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    let seconds = ((value - value.floor()) * 86_400.0).round() as i64;
    if (0.0..1.0).contains(&value) {
        let seconds = seconds.min(86_399);
        return format!("{:02}:{:02}", seconds / 3600, seconds / 60 % 60);
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    let Some(midnight) = NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        .and_then(|date| date.and_hms_opt(0, 0, 0))
    else {
        return number_text(value);
    };
    let at = midnight + Duration::seconds(seconds);
    let format = match at.time().num_seconds_from_midnight() {
        0 => "%Y-%m-%d",
        s if s % 60 == 0 => "%Y-%m-%d %H:%M",
        _ => "%Y-%m-%d %H:%M:%S",
    };
    at.format(format).to_string()
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn fill_merges(table: &mut [Vec<String>], merges: &[Dimensions]) {
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let value = match table.get(r0).and_then(|row| row.get(c0)) {
            Some(v) if !v.is_empty() => v.clone(),
            _ => continue,
        };
        for r in r0..=(m.end.0 as usize) {
            let Some(row) = table.get_mut(r) else { break };
            for c in c0..=(m.end.1 as usize) {
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                if row[c].is_empty() {
                    row[c] = value.clone();
                }
            }
        }
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let text = decode(bytes);
    let first_line = text.lines().next().unwrap_or("");
    let count = |c: char| first_line.matches(c).count();
    let delimiter = [b'\t', b';']
        .into_iter()
        .find(|d| count(*d as char) > count(','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    for record in reader.records() {
        table.push(record?.iter().map(str::to_string).collect());
    }
    Ok(table)
}

/// UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030.
fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
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
    fn unknown_files_are_refused() {
        assert!(matches!(
            read_table(b"hello", "notes.docx"),
            Err(SheetError::UnsupportedFile { .. })
        ));
    }

    #[test]
    fn date_cells_in_both_date_systems() {
        use calamine::ExcelDateTimeType::DateTime;
        let text = |v: f64, is_1904: bool| date_text(&ExcelDateTime::new(v, DateTime, is_1904));
        assert_eq!(text(45476.0, false), "2024-07-03");
        assert_eq!(text(45476.0 + 9.5 / 24.0, false), "2024-07-03 09:30");
        assert_eq!(
            text(45476.0 + 9.5 / 24.0 + 15.0 / 86_400.0, false),
            "2024-07-03 09:30:15"
        );
        assert_eq!(text(45476.0 - 1462.0, true), "2024-07-03");
        assert_eq!(text(0.75, false), "18:00");
        // 23:59:59.9 rounds into the next day.
        assert_eq!(text(45476.0 + 86_399.9 / 86_400.0, false), "2024-07-04");
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

    #[test]
    fn numbers_read_as_people_wrote_them() {
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(2.5), "2.5");
    }
}
