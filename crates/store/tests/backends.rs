//! The store's tests, each run on SQLite and on PostgreSQL.
//!
//! PostgreSQL is reached at `BANGBANG_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each test gets its own fresh database.
//! Without a server the PostgreSQL half is skipped with a loud message, except under
//! `CI=true`, where it fails.

use bangbang_domain::{
    ledger::LedgerFault,
    lifecycle::{Action, DispatchTarget, LifecycleError, Status},
};
use bangbang_store::{story, Backend, SqlStore, Store, StoreError};
use chrono::Utc;
use sqlx::Executor;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    format!(
        "bb_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_micros() % 1_000_000
    )
}

async fn sqlite() -> SqlStore {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("bangbang.db").display());
    SqlStore::connect(&url).await.expect("open SQLite")
}

/// A fresh PostgreSQL database, or `None` (with a loud message) when there is no server
/// and this is not CI.
async fn postgres() -> Option<SqlStore> {
    let base = std::env::var("BANGBANG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let admin = match sqlx::AnyPool::connect(&base).await {
        Ok(pool) => pool,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "\n!!! SKIPPING the PostgreSQL half of this test: cannot connect to {base}: {e}\n"
            );
            return None;
        }
        Err(e) => panic!("CI=true and PostgreSQL is unreachable at {base}: {e}"),
    };
    let name = unique_name();
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await;
    let (root, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    Some(
        SqlStore::connect(&format!("{root}/{name}"))
            .await
            .expect("open PostgreSQL"),
    )
}

/// Runs `test` on each backend that is available.
macro_rules! on_both {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$test(super::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(store) = super::postgres().await {
                    super::$test(store).await;
                }
            }
        }
    };
}

on_both!(story_test, story);
on_both!(concurrent_claims, concurrent_claims_test);
on_both!(tampering, tampering_test);
on_both!(append_only, append_only_test);

async fn story(store: SqlStore) {
    story::run_story(&store).await;
}

/// Two volunteers claim the same pooled request at the same moment: exactly one wins,
/// the other is told it is already accepted. Repeated to give the race a chance.
async fn concurrent_claims_test(store: SqlStore) {
    let f = story::fixture(&store).await;
    for round in 0..10 {
        let req = store
            .create_request(
                &f.staff,
                story::draft("liuxiali", "sewer_overflow", "2024-07-03 09:30"),
                None,
                Utc::now(),
            )
            .await
            .unwrap();
        let pool = Action::Dispatch {
            target: DispatchTarget::Pool,
        };
        store
            .apply(&f.staff, req.id, pool, Utc::now())
            .await
            .unwrap();
        let (a, b) = (store.clone(), store.clone());
        let (va, vb) = (f.volunteer.clone(), f.volunteer2.clone());
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let (ba, bb) = (barrier.clone(), barrier.clone());
        let one = tokio::spawn(async move {
            ba.wait().await;
            a.apply(&va, req.id, Action::Accept, Utc::now()).await
        });
        let two = tokio::spawn(async move {
            bb.wait().await;
            b.apply(&vb, req.id, Action::Accept, Utc::now()).await
        });
        let results = [one.await.unwrap(), two.await.unwrap()];
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(
            matches!(
                loser,
                StoreError::Lifecycle(LifecycleError::NotAllowed {
                    state: Status::Accepted,
                    ..
                })
            ),
            "round {round}: loser got {loser:?}"
        );
        let events = store.events(req.id).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.kind == "accepted").count(), 1);
        let now = store.request(req.id).await.unwrap();
        assert_eq!(now.state.assignee_id, winners[0].state.assignee_id);
    }
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
}

async fn drop_triggers(store: &SqlStore) {
    let statements: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER events_no_update",
            "DROP TRIGGER events_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER events_no_update ON events",
            "DROP TRIGGER events_no_delete ON events",
        ],
    };
    for sql in statements {
        store.pool().execute(*sql).await.unwrap();
    }
}

/// Someone with direct database access alters, removes, reorders or truncates events:
/// `verify_ledger` names the first bad one.
async fn tampering_test(store: SqlStore) {
    story::run_story(&store).await;
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
    drop_triggers(&store).await;
    let pool = store.pool();

    // Altered data in event 3.
    let (data,): (String,) = sqlx::query_as("SELECT data FROM events WHERE seq = 3")
        .fetch_one(pool)
        .await
        .unwrap();
    pool.execute(
        "UPDATE events SET data = '{\"action\":\"accept\",\"forged\":true}' WHERE seq = 3",
    )
    .await
    .unwrap();
    assert_eq!(
        store.verify_ledger().await.unwrap().fault,
        Some(LedgerFault::Altered { seq: 3 })
    );
    sqlx::query("UPDATE events SET data = $1 WHERE seq = 3")
        .bind(&data)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        store.verify_ledger().await.unwrap().fault,
        None,
        "restoring the row heals it"
    );

    // Altered time of event 5.
    pool.execute("UPDATE events SET at_ms = at_ms + 1 WHERE seq = 5")
        .await
        .unwrap();
    assert_eq!(
        store.verify_ledger().await.unwrap().fault,
        Some(LedgerFault::Altered { seq: 5 })
    );
    pool.execute("UPDATE events SET at_ms = at_ms - 1 WHERE seq = 5")
        .await
        .unwrap();

    // Reordered: events 6 and 7 swap places.
    pool.execute("UPDATE events SET seq = -6 WHERE seq = 6")
        .await
        .unwrap();
    pool.execute("UPDATE events SET seq = 6 WHERE seq = 7")
        .await
        .unwrap();
    pool.execute("UPDATE events SET seq = 7 WHERE seq = -6")
        .await
        .unwrap();
    let fault = store
        .verify_ledger()
        .await
        .unwrap()
        .fault
        .expect("reordering is caught");
    assert_eq!(fault.seq(), 6, "{fault}");
    pool.execute("UPDATE events SET seq = -6 WHERE seq = 6")
        .await
        .unwrap();
    pool.execute("UPDATE events SET seq = 6 WHERE seq = 7")
        .await
        .unwrap();
    pool.execute("UPDATE events SET seq = 7 WHERE seq = -6")
        .await
        .unwrap();
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);

    // The last event removed.
    pool.execute("DELETE FROM events WHERE seq = 11")
        .await
        .unwrap();
    assert!(matches!(
        store.verify_ledger().await.unwrap().fault,
        Some(LedgerFault::Truncated { .. })
    ));

    // An event in the middle removed.
    pool.execute("DELETE FROM events WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(
        store.verify_ledger().await.unwrap().fault,
        Some(LedgerFault::Gap {
            previous: 3,
            found: 5
        })
    );
}

/// The database itself refuses to change or remove an event.
async fn append_only_test(store: SqlStore) {
    story::run_story(&store).await;
    let pool = store.pool();
    let update = pool
        .execute("UPDATE events SET kind = 'forged' WHERE seq = 1")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = pool.execute("DELETE FROM events WHERE seq = 1").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
}
