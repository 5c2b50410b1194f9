//! Intake under concurrency. On SQLite one writer commits whatever is queued in one
//! transaction (a savepoint per command); these tests hold it to what a caller relies on:
//! many concurrent writers all land, each community's chain stays whole, a command that
//! fails inside a batch fails alone, and whatever was acknowledged before a close is there
//! after it. The first runs on PostgreSQL too, where nothing is batched.

use bangbang_domain::lifecycle::{Action, DispatchTarget};
use bangbang_domain::RequestId;
use bangbang_store::{on_both_backends, story, testing, Backend, SqlStore, Store, StoreError};
use chrono::Utc;
use sqlx::Executor;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

on_both_backends!(fresh; concurrent_writers_keep_every_chain);

async fn fresh(store: SqlStore) -> SqlStore {
    store
}

/// (community, chain_seq, seq) of every request event, in seq order.
async fn chain_places(store: &SqlStore) -> Vec<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT community_id, chain_seq, seq FROM events WHERE chain_seq IS NOT NULL ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Every chain numbers its events 1, 2, 3... in the order of the global seq, and the whole
/// ledger verifies to its heads.
async fn assert_chains_whole(store: &SqlStore, events: usize) {
    let mut chains: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (community, chain_seq, _) in chain_places(store).await {
        chains.entry(community).or_default().push(chain_seq);
    }
    for (community, chain) in &chains {
        let expected: Vec<i64> = (1..=chain.len() as i64).collect();
        assert_eq!(chain, &expected, "community {community}'s chain has a gap");
    }
    let report = store.verify_ledger().await.unwrap();
    assert!(
        report.fault.is_none(),
        "the ledger verifies: {:?} in {:?}",
        report.fault,
        report.chain
    );
    assert_eq!(
        report.events_checked, events as u64,
        "every event was walked"
    );
}

async fn count_requests(store: &SqlStore) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM requests")
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

/// 24 tasks file 20 requests each into two communities at once, and put every third of
/// them in the pool: all land, each with its own code, and both chains are whole.
async fn concurrent_writers_keep_every_chain(store: SqlStore) {
    const TASKS: usize = 24;
    const EACH: usize = 20;
    let f = story::fixture(&store).await;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        let desks = [
            (f.staff.clone(), f.community.clone()),
            (f.other_staff.clone(), f.other.clone()),
        ];
        tasks.push(tokio::spawn(async move {
            let mut filed = Vec::new();
            for i in 0..EACH {
                let (staff, community) = &desks[(t + i) % 2];
                let draft = story::draft(&community.slug, "other", "2024-07-01 09:00");
                let record = store
                    .create_request(staff, draft, None, Utc::now())
                    .await
                    .expect("filed");
                assert_eq!(record.community.id, community.id);
                if i % 3 == 0 {
                    let pool = Action::Dispatch {
                        target: DispatchTarget::Pool,
                    };
                    let pooled = store
                        .apply(staff, record.id, pool, Utc::now())
                        .await
                        .expect("pooled");
                    assert_eq!(pooled.state.status.as_str(), "pooled");
                }
                filed.push(record.code);
            }
            filed
        }));
    }
    let mut codes = BTreeSet::new();
    for task in tasks {
        for code in task.await.unwrap() {
            assert!(codes.insert(code.clone()), "code {code} given twice");
        }
    }
    assert_eq!(codes.len(), TASKS * EACH);
    assert_eq!(count_requests(&store).await, (TASKS * EACH) as i64);
    let pooled = TASKS * EACH.div_ceil(3);
    assert_chains_whole(&store, TASKS * EACH + pooled).await;
}

/// A duplicate import key, an action the lifecycle refuses and an unknown request, queued
/// together with ten good requests while another connection holds SQLite's write lock (so
/// that the writer takes them all in one batch): each bad one hears its own error, the
/// ten commit, and no chain keeps a trace of the refused ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_fails_alone_in_its_batch() {
    let store = testing::sqlite().await;
    assert_eq!(store.backend(), Backend::Sqlite);
    let f = story::fixture(&store).await;
    let first = store
        .create_request(
            &f.staff,
            story::draft("liuxiali", "other", "2024-07-01 09:00"),
            Some("sheet-row-1".into()),
            Utc::now(),
        )
        .await
        .unwrap();

    let mut lock = store.pool().acquire().await.unwrap();
    lock.execute("BEGIN IMMEDIATE").await.unwrap();

    let mut good = Vec::new();
    for i in 0..10 {
        let (store, staff) = (store.clone(), f.staff.clone());
        good.push(tokio::spawn(async move {
            let draft = story::draft("liuxiali", "other", "2024-07-01 10:00");
            store
                .create_request(
                    &staff,
                    draft,
                    Some(format!("sheet-row-{}", i + 2)),
                    Utc::now(),
                )
                .await
        }));
    }
    let (s, staff) = (store.clone(), f.staff.clone());
    let duplicate = tokio::spawn(async move {
        let draft = story::draft("liuxiali", "other", "2024-07-01 11:00");
        s.create_request(&staff, draft, Some("sheet-row-1".into()), Utc::now())
            .await
    });
    let (s, staff) = (store.clone(), f.staff.clone());
    let refused =
        tokio::spawn(async move { s.apply(&staff, first.id, Action::Start, Utc::now()).await });
    let (s, staff) = (store.clone(), f.staff.clone());
    let unknown = tokio::spawn(async move {
        let note = Action::Note {
            text: "看看".into(),
        };
        s.apply(&staff, RequestId::new(999_999), note, Utc::now())
            .await
    });
    // Every command is queued behind the lock; then let the writer have it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    lock.execute("ROLLBACK").await.unwrap();
    drop(lock);

    for task in good {
        task.await.unwrap().expect("a good request commits");
    }
    assert!(
        matches!(duplicate.await.unwrap(), Err(StoreError::Conflict(_))),
        "the duplicate key is refused as a conflict"
    );
    assert!(
        matches!(refused.await.unwrap(), Err(StoreError::Lifecycle(_))),
        "starting a submitted request is refused by the lifecycle"
    );
    assert!(
        matches!(unknown.await.unwrap(), Err(StoreError::NotFound(_))),
        "an unknown request is not found"
    );
    assert_eq!(count_requests(&store).await, 11);
    assert_eq!(
        store.request(first.id).await.unwrap().state.status.as_str(),
        "submitted"
    );
    assert_chains_whole(&store, 11).await;
}

/// Requests filed while the store closes either land (and were acknowledged) or hear an
/// error; none hangs, and once closed the store refuses at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_writes_what_was_acknowledged() {
    let url = format!(
        "sqlite://{}?mode=rwc",
        testing::temp_dir().join("bangbang.db").display()
    );
    let store = SqlStore::connect(&url).await.unwrap();
    let f = story::fixture(&store).await;
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (store, staff) = (store.clone(), f.staff.clone());
        tasks.push(tokio::spawn(async move {
            let draft = story::draft("liuxiali", "other", "2024-07-01 09:00");
            store.create_request(&staff, draft, None, Utc::now()).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    tokio::time::timeout(Duration::from_secs(30), store.close())
        .await
        .expect("close drains the queue and returns");
    let mut acknowledged = Vec::new();
    for task in tasks {
        let answer = tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("no caller hangs")
            .unwrap();
        if let Ok(record) = answer {
            acknowledged.push(record.id);
        }
    }
    let late = tokio::time::timeout(
        Duration::from_secs(5),
        store.create_request(
            &f.staff,
            story::draft("liuxiali", "other", "2024-07-01 09:00"),
            None,
            Utc::now(),
        ),
    )
    .await
    .expect("a closed store answers at once");
    assert!(late.is_err(), "a closed store files nothing");

    let reopened = SqlStore::connect(&url).await.unwrap();
    for id in &acknowledged {
        reopened.request(*id).await.expect("acknowledged, so kept");
    }
    // A request can be committed and its caller still hear an error (the read-back
    // after the commit met the closed pool): more may be kept, never fewer.
    let kept = count_requests(&reopened).await;
    assert!(kept >= acknowledged.len() as i64);
    assert_chains_whole(&reopened, kept as usize).await;
}
