//! Signed checkpoints against someone with the database: `bangbang ledger checkpoint`
//! signs every chain's head, and `ledger verify --checkpoint` catches what the hash chains
//! alone cannot, a history rewritten with every later hash recomputed and a rollback to
//! an older state, naming the community. On SQLite and on PostgreSQL.

use bangbang_domain::ledger::EventBody;
use bangbang_store::{testing, SqlStore, Store};
use sqlx::Executor;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A demo deployment: its data dir (where the key lives) and its database.
struct Deployment {
    dir: PathBuf,
    url: Option<String>,
}

impl Deployment {
    async fn new(postgres: bool) -> Option<Deployment> {
        let url = match postgres {
            true => Some(testing::postgres_url().await?),
            false => None,
        };
        let d = Deployment {
            dir: testing::temp_dir(),
            url,
        };
        let out = d.run(&["demo"]);
        assert!(out.status.success(), "{}", text(&out));
        Some(d)
    }

    fn run(&self, more: &[&str]) -> Output {
        let mut args = vec!["--data-dir".to_string(), self.dir.display().to_string()];
        if let Some(url) = &self.url {
            args.extend(["--database-url".to_string(), url.clone()]);
        }
        args.extend(more.iter().map(|s| s.to_string()));
        Command::new(env!("CARGO_BIN_EXE_bangbang"))
            .args(&args)
            .env_remove("BANGBANG_DATABASE_URL")
            .env_remove("BANGBANG_DATA_DIR")
            .env_remove("BANGBANG_CONFIG")
            .output()
            .expect("run bangbang")
    }

    async fn store(&self) -> SqlStore {
        let url = match &self.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/bangbang.db", self.dir.display()),
        };
        SqlStore::connect(&url).await.unwrap()
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    text(out)
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    text(out)
}

async fn drop_guards(store: &SqlStore) {
    let statements: &[&str] = match store.backend() {
        bangbang_store::Backend::Sqlite => &[
            "DROP TRIGGER events_no_update",
            "DROP TRIGGER events_no_delete",
        ],
        bangbang_store::Backend::Postgres => &[
            "DROP TRIGGER events_no_update ON events",
            "DROP TRIGGER events_no_delete ON events",
        ],
    };
    for sql in statements {
        store.pool().execute(*sql).await.unwrap();
    }
}

type EventRow = (
    i64,
    Option<i64>,
    String,
    Option<i64>,
    i64,
    String,
    String,
    String,
);

/// What an attacker with the database would do: change one event of a community's chain,
/// then recompute its hash, every later hash in the chain and the head.
async fn rewrite_and_rehash(store: &SqlStore, community_id: i64, chain_seq: i64) {
    sqlx::query("UPDATE events SET actor = 'mallory' WHERE community_id = $1 AND chain_seq = $2")
        .bind(community_id)
        .bind(chain_seq)
        .execute(store.pool())
        .await
        .unwrap();
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT seq, chain_seq FROM events WHERE community_id = $1 AND chain_seq >= $2 ORDER BY chain_seq",
    )
    .bind(community_id)
    .bind(chain_seq)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let (mut prev,): (String,) = sqlx::query_as("SELECT prev_hash FROM events WHERE seq = $1")
        .bind(rows[0].0)
        .fetch_one(store.pool())
        .await
        .unwrap();
    for (seq, position) in rows {
        let (seq, request_id, actor, actor_id, at_ms, kind, data, _): EventRow = sqlx::query_as(
            "SELECT seq, request_id, actor, actor_id, at_ms, kind, CAST(data AS TEXT), hash FROM events WHERE seq = $1",
        )
        .bind(seq)
        .fetch_one(store.pool())
        .await
        .unwrap();
        let data: serde_json::Value = serde_json::from_str(&data).unwrap();
        let hash = EventBody {
            seq,
            request_id: request_id.unwrap_or(0),
            actor: &actor,
            actor_id,
            at_ms,
            kind: &kind,
            data: &data,
            community_id: Some(community_id),
            chain_seq: Some(position),
        }
        .hash(&prev);
        sqlx::query("UPDATE events SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(store.pool())
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE ledger_heads SET hash = $1 WHERE community_id = $2")
        .bind(&prev)
        .bind(community_id)
        .execute(store.pool())
        .await
        .unwrap();
}

/// The newest `n` events of a community's chain deleted and its head moved back onto the
/// event before them: what restoring an older backup of that chain looks like.
async fn roll_back(store: &SqlStore, community_id: i64, n: i64) {
    let (head,): (i64,) = sqlx::query_as("SELECT seq FROM ledger_heads WHERE community_id = $1")
        .bind(community_id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let keep = head - n;
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM events WHERE community_id = $1 AND chain_seq = $2")
            .bind(community_id)
            .bind(keep)
            .fetch_one(store.pool())
            .await
            .unwrap();
    sqlx::query("DELETE FROM events WHERE community_id = $1 AND chain_seq > $2")
        .bind(community_id)
        .bind(keep)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE ledger_heads SET seq = $1, event_seq = $2, hash = $3 WHERE community_id = $4",
    )
    .bind(keep)
    .bind(seq)
    .bind(&hash)
    .bind(community_id)
    .execute(store.pool())
    .await
    .unwrap();
}

fn key_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn checkpoints_catch_rewrites(postgres: bool) {
    let Some(d) = Deployment::new(postgres).await else {
        return;
    };
    let before = d.file("before.json");
    let said = ok(&d.run(&["ledger", "checkpoint", "--out", &before]));
    assert!(said.contains("made a new checkpoint key"), "{said}");
    assert!(said.contains("checkpoint of 2 chain(s)"), "{said}");
    assert_eq!(key_mode(&d.dir.join("checkpoint.key")), 0o600);
    let statement: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&before).unwrap()).unwrap();
    let fingerprint = statement["statement"]["fingerprint"].as_str().unwrap();
    assert_eq!(
        statement["statement"]["chains"][1]["community"], "liuxiali",
        "{statement}"
    );
    let store = d.store().await;
    let recorded = store.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(recorded.fingerprint, fingerprint);
    let said = ok(&d.run(&["ledger", "verify", "--checkpoint", &before]));
    assert!(said.contains("signed by this deployment's key"), "{said}");
    assert!(said.contains("extends the checkpoint"), "{said}");
    let said = ok(&d.run(&["ledger", "verify", "--community", "dadi"]));
    assert!(said.contains("in 1 chain(s)"), "{said}");
    // The printed report names the checkpoint its figures can be checked against.
    let report = d.file("report.html");
    ok(&d.run(&["report", "--community", "liuxiali", "--out", &report]));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("账本校验点") && html.contains(fingerprint),
        "the report prints the checkpoint"
    );
    // So do the exported workbooks, in their title row (a .csv has no title row).
    let xlsx = d.file("ledger.xlsx");
    ok(&d.run(&["export", "--community", "liuxiali", "--out", &xlsx]));
    let table = bangbang_sheets::read_table(&std::fs::read(&xlsx).unwrap(), "ledger.xlsx").unwrap();
    assert!(table[0][0].contains(fingerprint), "{:?}", table[0]);
    // A .csv has no title row: the command names the checkpoint beside the file.
    let csv = d.file("ledger.csv");
    let said = ok(&d.run(&["export", "--community", "liuxiali", "--out", &csv]));
    assert!(said.contains(fingerprint), "{said}");
    assert!(!std::fs::read_to_string(&csv).unwrap().contains(fingerprint));

    // A second checkpoint reuses the key.
    let again = d.file("again.json");
    assert!(!ok(&d.run(&["ledger", "checkpoint", "--out", &again])).contains("new"));

    // An altered checkpoint file, and one signed by another key, prove nothing.
    let forged = d.file("forged.json");
    let liuxiali_hash = statement["statement"]["chains"][1]["hash"]
        .as_str()
        .unwrap();
    std::fs::write(
        &forged,
        std::fs::read_to_string(&before)
            .unwrap()
            .replace(liuxiali_hash, &"0".repeat(64)),
    )
    .unwrap();
    let said = failed(&d.run(&["ledger", "verify", "--checkpoint", &forged]));
    assert!(said.contains("checkpoint FAILED"), "{said}");
    let stranger = Deployment {
        dir: testing::temp_dir(),
        url: d.url.clone(),
    };
    let theirs = stranger.file("theirs.json");
    ok(&stranger.run(&["ledger", "checkpoint", "--out", &theirs]));
    let said = failed(&d.run(&["ledger", "verify", "--checkpoint", &theirs]));
    assert!(said.contains("not by this deployment's key"), "{said}");

    // Someone with the database rewrites an event of 流霞里 and recomputes every later
    // hash and the head: the chains are consistent again, but not the checkpoint.
    let liuxiali = store.community("liuxiali").await.unwrap();
    drop_guards(&store).await;
    rewrite_and_rehash(&store, liuxiali.id.get(), 10).await;
    let said = ok(&d.run(&["ledger", "verify"]));
    assert!(
        said.contains("ledger OK"),
        "the forgery fools the chains: {said}"
    );
    let said = failed(&d.run(&["ledger", "verify", "--checkpoint", &before]));
    assert!(said.contains("ledger OK"), "{said}");
    assert!(
        said.contains("checkpoint FAILED: community liuxiali") && said.contains("has another hash"),
        "{said}"
    );
    assert!(
        !said.contains("community dadi"),
        "大堤 is untouched: {said}"
    );
    let said = ok(&d.run(&[
        "ledger",
        "verify",
        "--community",
        "dadi",
        "--checkpoint",
        &before,
    ]));
    assert!(said.contains("extends the checkpoint"), "{said}");

    // A checkpoint taken now signs the forged history; rolled back afterwards, the
    // ledger no longer reaches it.
    let after = d.file("after.json");
    ok(&d.run(&["ledger", "checkpoint", "--out", &after]));
    let dadi = store.community("dadi").await.unwrap();
    roll_back(&store, dadi.id.get(), 3).await;
    let said = ok(&d.run(&["ledger", "verify"]));
    assert!(
        said.contains("ledger OK"),
        "a rollback fools the chains: {said}"
    );
    let said = failed(&d.run(&["ledger", "verify", "--checkpoint", &after]));
    assert!(
        said.contains("checkpoint FAILED: community dadi") && said.contains("rolled back"),
        "{said}"
    );
    assert!(!said.contains("community liuxiali"), "{said}");
}

/// `checkpoint_key` in the settings file puts the key elsewhere; it is made there, 0600.
#[tokio::test]
async fn the_key_lives_where_the_settings_say() {
    let d = Deployment::new(false).await.unwrap();
    let key = d.dir.join("keys").join("ledger.key");
    let config = d.dir.join("bangbang.toml");
    std::fs::write(
        &config,
        format!("checkpoint_key = {:?}\n", key.display().to_string()),
    )
    .unwrap();
    let config = config.display().to_string();
    let out = d.file("cp.json");
    let said = ok(&d.run(&["--config", &config, "ledger", "checkpoint", "--out", &out]));
    assert!(said.contains(&key.display().to_string()), "{said}");
    assert_eq!(key_mode(&key), 0o600);
    assert!(!d.dir.join("checkpoint.key").exists());
    // A key others may read is refused.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let said = text(&d.run(&["--config", &config, "ledger", "checkpoint", "--out", &out]));
    assert!(said.contains("chmod 600"), "{said}");
}

/// `serve`'s daily checkpoint: one a day (Beijing time), into `<data_dir>/checkpoints/`,
/// whoever took today's.
async fn daily_checkpoints(postgres: bool) {
    let Some(d) = Deployment::new(postgres).await else {
        return;
    };
    let store = d.store().await;
    let (key, dir) = (d.dir.join("checkpoint.key"), d.dir.join("checkpoints"));
    let at = |text: &str| bangbang_domain::time::parse_instant(text).unwrap();
    let first = bangbang::checkpoint::daily(&store, &key, &dir, at("2024-11-15 08:00"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, dir.join("checkpoint-20241115.json"));
    assert_eq!(key_mode(&key), 0o600);
    let said = ok(&d.run(&[
        "ledger",
        "verify",
        "--checkpoint",
        &first.display().to_string(),
    ]));
    assert!(said.contains("2024-11-15 08:00:00 +08:00"), "{said}");
    for later in ["2024-11-15 23:59", "2024-11-15 16:30"] {
        assert_eq!(
            bangbang::checkpoint::daily(&store, &key, &dir, at(later))
                .await
                .unwrap(),
            None,
            "one a day"
        );
    }
    let next = bangbang::checkpoint::daily(&store, &key, &dir, at("2024-11-16 00:01"))
        .await
        .unwrap();
    assert_eq!(next, Some(dir.join("checkpoint-20241116.json")));
    let latest = store.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(latest.taken_ms, at("2024-11-16 00:01").timestamp_millis());
    assert_eq!(
        latest.statement,
        std::fs::read_to_string(next.unwrap()).unwrap()
    );
}

#[tokio::test]
async fn daily_on_sqlite() {
    daily_checkpoints(false).await;
}

#[tokio::test]
async fn daily_on_postgres() {
    daily_checkpoints(true).await;
}

#[tokio::test]
async fn checkpoints_on_sqlite() {
    checkpoints_catch_rewrites(false).await;
}

#[tokio::test]
async fn checkpoints_on_postgres() {
    checkpoints_catch_rewrites(true).await;
}
