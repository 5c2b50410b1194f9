//! Imported rows pass the API's checks: what the API would refuse as a request is rejected
//! row by row, with its reason in Chinese and English, and the rest of the file is still
//! read.

use bangbang_domain::request::{normalize_phone, MAX_DESCRIPTION, MAX_NAME, MAX_NOTE, MAX_ROOM};
use bangbang_sheets::{detect_header, plan, read_table, ImportOptions, ImportPlan};

const HEADER: &str = "反映时间,反映人,联系电话,楼号,门号,房号,反映事项,处置结果,办结时间";

/// A CSV ledger of the header and `rows`, planned with the default options.
fn plan_of(rows: &[[String; 9]]) -> ImportPlan {
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(HEADER.split(',')).unwrap();
    for row in rows {
        csv.write_record(row).unwrap();
    }
    let bytes = csv.into_inner().unwrap();
    let table = read_table(&bytes, "台账.csv").unwrap();
    let (header_row, mapping) = detect_header(&table).expect("header found");
    plan(&table, &mapping, header_row, &ImportOptions::default())
}

/// A good row with one cell changed.
fn row(change: usize, to: &str) -> [String; 9] {
    let mut row = [
        "2024-07-03 09:30",
        "张桂兰",
        "13812345678",
        "3",
        "2",
        "301",
        "楼道灯不亮",
        "",
        "",
    ]
    .map(str::to_string);
    row[change] = to.to_string();
    row
}

const DATE: usize = 0;
const NAME: usize = 1;
const PHONE: usize = 2;
const ROOM: usize = 5;
const DESCRIPTION: usize = 6;
const OUTCOME: usize = 7;
const RESOLVED: usize = 8;

fn reason(plan: &ImportPlan, row_number: usize) -> &str {
    plan.rejected
        .iter()
        .find(|r| r.row_number == row_number)
        .map(|r| r.reason.as_str())
        .unwrap_or_else(|| panic!("row {row_number} was not rejected: {plan:#?}"))
}

#[test]
fn over_long_fields_are_rejected_row_by_row() {
    let long = |n: usize| "漏".repeat(n);
    let plan = plan_of(&[
        row(DESCRIPTION, &long(100_000)),
        row(NAME, &long(300)),
        row(ROOM, &long(200)),
        row(OUTCOME, &long(MAX_NOTE + 1)),
        row(0, "2024-07-03 09:30"),
        // Exactly at each limit is fine.
        [
            "2024-07-04".into(),
            long(MAX_NAME),
            "".into(),
            "3".into(),
            "2".into(),
            "1".repeat(MAX_ROOM),
            long(MAX_DESCRIPTION),
            long(MAX_NOTE),
            "2024-07-05".into(),
        ],
    ]);
    assert_eq!(
        reason(&plan, 2),
        "反映事项超过2000字 / the description is longer than 2000 characters"
    );
    assert_eq!(
        reason(&plan, 3),
        "反映人超过50字 / the reporter's name is longer than 50 characters"
    );
    assert_eq!(
        reason(&plan, 4),
        "房号超过20字 / the room is longer than 20 characters"
    );
    assert_eq!(
        reason(&plan, 5),
        "处置结果超过2000字 / the outcome is longer than 2000 characters"
    );
    let imported: Vec<usize> = plan.rows.iter().map(|r| r.row_number).collect();
    assert_eq!(imported, [6, 7], "the other rows are still read");
    assert_eq!(plan.rows[1].description.chars().count(), MAX_DESCRIPTION);
}

#[test]
fn dates_outside_what_the_api_takes_are_rejected() {
    let plan = plan_of(&[
        row(DATE, "9999-01-01"),
        row(DATE, "2999年7月3日"),
        row(DATE, "1999-12-31 23:59"),
        row(DATE, "1850-07-03"),
        row(RESOLVED, "9999-12-31"),
        row(DATE, "2000-01-01"),
    ]);
    assert_eq!(
        reason(&plan, 2),
        "反映时间晚于当前时间 / the date 9999-01-01 09:00:00 is in the future"
    );
    assert!(reason(&plan, 3).starts_with("反映时间晚于当前时间 / the date 2999-07-03"));
    assert_eq!(
        reason(&plan, 4),
        "反映时间早于2000-01-01 / the date 1999-12-31 23:59:00 is before 2000-01-01"
    );
    assert_eq!(
        reason(&plan, 5),
        "反映时间超出可接受的范围 / the date 1850-07-03 09:00:00 is out of range"
    );
    assert_eq!(
        reason(&plan, 6),
        "办结时间晚于当前时间 / the resolved date 9999-12-31 09:00:00 is in the future"
    );
    let imported: Vec<usize> = plan.rows.iter().map(|r| r.row_number).collect();
    assert_eq!(imported, [7]);
}

#[test]
fn a_phone_the_api_would_refuse_is_never_stored() {
    let plan = plan_of(&[
        row(PHONE, "12345"),
        row(PHONE, &"8".repeat(300)),
        row(PHONE, "138 1234 5678"),
    ]);
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    for r in &plan.rows {
        assert!(
            r.reporter_phone.is_empty() || normalize_phone(&r.reporter_phone).is_some(),
            "row {} keeps the phone {:?}",
            r.row_number,
            r.reporter_phone
        );
    }
    // Kept blank, with a note quoting the cell (cut short when long).
    assert_eq!(plan.rows[0].reporter_phone, "");
    assert!(plan.rows[0]
        .notes
        .contains(&"联系电话无法识别 / cannot read the phone number '12345'".to_string()));
    let note = plan.rows[1]
        .notes
        .iter()
        .find(|n| n.starts_with("联系电话无法识别"))
        .unwrap();
    assert!(note.ends_with(&format!("'{}…'", "8".repeat(40))), "{note}");
    assert_eq!(plan.rows[2].reporter_phone, "13812345678");
}

#[test]
fn every_problem_of_a_row_is_given() {
    let mut bad = row(NAME, &"张".repeat(51));
    bad[DATE] = "9999-01-01".into();
    bad[ROOM] = "3".repeat(21);
    let plan = plan_of(&[bad]);
    assert_eq!(
        reason(&plan, 2),
        "反映时间晚于当前时间 / the date 9999-01-01 09:00:00 is in the future；\
         反映人超过50字 / the reporter's name is longer than 50 characters；\
         房号超过20字 / the room is longer than 20 characters"
    );
}
