//! The `bangbang` binary as a user runs it: the demo and its figures, `ledger verify`,
//! accounts and tokens, and the error messages for common mistakes.

use bangbang_domain::time::{parse_date, Period};
use bangbang_store::{testing, SqlStore, StatsScope, Store};
use sqlx::Executor;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn bangbang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bangbang"))
        .args(args)
        .env_remove("BANGBANG_DATABASE_URL")
        .env_remove("BANGBANG_DATA_DIR")
        .output()
        .expect("run bangbang")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Storage arguments for a fresh SQLite data dir or PostgreSQL database.
enum Db {
    Sqlite(String),
    Postgres(String),
}

impl Db {
    fn args(&self) -> Vec<&str> {
        match self {
            Db::Sqlite(dir) => vec!["--data-dir", dir],
            Db::Postgres(url) => vec!["--database-url", url],
        }
    }

    fn run(&self, more: &[&str]) -> Output {
        let mut args = self.args();
        args.extend_from_slice(more);
        bangbang(&args)
    }

    async fn store(&self) -> SqlStore {
        match self {
            Db::Sqlite(dir) => SqlStore::connect(&format!("sqlite://{dir}/bangbang.db"))
                .await
                .unwrap(),
            Db::Postgres(url) => SqlStore::connect(url).await.unwrap(),
        }
    }
}

fn sqlite_db() -> Db {
    Db::Sqlite(testing::temp_dir().display().to_string())
}

/// The seed: 143 received, 134 resolved, 9 long-term; 22/16/20 entrances. Loading twice
/// adds nothing, and the ledger verifies.
async fn demo_figures(db: Db) {
    let out = db.run(&["demo"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("流霞里社区 loaded with"),
        "{}",
        text(&out)
    );
    let store = db.store().await;
    let events = store.verify_ledger().await.unwrap();
    assert_eq!(events.fault, None);

    let again = db.run(&["demo"]);
    assert!(again.status.success());
    assert!(text(&again).contains("already loaded"), "{}", text(&again));
    assert_eq!(
        store.verify_ledger().await.unwrap().events_checked,
        events.events_checked
    );

    let community = store.community("liuxiali").await.unwrap();
    let period = Period {
        from: parse_date("2024-07-01"),
        to: parse_date("2024-11-15"),
    };
    let (from, to) = period.bounds_ms();
    let stats = store
        .stats(&StatsScope {
            reach: bangbang_store::Reach::of(&bangbang_domain::Actor::operator()),
            community_id: Some(community.id),
            from_ms: Some(from),
            to_ms: Some(to),
            now_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await
        .unwrap();
    let c = &stats.counts;
    assert_eq!(
        (c.received, c.resolved, c.long_term, c.open, c.closed),
        (143, 134, 9, 0, 0)
    );
    let entrances = |code: &str| {
        let f = stats
            .by_category
            .iter()
            .find(|f| f.category == code)
            .unwrap();
        (f.entrances, f.resolved_entrances)
    };
    assert_eq!(entrances("sewer_overflow"), (22, 22));
    assert_eq!(entrances("wall_hazard"), (16, 16));
    assert_eq!(entrances("stairwell_light"), (20, 20));
    assert_eq!(stats.rates.resolution.percent(), "93.7%");
    // Real histories: every resolved request went through its steps, most by volunteers.
    let (with_volunteer,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM requests WHERE status IN ('resolved','reviewed') AND assignee_id IS NOT NULL AND reported_ms < $1",
    )
    .bind(to)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(with_volunteer > 100, "{with_volunteer}");
    // And there is live work now, in both communities.
    let now = store
        .stats(&StatsScope {
            reach: bangbang_store::Reach::of(&bangbang_domain::Actor::operator()),
            community_id: None,
            from_ms: Some(to),
            to_ms: None,
            now_ms: chrono::Utc::now().timestamp_millis(),
        })
        .await
        .unwrap();
    assert!(now.counts.open >= 8, "{:?}", now.counts);
    assert!(now.counts.overdue >= 1, "{:?}", now.counts);
}

#[tokio::test]
async fn demo_on_sqlite() {
    demo_figures(sqlite_db()).await;
}

#[tokio::test]
async fn demo_on_postgres() {
    if let Some(url) = testing::postgres_url().await {
        demo_figures(Db::Postgres(url)).await;
    }
}

async fn verify_catches_tampering(db: Db) {
    assert!(db.run(&["demo"]).status.success());
    let ok = db.run(&["ledger", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("ledger OK"), "{}", text(&ok));
    let store = db.store().await;
    let drop = match db {
        Db::Sqlite(_) => "DROP TRIGGER events_no_update",
        Db::Postgres(_) => "DROP TRIGGER events_no_update ON events",
    };
    store.pool().execute(drop).await.unwrap();
    store
        .pool()
        .execute("UPDATE events SET actor = 'mallory' WHERE seq = 42")
        .await
        .unwrap();
    let bad = db.run(&["ledger", "verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("event 42"), "{}", text(&bad));
}

#[tokio::test]
async fn ledger_verify_on_sqlite() {
    verify_catches_tampering(sqlite_db()).await;
}

#[tokio::test]
async fn ledger_verify_on_postgres() {
    if let Some(url) = testing::postgres_url().await {
        verify_catches_tampering(Db::Postgres(url)).await;
    }
}

#[test]
fn clear_errors_for_common_mistakes() {
    let out = bangbang(&["--database-url", "mysql://root@localhost/bb", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("must be a PostgreSQL URL"),
        "{}",
        text(&out)
    );

    let out = bangbang(&[
        "--database-url",
        "postgres://bb:secret@127.0.0.1:1/bb",
        "migrate",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out);
    assert!(
        said.contains("cannot open the database at postgres://bb:***@127.0.0.1:1/bb"),
        "{said}"
    );
    assert!(
        !said.contains("secret"),
        "the password is never printed: {said}"
    );

    let out = bangbang(&["--data-dir", "/dev/null/bangbang", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("cannot create the data dir /dev/null/bangbang"),
        "{}",
        text(&out)
    );

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let dir = testing::temp_dir().display().to_string();
    let out = bangbang(&["--data-dir", &dir, "serve", "--listen", &addr]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("already in use"), "{}", text(&out));

    let out = bangbang(&[
        "--data-dir",
        &dir,
        "user",
        "add",
        "x",
        "--role",
        "boss",
        "--community",
        "liuxiali",
    ]);
    assert!(text(&out).contains("unknown role"), "{}", text(&out));
    let out = bangbang(&["--data-dir", &dir, "token", "create", "--user", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no user \"nobody\""), "{}", text(&out));
}

/// `serve --demo` as the README runs it, then a new account and token through the CLI.
#[tokio::test]
async fn serve_demo_then_add_a_user() {
    let dir = testing::temp_dir().display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bangbang"))
        .args([
            "--data-dir",
            &dir,
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut token = None;
    let mut base = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(t) = line.trim().strip_prefix("API token for lxl_staff: ") {
            token = Some(t.to_string());
        }
        if let Some(rest) = line.strip_prefix("bangbang is listening on ") {
            base = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let (token, base) = (
        token.expect("a token is printed"),
        base.expect("the address is printed"),
    );
    let http = reqwest::Client::new();
    let stats: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/stats?community=liuxiali&from=2024-07-01&to=2024-11-15"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            stats["received"].as_i64(),
            stats["resolved"].as_i64(),
            stats["long_term"].as_i64()
        ),
        (Some(143), Some(134), Some(9))
    );

    let out = bangbang(&[
        "--data-dir",
        &dir,
        "user",
        "add",
        "amy",
        "--role",
        "staff",
        "--community",
        "dadi",
        "--display-name",
        "艾米",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("password: "),
        "a password is made and shown"
    );
    let out = bangbang(&[
        "--data-dir",
        &dir,
        "user",
        "add",
        "amy",
        "--role",
        "staff",
        "--community",
        "dadi",
    ]);
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    let out = bangbang(&["--data-dir", &dir, "token", "create", "--user", "amy"]);
    let amy = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let me: serde_json::Value = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&amy)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["display_name"], "艾米");
    let list: serde_json::Value = http
        .get(format!("{base}/api/v1/requests"))
        .bearer_auth(&amy)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["community"]["slug"] == "dadi"));
    child.kill().unwrap();
    let _ = child.wait();
}

/// The demo exported with `bangbang export` and imported into an empty community with the
/// same layout gives the same figures; importing again adds nothing.
async fn export_import_round_trip(db: Db) {
    assert!(db.run(&["demo"]).status.success());
    let out_dir = testing::temp_dir();
    let file = out_dir.join("lxl.xlsx").display().to_string();
    let out = db.run(&[
        "export",
        "--community",
        "liuxiali",
        "--from",
        "2024-07-01",
        "--to",
        "2024-11-15",
        "--view",
        "both",
        "--out",
        &file,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("wrote 143 rows"), "{}", text(&out));
    let csv = out_dir.join("lxl.csv").display().to_string();
    let out = db.run(&[
        "export",
        "--community",
        "liuxiali",
        "--view",
        "intake",
        "--out",
        &csv,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "CSV starts with a BOM for Excel"
    );
    assert!(String::from_utf8_lossy(&bytes).contains("反映时间"));

    let out = db.run(&[
        "community",
        "add",
        "twin",
        "--name",
        "双子社区",
        "--prefix",
        "TW",
        "--subdistrict",
        "西沽街道",
        "--district",
        "红桥区",
        "--grids",
        "4",
        "--buildings-per-grid",
        "6",
        "--entrances",
        "3",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // Another community may not take a prefix in use: codes would clash.
    let out = db.run(&[
        "community",
        "add",
        "twin2",
        "--name",
        "三胞社区",
        "--prefix",
        "TW",
        "--subdistrict",
        "西沽街道",
        "--district",
        "红桥区",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("already 双子社区's"), "{}", text(&out));
    let out = db.run(&["import", "--community", "twin", "--dry-run", &file]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("143 rows to import, 0 rows that cannot be"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("dry run: nothing was imported"));
    let store = db.store().await;
    let twin = store.community("twin").await.unwrap();
    let period = Period {
        from: parse_date("2024-07-01"),
        to: parse_date("2024-11-15"),
    };
    let (from, to) = period.bounds_ms();
    let figures = |community_id: bangbang_domain::PlaceId| {
        let store = store.clone();
        async move {
            let s = store
                .stats(&StatsScope {
                    reach: bangbang_store::Reach::of(&bangbang_domain::Actor::operator()),
                    community_id: Some(community_id),
                    from_ms: Some(from),
                    to_ms: Some(to),
                    now_ms: 0,
                })
                .await
                .unwrap();
            let cats: Vec<(String, i64, i64)> = s
                .by_category
                .iter()
                .map(|c| (c.category.clone(), c.requests, c.entrances))
                .collect();
            let channels: Vec<(String, i64)> = s
                .by_channel
                .iter()
                .map(|c| (c.channel.clone(), c.requests))
                .collect();
            (
                s.counts.received,
                s.counts.resolved,
                s.counts.long_term,
                cats,
                channels,
            )
        }
    };
    assert_eq!(figures(twin.id).await.0, 0, "the dry run imported nothing");
    let out = db.run(&["import", "--community", "twin", &file]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("imported 143 requests"),
        "{}",
        text(&out)
    );
    let original = store.community("liuxiali").await.unwrap();
    let (a, b) = (figures(original.id).await, figures(twin.id).await);
    assert_eq!(a, b, "the same figures after export and import");
    assert_eq!((b.0, b.1, b.2), (143, 134, 9));
    let again = db.run(&["import", "--community", "twin", &file]);
    assert!(
        text(&again).contains("imported 0 requests")
            && text(&again).contains("143 were already there"),
        "{}",
        text(&again)
    );
    assert!(db.run(&["ledger", "verify"]).status.success());

    // The report, both ways.
    let html = out_dir.join("report.html").display().to_string();
    let out = db.run(&[
        "report",
        "--community",
        "liuxiali",
        "--from",
        "2024-07-01",
        "--to",
        "2024-11-15",
        "--format",
        "html",
        "--out",
        &html,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("data-testid=\"received\">143<")
            && page.contains("data-testid=\"resolved\">134<")
    );
    let xlsx = out_dir.join("report.xlsx").display().to_string();
    let out = db.run(&[
        "report",
        "--community",
        "liuxiali",
        "--from",
        "2024-07-01",
        "--to",
        "2024-11-15",
        "--format",
        "xlsx",
        "--out",
        &xlsx,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an .xlsx is a zip"
    );
}

#[tokio::test]
async fn round_trip_on_sqlite() {
    export_import_round_trip(sqlite_db()).await;
}

#[tokio::test]
async fn round_trip_on_postgres() {
    if let Some(url) = testing::postgres_url().await {
        export_import_round_trip(Db::Postgres(url)).await;
    }
}

/// A messy hand-kept ledger: every row is imported, skipped or reported with its reason;
/// strict import refuses the file whole; the good rows go in with --skip-bad-rows, once.
#[tokio::test]
async fn messy_ledger_import() {
    let db = sqlite_db();
    assert!(db.run(&["demo"]).status.success());
    let dir = testing::temp_dir();
    let csv = dir.join("台账.csv");
    std::fs::write(&csv, bangbang_sheets::fixtures::MESSY_LEDGER_CSV).unwrap();
    let csv = csv.display().to_string();
    let xlsx = dir.join("台账.xlsx");
    bangbang_sheets::fixtures::sample_messy_xlsx(&xlsx).unwrap();
    let xlsx = xlsx.display().to_string();
    let store = db.store().await;
    let before = store.verify_ledger().await.unwrap().events_checked;

    let out = db.run(&[
        "import",
        "--community",
        "liuxiali",
        "--dry-run",
        "--year",
        "2024",
        &csv,
    ]);
    let said = text(&out);
    assert!(said.contains("REJECTED  反映时间无法识别"), "{said}");
    assert!(said.contains("REJECTED  缺少反映事项"), "{said}");
    assert!(said.contains("skipped   重复的表头"), "{said}");
    assert!(said.contains("skipped   备注或合计行"), "{said}");
    assert!(
        said.contains("9 rows to import, 2 rows that cannot be"),
        "{said}"
    );
    let out = db.run(&["import", "--community", "liuxiali", "--year", "2024", &csv]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "strict import refuses a file with bad rows"
    );
    assert_eq!(
        store.verify_ledger().await.unwrap().events_checked,
        before,
        "and stores nothing"
    );
    let out = db.run(&[
        "import",
        "--community",
        "liuxiali",
        "--year",
        "2024",
        "--skip-bad-rows",
        &csv,
    ]);
    assert!(text(&out).contains("imported 9 requests"), "{}", text(&out));
    let out = db.run(&[
        "import",
        "--community",
        "liuxiali",
        "--year",
        "2024",
        "--skip-bad-rows",
        &csv,
    ]);
    assert!(text(&out).contains("imported 0 requests"), "{}", text(&out));
    // The same ledger kept in Excel, with merged cells and real date cells.
    let out = db.run(&[
        "import",
        "--community",
        "liuxiali",
        "--dry-run",
        "--year",
        "2024",
        &xlsx,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("rows to import"), "{}", text(&out));
    let imported = store
        .list_requests(&bangbang_store::RequestFilter {
            channel: Some(bangbang_domain::Channel::Import),
            limit: 50,
            ..bangbang_store::RequestFilter::for_actor(&bangbang_domain::Actor::operator())
        })
        .await
        .unwrap();
    assert!(
        !imported.items.is_empty(),
        "rows without a channel come in as channel import"
    );
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
}
