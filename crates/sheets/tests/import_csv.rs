//! Importing the messy hand-kept CSV ledger of `tests/fixtures/messy_ledger.csv`.

use bangbang_sheets::fixtures::MESSY_LEDGER_CSV;
use bangbang_sheets::{
    detect_header, mapping_override, plan, read_table, Field, ImportOptions, ImportPlan,
    ImportedRow, ImportedStatus,
};

fn plan_for(bytes: &[u8], year: Option<i32>) -> ImportPlan {
    let table = read_table(bytes, "台账.csv").unwrap();
    let (header_row, mapping) = detect_header(&table).expect("header found");
    let options = ImportOptions {
        year,
        ..ImportOptions::default()
    };
    plan(&table, &mapping, header_row, &options)
}

fn row(plan: &ImportPlan, number: usize) -> &ImportedRow {
    plan.rows
        .iter()
        .find(|r| r.row_number == number)
        .unwrap_or_else(|| panic!("row {number} was not imported: {plan:#?}"))
}

fn at(row: &ImportedRow) -> String {
    row.reported_at.format("%Y-%m-%d %H:%M").to_string()
}

#[test]
fn the_fixture_file_is_the_committed_text() {
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/messy_ledger.csv"
    ))
    .unwrap();
    assert_eq!(on_disk, MESSY_LEDGER_CSV);
}

#[test]
fn every_row_is_imported_rejected_or_skipped_with_a_reason() {
    let plan = plan_for(MESSY_LEDGER_CSV.as_bytes(), Some(2024));
    assert_eq!(plan.header_row, 1, "the title row sits above the header");
    assert_eq!(plan.mapping.get(Field::ReportedAt), Some(1));
    assert_eq!(plan.mapping.get(Field::Status), Some(9));

    let imported: Vec<usize> = plan.rows.iter().map(|r| r.row_number).collect();
    assert_eq!(imported, [3, 4, 5, 6, 7, 11, 13, 14, 15]);

    let rejected: Vec<(usize, &str)> = plan
        .rejected
        .iter()
        .map(|r| (r.row_number, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (10, "反映时间无法识别 / cannot read the date '2024-13-45'"),
            (12, "缺少反映事项 / no description: 反映事项 is blank"),
        ]
    );

    let skipped: Vec<(usize, &str)> = plan
        .skipped
        .iter()
        .map(|(n, why)| (*n, why.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (8, "空行 / blank row"),
            (9, "重复的表头 / repeated header row"),
            (16, "备注或合计行 / notes or totals row: '合计：共11件'"),
            (
                17,
                "备注或合计行 / notes or totals row: '备注：办理状态为空的事项以办理结果为准'"
            ),
            (
                18,
                "备注或合计行 / notes or totals row: '制表人：王芳 审核人：李明'"
            ),
        ]
    );
}

#[test]
fn rows_read_as_the_office_meant_them() {
    let plan = plan_for(MESSY_LEDGER_CSV.as_bytes(), Some(2024));

    let r = row(&plan, 3);
    assert_eq!(at(r), "2024-07-03 09:30");
    assert_eq!(r.reporter_name, "张桂兰");
    assert_eq!(r.reporter_phone, "13812345678");
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("3"), Some("2"), Some("301"))
    );
    assert_eq!(r.address_text, "流霞里3号楼2门301");
    assert_eq!(r.category, "sewer_overflow");
    assert_eq!(r.target, ImportedStatus::Resolved);
    assert_eq!(
        r.resolved_at.unwrap().format("%m-%d %H:%M").to_string(),
        "07-03 16:00"
    );
    assert!(r.notes.is_empty(), "{:?}", r.notes);

    let r = row(&plan, 4);
    assert_eq!(at(r), "2024-07-05 09:00", "a date alone is taken as 09:00");
    assert_eq!(r.reporter_phone, "022-26281234");
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("3"), Some("2"), Some("402"))
    );
    assert_eq!(r.category, "stairwell_light");
    assert_eq!(
        r.target,
        ImportedStatus::Resolved,
        "blank 状态 with an outcome"
    );

    let r = row(&plan, 5);
    assert_eq!(at(r), "2024-07-08 14:05");
    assert_eq!(r.reporter_phone, "13912345678");
    assert_eq!(r.room.as_deref(), Some("101"));
    assert_eq!(r.category, "wall_hazard");
    assert_eq!(r.target, ImportedStatus::LongTerm);

    let r = row(&plan, 6);
    assert_eq!(at(r), "2024-07-10 09:00", "full-width digits");
    assert_eq!(r.reporter_phone, "13700001234");
    assert_eq!(
        (r.building.as_deref(), r.entrance.as_deref()),
        (Some("7"), Some("3"))
    );
    assert_eq!(r.category, "elder_care");
    assert_eq!(r.target, ImportedStatus::Resolved);

    let r = row(&plan, 7);
    assert_eq!(at(r), "2024-07-11 10:30", "an Excel serial pasted as text");
    assert_eq!(r.reporter_name, "（未登记）");
    assert!(r.notes.iter().any(|n| n.starts_with("未登记反映人")));
    assert_eq!(r.building.as_deref(), Some("12"));
    assert_eq!(r.entrance, None);
    assert_eq!(r.category, "greening");
    assert_eq!(r.target, ImportedStatus::Submitted);

    let r = row(&plan, 11);
    assert_eq!(at(r), "2024-07-15 09:00", "the year comes from the options");
    assert_eq!(r.reporter_phone, "");
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("cannot read the phone number '1380013800'")));
    assert_eq!(r.building, None);
    assert_eq!(r.address_text, "小区东门");
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("no building found in the address '小区东门'")));
    assert_eq!(r.category, "sanitation");

    let r = row(&plan, 13);
    assert_eq!(r.description, "卫生间漏水， 楼下天花板渗水");
    assert_eq!(r.category, "other");
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("no category, filed under other")));
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("6"), Some("1"), Some("302"))
    );

    let r = row(&plan, 14);
    assert_eq!(at(r), "2024-08-01 15:00", "下午3点");
    assert_eq!(r.reporter_phone, "13812345678", "the first of two numbers");
    assert_eq!(r.category, "consultation");
    assert_eq!(r.target, ImportedStatus::Resolved);
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("resolved without a resolved date")));

    let r = row(&plan, 15);
    assert_eq!(at(r), "2024-08-02 09:00");
    assert_eq!(r.target, ImportedStatus::Closed, "重复");
    assert_eq!(r.category, "sewer_overflow");
}

#[test]
fn dates_without_a_year_are_rejected_when_no_year_is_given() {
    let plan = plan_for(MESSY_LEDGER_CSV.as_bytes(), None);
    let reasons: Vec<(usize, &str)> = plan
        .rejected
        .iter()
        .map(|r| (r.row_number, r.reason.as_str()))
        .collect();
    assert!(reasons.contains(&(
        11,
        "反映时间缺少年份 / the date '7月15日' has no year: give the ledger's year"
    )));
    assert!(reasons.contains(&(
        15,
        "反映时间缺少年份 / the date '8/2' has no year: give the ledger's year"
    )));
    assert_eq!(plan.rows.len(), 7);
}

#[test]
fn keys_are_stable_and_distinct() {
    let first = plan_for(MESSY_LEDGER_CSV.as_bytes(), Some(2024));
    // The same ledger saved by Excel on a Chinese Windows: GBK, CRLF line ends.
    let crlf = MESSY_LEDGER_CSV.replace('\n', "\r\n");
    let (gbk, _, lossy) = encoding_rs::GB18030.encode(&crlf);
    assert!(!lossy);
    let again = plan_for(&gbk, Some(2024));
    let keys = |p: &ImportPlan| p.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&first), keys(&again));
    let mut unique = keys(&first);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.rows.len());
    assert!(first.rows.iter().all(|r| r.key.len() == 64));
}

#[test]
fn a_repeated_row_gets_its_own_key_and_a_note() {
    let text = "反映时间,反映人,反映事项,处置结果\n2024-07-03,张三,楼道灯不亮,\n2024-07-03,张三,楼道灯不亮,已修\n";
    let plan = plan_for(text.as_bytes(), None);
    assert_eq!(plan.rows.len(), 2);
    assert_ne!(plan.rows[0].key, plan.rows[1].key);
    assert!(plan.rows[1]
        .notes
        .contains(&"与第2行内容相同 / same content as row 2".to_string()));
}

#[test]
fn a_mapping_can_be_corrected() {
    let text = "日期,居民,情况,备注说明\n2024-07-03,张三,楼道灯不亮,三楼\n";
    let table = read_table(text.as_bytes(), "a.csv").unwrap();
    // 情况 is not a known header: without help there is no description.
    assert!(detect_header(&table).is_none());
    let base = bangbang_sheets::Mapping::new(table[0].clone());
    let mapping =
        mapping_override(base, "reported_at=A, reporter_name=居民, description=情况").unwrap();
    let plan = plan(&table, &mapping, 0, &ImportOptions::default());
    assert_eq!(plan.rows.len(), 1);
    assert_eq!(plan.rows[0].description, "楼道灯不亮");
}
