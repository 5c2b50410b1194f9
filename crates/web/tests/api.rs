//! The JSON API through the real router on a random port, each test with its own
//! database, on SQLite and on PostgreSQL.

use bangbang_store::{story, SqlStore, Store};
use bangbang_web::auth::{hash_token, new_token};
use bangbang_web::{app, AppState};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

struct TestApp {
    base: String,
    http: reqwest::Client,
    staff: String,
    other_staff: String,
    volunteer: String,
    volunteer2: String,
    supervisor: String,
    store: SqlStore,
    reads: bangbang_web::reads::ReadLog,
}

async fn token_for(store: &SqlStore, user_id: bangbang_domain::UserId) -> String {
    let token = new_token();
    store
        .add_token(user_id, &hash_token(&token), "test")
        .await
        .unwrap();
    token
}

impl TestApp {
    async fn spawn(store: SqlStore) -> TestApp {
        let f = story::fixture(&store).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(Arc::new(store.clone()), bangbang_store::testing::temp_dir());
        let reads = state.reads.clone();
        let router = app(state);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        TestApp {
            base,
            http: reqwest::Client::new(),
            staff: token_for(&store, f.staff.user_id.unwrap()).await,
            other_staff: token_for(&store, f.other_staff.user_id.unwrap()).await,
            volunteer: token_for(&store, f.volunteer.user_id.unwrap()).await,
            volunteer2: token_for(&store, f.volunteer2.user_id.unwrap()).await,
            supervisor: token_for(&store, f.supervisor.user_id.unwrap()).await,
            store,
            reads,
        }
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn create(&self, body: Value) -> Value {
        let (status, created) = self.post(&self.staff, "/api/v1/requests", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created
    }

    async fn event_count(&self) -> u64 {
        self.store.verify_ledger().await.unwrap().events_checked
    }
}

fn a_request() -> Value {
    json!({
        "community": "liuxiali",
        "channel": "phone",
        "category": "sewer_overflow",
        "urgency": "urgent",
        "reporter": {"name": "张大爷", "phone": "13812345678"},
        "address": {"building": "3", "entrance": "2", "room": "301"},
        "description": "楼道下水往外冒水",
        "reported_at": "2024-07-03 09:30"
    })
}

/// A fresh site on a fresh database, for `on_both_backends!`.
async fn setup(store: SqlStore) -> TestApp {
    TestApp::spawn(store).await
}

bangbang_store::on_both_backends!(
    setup;
    lifecycle_through_the_api,
    refused_transition_is_409_and_changes_nothing,
    validation_errors_are_422_per_field_and_store_nothing,
    authentication_and_roles,
    scope_hides_other_communities,
    volunteers_see_masked_personal_data_until_they_accept,
    lists_are_keyset_paginated,
    concurrent_claims_one_wins,
    stats_figures_and_errors,
);

#[tokio::test]
async fn healthz_answers_without_a_database_query() {
    let app = TestApp::spawn(bangbang_store::testing::sqlite().await).await;
    let res = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = reqwest::get(format!("{}/nowhere", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

async fn lifecycle_through_the_api(app: TestApp) {
    let created = app.create(a_request()).await;
    assert_eq!(created["code"], "LXL-20240703-001");
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["status_zh"], "待派单");
    assert_eq!(created["reported_at"], "2024-07-03T09:30:00+08:00");
    assert_eq!(
        created["resolve_by"], "2024-07-06T09:30:00+08:00",
        "urgent: 3 days"
    );
    let id = created["id"].as_i64().unwrap();
    let path = |action: &str| format!("/api/v1/requests/{id}/{action}");

    let (s, r) = app
        .post(&app.staff, &path("dispatch"), json!({"volunteer": "vol1"}))
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("dispatched")),
        "{r}"
    );
    assert_eq!(r["assignee"]["name"], "VOL1");
    let (s, r) = app.post(&app.volunteer, &path("accept"), json!({})).await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{r}"
    );
    let (s, _) = app.post(&app.volunteer, &path("start"), Value::Null).await;
    assert_eq!(s, StatusCode::OK);
    let (s, r) = app
        .post(
            &app.volunteer,
            &path("resolve"),
            json!({"outcome": "疏通下水", "hours": 1.5}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str(), r["hours"].as_f64()),
        (StatusCode::OK, Some("resolved"), Some(1.5)),
        "{r}"
    );
    let (s, r) = app
        .post(
            &app.staff,
            &path("review"),
            json!({"satisfaction": "basic", "note": "基本满意"}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("reviewed")),
        "{r}"
    );
    let (s, r) = app
        .post(&app.staff, &path("reopen"), json!({"reason": "又堵了"}))
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{r}"
    );
    // Further than two years ahead is a typo and refused; a date in range is taken.
    let (s, r) = app
        .post(
            &app.staff,
            &path("follow-up"),
            json!({"note": "等待管网改造", "next_at": "9999-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(r["error"]["fields"]["next_at"].is_string(), "{r}");
    let next_at = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    let (s, r) = app
        .post(
            &app.staff,
            &path("follow-up"),
            json!({"note": "等待管网改造", "next_at": next_at}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("long_term")),
        "{r}"
    );
    let (s, r) = app
        .post(&app.staff, &path("notes"), json!({"text": "已上报街道"}))
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("long_term")),
        "{r}"
    );
    let (s, r) = app
        .post(
            &app.staff,
            &path("close"),
            json!({"reason": "out_of_remit", "note": "转自来水公司"}),
        )
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{r}"
    );

    // The detail, by id or by code, carries the whole ledger oldest first.
    let (s, detail) = app
        .get(&app.staff, "/api/v1/requests/LXL-20240703-001")
        .await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "dispatched",
            "accepted",
            "started",
            "resolved",
            "reviewed",
            "reopened",
            "followed_up",
            "noted",
            "closed"
        ]
    );
    assert_eq!(detail["allowed_actions"], json!(["notes"]));
    assert_eq!(
        detail["reporter"]["phone"], "13812345678",
        "staff see it in full"
    );
    assert_eq!(app.store.verify_ledger().await.unwrap().fault, None);
}

async fn refused_transition_is_409_and_changes_nothing(app: TestApp) {
    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    let before = app.event_count().await;
    let (s, body) = app
        .post(
            &app.staff,
            &format!("/api/v1/requests/{id}/start"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "not_allowed");
    assert_eq!(body["error"]["state"], "submitted");
    assert_eq!(
        body["error"]["allowed"],
        json!(["dispatch", "resolve", "follow-up", "close", "notes"])
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot start a request that is submitted"));
    assert_eq!(app.event_count().await, before);
    let (_, now) = app.get(&app.staff, &format!("/api/v1/requests/{id}")).await;
    assert_eq!(now["status"], "submitted");

    let (s, body) = app
        .post(&app.staff, &format!("/api/v1/requests/{id}/fly"), json!({}))
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

async fn validation_errors_are_422_per_field_and_store_nothing(app: TestApp) {
    let before = app.event_count().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "community", "is required"),
        (json!({"description": null}), "description", "is required"),
        (json!({"category": "ufo"}), "category", "unknown category"),
        (
            json!({"community": "atlantis"}),
            "community",
            "unknown community",
        ),
        (
            json!({"reporter": {"name": "张", "phone": "12345"}}),
            "reporter.phone",
            "not a phone number",
        ),
        (
            json!({"description": "长".repeat(2001)}),
            "description",
            "longer than 2000",
        ),
        (
            json!({"reporter": {"name": "名".repeat(51), "phone": "13812345678"}}),
            "reporter.name",
            "longer than 50",
        ),
        (
            json!({"reported_at": "2024-02-30"}),
            "reported_at",
            "not a date",
        ),
        (
            json!({"reported_at": "2999-01-01"}),
            "reported_at",
            "in the future",
        ),
        (json!({"channel": "fax"}), "channel", "unknown channel"),
        (json!({"urgency": "asap"}), "urgency", "unknown urgency"),
        (
            json!({"address": {"building": "99", "entrance": "1"}}),
            "address.building",
            "no building 99",
        ),
        (
            json!({"address": {"building": "3", "entrance": "9"}}),
            "address.entrance",
            "no entrance 9",
        ),
        (
            json!({"description": ["not", "text"]}),
            "description",
            "must be text",
        ),
        (json!({"description": "堵了\u{0}"}), "description", "NUL"),
    ];
    for (patch, field, message) in cases {
        let mut body = if patch == json!({}) {
            json!({})
        } else {
            a_request()
        };
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, res) = app.post(&app.staff, "/api/v1/requests", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {res}");
        assert_eq!(res["error"]["code"], "validation");
        let got = res["error"]["fields"][field].as_str().unwrap_or_default();
        assert!(
            got.contains(message),
            "{field}: expected {message:?}, got {res}"
        );
    }
    // Several bad fields are reported together.
    let (_, res) = app
        .post(
            &app.staff,
            "/api/v1/requests",
            json!({"community": "liuxiali", "category": "ufo", "reporter": {"phone": "x"}}),
        )
        .await;
    let fields = res["error"]["fields"].as_object().unwrap();
    for field in ["category", "reporter.name", "reporter.phone", "description"] {
        assert!(fields.contains_key(field), "{field} missing in {res}");
    }
    // Malformed JSON is a 400, not a crash.
    let res = app
        .http
        .post(format!("{}/api/v1/requests", app.base))
        .bearer_auth(&app.staff)
        .header("content-type", "application/json")
        .body("{\"community\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.event_count().await, before, "nothing was stored");

    // Bad action bodies too.
    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    let before = app.event_count().await;
    for (action, body, field) in [
        ("dispatch", json!({}), "volunteer"),
        ("dispatch", json!({"volunteer": "nobody"}), "volunteer"),
        (
            "dispatch",
            json!({"pool": true, "partner": "物业"}),
            "volunteer",
        ),
        ("decline", json!({}), "reason"),
        (
            "follow-up",
            json!({"note": "x", "next_at": "soon"}),
            "next_at",
        ),
        ("close", json!({"reason": "duplicate"}), "duplicate_of"),
        (
            "close",
            json!({"reason": "duplicate", "duplicate_of": "LXL-20000101-001"}),
            "duplicate_of",
        ),
        ("close", json!({"reason": "bored"}), "reason"),
        ("resolve", json!({"outcome": "好了", "hours": -2}), "hours"),
        ("notes", json!({"text": ""}), "text"),
        // Neither database keeps NUL in text: refused, not a server error.
        ("notes", json!({"text": "a\u{0}b"}), "text"),
        ("dispatch", json!({"volunteer": "lxl\u{0}"}), "volunteer"),
    ] {
        let (s, res) = app
            .post(&app.staff, &format!("/api/v1/requests/{id}/{action}"), body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {res}");
        assert!(res["error"]["fields"][field].is_string(), "{action}: {res}");
    }
    assert_eq!(app.event_count().await, before, "nothing was stored");
}

async fn authentication_and_roles(app: TestApp) {
    let res = app
        .http
        .get(format!("{}/api/v1/requests", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Bearer"));
    let (s, _) = app.get("bb_not_a_token", "/api/v1/requests").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    // A volunteer may not dispatch or file requests; a supervisor may not act.
    let (s, body) = app
        .post(
            &app.volunteer,
            &format!("/api/v1/requests/{id}/dispatch"),
            json!({"pool": true}),
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    let (s, _) = app
        .post(&app.volunteer, "/api/v1/requests", a_request())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &app.supervisor,
            &format!("/api/v1/requests/{id}/close"),
            json!({"reason": "withdrawn"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &app.supervisor,
            &format!("/api/v1/requests/{id}/notes"),
            json!({"text": "督办"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, me) = app.get(&app.volunteer, "/api/v1/me").await;
    assert_eq!(
        (s, me["role"].as_str()),
        (StatusCode::OK, Some("volunteer"))
    );
}

async fn scope_hides_other_communities(app: TestApp) {
    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    let (s, _) = app
        .get(&app.other_staff, &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &app.other_staff,
            &format!("/api/v1/requests/{id}/dispatch"),
            json!({"pool": true}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = app.get(&app.other_staff, "/api/v1/requests").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // A community that exists but is outside the caller's scope is refused as filing in it
    // is (403); one that does not exist is a bad parameter (422).
    let (s, body) = app
        .get(&app.other_staff, "/api/v1/requests?community=liuxiali")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = app
        .get(&app.other_staff, "/api/v1/requests?community=atlantis")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = app
        .post(&app.other_staff, "/api/v1/requests", a_request())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The supervisor of the sub-district sees both communities.
    let (_, list) = app.get(&app.supervisor, "/api/v1/requests").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, communities) = app.get(&app.supervisor, "/api/v1/communities").await;
    assert_eq!(communities["items"].as_array().unwrap().len(), 2);
    let (_, communities) = app.get(&app.other_staff, "/api/v1/communities").await;
    assert_eq!(communities["items"].as_array().unwrap().len(), 1);
}

async fn reads_logged(app: &TestApp) -> i64 {
    // Reads are written off the request path: wait until those logged so far are.
    app.reads.flush().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM personal_data_reads")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    n
}

async fn volunteers_see_masked_personal_data_until_they_accept(app: TestApp) {
    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    let detail = format!("/api/v1/requests/{id}");
    // Not yet in the pool: the volunteer cannot see it at all.
    assert_eq!(
        app.get(&app.volunteer, &detail).await.0,
        StatusCode::NOT_FOUND
    );
    app.post(
        &app.staff,
        &format!("{detail}/dispatch"),
        json!({"pool": true}),
    )
    .await;
    let (s, seen) = app.get(&app.volunteer, &detail).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(seen["reporter"]["phone"], "138****5678");
    assert_eq!(seen["address"]["room"], "***");
    assert_eq!(seen["personal_data_masked"], true);
    assert_eq!(
        seen["events"][0]["data"]["reporter"]["phone"], "138****5678",
        "the ledger is masked too"
    );
    let logged = reads_logged(&app).await;
    app.get(&app.volunteer2, "/api/v1/requests?status=pooled")
        .await;
    assert_eq!(
        reads_logged(&app).await,
        logged,
        "masked views are not personal-data reads"
    );
    app.get(&app.staff, "/api/v1/requests").await;
    assert_eq!(
        reads_logged(&app).await,
        logged + 1,
        "a staff list shows the phone in full: logged"
    );
    let (_, pool) = app
        .get(&app.volunteer2, "/api/v1/requests?status=pooled")
        .await;
    assert_eq!(pool["items"][0]["reporter"]["phone"], "138****5678");
    app.post(&app.volunteer, &format!("{detail}/accept"), json!({}))
        .await;
    let (_, seen) = app.get(&app.volunteer, &detail).await;
    assert_eq!(seen["reporter"]["phone"], "13812345678");
    // The tracking code (which proves a resident's rating) is the office's to hand over:
    // not even the volunteer doing the job is given it.
    assert!(seen["tracking_code"].is_null(), "{seen}");
    let (_, office) = app.get(&app.staff, &detail).await;
    let whole = office["tracking_code"].as_str().unwrap();
    assert!(
        whole.starts_with(office["code"].as_str().unwrap()) && whole.len() > 20,
        "{office}"
    );
    assert_eq!(seen["address"]["room"], "301");
    // The other volunteer no longer sees it, and acting on it answers 404 too, not a 409
    // that would name its state.
    assert_eq!(
        app.get(&app.volunteer2, &detail).await.0,
        StatusCode::NOT_FOUND
    );
    // (Accepting it is the one exception: a volunteer who lost the race for a pooled
    // request hears that it was accepted, see `concurrent_claims_one_wins`.)
    for action in ["start", "decline", "resolve"] {
        let (s, body) = app
            .post(
                &app.volunteer2,
                &format!("{detail}/{action}"),
                json!({"outcome": "x", "hours": 1, "reason": "x"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{action}: {body}");
        assert!(!body.to_string().contains("accepted"), "{body}");
        // Not even a bad body is complained about: the answer is the same as for a
        // request that does not exist.
        let (s, body) = app
            .post(&app.volunteer2, &format!("{detail}/{action}"), json!({}))
            .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "{action} with an empty body: {body}"
        );
    }
}

async fn lists_are_keyset_paginated(app: TestApp) {
    for day in 1..=7 {
        let mut body = a_request();
        body["reported_at"] = json!(format!("2024-08-0{day} 10:00"));
        if day % 2 == 0 {
            body["category"] = json!("stairwell_light");
        }
        app.create(body).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/requests?limit=3&cursor={c}"),
            None => "/api/v1/requests?limit=3".into(),
        };
        let (s, page) = app.get(&app.staff, &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(
            items
                .iter()
                .map(|r| r["code"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=7)
        .rev()
        .map(|d| format!("LXL-2024080{d}-001"))
        .collect();
    assert_eq!(seen, expected, "newest first, each once");
    let (_, lights) = app
        .get(&app.staff, "/api/v1/requests?category=stairwell_light")
        .await;
    assert_eq!(lights["items"].as_array().unwrap().len(), 3);
    let (_, window) = app
        .get(&app.staff, "/api/v1/requests?from=2024-08-02&to=2024-08-04")
        .await;
    assert_eq!(window["items"].as_array().unwrap().len(), 3);
    // A period that ends before it starts is empty, not an error.
    let (s, empty) = app
        .get(&app.staff, "/api/v1/requests?from=2024-08-05&to=2024-08-01")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(empty["items"].as_array().unwrap().len(), 0);
    for (query, field) in [
        ("status=done", "status"),
        ("cursor=zzz", "cursor"),
        ("limit=0", "limit"),
        ("from=2024-13-01", "from"),
        ("from=2024-8-1", "from"),
    ] {
        let (s, body) = app
            .get(&app.staff, &format!("/api/v1/requests?{query}"))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
}

async fn concurrent_claims_one_wins(app: TestApp) {
    let id = app.create(a_request()).await["id"].as_i64().unwrap();
    app.post(
        &app.staff,
        &format!("/api/v1/requests/{id}/dispatch"),
        json!({"pool": true}),
    )
    .await;
    let path = format!("/api/v1/requests/{id}/accept");
    let (a, b) = tokio::join!(
        app.post(&app.volunteer, &path, json!({})),
        app.post(&app.volunteer2, &path, json!({}))
    );
    let mut codes = [a.0, b.0];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT], "{a:?} {b:?}");
    let loser = if a.0 == StatusCode::CONFLICT {
        a.1
    } else {
        b.1
    };
    assert_eq!(loser["error"]["state"], "accepted");
}

async fn stats_figures_and_errors(app: TestApp) {
    for (category, day) in [
        ("sewer_overflow", "01"),
        ("sewer_overflow", "02"),
        ("wall_hazard", "03"),
    ] {
        let mut body = a_request();
        body["category"] = json!(category);
        body["reported_at"] = json!(format!("2024-07-{day} 10:00"));
        let id = app.create(body).await["id"].as_i64().unwrap();
        if category == "sewer_overflow" {
            app.post(
                &app.staff,
                &format!("/api/v1/requests/{id}/resolve"),
                json!({"outcome": "好了"}),
            )
            .await;
        }
    }
    let (s, stats) = app
        .get(
            &app.staff,
            "/api/v1/stats?community=liuxiali&from=2024-07-01&to=2024-07-31",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{stats}");
    assert_eq!(
        (
            stats["received"].as_i64(),
            stats["resolved"].as_i64(),
            stats["open"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        stats["overdue"], 1,
        "the open one is long past its deadline"
    );
    assert_eq!(stats["rates"]["resolution"]["value"], 0.667);
    let sewer = stats["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "sewer_overflow")
        .unwrap();
    assert_eq!(
        (sewer["requests"].as_i64(), sewer["entrances"].as_i64()),
        (Some(2), Some(1)),
        "same entrance twice"
    );
    assert!(stats["rates"]["response"]["definition"]
        .as_str()
        .unwrap()
        .contains("响应率"));
    let (_, june) = app
        .get(&app.staff, "/api/v1/stats?from=2024-06-01&to=2024-06-30")
        .await;
    assert_eq!(june["received"], 0);
    assert!(
        june["rates"]["resolution"]["value"].is_null(),
        "no rate without requests"
    );
    let (s, _) = app
        .get(&app.staff, "/api/v1/stats?from=-262144-01-01")
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an absurd year is a clear error, not a crash"
    );
    let (s, body) = app.get(&app.staff, "/api/v1/stats?from=yesterday").await;
    assert_eq!(
        (s, body["error"]["fields"]["from"].is_string()),
        (StatusCode::UNPROCESSABLE_ENTITY, true)
    );
    assert_eq!(
        app.get(&app.volunteer, "/api/v1/stats").await.0,
        StatusCode::FORBIDDEN
    );
}
