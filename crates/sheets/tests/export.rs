//! Ledger export: what a person opening the file would check.

use bangbang_sheets::{headers, Format, LedgerRow, LedgerWriter, View};
use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;
use std::path::Path;

fn rows() -> Vec<LedgerRow> {
    let at = |d: u32, h: u32, m: u32| {
        NaiveDate::from_ymd_opt(2024, 7, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    };
    vec![
        LedgerRow {
            seq: 1,
            code: "LXL-2024-0001".into(),
            reported_at: at(3, 9, 30),
            reporter_name: "张桂兰".into(),
            reporter_phone: "13812345678".into(),
            address: "3号楼2门301".into(),
            description: "厨房下水返水，地面积水，\n楼下也漏".into(),
            category: "下水跑冒".into(),
            channel: "来电".into(),
            dispatched_at: Some(at(3, 10, 0)),
            assignee: "刘师傅".into(),
            outcome: "疏通主管道".into(),
            resolved_at: Some(at(3, 16, 0)),
            status: "已办结".into(),
            satisfaction: "满意".into(),
            hours: Some(1.5),
        },
        LedgerRow {
            seq: 2,
            code: "LXL-2024-0002".into(),
            reported_at: at(5, 14, 5),
            reporter_name: "=HYPERLINK(\"http://x\")".into(),
            reporter_phone: "022-26281234".into(),
            address: "5号楼1门".into(),
            description: "楼道灯不亮, \"三楼\"".into(),
            category: "楼道灯检修".into(),
            channel: "网格巡查".into(),
            status: "待派单".into(),
            ..LedgerRow::default()
        },
    ]
}

fn export(dir: &Path, view: View, format: Format) -> std::path::PathBuf {
    let ext = match format {
        Format::Xlsx => "xlsx",
        Format::Csv => "csv",
    };
    let path = dir.join(format!("{view:?}.{ext}"));
    let mut writer =
        LedgerWriter::create(&path, view, format, "流霞里社区接待台账（2024年7月）").unwrap();
    for row in rows() {
        writer.push(&row).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), 2);
    path
}

#[test]
fn headers_of_each_view() {
    assert_eq!(
        headers(View::Intake),
        [
            "序号",
            "编号",
            "反映时间",
            "反映人",
            "联系电话",
            "地址",
            "反映事项",
            "类别",
            "渠道"
        ]
    );
    assert_eq!(
        headers(View::Disposal),
        [
            "序号",
            "编号",
            "派单时间",
            "承办人",
            "处置结果",
            "办结时间",
            "状态",
            "回访满意度",
            "服务时长(小时)"
        ]
    );
    let both = headers(View::Both);
    assert_eq!(both.len(), 16);
    assert_eq!(both.iter().filter(|h| **h == "编号").count(), 1);
    assert_eq!(&both[..9], headers(View::Intake).as_slice());
    assert_eq!(&both[9..], &headers(View::Disposal)[2..]);
}

#[test]
fn xlsx_has_real_dates_and_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    for view in [View::Intake, View::Disposal, View::Both] {
        let path = export(dir.path(), view, Format::Xlsx);
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), [view.sheet_name()]);
        let range = book.worksheet_range(view.sheet_name()).unwrap();
        assert_eq!(range.get_size(), (4, headers(view).len()), "{view:?}");
        assert_eq!(
            range.get((0, 0)),
            Some(&Data::String("流霞里社区接待台账（2024年7月）".into()))
        );
        let header: Vec<String> = (0..headers(view).len())
            .map(|c| range.get((1, c)).unwrap().to_string())
            .collect();
        assert_eq!(header, headers(view));
        assert_eq!(range.get((2, 0)), Some(&Data::Float(1.0)));
        if view != View::Disposal {
            // 反映时间 is a real date cell, 2024-07-03 09:30 = serial 45476.395833…
            match range.get((2, 2)) {
                Some(Data::DateTime(dt)) => {
                    assert!(dt.is_datetime());
                    assert!((dt.as_f64() - 45476.0 - 9.5 / 24.0).abs() < 1e-6);
                }
                other => panic!("反映时间 should be a date cell, got {other:?}"),
            }
            assert_eq!(range.get((2, 3)), Some(&Data::String("张桂兰".into())));
            assert_eq!(range.get((2, 7)), Some(&Data::String("下水跑冒".into())));
            // In xlsx a leading '=' is just text, never a formula.
            assert_eq!(
                range.get((3, 3)),
                Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
            );
        } else {
            assert!(matches!(range.get((2, 5)), Some(Data::DateTime(_))));
            assert_eq!(range.get((2, 8)), Some(&Data::Float(1.5)));
            assert_eq!(range.get((3, 5)), Some(&Data::Empty));
        }
    }
}

#[test]
fn xlsx_sheet_has_filter_frozen_header_and_widths() {
    let dir = tempfile::tempdir().unwrap();
    let path = export(dir.path(), View::Intake, Format::Xlsx);
    let sheet = sheet_xml(&path);
    assert!(sheet.contains(r#"<autoFilter ref="A2:I4"/>"#), "{sheet}");
    assert!(
        sheet.contains(r#"topLeftCell="A3""#),
        "frozen below the header: {sheet}"
    );
    assert!(
        sheet.contains(r#"<col min="7" max="7" width="42.7109375" customWidth="1"/>"#),
        "{sheet}"
    );
    assert!(sheet.contains(r#"<mergeCell ref="A1:I1"/>"#));
    // The two-line 反映事项 gets a two-line row; the short one keeps the default height.
    assert!(
        sheet.contains(r#"<row r="3" ht="30.75" customHeight="1""#),
        "{sheet}"
    );
    assert!(
        sheet.contains(r#"<row r="4">"#) || sheet.contains(r#"<row r="4" "#),
        "{sheet}"
    );
    assert!(!sheet.contains(r#"<row r="4" ht"#), "{sheet}");
}

/// Cells with a value are written without a format and take their column's while the
/// rows stream (see xlsx_out.rs): every cell must still come out styled, the last row (still
/// in memory when the columns are made plain again) as much as the first, and the columns
/// themselves must end plain, or the empty cells below the ledger would be bordered.
#[test]
fn every_cell_keeps_its_format_and_the_columns_stay_plain() {
    let dir = tempfile::tempdir().unwrap();
    let path = export(dir.path(), View::Both, Format::Xlsx);
    let sheet = sheet_xml(&path);
    let cells: Vec<&str> = sheet.split("<c r=\"").skip(1).collect();
    assert_eq!(cells.len(), 16 * 4, "title, header and two rows: {sheet}");
    for cell in &cells {
        let head = &cell[..cell.find('>').unwrap()];
        assert!(head.contains(" s=\""), "a cell without a format: {head}");
    }
    // The same format on the first and the last row, column by column.
    let style = |cell: &str| {
        let head = &cell[..cell.find('>').unwrap()];
        head.split(" s=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    let (first, last) = (&cells[32..48], &cells[48..64]);
    for (i, (a, b)) in first.iter().zip(last).enumerate() {
        let blank_in_last = b.starts_with(&format!("{}4\" s=", (b'A' + i as u8) as char))
            && b[..b.find('>').unwrap()].ends_with('/');
        if !blank_in_last {
            assert_eq!(style(a), style(b), "column {i}: {a} / {b}");
        }
    }
    assert!(
        !sheet.contains(" style=\""),
        "a column keeps a format: {sheet}"
    );
}

/// The worksheet XML of a written workbook (an .xlsx is a zip of XML files).
fn sheet_xml(path: &Path) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn csv_has_a_bom_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for view in [View::Intake, View::Disposal, View::Both] {
        let path = export(dir.path(), view, Format::Csv);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
        let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, headers(view));
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2);
        let field = |r: usize, name: &str| {
            let c = header.iter().position(|h| h == name).unwrap();
            records[r][c].to_string()
        };
        assert_eq!(field(0, "序号"), "1");
        assert_eq!(field(1, "编号"), "LXL-2024-0002");
        if view != View::Disposal {
            assert_eq!(field(0, "反映时间"), "2024-07-03 09:30");
            assert_eq!(field(0, "反映事项"), "厨房下水返水，地面积水，\n楼下也漏");
            assert_eq!(field(1, "反映事项"), "楼道灯不亮, \"三楼\"");
            // Resident text that Excel would run as a formula is defused.
            assert_eq!(field(1, "反映人"), "'=HYPERLINK(\"http://x\")");
            assert_eq!(field(1, "联系电话"), "022-26281234");
        }
        if view != View::Intake {
            assert_eq!(field(0, "办结时间"), "2024-07-03 16:00");
            assert_eq!(field(0, "服务时长(小时)"), "1.5");
            assert_eq!(field(1, "办结时间"), "");
            assert_eq!(field(1, "状态"), "待派单");
        }
    }
}

#[test]
fn an_empty_export_is_still_a_valid_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.xlsx");
    let writer = LedgerWriter::create(&path, View::Intake, Format::Xlsx, "").unwrap();
    assert_eq!(writer.finish().unwrap(), 0);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("接待台账").unwrap();
    assert_eq!(range.get((0, 0)), Some(&Data::String("序号".into())));
    assert!(sheet_xml(&path).contains(r#"<autoFilter ref="A1:I1"/>"#));
}

/// A stored text longer than an Excel cell holds is cut with a visible mark; the export
/// goes on (it used to fail for good on such a row).
#[test]
fn over_long_text_is_cut_not_fatal() {
    use bangbang_sheets::export::TRUNCATED;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.xlsx");
    let title = "台账".repeat(20_000);
    let mut writer = LedgerWriter::create(&path, View::Both, Format::Xlsx, &title).unwrap();
    let mut long = rows().remove(0);
    long.description = "漏".repeat(100_000);
    long.reporter_name = "张".repeat(40_000);
    writer.push(&long).unwrap();
    writer.push(&rows()[1]).unwrap();
    assert_eq!(writer.finish().unwrap(), 2);

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range(View::Both.sheet_name()).unwrap();
    let text = |r: usize, c: usize| match range.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("({r}, {c}) is {other:?}"),
    };
    for (r, c, from) in [
        (0, 0, &title),
        (2, 6, &long.description),
        (2, 3, &long.reporter_name),
    ] {
        let cell = text(r, c);
        assert!(cell.ends_with(TRUNCATED), "({r}, {c})");
        assert!(cell.encode_utf16().count() <= 32_767);
        assert!(from.starts_with(cell.trim_end_matches(TRUNCATED)));
    }
    assert_eq!(
        text(3, 3),
        "=HYPERLINK(\"http://x\")",
        "the next row is whole"
    );
}

/// Text starting like a formula, in ASCII or full-width, is defused in every text column
/// of a CSV.
#[test]
fn csv_defuses_formulas_in_every_width() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formulas.csv");
    let mut writer = LedgerWriter::create(&path, View::Both, Format::Csv, "").unwrap();
    let row = LedgerRow {
        seq: 1,
        code: "LXL-2024-0001".into(),
        reporter_name: "＝HYPERLINK(\"http://x\")".into(),
        reporter_phone: "+86 138".into(),
        address: "－3号楼".into(),
        description: "＠SUM(A1)".into(),
        category: "=cmd|' /C calc'!A0".into(),
        channel: "\tx".into(),
        assignee: "﹢1".into(),
        outcome: "＋1".into(),
        status: "-1".into(),
        satisfaction: "满意".into(),
        ..rows().remove(0)
    };
    writer.push(&row).unwrap();
    writer.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let record = reader.records().next().unwrap().unwrap();
    let field = |name: &str| record[header.iter().position(|h| h == name).unwrap()].to_string();
    for (name, text) in [
        ("反映人", &row.reporter_name),
        ("联系电话", &row.reporter_phone),
        ("地址", &row.address),
        ("反映事项", &row.description),
        ("类别", &row.category),
        ("渠道", &row.channel),
        ("承办人", &row.assignee),
        ("处置结果", &row.outcome),
        ("状态", &row.status),
    ] {
        assert_eq!(field(name), format!("'{text}"), "{name}");
    }
    assert_eq!(field("回访满意度"), "满意");
    assert_eq!(field("编号"), "LXL-2024-0001");
}
