//! Reading the rows below the header into an [`ImportPlan`].

use super::address::parse_address;
use super::checks::api_refusal;
use super::dates::{parse_when, DateProblem, When};
use super::header::{Field, Mapping};
use super::text::{clean, header_key, shown};
use super::vocab::{category_code, channel_word, opens_notes, status_word};
use super::{ImportOptions, ImportPlan, ImportedRow, ImportedStatus, Rejected};
use bangbang_domain::place::{building_number, entrance_number};
use bangbang_domain::request::normalize_phone;
use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Stands in for a reporter the ledger did not name.
pub const UNNAMED: &str = "（未登记）";

/// Reads every row below `header_row` (0-based) with `mapping`. Never fails: each row is
/// imported, rejected with its reason, or skipped with why. A row is rejected when it
/// cannot be read, and when the API would refuse it as a request (too long a name,
/// description, building or room, a date before 2000 or in the future, ...), judged at the
/// current time.
pub fn plan(
    table: &[Vec<String>],
    mapping: &Mapping,
    header_row: usize,
    options: &ImportOptions,
) -> ImportPlan {
    let mut out = ImportPlan {
        header_row,
        mapping: mapping.clone(),
        rows: Vec::new(),
        rejected: Vec::new(),
        skipped: Vec::new(),
    };
    let mut planner = Planner::new(table, mapping, header_row, options);
    for (index, row) in table.iter().enumerate().skip(header_row + 1) {
        match planner.row(index, row) {
            Planned::Import(imported) => out.rows.push(*imported),
            Planned::Rejected(rejected) => out.rejected.push(rejected),
            Planned::Skipped(row_number, why) => out.skipped.push((row_number, why)),
        }
    }
    out
}

/// What [`Planner::row`] made of one row.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// A row to create.
    Import(Box<ImportedRow>),
    /// A row that cannot be imported.
    Rejected(Rejected),
    /// A row left out on purpose: (1-based row number, why).
    Skipped(usize, String),
}

/// [`plan`] one row at a time, so that a caller can act on a few rows and let them go
/// before reading the next: what it keeps between rows is one 32-byte digest per row read
/// (to give a row repeated in the file a key of its own), whatever the rows hold.
pub struct Planner<'a> {
    header: Vec<String>,
    mapping: &'a Mapping,
    options: &'a ImportOptions,
    /// The digest of each identity seen: (the row it was first seen on, times seen).
    identities: HashMap<[u8; 32], (usize, usize)>,
    now: DateTime<Utc>,
}

impl<'a> Planner<'a> {
    /// A planner for the rows below `header_row` (0-based) of `table`, judged at the
    /// current time. Rows must then be handed over in sheet order.
    pub fn new(
        table: &[Vec<String>],
        mapping: &'a Mapping,
        header_row: usize,
        options: &'a ImportOptions,
    ) -> Self {
        let header: Vec<String> = table
            .get(header_row)
            .map_or(mapping.headers(), |r| r.as_slice())
            .iter()
            .map(|h| header_key(h))
            .collect();
        Planner {
            header,
            mapping,
            options,
            identities: HashMap::new(),
            now: Utc::now(),
        }
    }

    /// Reads the row at `index` (0-based) of the table.
    pub fn row(&mut self, index: usize, row: &[String]) -> Planned {
        let (mapping, options) = (self.mapping, self.options);
        let row_number = index + 1;
        let cells = Cells { row, mapping };
        if let Some(why) = skip_reason(row, &cells, &self.header, mapping, options) {
            return Planned::Skipped(row_number, why);
        }
        let read = read_row(&cells, options).and_then(|row| match api_refusal(&row, self.now) {
            Some(reason) => Err(reason),
            None => Ok(row),
        });
        match read {
            Ok(mut imported) => {
                imported.row_number = row_number;
                let identity = identity(&imported, &cells);
                let first = digest(&identity);
                let seen = self.identities.entry(first).or_insert((row_number, 0));
                seen.1 += 1;
                imported.key = if seen.1 == 1 {
                    hex(&first)
                } else {
                    imported.notes.push(format!(
                        "与第{}行内容相同 / same content as row {}",
                        seen.0, seen.0
                    ));
                    hex(&digest(&format!("{identity}\u{1e}{}", seen.1)))
                };
                Planned::Import(Box::new(imported))
            }
            Err(reason) => Planned::Rejected(Rejected { row_number, reason }),
        }
    }
}

struct Cells<'a> {
    row: &'a [String],
    mapping: &'a Mapping,
}

impl Cells<'_> {
    fn get(&self, field: Field) -> String {
        self.mapping
            .get(field)
            .and_then(|c| self.row.get(c))
            .map(|c| clean(c))
            .unwrap_or_default()
    }
}

fn skip_reason(
    row: &[String],
    cells: &Cells<'_>,
    header: &[String],
    mapping: &Mapping,
    options: &ImportOptions,
) -> Option<String> {
    let first = row.iter().map(|c| clean(c)).find(|c| !c.is_empty());
    let Some(first) = first else {
        return Some("空行 / blank row".into());
    };
    let repeats = mapping
        .iter()
        .filter(|(_, col)| {
            let key = row.get(*col).map(|c| header_key(c)).unwrap_or_default();
            !key.is_empty() && header.get(*col) == Some(&key)
        })
        .count();
    if repeats >= 2 && repeats * 2 >= mapping.iter().count() {
        return Some("重复的表头 / repeated header row".into());
    }
    if opens_notes(&first) && parse_when(&cells.get(Field::ReportedAt), options.year).is_err() {
        let shown: String = first.chars().take(20).collect();
        return Some(format!("备注或合计行 / notes or totals row: '{shown}'"));
    }
    if mapping.iter().all(|(f, _)| cells.get(f).is_empty()) {
        return Some("台账各栏均为空 / nothing in the ledger columns".into());
    }
    None
}

fn read_row(cells: &Cells<'_>, options: &ImportOptions) -> Result<ImportedRow, String> {
    let mut notes = Vec::new();
    let mut problems = Vec::new();

    let date_text = cells.get(Field::ReportedAt);
    let reported_at = match parse_when(&date_text, options.year) {
        Ok(when) => Some(at(when, NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"))),
        Err(DateProblem::Empty) => {
            problems.push("缺少反映时间 / no date: 反映时间 is blank".to_string());
            None
        }
        Err(DateProblem::NoYear) => {
            problems.push(format!(
                "反映时间缺少年份 / the date '{date_text}' has no year: give the ledger's year",
                date_text = shown(&date_text)
            ));
            None
        }
        Err(DateProblem::Unreadable) => {
            problems.push(format!(
                "反映时间无法识别 / cannot read the date '{date_text}'",
                date_text = shown(&date_text)
            ));
            None
        }
    };
    let description = cells.get(Field::Description);
    if description.is_empty() {
        problems.push("缺少反映事项 / no description: 反映事项 is blank".to_string());
    }
    let reported_at = match reported_at {
        Some(at) if problems.is_empty() => at,
        _ => return Err(problems.join("；")),
    };

    let mut reporter_name = cells.get(Field::ReporterName);
    if reporter_name.is_empty() {
        reporter_name = UNNAMED.to_string();
        notes.push("未登记反映人 / no reporter name".to_string());
    }

    let phone_text = cells.get(Field::ReporterPhone);
    let reporter_phone = phone_text
        .split(['/', '、', ',', '，', ';', '；'])
        .find_map(normalize_phone)
        .unwrap_or_default();
    if reporter_phone.is_empty() && !phone_text.is_empty() {
        notes.push(format!(
            "联系电话无法识别 / cannot read the phone number '{phone_text}'",
            phone_text = shown(&phone_text)
        ));
    }

    let address_text = cells.get(Field::Address);
    let (mut building, mut entrance, mut room) = (None, None, None);
    let split = [Field::Building, Field::Entrance, Field::Room].map(|f| cells.get(f));
    if split.iter().any(|s| !s.is_empty()) {
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        building = non_empty(building_number(&split[0]));
        entrance = non_empty(entrance_number(&split[1]));
        room = non_empty(split[2].trim_end_matches(['室', '号']).to_string());
    } else if address_text.is_empty() {
        notes.push("未登记地址 / no address".to_string());
    } else {
        let parsed = parse_address(&address_text);
        (building, entrance, room) = (parsed.building, parsed.entrance, parsed.room);
        if building.is_none() {
            notes.push(format!(
                "地址中未识别出楼号，保留原文 / no building found in the address '{address_text}', kept as text", address_text = shown(&address_text)
            ));
        } else if let Some(rest) = parsed.leftover {
            notes.push(format!(
                "地址“{rest}”部分未识别，保留原文 / could not read '{rest}' in the address, kept as text", rest = shown(&rest)
            ));
        }
    }

    let category_text = cells.get(Field::Category);
    let category = category_code(&category_text, &options.categories).unwrap_or_else(|| {
        notes.push(if category_text.is_empty() {
            "类别为空，归为“其他” / no category, filed under other".to_string()
        } else {
            format!(
                "类别“{category_text}”未识别，归为“其他” / unknown category '{category_text}', filed under other",
                category_text = shown(&category_text)
            )
        });
        "other".to_string()
    });

    let channel_text = cells.get(Field::Channel);
    let channel = (!channel_text.is_empty())
        .then(|| channel_word(&channel_text))
        .flatten();
    if channel.is_none() && !channel_text.is_empty() {
        notes.push(format!(
            "渠道“{channel_text}”未识别 / unknown channel '{channel_text}'",
            channel_text = shown(&channel_text)
        ));
    }

    let outcome = Some(cells.get(Field::Outcome)).filter(|o| !o.is_empty());
    let resolved_text = cells.get(Field::ResolvedAt);
    let resolved_at = match parse_when(&resolved_text, options.year) {
        Ok(when) => {
            let at = at(when, NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"));
            if at >= reported_at {
                Some(at)
            } else if when.time.is_none() && when.date == reported_at.date() {
                // Resolved the same day, time not written down.
                Some(reported_at)
            } else {
                notes.push(format!(
                    "办结时间早于反映时间，按反映时间计 / resolved '{resolved_text}' before it was reported; using the reported time", resolved_text = shown(&resolved_text)
                ));
                Some(reported_at)
            }
        }
        Err(DateProblem::Empty) => None,
        Err(_) => {
            notes.push(format!(
                "办结时间无法识别，已忽略 / cannot read the resolved date '{resolved_text}', ignored", resolved_text = shown(&resolved_text)
            ));
            None
        }
    };

    let status_text = cells.get(Field::Status);
    let stated = match status_word(&status_text) {
        Some(Some(status)) => Some(status),
        Some(None) => {
            notes.push(format!(
                "状态“{status_text}”未识别 / unknown status '{status_text}'",
                status_text = shown(&status_text)
            ));
            None
        }
        None => None,
    };
    let target = stated.unwrap_or(if outcome.is_some() || resolved_at.is_some() {
        ImportedStatus::Resolved
    } else {
        ImportedStatus::Submitted
    });
    if target == ImportedStatus::Resolved && resolved_at.is_none() {
        notes.push("已办结但无办结时间 / resolved without a resolved date".to_string());
    }

    Ok(ImportedRow {
        row_number: 0,
        key: String::new(),
        reported_at,
        reporter_name,
        reporter_phone,
        building,
        entrance,
        room,
        address_text,
        description,
        category,
        channel,
        outcome,
        resolved_at,
        target,
        notes,
    })
}

fn at(when: When, default_time: NaiveTime) -> NaiveDateTime {
    when.date.and_time(when.time.unwrap_or(default_time))
}

/// The identity of a request: what it was, who raised it, where and when. Outcome and
/// status are left out so that a later copy of the same ledger maps to the same keys.
fn identity(row: &ImportedRow, cells: &Cells<'_>) -> String {
    [
        row.reported_at.format("%Y-%m-%d %H:%M").to_string(),
        cells.get(Field::ReporterName),
        row.reporter_phone.clone(),
        row.address_text.clone(),
        [Field::Building, Field::Entrance, Field::Room]
            .map(|f| cells.get(f))
            .join("/"),
        row.description.clone(),
    ]
    .join("\u{1f}")
}

fn digest(identity: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"bangbang-import-v1\x1e")
        .chain_update(identity.as_bytes())
        .finalize()
        .into()
}

fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
