//! The mid-term report workbook, read back as a person would.

use bangbang_sheets::fixtures::seed_report_data;
use bangbang_sheets::{write_report, ReportData};
use calamine::{open_workbook, Data, Reader, Xlsx};
use std::io::Read;

fn find(range: &calamine::Range<Data>, text: &str) -> (usize, usize) {
    range
        .cells()
        .find(|(_, _, c)| matches!(c, Data::String(s) if s == text))
        .map(|(r, c, _)| (r, c))
        .unwrap_or_else(|| panic!("'{text}' is not in the report"))
}

#[test]
fn the_report_shows_the_seed_figures_with_two_charts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    write_report(&path, &seed_report_data()).unwrap();

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("中期报告").unwrap();
    assert_eq!(
        range.get((0, 0)),
        Some(&Data::String("流霞里社区“8850工作室”中期工作报告".into()))
    );
    let (r, c) = find(&range, "收集诉求");
    assert_eq!(range.get((r + 1, c)), Some(&Data::Float(143.0)));
    let (r, c) = find(&range, "已办结");
    assert_eq!(range.get((r + 1, c)), Some(&Data::Float(134.0)));
    let (r, _) = find(&range, "办结率");
    assert_eq!(range.get((r, 1)), Some(&Data::String("93.7%".into())));
    let (r, _) = find(&range, "下水跑冒");
    assert_eq!(range.get((r, 3)), Some(&Data::Float(22.0)), "22 entrances");
    let (r, _) = find(&range, "2024-08");
    assert_eq!(range.get((r, 1)), Some(&Data::Float(41.0)));
    let (r, _) = find(&range, "刘振华");
    assert_eq!(range.get((r, 3)), Some(&Data::String("★★★★★".into())));

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().to_string())
        .filter(|n| n.starts_with("xl/charts/chart"))
        .collect();
    assert_eq!(charts.len(), 2, "{charts:?}");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains(r#"paperSize="9""#) && xml.contains(r#"orientation="portrait""#),
        "A4 portrait"
    );
    assert!(
        xml.contains(r#"fitToHeight="0""#),
        "fitted to the page width"
    );
    assert!(
        xml.contains(r#"<mergeCell ref="A1:H1"/>"#),
        "title across the top"
    );
}

#[test]
fn an_empty_report_still_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.xlsx");
    let data = ReportData {
        title: "空报告".into(),
        ..ReportData::default()
    };
    write_report(&path, &data).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("中期报告").unwrap();
    assert!(range
        .cells()
        .any(|(_, _, c)| c == &Data::String("（无数据）".into())));
}

/// Free text longer than a cell holds is cut with a visible mark, never a failed report.
#[test]
fn over_long_names_are_cut_not_fatal() {
    use bangbang_sheets::export::TRUNCATED;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    let mut data = seed_report_data();
    data.title = "报告".repeat(20_000);
    data.by_category[0].0 = "类".repeat(40_000);
    write_report(&path, &data).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("中期报告").unwrap();
    let cut: Vec<&String> = range
        .cells()
        .filter_map(|(_, _, c)| match c {
            Data::String(s) if s.ends_with(TRUNCATED) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(cut.len(), 2);
    assert!(cut.iter().all(|s| s.encode_utf16().count() <= 32_767));
}

/// The ledger checkpoint the figures stand on is printed at the foot of the report.
#[test]
fn the_checkpoint_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    let data = seed_report_data();
    write_report(&path, &data).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("中期报告").unwrap();
    let line = data.checkpoint.clone().unwrap();
    assert!(range
        .cells()
        .any(|(_, _, c)| c == &Data::String(line.clone())));
}
