//! The API's checks, made on every imported row, so that an import cannot store what the
//! API would refuse.
//!
//! The row is put into a [`RequestInput`] and parsed by `bangbang_domain` the way the API
//! parses a request, so the limits are the domain's own and cannot drift: the lengths of
//! the name, building, entrance, room and description, the phone format, and the date
//! range (from 2000-01-01 up to a few minutes from now). The outcome is held to the API's
//! limit for an action's note. The placeholders below stand for what the sheet does not
//! give and the store checks later (the community, which exists; the category, which this
//! crate has already matched against the community's list).
//!
//! Each problem becomes one part of the row's rejection, in Chinese and English.

use super::ImportedRow;
use bangbang_domain::request::{RequestInput, MAX_NOTE};
use bangbang_domain::validation::{Code, Problem};
use bangbang_domain::Channel;
use chrono::{DateTime, NaiveDateTime, Utc};

/// Why the API would refuse this row, or `None` when it would take it.
pub(crate) fn api_refusal(row: &ImportedRow, now: DateTime<Utc>) -> Option<String> {
    let input = RequestInput {
        community: Some("import".into()),
        // Imported rows may lack a phone whatever channel the sheet names.
        channel: Some(Channel::Import.as_str().into()),
        category: Some(row.category.clone()),
        urgency: None,
        reporter_name: Some(row.reporter_name.clone()),
        reporter_phone: Some(row.reporter_phone.clone()).filter(|p| !p.is_empty()),
        building: row.building.clone(),
        entrance: row.entrance.clone(),
        room: row.room.clone(),
        description: Some(row.description.clone()),
        reported_at: Some(local_text(row.reported_at)),
    };
    let mut problems = Vec::new();
    if let Err(errors) = input.parse(now) {
        let mut fields: Vec<(&str, &Problem)> = errors.problems().collect();
        // In the order of a ledger's columns.
        fields.sort_by_key(|(field, _)| ORDER.iter().position(|f| f == field));
        for (field, problem) in fields {
            problems.push(explain(field, problem, row));
        }
    }
    if let Some(outcome) = &row.outcome {
        if outcome.chars().count() > MAX_NOTE {
            problems.push(format!(
                "处置结果超过{MAX_NOTE}字 / the outcome is longer than {MAX_NOTE} characters"
            ));
        }
    }
    if let Some(resolved) = row.resolved_at {
        if let Some(problem) = date_refusal(resolved, now) {
            problems.push(format!(
                "办结时间{} / the resolved date {} {}",
                date_zh(&problem),
                local_text(resolved),
                date_en(&problem)
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("；"))
}

const ORDER: [&str; 8] = [
    "reported_at",
    "reporter.name",
    "reporter.phone",
    "address.building",
    "address.entrance",
    "address.room",
    "description",
    "category",
];

/// `2024-07-03 09:30:00`: local time, as the API reads it.
fn local_text(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// What the API says about `at` as a request's date, if anything: the same parse, with
/// every other field fine.
fn date_refusal(at: NaiveDateTime, now: DateTime<Utc>) -> Option<Problem> {
    let probe = RequestInput {
        community: Some("import".into()),
        channel: Some(Channel::Import.as_str().into()),
        category: Some("other".into()),
        reporter_name: Some("-".into()),
        description: Some("-".into()),
        reported_at: Some(local_text(at)),
        ..RequestInput::default()
    };
    let errors = probe.parse(now).err()?;
    let found = errors
        .problems()
        .find(|(field, _)| *field == "reported_at")
        .map(|(_, problem)| problem.clone());
    found
}

/// One problem of the row, as `反映事项超过2000字 / the description is longer than 2000
/// characters`.
fn explain(field: &str, problem: &Problem, row: &ImportedRow) -> String {
    let (zh, en) = match field {
        "reporter.name" => ("反映人", "the reporter's name"),
        "reporter.phone" => ("联系电话", "the phone number"),
        "address.building" => ("楼号", "the building"),
        "address.entrance" => ("门号", "the entrance"),
        "address.room" => ("房号", "the room"),
        "description" => ("反映事项", "the description"),
        "category" => ("类别", "the category"),
        "reported_at" => {
            return format!(
                "反映时间{} / the date {} {}",
                date_zh(problem),
                local_text(row.reported_at),
                date_en(problem)
            );
        }
        _ => ("", field),
    };
    format!("{zh}{} / {en} {}", problem_zh(problem), problem.en())
}

/// The Chinese for the domain's problems with a text field, as a ledger's reasons say it.
fn problem_zh(problem: &Problem) -> String {
    match &problem.code {
        Code::TooLong(n) => format!("超过{n}字"),
        Code::Required => "不能为空".into(),
        Code::EntranceWithoutBuilding => "不能为空（已填写门号）".into(),
        Code::NotAPhone => "不是有效的电话号码".into(),
        _ => "不符合要求".into(),
    }
}

/// The Chinese for the domain's problems with a date.
fn date_zh(problem: &Problem) -> String {
    match &problem.code {
        Code::InFuture => "晚于当前时间".into(),
        Code::TooEarly(earliest) => format!("早于{earliest}"),
        _ => "超出可接受的范围".into(),
    }
}

/// The domain's sentence about a date, except that a year it cannot read at all (before
/// 1900) is out of range rather than "not a date".
fn date_en(problem: &Problem) -> &str {
    if problem.code == Code::NotADate {
        "is out of range"
    } else {
        problem.en()
    }
}
