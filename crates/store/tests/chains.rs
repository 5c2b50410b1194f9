//! One ledger chain per community, on SQLite and on PostgreSQL: each community's events
//! chain on their own, hours for an activity go in the volunteer's community's chain,
//! `verify` names the community of a fault, a ledger kept before the chains were split
//! still verifies and anchors them, and on PostgreSQL writers in different communities
//! no longer wait for each other.

use bangbang_domain::ledger::{EventBody, LedgerFault, GENESIS};
use bangbang_store::{on_both_backends, story, Backend, ChainName, SqlStore, Store};
use chrono::Utc;
use sqlx::Executor;
use std::time::Duration;

on_both_backends!(fresh; each_community_has_its_own_chain, a_legacy_ledger_anchors_every_chain);

async fn fresh(store: SqlStore) -> SqlStore {
    store
}

async fn drop_no_update(store: &SqlStore) {
    let sql = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER events_no_update",
        Backend::Postgres => "DROP TRIGGER events_no_update ON events",
    };
    store.pool().execute(sql).await.unwrap();
}

/// (seq, community_id, chain_seq) of every event, in seq order.
async fn placement(store: &SqlStore) -> Vec<(i64, Option<bangbang_domain::PlaceId>, Option<i64>)> {
    sqlx::query_as("SELECT seq, community_id, chain_seq FROM events ORDER BY seq")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

async fn each_community_has_its_own_chain(store: SqlStore) {
    let f = story::fixture(&store).await;
    for i in 0..3 {
        for (actor, community) in [(&f.staff, "liuxiali"), (&f.other_staff, "dadi")] {
            let when = format!("2024-07-0{} 09:00", i + 1);
            store
                .create_request(
                    actor,
                    story::draft(community, "other", &when),
                    None,
                    Utc::now(),
                )
                .await
                .unwrap();
        }
    }
    let hours_seq = store
        .record_activity_hours(
            &f.staff,
            f.volunteer2.user_id.unwrap(),
            60,
            "清洁日",
            Utc::now(),
        )
        .await
        .unwrap();

    let events = placement(&store).await;
    assert_eq!(events.len(), 7);
    for community in [f.community.id, f.other.id] {
        let chain: Vec<i64> = events
            .iter()
            .filter(|e| e.1 == Some(community))
            .map(|e| e.2.unwrap())
            .collect();
        let expected: Vec<i64> = (1..=chain.len() as i64).collect();
        assert_eq!(
            chain, expected,
            "community {community} numbers its own events"
        );
    }
    let hours = events.iter().find(|e| e.0 == hours_seq).unwrap();
    assert_eq!(
        (hours.1, hours.2),
        (Some(f.community.id), Some(4)),
        "hours for an activity go in the volunteer's community's chain"
    );

    let heads = store.ledger_heads().await.unwrap();
    let summary: Vec<(&str, i64)> = heads
        .communities
        .iter()
        .map(|c| (c.slug.as_str(), c.head.seq))
        .collect();
    assert_eq!(summary, [("dadi", 3), ("liuxiali", 4)]);
    assert_eq!((heads.legacy.seq, heads.legacy.hash.as_str()), (0, GENESIS));
    let report = store.verify_ledger().await.unwrap();
    assert_eq!((report.fault, report.events_checked), (None, 7));
    assert_eq!(report.chains_checked, 3, "legacy, dadi, liuxiali");
    let dadi = store.verify_chain(f.other.id).await.unwrap();
    assert_eq!((dadi.fault, dadi.events_checked), (None, 3));

    // An event of 大堤 altered: the report names 大堤 and the event.
    let dadi_second = events
        .iter()
        .find(|e| e.1 == Some(f.other.id) && e.2 == Some(2))
        .unwrap()
        .0;
    drop_no_update(&store).await;
    sqlx::query("UPDATE events SET actor = 'mallory' WHERE seq = $1")
        .bind(dadi_second)
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(
        (report.chain, report.fault),
        (
            Some(ChainName::Community("dadi".into())),
            Some(LedgerFault::Altered { seq: dadi_second })
        )
    );
    assert!(report.other_faults.is_empty(), "{:?}", report.other_faults);
    assert_eq!(report.events_checked, 4, "流霞里's chain is intact");
    assert_eq!(
        store.verify_chain(f.community.id).await.unwrap().fault,
        None
    );

    // 流霞里's head row removed as well: both chains are named.
    sqlx::query("DELETE FROM ledger_heads WHERE community_id = $1")
        .bind(f.community.id)
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(report.chain, Some(ChainName::Community("dadi".into())));
    assert!(
        matches!(
            report.other_faults.as_slice(),
            [(ChainName::Community(c), LedgerFault::Truncated { head: 0, .. })] if c == "liuxiali"
        ),
        "{:?}",
        report.other_faults
    );
}

/// A ledger written before communities had chains: its events keep their hashes and
/// verify as the legacy chain, and every community's chain starts at its head.
async fn a_legacy_ledger_anchors_every_chain(store: SqlStore) {
    let backend = store.backend();
    let url = match backend {
        Backend::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            bangbang_store::testing::temp_dir().join("old.db").display()
        ),
        Backend::Postgres => bangbang_store::testing::postgres_url().await.unwrap(),
    };
    store.close().await;
    let old = sqlx::AnyPool::connect(&url).await.unwrap();
    let dir = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let mut up_to_4 = sqlx::migrate::Migrator::new(std::path::Path::new(&format!(
        "{}/migrations/{dir}",
        env!("CARGO_MANIFEST_DIR")
    )))
    .await
    .unwrap();
    up_to_4.migrations = up_to_4
        .migrations
        .iter()
        .filter(|m| m.version <= 4)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    up_to_4.run(&old).await.unwrap();
    // A community that existed then, and three events of the single chain.
    old.execute("INSERT INTO places (id, kind, name, slug, code_prefix) VALUES (900, 'community', '旧社区', 'old', 'OLD')")
        .await
        .unwrap();
    let mut prev = GENESIS.to_string();
    for seq in 1..=3_i64 {
        let data = serde_json::json!({"minutes": seq * 10});
        let hash = EventBody {
            seq,
            request_id: 0,
            actor: "staff",
            actor_id: None,
            at_ms: 1_720_000_000_000 + seq,
            kind: "hours_recorded",
            data: &data,
            community_id: None,
            chain_seq: None,
        }
        .hash(&prev);
        sqlx::query(
            "INSERT INTO events (seq, request_id, actor, actor_id, at_ms, kind, data, prev_hash, hash) \
             VALUES ($1, NULL, 'staff', NULL, $2, 'hours_recorded', $3, $4, $5)",
        )
        .bind(seq)
        .bind(1_720_000_000_000 + seq)
        .bind(data.to_string())
        .bind(&prev)
        .bind(&hash)
        .execute(&old)
        .await
        .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE ledger_head SET seq = 3, hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&old)
        .await
        .unwrap();
    old.close().await;

    // Migrated: nothing old changed, and it verifies.
    let store = SqlStore::connect(&url).await.unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!((report.fault, report.events_checked), (None, 3));
    let heads = store.ledger_heads().await.unwrap();
    assert_eq!(heads.legacy.hash, prev);
    assert_eq!(heads.communities.len(), 1);
    assert_eq!(
        (
            heads.communities[0].slug.as_str(),
            heads.communities[0].head.seq
        ),
        ("old", 0)
    );
    assert_eq!(
        heads.communities[0].head.hash, prev,
        "an empty chain is its anchor"
    );
    let frozen = store
        .pool()
        .execute("UPDATE ledger_head SET seq = 4 WHERE id = 1")
        .await;
    assert!(frozen.unwrap_err().to_string().contains("frozen"));

    // New events go in their community's chain, which starts at the legacy head.
    let f = story::fixture(&store).await;
    for day in ["2024-07-01 09:00", "2024-07-02 09:00"] {
        store
            .create_request(
                &f.staff,
                story::draft("liuxiali", "other", day),
                None,
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let (seq, chain_seq, prev_hash): (i64, i64, String) = sqlx::query_as(
        "SELECT seq, chain_seq, prev_hash FROM events WHERE chain_seq IS NOT NULL ORDER BY seq LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((seq, chain_seq, prev_hash.as_str()), (4, 1, prev.as_str()));
    let report = store.verify_ledger().await.unwrap();
    assert_eq!((report.fault, report.events_checked), (None, 5));

    // An old event altered: the legacy chain is named.
    drop_no_update(&store).await;
    store
        .pool()
        .execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
        .await
        .unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(
        (report.chain, report.fault),
        (
            Some(ChainName::Legacy),
            Some(LedgerFault::Altered { seq: 2 })
        )
    );
    store
        .pool()
        .execute("UPDATE events SET actor = 'staff' WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);

    // The legacy head itself rewritten (its trigger dropped): every chain anchored on it
    // breaks at its first event.
    let drop_frozen = match backend {
        Backend::Sqlite => "DROP TRIGGER ledger_head_frozen",
        Backend::Postgres => "DROP TRIGGER ledger_head_frozen ON ledger_head",
    };
    store.pool().execute(drop_frozen).await.unwrap();
    sqlx::query("UPDATE ledger_head SET hash = $1 WHERE id = 1")
        .bind(GENESIS)
        .execute(store.pool())
        .await
        .unwrap();
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(report.chain, Some(ChainName::Legacy));
    assert!(
        report.other_faults.iter().any(|(chain, fault)| {
            *chain == ChainName::Community("liuxiali".into())
                && *fault == LedgerFault::BrokenLink { seq: 4 }
        }),
        "{:?}",
        report.other_faults
    );
    assert!(
        report.other_faults.iter().any(|(chain, fault)| {
            *chain == ChainName::Community("old".into())
                && matches!(fault, LedgerFault::Truncated { head: 0, .. })
        }),
        "{:?}",
        report.other_faults
    );
}

/// On PostgreSQL a writer holding one community's head does not hold up another
/// community's writers, and still holds up its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_in_other_communities_do_not_wait_on_postgres() {
    let Some(store) = bangbang_store::testing::postgres().await else {
        return;
    };
    let f = story::fixture(&store).await;
    let file = |community: &str| story::draft(community, "other", "2024-07-01 09:00");
    for (actor, community) in [(&f.staff, "liuxiali"), (&f.other_staff, "dadi")] {
        store
            .create_request(actor, file(community), None, Utc::now())
            .await
            .unwrap();
    }
    let mut holder = store.pool().begin().await.unwrap();
    sqlx::query("UPDATE ledger_heads SET seq = seq WHERE community_id = $1")
        .bind(f.community.id)
        .execute(&mut *holder)
        .await
        .unwrap();

    let elsewhere = tokio::time::timeout(
        Duration::from_secs(5),
        store.create_request(&f.other_staff, file("dadi"), None, Utc::now()),
    )
    .await;
    assert!(
        matches!(elsewhere, Ok(Ok(_))),
        "大堤's write waited for 流霞里's lock"
    );
    let (s, staff) = (store.clone(), f.staff.clone());
    let same = tokio::spawn(async move {
        s.create_request(&staff, file("liuxiali"), None, Utc::now())
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !same.is_finished(),
        "流霞里's writer did not wait for its head"
    );
    holder.rollback().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), same)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(store.verify_ledger().await.unwrap().fault, None);
}
