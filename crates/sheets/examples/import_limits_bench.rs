//! Builds each hostile spreadsheet of `bangbang_sheets::fixtures::hostile`, reads it with
//! `read_table` under the default limits and prints the refusal, the time taken and the
//! peak heap allocated while reading (counted by this program's allocator). Then does the
//! same for the largest legitimate ledger, 50,000 rows exported by bangbang itself, which
//! must be read.
//!
//! `cargo run --release -p bangbang-sheets --example import_limits_bench`

use bangbang_sheets::fixtures::heap::{measure_peak, PeakHeap};
use bangbang_sheets::fixtures::hostile::HOSTILE;
use bangbang_sheets::{read_table, Format, LedgerRow, LedgerWriter, View};
use chrono::{Duration, NaiveDate};
use std::time::Instant;

#[global_allocator]
static HEAP: PeakHeap = PeakHeap;

/// Reads `bytes` as `name` and prints one line: what, size, outcome, time, peak heap.
fn measure(what: &str, name: &str, bytes: &[u8]) {
    let started = Instant::now();
    let (result, peak) = measure_peak(|| read_table(bytes, name));
    let elapsed = started.elapsed();
    let outcome = match &result {
        Ok(table) => format!("read: {} rows", table.len()),
        Err(e) => format!("refused: {e}"),
    };
    drop(result);
    println!(
        "{what}\n    {:.1} MiB file, {:>7.1} ms, peak heap {:>6.1} MiB\n    {outcome}",
        bytes.len() as f64 / (1024.0 * 1024.0),
        elapsed.as_secs_f64() * 1000.0,
        peak as f64 / (1024.0 * 1024.0),
    );
}

/// A realistic ledger row, as `export_bench` makes them.
fn row(i: u64) -> LedgerRow {
    let start = NaiveDate::from_ymd_opt(2024, 7, 1)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("a date");
    let reported_at = start + Duration::minutes((i * 37 % 200_000) as i64);
    LedgerRow {
        seq: i + 1,
        code: format!("LXL-2024-{:07}", i + 1),
        reported_at,
        reporter_name: ["张桂兰", "李建国", "王秀英"][(i % 3) as usize].to_string(),
        reporter_phone: format!("13{:09}", (i * 7919) % 1_000_000_000),
        address: format!(
            "{}号楼{}门{}{:02}",
            i % 40 + 1,
            i % 6 + 1,
            i % 7 + 1,
            i % 4 + 1
        ),
        description: format!("厨房下水返水，地面积水，楼下邻居反映天花板渗水（{i}）"),
        category: "下水跑冒".into(),
        channel: "来电".into(),
        dispatched_at: Some(reported_at + Duration::minutes(25)),
        assignee: "刘振华".into(),
        outcome: "疏通主管道，清理存水弯".into(),
        resolved_at: Some(reported_at + Duration::hours(5)),
        status: "已办结".into(),
        satisfaction: "满意".into(),
        hours: Some(1.5),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("hostile files (each must be refused):\n");
    for hostile in HOSTILE {
        let bytes = (hostile.build)();
        measure(hostile.what, hostile.file_name, &bytes);
    }
    println!("\nthe largest ledger taken (must be read):\n");
    let dir = std::env::temp_dir().join(format!("bangbang-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (format, ext) in [(Format::Xlsx, "xlsx"), (Format::Csv, "csv")] {
        let path = dir.join(format!("ledger.{ext}"));
        let mut writer = LedgerWriter::create(&path, View::Both, format, "流霞里社区接待处置台账")?;
        for i in 0..50_000 {
            writer.push(&row(i))?;
        }
        writer.finish()?;
        let bytes = std::fs::read(&path)?;
        measure(
            &format!("{ext}: 50,000 rows × 16 columns exported by bangbang"),
            &format!("ledger.{ext}"),
            &bytes,
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
