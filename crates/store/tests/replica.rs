//! With a read replica, lists and figures are read from the replica and every write goes to
//! the primary: shown on a real streaming replica by pausing its replay. A request filed
//! meanwhile is on the primary (its own page reads it back) but not yet in the lists; when
//! replay resumes, it is. Run by `scripts/replica-test`, which makes the replica and sets
//! `BANGBANG_TEST_REPLICA`; skipped without it.

use bangbang_store::{story, testing, RequestFilter, SqlStore, StatsScope, Store};
use chrono::Utc;
use sqlx::{Connection, Executor, PgConnection};
use std::time::{Duration, Instant};

async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reads_go_to_the_replica_and_writes_to_the_primary() {
    let Ok(replica_root) = std::env::var("BANGBANG_TEST_REPLICA") else {
        eprintln!("\n!!! SKIPPING the replica test: run scripts/replica-test\n");
        return;
    };
    let primary_url = testing::postgres_url().await.expect("a PostgreSQL primary");
    let name = primary_url.rsplit('/').next().unwrap().to_string();
    let replica_url = format!("{replica_root}/{name}");
    // The new database reaches the replica by streaming, like everything else.
    until("the database on the replica", async || {
        PgConnection::connect(&replica_url).await.is_ok()
    })
    .await;
    let store = SqlStore::connect(&primary_url)
        .await
        .unwrap()
        .with_read_replica(&replica_url)
        .await
        .unwrap();
    let f = story::fixture(&store).await;
    story::run_story_request(&store, &f).await;
    let listed = async |store: &SqlStore| {
        store
            .list_requests(&RequestFilter::for_actor(&f.staff))
            .await
            .unwrap()
            .items
            .len()
    };
    until("the first request on the replica", async || {
        listed(&store).await == 1
    })
    .await;

    let received = async |store: &SqlStore| {
        let scope = StatsScope::for_actor(&f.staff, Utc::now().timestamp_millis());
        store.stats(&scope).await.unwrap().counts.received
    };
    let mut replica = PgConnection::connect(&replica_url).await.unwrap();
    replica
        .execute("SELECT pg_wal_replay_pause()")
        .await
        .unwrap();
    let filed = story::draft("liuxiali", "other", "2024-07-01 09:00");
    // The write goes to the primary (the replica would refuse it) and is read back there.
    let second = store
        .create_request(&f.staff, filed, None, Utc::now())
        .await
        .unwrap();
    assert_eq!(store.request(second.id).await.unwrap().code, second.code);
    // Lists and figures come from the paused replica: not there yet.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listed(&store).await, 1);
    assert_eq!(received(&store).await, 1);
    replica
        .execute("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    until("the second request on the replica", async || {
        listed(&store).await == 2
    })
    .await;
    assert_eq!(received(&store).await, 2);
}
