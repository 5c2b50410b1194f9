//! Importing .xlsx ledgers: the messy hand-kept sample, and bangbang's own export.

use bangbang_sheets::fixtures::sample_messy_xlsx;
use bangbang_sheets::{
    detect_header, plan, read_table, Field, Format, ImportOptions, ImportPlan, ImportedStatus,
    LedgerRow, LedgerWriter, View,
};
use chrono::NaiveDate;

fn read_plan(bytes: &[u8], name: &str) -> (Vec<Vec<String>>, ImportPlan) {
    let table = read_table(bytes, name).unwrap();
    let (header_row, mapping) = detect_header(&table).expect("header found");
    let plan = plan(&table, &mapping, header_row, &ImportOptions::default());
    (table, plan)
}

fn sample() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("台账.xlsx");
    sample_messy_xlsx(&path).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn cells_come_out_as_text_people_recognise() {
    let (table, _) = read_plan(&sample(), "台账.xlsx");
    // Row 4 of the sheet: a date-time cell, a phone typed in as a number.
    assert_eq!(table[3][1], "2024-07-02 08:45");
    assert_eq!(table[3][3], "13612345678");
    // Row 5: a date-only cell.
    assert_eq!(table[4][1], "2024-07-09");
    // Merged 类别 (G4:G6) and 状态 (J7:J8) are filled from their top-left cell.
    assert_eq!(table[4][6], "下水跑冒");
    assert_eq!(table[5][6], "下水跑冒");
    assert_eq!(table[7][6], "楼道灯检修");
    assert_eq!(table[7][9], "已办结");
    // The merged title fills the whole first row.
    assert_eq!(table[0][9], "流霞里社区接待台账（2024年第三季度）");
}

#[test]
fn the_messy_sample_plans_as_expected() {
    let (_, plan) = read_plan(&sample(), "台账.xlsx");
    assert_eq!(plan.header_row, 2, "below the title and the office line");
    assert_eq!(plan.mapping.get(Field::ReportedAt), Some(1), "反映\\n时间");
    assert_eq!(
        plan.mapping.get(Field::ReporterPhone),
        Some(3),
        "联系电话\\n（手机）"
    );

    let numbers: Vec<usize> = plan.rows.iter().map(|r| r.row_number).collect();
    assert_eq!(numbers, [4, 5, 6, 7, 8, 11]);
    assert_eq!(plan.rejected.len(), 1);
    assert_eq!(plan.rejected[0].row_number, 10);
    assert_eq!(
        plan.rejected[0].reason,
        "反映时间无法识别 / cannot read the date '七月三日'"
    );
    let skipped: Vec<usize> = plan.skipped.iter().map(|(n, _)| *n).collect();
    assert_eq!(skipped, [9, 12, 13]);
    assert!(plan.skipped[1].1.starts_with("备注或合计行"));

    let categories: Vec<&str> = plan.rows.iter().map(|r| r.category.as_str()).collect();
    assert_eq!(
        categories,
        [
            "sewer_overflow",
            "sewer_overflow",
            "sewer_overflow",
            "stairwell_light",
            "stairwell_light",
            "elder_care"
        ]
    );
    let targets: Vec<ImportedStatus> = plan.rows.iter().map(|r| r.target).collect();
    use ImportedStatus::*;
    assert_eq!(
        targets,
        [Resolved, Resolved, LongTerm, Resolved, Resolved, Submitted]
    );

    let r = &plan.rows[1];
    assert_eq!(
        r.reported_at.format("%Y-%m-%d %H:%M").to_string(),
        "2024-07-09 09:00"
    );
    assert_eq!(r.reporter_phone, "022-26281234");
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("3"), Some("2"), Some("402"))
    );
    assert_eq!(
        r.resolved_at.unwrap().format("%Y-%m-%d %H:%M").to_string(),
        "2024-07-10 09:00"
    );

    let r = &plan.rows[2];
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("5"), Some("1"), None)
    );
    let r = &plan.rows[3];
    assert_eq!(
        (
            r.building.as_deref(),
            r.entrance.as_deref(),
            r.room.as_deref()
        ),
        (Some("2"), Some("3"), Some("101"))
    );
    let r = &plan.rows[5];
    assert_eq!(r.reporter_name, "（未登记）");
    assert_eq!(
        r.reported_at.format("%Y-%m-%d %H:%M").to_string(),
        "2024-08-20 14:00"
    );
}

#[test]
fn keys_are_the_same_on_a_second_read() {
    let bytes = sample();
    let (_, first) = read_plan(&bytes, "台账.xlsx");
    let (_, second) = read_plan(&bytes, "whatever-name.bin");
    let keys = |p: &ImportPlan| p.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&first), keys(&second));
    // A separately generated copy of the same ledger gives the same keys too.
    let (_, third) = read_plan(&sample(), "台账.xlsx");
    assert_eq!(keys(&first), keys(&third));
}

#[test]
fn bangbang_reads_back_its_own_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    let mut writer =
        LedgerWriter::create(&path, View::Both, Format::Xlsx, "流霞里社区台账").unwrap();
    let at = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2024, 9, d)
            .unwrap()
            .and_hms_opt(h, 15, 0)
            .unwrap()
    };
    for seq in 1..=3u32 {
        writer
            .push(&LedgerRow {
                seq: u64::from(seq),
                code: format!("LXL-{seq:04}"),
                reported_at: at(seq, 9),
                reporter_name: "张桂兰".into(),
                reporter_phone: "13812345678".into(),
                address: format!("{seq}号楼2门301"),
                description: "楼道灯不亮".into(),
                category: "楼道灯检修".into(),
                channel: "来电".into(),
                resolved_at: (seq != 3).then(|| at(seq, 17)),
                outcome: if seq == 3 {
                    String::new()
                } else {
                    "已更换".into()
                },
                status: if seq == 3 {
                    "长期跟进".into()
                } else {
                    "已办结".into()
                },
                ..LedgerRow::default()
            })
            .unwrap();
    }
    writer.finish().unwrap();
    let (_, plan) = read_plan(&std::fs::read(&path).unwrap(), "export.xlsx");
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    assert_eq!(plan.rows.len(), 3);
    let r = &plan.rows[2];
    assert_eq!(r.row_number, 5);
    assert_eq!(r.reported_at, at(3, 9));
    assert_eq!(r.building.as_deref(), Some("3"));
    assert_eq!(r.category, "stairwell_light");
    assert_eq!(r.channel, Some(bangbang_domain::Channel::Phone));
    assert_eq!(r.target, ImportedStatus::LongTerm);
    assert_eq!(plan.rows[0].resolved_at, Some(at(1, 17)));
}
