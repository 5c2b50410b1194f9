//! Exports N realistic fake ledger rows (default 1,000,000) to .xlsx and to .csv in a
//! temporary directory and prints, for each, the time taken, the file size and the peak
//! resident memory (VmHWM). Each format runs in its own child process so that the two
//! peaks do not mix.
//!
//! `cargo run --release -p bangbang-sheets --example export_bench -- 1000000`
//!
//! Set `BANGBANG_BENCH_KEEP=/some/dir` to write the files there and keep them.

use bangbang_sheets::{Format, LedgerRow, LedgerWriter, View};
use chrono::{Duration, NaiveDate};
use std::process::Command;
use std::time::Instant;

const NAMES: &[&str] = &[
    "张桂兰",
    "李建国",
    "王秀英",
    "赵德全",
    "刘振华",
    "陈玉兰",
    "黄志强",
    "林秀珍",
];
const ITEMS: &[(&str, &str, &str)] = &[
    (
        "下水跑冒",
        "厨房下水返水，地面积水，楼下邻居反映天花板渗水",
        "疏通主管道，清理存水弯",
    ),
    (
        "外墙排险修缮",
        "北侧外墙墙皮大面积空鼓脱落，下方为通道，有坠落危险",
        "拉警戒线，联系专业队伍排险修补",
    ),
    (
        "楼道灯检修",
        "三楼至五楼楼道灯不亮，老人夜间上下楼不便",
        "更换声控灯三只",
    ),
    (
        "助老服务",
        "独居老人行动不便，需要代购降压药",
        "志愿者代购送药上门",
    ),
    ("水管维修", "卫生间进水管接头漏水", "更换三通及阀门"),
];
const CHANNELS: &[&str] = &["来电", "来访", "网格巡查", "扫码自助"];

fn row(i: u64) -> LedgerRow {
    let start = NaiveDate::from_ymd_opt(2024, 7, 1)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let reported_at = start + Duration::minutes((i * 37 % 200_000) as i64);
    let (category, description, outcome) = ITEMS[(i % ITEMS.len() as u64) as usize];
    let resolved = !i.is_multiple_of(10);
    LedgerRow {
        seq: i + 1,
        code: format!("LXL-2024-{:07}", i + 1),
        reported_at,
        reporter_name: NAMES[(i % NAMES.len() as u64) as usize].to_string(),
        reporter_phone: format!("13{:09}", (i * 7919) % 1_000_000_000),
        address: format!(
            "{}号楼{}门{}{:02}",
            i % 40 + 1,
            i % 6 + 1,
            i % 7 + 1,
            i % 4 + 1
        ),
        description: format!("{description}（{i}）"),
        category: category.to_string(),
        channel: CHANNELS[(i % CHANNELS.len() as u64) as usize].to_string(),
        dispatched_at: Some(reported_at + Duration::minutes(25)),
        assignee: NAMES[((i + 3) % NAMES.len() as u64) as usize].to_string(),
        outcome: if resolved {
            outcome.to_string()
        } else {
            String::new()
        },
        resolved_at: resolved.then(|| reported_at + Duration::hours(5)),
        status: if resolved {
            "已办结"
        } else {
            "长期跟进"
        }
        .to_string(),
        satisfaction: if resolved { "满意" } else { "" }.to_string(),
        hours: resolved.then_some(1.5),
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(n: u64, format: Format) -> Result<(), bangbang_sheets::SheetError> {
    let keep = std::env::var_os("BANGBANG_BENCH_KEEP").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("bangbang-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let ext = if format == Format::Xlsx {
        "xlsx"
    } else {
        "csv"
    };
    let path = dir.join(format!("ledger.{ext}"));
    let started = Instant::now();
    let mut writer = LedgerWriter::create(&path, View::Both, format, "流霞里社区接待处置台账")?;
    for i in 0..n {
        writer.push(&row(i))?;
    }
    let written = writer.finish()?;
    let elapsed = started.elapsed();
    let size = std::fs::metadata(&path)?.len();
    println!(
        "{ext:>4}: {written} rows in {:.1} s, {:.1} MiB, peak RSS {:.1} MiB",
        elapsed.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0),
        peak_rss_mib()
    );
    if keep.is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .map_or(Ok(1_000_000), |a| a.replace('_', "").parse())?;
    match args.get(2).map(String::as_str) {
        Some("xlsx") => run(n, Format::Xlsx)?,
        Some("csv") => run(n, Format::Csv)?,
        _ => {
            println!("exporting {n} rows (view: both, 16 columns)");
            for format in ["xlsx", "csv"] {
                let status = Command::new(&args[0])
                    .arg(n.to_string())
                    .arg(format)
                    .status()?;
                if !status.success() {
                    return Err(format!("the {format} run failed").into());
                }
            }
        }
    }
    Ok(())
}
