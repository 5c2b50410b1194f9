//! Hostile spreadsheets are refused before they cost memory. Each file is built here (see
//! `bangbang_sheets::fixtures::hostile`), read with `read_table` under the default limits,
//! and the refusal is checked, along with the peak heap allocated while refusing it, as
//! counted by this test binary's allocator. Counting allocations is deterministic: no
//! timing is involved.
//!
//! Every test takes one lock for its whole run, so that one test's allocations never
//! land in another's measurement.

use bangbang_sheets::fixtures::craft::{xlsx, Part, Xls, SHEET_HEAD};
use bangbang_sheets::fixtures::heap::{measure_peak, PeakHeap};
use bangbang_sheets::fixtures::hostile::HOSTILE;
use bangbang_sheets::{read_table, read_table_with, ImportLimits, Limit, SheetError};
use std::sync::{Mutex, MutexGuard, PoisonError};

#[global_allocator]
static HEAP: PeakHeap = PeakHeap;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `read` and returns its result and the most heap it held above what was held
/// before it started.
fn peak_of<T>(read: impl FnOnce() -> T) -> (T, usize) {
    measure_peak(read)
}

const MB: usize = 1024 * 1024;

fn refusal(error: &SheetError) -> &'static str {
    match error {
        SheetError::TooLarge { limit, .. } => limit.as_str(),
        SheetError::Damaged(_) => "damaged",
        _ => "another error",
    }
}

#[test]
fn every_hostile_file_is_refused_cheaply() {
    let _serial = serial();
    for hostile in HOSTILE {
        let bytes = (hostile.build)();
        let (result, peak) = peak_of(|| read_table(&bytes, hostile.file_name));
        let error = match result {
            Ok(table) => panic!(
                "{}: read as {} rows instead of refused",
                hostile.what,
                table.len()
            ),
            Err(e) => e,
        };
        assert_eq!(
            refusal(&error),
            hostile.refused_as,
            "{}: refused with {error}",
            hostile.what
        );
        assert!(
            peak < 100 * MB,
            "{}: {} MB of heap to refuse it",
            hostile.what,
            peak / MB
        );
    }
}

#[test]
fn the_refusal_names_the_limit() {
    let _serial = serial();
    let error = read_table(&(HOSTILE[2].build)(), "row-flood.xlsx").unwrap_err();
    assert_eq!(
        error.to_string(),
        "表格太大：最多 50000 行 / the sheet has more than 50,000 rows; split it into smaller files"
    );
    let error = read_table(&(HOSTILE[4].build)(), "bomb.xlsx").unwrap_err();
    assert!(
        error.to_string().contains("unpacks to more than 256 MB"),
        "{error}"
    );
}

/// 50,000 data rows under a title and a header is the largest ledger taken; one more row
/// is refused.
#[test]
fn fifty_thousand_rows_fit_and_one_more_does_not() {
    let _serial = serial();
    let csv = |rows: usize| {
        let mut text = "流霞里社区台账\n反映时间,反映人,反映事项\n".to_string();
        text.push_str(&"2024-07-03,张三,楼道灯不亮\n".repeat(rows));
        text.into_bytes()
    };
    let table = read_table(&csv(50_000), "ledger.csv").unwrap();
    assert_eq!(table.len(), 50_002);
    let (error, peak) = peak_of(|| read_table(&csv(50_000 + 29), "ledger.csv").unwrap_err());
    assert_eq!(refusal(&error), "rows");
    assert!(peak < 100 * MB);

    let xlsx_rows = |rows: u64| {
        xlsx(
            Part::repeated(
                "sheet",
                format!(
                    r#"{SHEET_HEAD}<row><c t="inlineStr"><is><t>反映时间</t></is></c><c t="inlineStr"><is><t>反映事项</t></is></c></row>"#
                )
                .as_bytes(),
                r#"<row><c><v>45476</v></c><c t="inlineStr"><is><t>楼道灯不亮</t></is></c></row>"#
                    .as_bytes(),
                rows,
                b"</sheetData></worksheet>",
            ),
            Vec::new(),
        )
    };
    let table = read_table(&xlsx_rows(50_000), "ledger.xlsx").unwrap();
    assert_eq!(table.len(), 50_001);
    assert_eq!(table[50_000], ["45476", "楼道灯不亮"]);
    let error = read_table(&xlsx_rows(50_030), "ledger.xlsx").unwrap_err();
    assert_eq!(refusal(&error), "rows");
}

/// Merged regions inside the limits are filled as before; the regions are counted, and
/// the cells they cover added up, before any is filled.
#[test]
fn merged_regions_are_counted_before_they_are_filled() {
    let _serial = serial();
    let rows: String = (1..=20)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#))
        .collect();
    let book = |merges: &str| {
        xlsx(
            Part::stored(
                "sheet",
                format!(
                    "{SHEET_HEAD}{rows}</sheetData><mergeCells>{merges}</mergeCells></worksheet>"
                )
                .as_bytes(),
            ),
            Vec::new(),
        )
    };
    // A title merged across the whole first row stops at the table's width.
    let table = read_table(&book(r#"<mergeCell ref="A1:XFD1"/>"#), "a.xlsx").unwrap();
    assert_eq!(table[0], ["1"]);
    let table = read_table(&book(r#"<mergeCell ref="A2:C3"/>"#), "a.xlsx").unwrap();
    assert_eq!(table[1], ["2", "2", "2"]);
    assert_eq!(
        table[2],
        ["3", "2", "2"],
        "a cell with its own value keeps it"
    );
    // 200 overlapping regions covering the sheet many times over.
    let many = r#"<mergeCell ref="A1:IV20"/>"#.repeat(200);
    let limits = ImportLimits::default();
    let (error, peak) = peak_of(|| read_table_with(&book(&many), "a.xlsx", &limits).unwrap_err());
    assert_eq!(refusal(&error), "merged_cells");
    assert!(peak < 100 * MB);
    let tight = ImportLimits {
        max_merged_regions: 100,
        ..ImportLimits::default()
    };
    let error = read_table_with(&book(&many), "a.xlsx", &tight).unwrap_err();
    assert_eq!(refusal(&error), "merged_regions");
}

/// A small .xls ledger built record by record reads like an .xlsx one: shared strings,
/// a date cell, a number, a formula's cached value, a merged category.
#[test]
fn an_xls_ledger_reads_through_the_scanned_stream() {
    let _serial = serial();
    let file = Xls::new(&[
        "反映时间",
        "反映事项",
        "类别",
        "楼道灯不亮",
        "下水跑冒",
        "照明",
    ])
    .dimensions(0, 3, 0, 4)
    .shared(0, 0, 0)
    .shared(0, 1, 1)
    .shared(0, 2, 2)
    .number(1, 0, 1, 45476.375)
    .shared(1, 1, 3)
    .shared(1, 2, 5)
    .number(2, 0, 1, 45477.0)
    .shared(2, 1, 4)
    // =ROW()-2 with a cached value; calamine decompiles nothing.
    .formula(2, 3, 1.0, &[0x41, 0x1F, 0x00, 0x1E, 0x02, 0x00, 0x04])
    .merge(1, 2, 2, 2)
    .file();
    let table = read_table(&file, "台账.xls").unwrap();
    assert_eq!(
        table,
        [
            ["反映时间", "反映事项", "类别", ""],
            ["2024-07-03 09:00", "楼道灯不亮", "照明", ""],
            ["2024-07-04", "下水跑冒", "照明", "1"],
        ]
    );
}

/// Every limit can be tightened, and names itself when it is passed.
#[test]
fn limits_can_be_tightened() {
    let _serial = serial();
    let csv = "反映时间,反映事项\n2024-07-03,楼道灯不亮\n".as_bytes();
    let cases = [
        (
            ImportLimits {
                max_file_bytes: 10,
                ..ImportLimits::default()
            },
            Limit::FileBytes,
        ),
        (
            ImportLimits {
                max_columns: 1,
                ..ImportLimits::default()
            },
            Limit::Columns,
        ),
        (
            ImportLimits {
                max_cells: 3,
                ..ImportLimits::default()
            },
            Limit::Cells,
        ),
        (
            ImportLimits {
                max_text_bytes: 20,
                ..ImportLimits::default()
            },
            Limit::TextBytes,
        ),
        (
            ImportLimits {
                max_cell_bytes: 12,
                ..ImportLimits::default()
            },
            Limit::CellText,
        ),
    ];
    for (limits, limit) in cases {
        match read_table_with(csv, "a.csv", &limits) {
            Err(SheetError::TooLarge { limit: got, .. }) => assert_eq!(got, limit),
            other => panic!("{limit:?}: {other:?}"),
        }
    }
}
