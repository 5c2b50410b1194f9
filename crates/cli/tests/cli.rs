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
            scope: None,
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
            scope: None,
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
