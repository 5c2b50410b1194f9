//! How long a ledger export of N requests takes, and how much memory it needs, through the
//! real path: SQLite → keyset pages → the streaming .xlsx / .csv writers.
//!
//! `cargo run --release -p bangbang --example ledger_export_bench -- 1000000`
//!
//! The requests are bulk-inserted straight into the requests table (the export reads
//! nothing else), so the set-up takes seconds, not the hours a million real lifecycles
//! would. Peak RSS is read from /proc/self/status (VmHWM) after each step.

use bangbang_app::transfer::export_ledger;
use bangbang_sheets::{Format, View};
use bangbang_store::{testing, RequestFilter, Store};
use sqlx::Executor;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(String::from)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = testing::temp_dir();
    let store = bangbang_store::SqlStore::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.join("bench.db").display()
    ))
    .await?;
    bangbang::demo::seed(&store).await?;
    let community = store.community("liuxiali").await?;
    let started = Instant::now();
    let (entrance, building, grid): (i64, i64, i64) =
        sqlx::query_as("SELECT id, building_id, grid_id FROM places WHERE kind = 'entrance' AND community_id = $1 LIMIT 1")
            .bind(community.id)
            .fetch_one(store.pool())
            .await?;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO requests (code, community_id, grid_id, building_id, entrance_id, room, category, channel, urgency, status, \
         reporter_name, reporter_phone, description, reported_ms, respond_by_ms, resolve_by_ms, first_response_ms, resolved_ms, \
         outcome, service_minutes, satisfaction, last_seq) \
         SELECT 'BENCH-' || i, {c}, {grid}, {building}, {entrance}, '301', \
         CASE i % 3 WHEN 0 THEN 'sewer_overflow' WHEN 1 THEN 'wall_hazard' ELSE 'stairwell_light' END, 'phone', 'normal', 'reviewed', \
         '张大爷', '13812345678', '楼道下水管堵塞，污水从一楼地漏往外冒，已经两天了', \
         1719792000000 + i * 60000, 1719792000000 + i * 60000 + 86400000, 1719792000000 + i * 60000 + 604800000, \
         1719792000000 + i * 60000 + 3600000, 1719792000000 + i * 60000 + 7200000, '疏通主管道，清理淤积物，恢复排水', 90, 'satisfied', 1 FROM n",
        c = community.id
    );
    store.pool().execute(sql.as_str()).await?;
    println!(
        "inserted {n} requests in {:.1}s (peak RSS so far {:.0} MiB)",
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    for (format, ext) in [(Format::Csv, "csv"), (Format::Xlsx, "xlsx")] {
        let path = dir.join(format!("export.{ext}"));
        let filter = RequestFilter {
            community_id: Some(community.id),
            ..RequestFilter::for_actor(&bangbang_domain::Actor::operator())
        };
        let before = peak_rss_mib();
        let t = Instant::now();
        let rows = export_ledger(
            &store,
            &bangbang::files::operator(),
            filter,
            View::Both,
            format,
            &path,
            "接待台账及处置清单",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .rows;
        let size = std::fs::metadata(&path)?.len() as f64 / 1024.0 / 1024.0;
        println!(
            "{ext}: {rows} rows in {:.1}s, {size:.0} MiB file, peak RSS {:.0} MiB (before the export {before:.0} MiB)",
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
