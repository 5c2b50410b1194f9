//! Finding the header row of a hand-kept ledger and which column holds which field.

pub use super::fields::Field;

use super::fields::ALIASES;
use super::text::header_key;
use crate::SheetError;
use std::collections::BTreeMap;
use std::fmt;

/// Which column (0-based) holds which field, and the header row's text for showing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    columns: BTreeMap<Field, usize>,
    headers: Vec<String>,
}

impl Mapping {
    /// An empty mapping over the given header cells.
    pub fn new(headers: Vec<String>) -> Mapping {
        Mapping {
            columns: BTreeMap::new(),
            headers,
        }
    }

    /// The column of a field, if mapped.
    pub fn get(&self, field: Field) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    /// Maps a field to a column, or unmaps it with `None`.
    pub fn set(&mut self, field: Field, column: Option<usize>) {
        match column {
            Some(c) => self.columns.insert(field, c),
            None => self.columns.remove(&field),
        };
    }

    /// The mapped fields and their columns, in field order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        self.columns.iter().map(|(f, c)| (*f, *c))
    }

    /// The header row's text, as read.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }
}

impl fmt::Display for Mapping {
    /// `reported_at=B(反映时间), description=F(诉求内容), ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, col)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={}", field.key(), column_letter(col))?;
            if let Some(h) = self.headers.get(col).filter(|h| !h.trim().is_empty()) {
                write!(f, "({})", h.split_whitespace().collect::<String>())?;
            }
        }
        Ok(())
    }
}

/// How many rows from the top may hold titles before the header.
pub(crate) const HEADER_SEARCH_ROWS: usize = 30;

/// Finds the header row: the row among the first 30 that names the most fields, with at
/// least three of them and at least one of 反映时间 or 反映事项. Rows above it (titles,
/// the office's name, the period) are ignored.
pub fn detect_header(table: &[Vec<String>]) -> Option<(usize, Mapping)> {
    let mut best: Option<(usize, Mapping)> = None;
    for (index, row) in table.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let mapping = map_row(row);
        let n = mapping.columns.len();
        let core =
            mapping.get(Field::ReportedAt).is_some() || mapping.get(Field::Description).is_some();
        if n >= 3 && core && best.as_ref().is_none_or(|(_, b)| n > b.columns.len()) {
            best = Some((index, mapping));
        }
    }
    best
}

/// Maps each field to the best-matching column of one row.
pub(crate) fn map_row(row: &[String]) -> Mapping {
    // (field) -> (score, column); exact matches (2) beat prefix matches (1), then leftmost.
    let mut found: BTreeMap<Field, (u8, usize)> = BTreeMap::new();
    let mut taken: BTreeMap<usize, Field> = BTreeMap::new();
    let keys: Vec<String> = row.iter().map(|c| header_key(c)).collect();
    for score in [2u8, 1] {
        for (col, key) in keys.iter().enumerate() {
            if key.is_empty() || taken.contains_key(&col) {
                continue;
            }
            let hit = ALIASES.iter().find(|(field, words)| {
                !found.contains_key(field)
                    && words.iter().any(|w| match score {
                        2 => key == w,
                        _ => key.starts_with(w) && key.chars().count() <= w.chars().count() + 4,
                    })
            });
            if let Some((field, _)) = hit {
                found.insert(*field, (score, col));
                taken.insert(col, *field);
            }
        }
    }
    Mapping {
        columns: found.into_iter().map(|(f, (_, c))| (f, c)).collect(),
        headers: row.to_vec(),
    }
}

/// Applies a user's corrections to a detected mapping: `reported_at=B,description=诉求内容`.
/// Each value is a column letter (`B`, `AA`) or the text of a header cell; an empty value
/// or `-` unmaps the field.
pub fn mapping_override(base: Mapping, spec: &str) -> Result<Mapping, SheetError> {
    let mut mapping = base;
    for part in spec
        .split([',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (key, value) = part
            .split_once(['=', '＝'])
            .ok_or_else(|| SheetError::Mapping(format!("'{part}' is not field=column")))?;
        let field = Field::parse(key).ok_or_else(|| {
            let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
            SheetError::Mapping(format!(
                "unknown field '{}'; use one of {}",
                key.trim(),
                keys.join(", ")
            ))
        })?;
        let value = value.trim();
        let column = if value.is_empty() || value == "-" {
            None
        } else if let Some(col) = column_index(value) {
            Some(col)
        } else {
            let wanted = header_key(value);
            let col = mapping
                .headers
                .iter()
                .position(|h| header_key(h) == wanted)
                .ok_or_else(|| {
                    SheetError::Mapping(format!(
                        "no column headed '{value}' / 表头中没有“{value}”这一列"
                    ))
                })?;
            Some(col)
        };
        mapping.set(field, column);
    }
    Ok(mapping)
}

/// `A` → 0, `Z` → 25, `AA` → 26. At most three letters, as in Excel.
pub(crate) fn column_index(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let n = text.bytes().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// 0 → `A`, 26 → `AA`.
pub(crate) fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn finds_the_header_below_a_title() {
        let table = vec![
            row(&["流霞里社区接待台账（2024年）", "", "", ""]),
            row(&["", "", "", ""]),
            row(&[
                "序号",
                "登记\n时间",
                "姓 名",
                "联系电话（手机）",
                "住址",
                "诉求内容",
                "类型",
                "办理结果",
                "完成时间",
                "办理状态",
            ]),
        ];
        let (index, m) = detect_header(&table).unwrap();
        assert_eq!(index, 2);
        assert_eq!(m.get(Field::ReportedAt), Some(1));
        assert_eq!(m.get(Field::ReporterName), Some(2));
        assert_eq!(m.get(Field::ReporterPhone), Some(3));
        assert_eq!(m.get(Field::Address), Some(4));
        assert_eq!(m.get(Field::Description), Some(5));
        assert_eq!(m.get(Field::Category), Some(6));
        assert_eq!(m.get(Field::Outcome), Some(7));
        assert_eq!(m.get(Field::ResolvedAt), Some(8));
        assert_eq!(m.get(Field::Status), Some(9));
        assert_eq!(
            m.to_string().split(", ").next(),
            Some("reported_at=B(登记时间)")
        );
    }

    #[test]
    fn full_width_headers_and_no_header() {
        let table = vec![row(&["反映时间", "反映人", "反映事项", "办结时间"])];
        let (_, m) = detect_header(&table).unwrap();
        assert_eq!(m.get(Field::ReportedAt), Some(0));
        assert_eq!(m.get(Field::ResolvedAt), Some(3));
        assert!(detect_header(&[row(&["a", "b", "c"])]).is_none());
    }

    #[test]
    fn overrides_by_letter_and_by_header() {
        let (_, m) =
            detect_header(&[row(&["时间", "姓名", "情况说明", "诉求内容", "结果"])]).unwrap();
        let m = mapping_override(m, "description=情况说明, outcome=-, reporter_phone=F").unwrap();
        assert_eq!(m.get(Field::Description), Some(2));
        assert_eq!(m.get(Field::Outcome), None);
        assert_eq!(m.get(Field::ReporterPhone), Some(5));
        assert!(mapping_override(m.clone(), "when=B").is_err());
        assert!(mapping_override(m.clone(), "description=没有这列").is_err());
        assert!(mapping_override(m, "description").is_err());
    }

    #[test]
    fn column_letters_round_trip() {
        for (i, l) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_letter(i), l);
            assert_eq!(column_index(l), Some(i));
        }
        assert_eq!(column_index("b"), Some(1));
        assert_eq!(column_index("反映"), None);
    }
}
