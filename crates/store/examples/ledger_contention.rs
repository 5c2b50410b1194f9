//! How much one ledger head per community buys on PostgreSQL: 8 concurrent writers filing
//! requests (one transaction and one event each) all in one community, whose head they
//! queue on, then 8 writers each in its own community. Prints events/s for each and the
//! ratio. Not a test: run it by hand against a PostgreSQL server, and it makes a fresh
//! database there (BANGBANG_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/test).
//!
//! ```sh
//! cargo run --release -p bangbang-store --example ledger_contention [-- EVENTS_PER_WRITER]
//! ```

use bangbang_domain::{
    access::Actor, category::default_categories, place::PlaceKind, request::RequestInput, PlaceId,
    Role, Scope,
};
use bangbang_store::{testing, NewPlace, SqlStore, Store};
use chrono::Utc;
use std::time::Instant;

const WRITERS: usize = 8;

fn place(kind: PlaceKind, parent: Option<PlaceId>, name: &str) -> NewPlace {
    NewPlace {
        kind,
        parent_id: parent,
        name: name.into(),
        slug: None,
        code_prefix: None,
        number: None,
    }
}

/// `WRITERS` communities c1..c8, each with building 1, entrance 1.
async fn communities(store: &SqlStore) -> Vec<String> {
    for (i, c) in default_categories().iter().enumerate() {
        store.upsert_category(c, i as i64).await.unwrap();
    }
    let district = store
        .add_place(place(PlaceKind::District, None, "区"))
        .await
        .unwrap();
    let sub = store
        .add_place(place(PlaceKind::Subdistrict, Some(district), "街道"))
        .await
        .unwrap();
    let mut slugs = Vec::new();
    for i in 0..WRITERS {
        let slug = format!("c{}", i + 1);
        let prefix: String = ["C", &((b'A' + i as u8) as char).to_string()].concat();
        let c = store
            .add_place(NewPlace {
                slug: Some(slug.clone()),
                code_prefix: Some(prefix),
                ..place(PlaceKind::Community, Some(sub), &format!("社区{}", i + 1))
            })
            .await
            .unwrap();
        let grid = store
            .add_place(place(PlaceKind::Grid, Some(c), "网格"))
            .await
            .unwrap();
        let building = store
            .add_place(NewPlace {
                number: Some("1".into()),
                ..place(PlaceKind::Building, Some(grid), "1号楼")
            })
            .await
            .unwrap();
        store
            .add_place(NewPlace {
                number: Some("1".into()),
                ..place(PlaceKind::Entrance, Some(building), "1门")
            })
            .await
            .unwrap();
        slugs.push(slug);
    }
    slugs
}

fn draft(community: &str, n: usize) -> bangbang_domain::request::RequestDraft {
    RequestInput {
        community: Some(community.into()),
        channel: Some("phone".into()),
        category: Some("other".into()),
        urgency: None,
        reporter_name: Some("张大爷".into()),
        reporter_phone: Some("13812345678".into()),
        building: Some("1".into()),
        entrance: Some("1".into()),
        room: Some(format!("{}", 100 + n % 500)),
        description: Some(format!("压测 {n}")),
        reported_at: Some(format!("2024-07-{:02} 09:00", 1 + n % 28)),
    }
    .parse(Utc::now())
    .expect("a valid draft")
}

/// `WRITERS` tasks, writer `w` filing `per_writer` requests in `community_of(w)`; events/s.
async fn run(
    store: &SqlStore,
    admin: &Actor,
    per_writer: usize,
    community_of: impl Fn(usize) -> String,
) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (store, admin, community) = (store.clone(), admin.clone(), community_of(w));
        tasks.push(tokio::spawn(async move {
            for n in 0..per_writer {
                store
                    .create_request(
                        &admin,
                        draft(&community, w * per_writer + n),
                        None,
                        Utc::now(),
                    )
                    .await
                    .expect("file a request");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    (WRITERS * per_writer) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let per_writer: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("EVENTS_PER_WRITER is a number"))
        .unwrap_or(150);
    let url = testing::postgres_url()
        .await
        .expect("this benchmark needs PostgreSQL (BANGBANG_TEST_POSTGRES)");
    let store = SqlStore::connect(&url).await.unwrap();
    let slugs = communities(&store).await;
    let admin = Actor {
        user_id: None,
        username: "bench".into(),
        display_name: "bench".into(),
        role: Role::Admin,
        scope: Scope::Everywhere,
        skills: Vec::new(),
    };
    // Warm the pool and the caches.
    run(&store, &admin, 5, |w| slugs[w].clone()).await;

    let one = run(&store, &admin, per_writer, |_| slugs[0].clone()).await;
    let each = run(&store, &admin, per_writer, |w| slugs[w].clone()).await;
    let events = WRITERS * per_writer;
    println!("PostgreSQL, {WRITERS} concurrent writers, {events} events (requests filed) per run:");
    println!("  all in 1 community (one head):  {one:8.0} events/s");
    println!("  each in its own community:      {each:8.0} events/s");
    println!("  ratio:                          {:8.2}x", each / one);
    let report = store.verify_ledger().await.unwrap();
    assert_eq!(report.fault, None);
    println!(
        "  ledger verified: {} events in {} chains",
        report.events_checked, report.chains_checked
    );
    store.close().await;
}
