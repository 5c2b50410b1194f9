//! The store's tests, each run on SQLite and on PostgreSQL.
//!
//! Each test gets its own fresh database (see `bangbang_store::testing`).

use bangbang_domain::{
    ledger::LedgerFault,
    lifecycle::{Action, DispatchTarget, LifecycleError, Status},
    RequestId,
};
use bangbang_store::{story, Backend, RequestFilter, SqlStore, StatsScope, Store, StoreError};
use chrono::Utc;
use sqlx::Executor;

/// Runs `test` on each backend that is available.
macro_rules! on_both {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$test(bangbang_store::testing::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(store) = bangbang_store::testing::postgres().await {
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
on_both!(hours_and_import, hours_and_import_test);
on_both!(unreadable_text, unreadable_text_test);
on_both!(bulk_load, bulk_load_test);

/// A bulk load (benchmarks) chains every `created` event in its community's chain, after
/// what was there, and the figures and lists at every scope see the requests.
async fn bulk_load_test(store: SqlStore) {
    let f = story::fixture(&store).await;
    let make = |i: i64, c: &bangbang_store::Community| bangbang_store::BulkRequest {
        community: c.id,
        subdistrict: c.subdistrict_id,
        district: c.district_id,
        grid: None,
        building: None,
        entrance: None,
        code: format!("{}-20240801-{:03}", c.code_prefix, i + 100),
        category: bangbang_domain::category::CategoryCode::other(),
        channel: bangbang_domain::Channel::Phone,
        urgency: bangbang_domain::Urgency::Normal,
        status: if i % 2 == 0 {
            Status::Resolved
        } else {
            Status::Submitted
        },
        reporter_name: "居民".into(),
        reporter_phone: "13912345678".into(),
        description: "tab\there, back\\slash, new\nline".into(),
        reported_ms: 1_722_470_400_000 + i * 60_000,
        respond_by_ms: 1_722_470_400_000 + i * 60_000 + 7_200_000,
        resolve_by_ms: 1_722_470_400_000 + i * 60_000 + 259_200_000,
        first_response_ms: None,
        resolved_ms: (i % 2 == 0).then_some(1_722_470_400_000 + i * 60_000 + 3_600_000),
        assignee: None,
        service_minutes: None,
        satisfaction: None,
        track_key: format!("{i:010X}"),
    };
    // One real request first, so the bulk chains after it.
    story::run_story_request(&store, &f).await;
    let batch: Vec<_> = (0..300)
        .map(|i| make(i, if i % 3 == 0 { &f.other } else { &f.community }))
        .collect();
    store.bulk_load("bench", &batch[..150]).await.unwrap();
    store.bulk_load("bench", &batch[150..]).await.unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(report.fault, None, "{report:?}");
    // A real write after the bulk chains on from it.
    story::run_story_request(&store, &f).await;
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
    let stats = store
        .stats(&StatsScope::for_actor(&f.supervisor, 1_800_000_000_000))
        .await
        .unwrap();
    assert_eq!(stats.counts.received, 302);
    let mine = store
        .list_requests(&RequestFilter {
            limit: 500,
            ..RequestFilter::for_actor(&f.other_staff)
        })
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 100, "a community's staff see its own");
    let text = &mine.items[0].description;
    assert_eq!(
        text, "tab\there, back\\slash, new\nline",
        "COPY kept the text"
    );
}

async fn hours_and_import_test(store: SqlStore) {
    story::run_hours_and_import(&store).await;
}

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
        assert_eq!(
            events
                .iter()
                .filter(|e| e.kind.as_str() == "accepted")
                .count(),
            1
        );
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
    let (data,): (String,) = sqlx::query_as("SELECT CAST(data AS TEXT) FROM events WHERE seq = 3")
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
    // PostgreSQL keeps event data as jsonb, and a bound text must be cast to it.
    let restore = match store.backend() {
        Backend::Postgres => "UPDATE events SET data = CAST($1 AS jsonb) WHERE seq = 3",
        Backend::Sqlite => "UPDATE events SET data = $1 WHERE seq = 3",
    };
    sqlx::query(restore)
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

/// Text the domain does not know (a satisfaction, close reason or event kind written by
/// hand) is reported as corrupt, never passed on as if it meant something.
async fn unreadable_text_test(store: SqlStore) {
    story::run_story(&store).await;
    let pool = store.pool();
    let (id,): (i64,) = sqlx::query_as("SELECT request_id FROM events WHERE seq = 1")
        .fetch_one(pool)
        .await
        .unwrap();
    let id = RequestId::new(id);
    let corrupt = |r: Result<_, StoreError>| matches!(r, Err(StoreError::Corrupt(_)));
    assert!(store.request(id).await.is_ok());
    assert!(store.events(id).await.is_ok());

    for column in ["satisfaction", "close_reason"] {
        let (before,): (Option<String>,) =
            sqlx::query_as(&format!("SELECT {column} FROM requests WHERE id = $1"))
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap();
        sqlx::query(&format!(
            "UPDATE requests SET {column} = 'delighted' WHERE id = $1"
        ))
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
        assert!(corrupt(store.request(id).await.map(|_| ())), "{column}");
        sqlx::query(&format!("UPDATE requests SET {column} = $1 WHERE id = $2"))
            .bind(before)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        assert!(store.request(id).await.is_ok(), "{column} restored");
    }

    drop_triggers(&store).await;
    pool.execute("UPDATE events SET kind = 'forged' WHERE seq = 1")
        .await
        .unwrap();
    assert!(corrupt(store.events(id).await.map(|_| ())));
}
