//! Backups as the laptop office makes them: `bangbang backup` while the server takes
//! requests, the daily copies `serve` keeps (and prunes), and `bangbang restore`, which
//! brings back an earlier state and refuses what is not a sound bangbang database.

use bangbang_domain::time::{local_date, parse_date, Period};
use bangbang_store::{SqlStore, StatsScope, Store};
use sqlx::Executor;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn bangbang(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bangbang"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("BANGBANG_DATABASE_URL")
        .env_remove("BANGBANG_DATA_DIR")
        .env_remove("BANGBANG_CONFIG")
        .stdin(Stdio::null())
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

fn temp_dir() -> PathBuf {
    bangbang_store::testing::temp_dir()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A running `bangbang serve --demo` on a SQLite data dir.
struct Server {
    child: Child,
    base: String,
    staff_token: String,
}

impl Server {
    fn start(dir: &Path, config: Option<&Path>) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bangbang"));
        cmd.arg("--data-dir").arg(dir);
        if let Some(config) = config {
            cmd.arg("--config").arg(config);
        }
        let mut child = cmd
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .env_remove("BANGBANG_DATABASE_URL")
            .env_remove("BANGBANG_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (mut token, mut base) = (None, None);
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
        Server {
            child,
            base: base.expect("the address is printed"),
            staff_token: token.expect("a token is printed"),
        }
    }

    /// Files one phoned-in request through the API; its HTTP status.
    async fn file_request(&self, http: &reqwest::Client) -> u16 {
        http.post(format!("{}/api/v1/requests", self.base))
            .bearer_auth(&self.staff_token)
            .json(&serde_json::json!({
                "community": "liuxiali", "channel": "phone", "category": "sewer_overflow",
                "urgency": "normal", "reporter": {"name": "张大爷", "phone": "13812345678"},
                "address": {"building": "3", "entrance": "2", "room": "301"},
                "description": "楼道下水往外冒水"
            }))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo's figures for 流霞里 over the article's period, and all requests received.
async fn figures(store: &SqlStore) -> ((i64, i64, i64), i64) {
    let community = store.community("liuxiali").await.unwrap();
    let (from, to) = Period {
        from: parse_date("2024-07-01"),
        to: parse_date("2024-11-15"),
    }
    .bounds_ms();
    let scope = |from_ms, to_ms| StatsScope {
        reach: bangbang_store::Reach::of(&bangbang_domain::Actor::operator()),
        community_id: Some(community.id),
        from_ms,
        to_ms,
        now_ms: chrono::Utc::now().timestamp_millis(),
    };
    let c = store
        .stats(&scope(Some(from), Some(to)))
        .await
        .unwrap()
        .counts;
    let all = store.stats(&scope(None, None)).await.unwrap().counts;
    ((c.received, c.resolved, c.long_term), all.received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_and_writing() {
    let dir = temp_dir();
    let server = Arc::new(Server::start(&dir, None));
    let http = reqwest::Client::new();
    assert_eq!(server.file_request(&http).await, 201);
    let live = SqlStore::connect(&format!("sqlite://{}/bangbang.db", path(&dir)))
        .await
        .unwrap();
    let (_, at_start) = figures(&live).await;
    live.close().await;

    // A desk filing requests as fast as it can, the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let done: Arc<Mutex<Vec<(Instant, u16)>>> = Arc::default();
    let writer = tokio::spawn({
        let (server, stop, done, http) = (server.clone(), stop.clone(), done.clone(), http.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let status = server.file_request(&http).await;
                done.lock().unwrap().push((Instant::now(), status));
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let copy = dir.join("copy.db");
    let started = Instant::now();
    let out = tokio::task::spawn_blocking({
        let (dir, copy) = (dir.clone(), copy.clone());
        move || bangbang(&dir, &["backup", "--out", path(&copy)])
    })
    .await
    .unwrap();
    let finished = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("backup written to"), "{}", text(&out));
    assert!(text(&out).contains("ledger OK"), "{}", text(&out));

    let done = done.lock().unwrap().clone();
    assert!(
        done.iter().all(|(_, status)| *status == 201),
        "every write succeeded: {:?}",
        done.iter().map(|d| d.1).collect::<Vec<_>>()
    );
    let during = done
        .iter()
        .filter(|(at, _)| *at > started && *at < finished)
        .count();
    eprintln!(
        "{during} requests written during the {:?} backup, {} in all",
        finished - started,
        done.len()
    );
    assert!(during > 0, "requests were written while the backup ran");
    let before = done.iter().filter(|(at, _)| *at <= started).count() as i64;
    let total = done.len() as i64;

    // The copy: one file, its ledger verifies, the demo's figures, and a snapshot that
    // has every write made before the backup began and none made after it finished.
    for side in ["-wal", "-shm"] {
        assert!(!dir.join(format!("copy.db{side}")).exists());
    }
    let store = SqlStore::open_sqlite_copy(&copy).await.unwrap();
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
    let (article, all) = figures(&store).await;
    assert_eq!(article, (143, 134, 9));
    let written = all - at_start;
    assert!(
        (before..=total).contains(&written),
        "the copy has {written} of the new requests; {before} were written before it began, {total} in all"
    );
    store.close().await;

    // An existing file is not overwritten, unless asked.
    let again = bangbang(&dir, &["backup", "--out", path(&copy)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("--force"), "{}", text(&again));
    let forced = bangbang(&dir, &["backup", "--out", path(&copy), "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    let store = SqlStore::open_sqlite_copy(&copy).await.unwrap();
    assert_eq!(figures(&store).await.1, at_start + total);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_backups_are_made_and_pruned_by_serve() {
    let dir = temp_dir();
    let backups = dir.join("kept");
    std::fs::create_dir_all(&backups).unwrap();
    for day in ["20200101", "20200102", "20200103", "20200104"] {
        std::fs::write(backups.join(format!("bangbang-{day}.db")), day).unwrap();
    }
    let config = dir.join("bangbang.toml");
    std::fs::write(
        &config,
        format!("[backup]\ndir = {:?}\nkeep = 3\n", path(&backups)),
    )
    .unwrap();
    let server = Server::start(&dir, Some(&config));
    let today = backups.join(bangbang::backup::daily_file_name(local_date(
        chrono::Utc::now(),
    )));
    let waited = Instant::now();
    while !today.exists() {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "today's backup appears"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Pruned just after the copy takes its name.
    let mut names: Vec<String>;
    loop {
        names = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        if names.len() <= 3 || waited.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let today_name = today.file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(
        names,
        vec![
            "bangbang-20200103.db".to_string(),
            "bangbang-20200104.db".to_string(),
            today_name
        ]
    );
    let store = SqlStore::open_sqlite_copy(&today).await.unwrap();
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
    assert_eq!(figures(&store).await.0, (143, 134, 9));
    store.close().await;
    drop(server);
}

#[test]
fn retention_deletes_the_oldest_beyond_keep() {
    let dir = temp_dir();
    let days: Vec<String> = (1..=20).map(|d| format!("202403{d:02}")).collect();
    // Written out of order: the date in the name decides, not the order or the mtime.
    for day in days.iter().rev() {
        std::fs::write(dir.join(format!("bangbang-{day}.db")), day).unwrap();
    }
    let others = [
        "bangbang-manual.db",
        "bangbang-2024031.db",
        "bangbang-20240230.db", // not a date
        "notes.txt",
        "bangbang-20240101.db.partial",
    ];
    for other in others {
        std::fs::write(dir.join(other), "x").unwrap();
    }
    let mut deleted = bangbang::backup::prune_daily(&dir, 14).unwrap();
    deleted.sort();
    let expected: Vec<PathBuf> = days[..6]
        .iter()
        .map(|d| dir.join(format!("bangbang-{d}.db")))
        .collect();
    assert_eq!(deleted, expected);
    for day in &days[6..] {
        assert!(
            dir.join(format!("bangbang-{day}.db")).exists(),
            "{day} kept"
        );
    }
    for other in others {
        assert!(dir.join(other).exists(), "{other} is not a daily copy");
    }
    assert!(bangbang::backup::prune_daily(&dir, 14).unwrap().is_empty());
    assert_eq!(bangbang::backup::prune_daily(&dir, 1).unwrap().len(), 13);
    assert!(
        dir.join("bangbang-20240320.db").exists(),
        "the newest stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_brings_back_the_earlier_state() {
    let dir = temp_dir();
    assert!(bangbang(&dir, &["demo"]).status.success());
    let copy = dir.join("before-amy.db");
    let out = bangbang(&dir, &["backup", "--out", path(&copy)]);
    assert!(out.status.success(), "{}", text(&out));
    let out = bangbang(
        &dir,
        &[
            "user",
            "add",
            "amy",
            "--role",
            "staff",
            "--community",
            "dadi",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let amy_exists = |dir: &Path| {
        bangbang(dir, &["token", "create", "--user", "amy"])
            .status
            .success()
    };
    assert!(amy_exists(&dir));

    // Not while a server is using the database; not without a yes.
    let server = Server::start(&dir, None);
    let out = bangbang(&dir, &["restore", "--yes", path(&copy)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("server seems to be running"),
        "{}",
        text(&out)
    );
    drop(server);
    let out = bangbang(&dir, &["restore", path(&copy)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    assert!(amy_exists(&dir), "nothing was changed");

    let out = bangbang(&dir, &["restore", "--yes", path(&copy)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("its ledger verifies"), "{}", text(&out));
    assert!(!amy_exists(&dir), "the earlier state is back");
    let verify = bangbang(&dir, &["ledger", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));

    // The database it replaced is kept, whole, and can itself be restored.
    let kept: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("bangbang.db.before-restore-")
                && !p.to_str().unwrap().ends_with("-wal")
                && !p.to_str().unwrap().ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(text(&out).contains(path(&kept[0])), "{}", text(&out));
    let out = bangbang(&dir, &["restore", "--yes", path(&kept[0])]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(amy_exists(&dir), "amy is back with the kept database");

    // And the server runs on a restored database.
    let server = Server::start(&dir, None);
    assert_eq!(server.file_request(&reqwest::Client::new()).await, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_what_is_not_a_sound_bangbang_database() {
    let dir = temp_dir();
    assert!(bangbang(&dir, &["demo"]).status.success());
    let refused = |file: &Path, why: &str| {
        let out = bangbang(&dir, &["restore", "--yes", path(file)]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains(why), "{why}: {}", text(&out));
    };
    let scratch = temp_dir();

    let notes = scratch.join("notes.db");
    std::fs::write(&notes, "这不是数据库, not a database at all").unwrap();
    refused(&notes, "not an SQLite database");

    let other = scratch.join("other.db");
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", path(&other)))
        .await
        .unwrap();
    pool.execute("CREATE TABLE shopping (item TEXT)")
        .await
        .unwrap();
    pool.close().await;
    refused(&other, "not a bangbang database");

    // A copy whose ledger was altered: `backup` of a tampered database says so (exit 1),
    // and `restore` will not take it.
    let tampered_dir = temp_dir();
    assert!(bangbang(&tampered_dir, &["demo"]).status.success());
    let store = SqlStore::connect(&format!("sqlite://{}/bangbang.db", path(&tampered_dir)))
        .await
        .unwrap();
    store
        .pool()
        .execute("DROP TRIGGER events_no_update")
        .await
        .unwrap();
    store
        .pool()
        .execute("UPDATE events SET actor = 'mallory' WHERE seq = 42")
        .await
        .unwrap();
    store.close().await;
    let tampered = scratch.join("tampered.db");
    let out = bangbang(&tampered_dir, &["backup", "--out", path(&tampered)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("ledger FAILED at event 42"),
        "{}",
        text(&out)
    );
    refused(&tampered, "ledger FAILED at event 42");

    // Nothing was changed or left behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("bangbang.db"))
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("before-restore") && !n.contains("restoring")),
        "{names:?}"
    );
    let verify = bangbang(&dir, &["ledger", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify));
}

#[test]
fn postgres_is_pointed_to_its_own_tools() {
    let dir = temp_dir();
    for args in [
        &["backup", "--out", "x.db"][..],
        &["restore", "--yes", "x.db"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_bangbang"))
            .args(["--database-url", "postgres://bb:secret@127.0.0.1:1/bb"])
            .args(args)
            .current_dir(&dir)
            .env_remove("BANGBANG_DATA_DIR")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("pg_dump") && said.contains("pg_restore"),
            "{said}"
        );
        assert!(!said.contains("secret"), "no password is printed: {said}");
    }
}
