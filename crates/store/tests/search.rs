//! Text search finds requests by any part of their code, reporter, description or outcome,
//! ignoring case, on both databases; on SQLite a search of three characters or more goes
//! through the FTS5 trigram index, kept by triggers as requests are filed and resolved.

use bangbang_domain::lifecycle::Action;
use bangbang_store::{on_both_backends, story, Backend, RequestFilter, SqlStore, Store};
use chrono::Utc;

on_both_backends!(fresh; search_finds_any_part_ignoring_case);

async fn fresh(store: SqlStore) -> SqlStore {
    store
}

async fn search_finds_any_part_ignoring_case(store: SqlStore) {
    let f = story::fixture(&store).await;
    let mut first = story::draft("liuxiali", "other", "2024-07-01 09:00");
    first.description = "楼道下水往外冒，Basement FLOODED".into();
    let first = store
        .create_request(&f.staff, first, None, Utc::now())
        .await
        .unwrap();
    let mut second = story::draft("liuxiali", "other", "2024-07-02 09:00");
    second.description = "路灯不亮 \"quoted\" 100%".into();
    let second = store
        .create_request(&f.staff, second, None, Utc::now())
        .await
        .unwrap();
    store
        .apply(
            &f.staff,
            second.id,
            Action::Resolve {
                outcome: "更换存水弯和灯泡".into(),
                minutes: 20,
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let find = |text: &str| {
        let store = store.clone();
        let filter = RequestFilter {
            text: Some(text.into()),
            ..RequestFilter::for_actor(&f.staff)
        };
        async move {
            let mut codes: Vec<String> = store
                .list_requests(&filter)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.code)
                .collect();
            codes.sort();
            codes
        }
    };
    let (a, b) = (first.code.clone(), second.code.clone());
    assert_eq!(
        find("下水往外").await,
        vec![a.clone()],
        "the middle of a description"
    );
    assert_eq!(find("basement flooded").await, vec![a.clone()], "any case");
    assert_eq!(
        find("存水弯和").await,
        vec![b.clone()],
        "an outcome written later"
    );
    assert_eq!(find("\"quoted\"").await, vec![b.clone()], "quotes are text");
    assert_eq!(find("100%").await, vec![b.clone()], "so is a percent sign");
    assert_eq!(find("下水").await, vec![a.clone()], "two characters");
    assert_eq!(find(&a.to_lowercase()).await, vec![a.clone()], "a code");
    assert!(find("楼道下水往里冒").await.is_empty());
    // Nothing typed is read as FTS5 syntax: each is text that matches nothing here.
    for hostile in [
        "NEAR(a b)",
        "{code} : x",
        "a* OR b*",
        "\"\"\"\"",
        "'; DROP TABLE requests;--",
        "^下水",
        &"长".repeat(2000),
    ] {
        assert!(find(hostile).await.is_empty(), "{hostile}");
    }

    if store.backend() == Backend::Sqlite {
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "EXPLAIN QUERY PLAN SELECT r.id FROM requests r WHERE r.id IN \
             (SELECT rowid FROM requests_search WHERE requests_search MATCH '\"下水往外\"')",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|(_, _, _, d)| d).collect();
        assert!(
            plan.iter().any(|d| d.contains("VIRTUAL TABLE INDEX")),
            "{plan:?}"
        );
    }
}
