//! The pages over HTTP: every form's validation errors, CSRF, sign-in and role checks.
//! The browser story is in e2e/; these run fast and on both databases.

use bangbang_store::{story, SqlStore, Store};
use bangbang_web::auth::hash_password;
use bangbang_web::{app, AppState};
use reqwest::{Client, StatusCode};
use std::sync::Arc;

struct Site {
    base: String,
    store: SqlStore,
}

impl Site {
    async fn start(store: SqlStore) -> Site {
        story::fixture(&store).await;
        // The fixture's users have no real password; give the ones we sign in as one.
        for name in ["staff1", "staff2", "vol1", "sup1"] {
            let user = store.user_by_name(name).await.unwrap();
            let hash = hash_password("password-8850").unwrap();
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user.id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = app(AppState::new(
            Arc::new(store.clone()),
            bangbang_store::testing::temp_dir(),
        ));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Site { base, store }
    }

    fn browser() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Loads a page and returns its CSRF token (from the hidden field).
    async fn csrf(&self, client: &Client, path: &str) -> String {
        let html = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let start = html
            .find("name=\"_csrf\" value=\"")
            .expect("a form with a CSRF field")
            + 20;
        html[start..start + 67].to_string()
    }

    async fn post(
        &self,
        client: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let res = client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    async fn signed_in(&self, username: &str) -> Client {
        let client = Site::browser();
        let csrf = self.csrf(&client, "/login").await;
        let (status, _) = self
            .post(
                &client,
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("username", username),
                    ("password", "password-8850"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in as {username}");
        client
    }

    async fn count(&self) -> u64 {
        self.store.verify_ledger().await.unwrap().events_checked
    }
}

/// A fresh site on a fresh database, for `on_both_backends!`.
async fn setup(store: SqlStore) -> Site {
    Site::start(store).await
}

bangbang_store::on_both_backends!(
    setup;
    sign_in_errors_and_redirects,
    resident_form_errors_keep_what_was_typed,
    staff_and_patrol_form_errors,
    action_form_errors_change_nothing,
    forms_without_csrf_are_refused,
    roles_are_kept_to_their_pages,
    resident_rating_needs_the_whole_tracking_code,
    hours_honour_certificate_and_report,
    exports_and_imports_from_the_pages,
    wrong_tracking_codes_lock_the_address,
    photos_are_shown_only_within_their_requests_scope,
    searches_never_match_masked_rooms,
);

fn good_ask(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("_csrf", csrf),
        ("category", "sewer_overflow"),
        ("reporter.name", "张大爷"),
        ("reporter.phone", "13812345678"),
        ("address.building", "3"),
        ("address.entrance", "2"),
        ("address.room", "301"),
        ("description", "楼道下水往外冒"),
    ]
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

async fn sign_in_errors_and_redirects(site: Site) {
    let client = Site::browser();
    let res = client
        .get(format!("{}/desk/board", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=/desk/board");
    let csrf = site.csrf(&client, "/login").await;
    let (status, html) = site
        .post(
            &client,
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "staff1"),
                ("password", "wrong"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("用户名或密码不对"), "{html}");
    assert!(html.contains("value=\"staff1\""), "the name is kept");
    let res = client
        .post(format!("{}/login", site.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "staff1"),
            ("password", "password-8850"),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/desk/board", "no open redirect");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("bb_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

async fn resident_form_errors_keep_what_was_typed(site: Site) {
    let client = Site::browser();
    let csrf = site.csrf(&client, "/c/liuxiali/ask").await;
    let before = site.count().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            with(good_ask(&csrf), "reporter.phone", "12345"),
            "电话号码不对",
        ),
        (with(good_ask(&csrf), "reporter.name", ""), "必填"),
        (with(good_ask(&csrf), "description", ""), "必填"),
        (with(good_ask(&csrf), "category", "ufo"), "请选择问题类别"),
        (
            with(good_ask(&csrf), "address.building", "99"),
            "本社区没有99号楼",
        ),
        (
            with(good_ask(&csrf), "address.entrance", "7"),
            "3号楼没有7门",
        ),
    ];
    for (form, message) in cases {
        let (status, html) = site.post(&client, "/c/liuxiali/ask", &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(html.contains(message), "expected {message:?} in the page");
        assert!(
            html.contains("请检查标红的内容"),
            "the form says something is wrong"
        );
        assert!(
            html.contains("楼道下水往外冒") || message == "必填",
            "typed text is kept"
        );
    }
    // A photo that is not an image is refused by its content, whatever its name.
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.clone())
        .text("category", "sewer_overflow")
        .text("reporter.name", "张大爷")
        .text("reporter.phone", "13812345678")
        .text("description", "下水冒水")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(b"this is not a picture".to_vec())
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let res = client
        .post(format!("{}/c/liuxiali/ask", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"photo-error\""),
        "the photo field has an error"
    );
    assert_eq!(site.count().await, before, "nothing was stored");
    // Unknown community.
    let res = client
        .get(format!("{}/c/atlantis/ask", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // And a good one goes through to its tracking page.
    let (status, _) = site
        .post(&client, "/c/liuxiali/ask", &good_ask(&csrf))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(site.count().await, before + 1);
}

async fn staff_and_patrol_form_errors(site: Site) {
    let staff = site.signed_in("staff1").await;
    let csrf = site.csrf(&staff, "/desk/intake").await;
    let before = site.count().await;
    let form = with(
        with(good_ask(&csrf), "channel", "fax"),
        "reported_at",
        "2099-01-01T10:00",
    );
    let (status, html) = site.post(&staff, "/desk/intake", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("渠道不对"), "channel error shown");
    assert!(html.contains("不能是将来的时间"), "date error shown");
    let form = with(good_ask(&csrf), "urgency", "asap");
    let (status, html) = site.post(&staff, "/desk/intake", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("紧急程度不对"));
    assert_eq!(site.count().await, before);
    let (status, _) = site
        .post(
            &staff,
            "/desk/intake",
            &with(good_ask(&csrf), "channel", "visit"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Duplicate hints: the same entrance and category.
    let res = staff
        .get(format!(
            "{}/desk/duplicates?building=3&entrance=2&category=sewer_overflow",
            site.base
        ))
        .send()
        .await
        .unwrap();
    assert!(
        res.text().await.unwrap().contains("LXL-"),
        "the request just filed is offered as a possible duplicate"
    );
    // Staff may use the patrol form too; its errors are per field.
    let (status, html) = site
        .post(
            &staff,
            "/g/patrol",
            &[
                ("_csrf", &csrf),
                ("category", "wall_hazard"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"description-error\""));
}

async fn action_form_errors_change_nothing(site: Site) {
    let staff = site.signed_in("staff1").await;
    let csrf = site.csrf(&staff, "/desk/intake").await;
    let (status, _) = site.post(&staff, "/desk/intake", &good_ask(&csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = site
        .store
        .request_by_code(&format!(
            "LXL-{}-001",
            chrono::Utc::now()
                .with_timezone(&bangbang_domain::time::local_zone())
                .format("%Y%m%d")
        ))
        .await
        .unwrap()
        .id;
    let before = site.count().await;
    for (action, form, message) in [
        (
            "dispatch",
            vec![("volunteer", "nobody")],
            "no active volunteer",
        ),
        (
            "decline",
            vec![("reason", "忙")],
            "这件诉求目前是「待派单」，不能「退单」",
        ),
        ("resolve", vec![("outcome", "")], "outcome: 必填"),
        (
            "resolve",
            vec![("outcome", "好了"), ("hours", "-1")],
            "hours: must be between 0 and 100",
        ),
        (
            "follow-up",
            vec![("note", "等"), ("next_at", "someday")],
            "next_at",
        ),
        ("close", vec![("reason", "duplicate")], "duplicate_of"),
        ("notes", vec![("text", "")], "text: 必填"),
        (
            "review",
            vec![("satisfaction", "satisfied")],
            "不能「回访」；现在可以：派单、办结、转长期跟进、关闭、添加备注",
        ),
    ] {
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend(form);
        let (status, html) = site
            .post(&staff, &format!("/requests/{id}/{action}"), &fields)
            .await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT,
            "{action}: {status}"
        );
        assert!(html.contains(message), "{action}: expected {message:?}");
        assert!(
            html.contains("role=\"alert\""),
            "{action}: the error is announced"
        );
    }
    assert_eq!(site.count().await, before, "no event was written");
    let (status, _) = site
        .post(
            &staff,
            &format!("/requests/{id}/dispatch"),
            &[("_csrf", &csrf), ("pool", "true")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(site.count().await, before + 1);
}

async fn forms_without_csrf_are_refused(site: Site) {
    let staff = site.signed_in("staff1").await;
    let before = site.count().await;
    let mut form = good_ask("");
    form.retain(|(k, _)| *k != "_csrf");
    let (status, html) = site.post(&staff, "/desk/intake", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("出错了"));
    let forged = "bb_0000000000000000000000000000000000000000000000000000000000000000";
    let (status, _) = site
        .post(
            &staff,
            "/desk/intake",
            &with(good_ask(forged), "_csrf", forged),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A fresh visitor with no cookie at all cannot post either.
    let (status, _) = site
        .post(&Site::browser(), "/c/liuxiali/ask", &good_ask(forged))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(site.count().await, before);
}

async fn roles_are_kept_to_their_pages(site: Site) {
    let volunteer = site.signed_in("vol1").await;
    for page in [
        "/desk/board",
        "/desk/intake",
        "/desk/ledger",
        "/dashboard",
        "/g/patrol",
    ] {
        let res = volunteer
            .get(format!("{}{page}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{page}");
    }
    let res = volunteer
        .get(format!("{}/v/pool", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let supervisor = site.signed_in("sup1").await;
    let res = supervisor
        .get(format!("{}/dashboard", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = supervisor
        .get(format!("{}/desk/board", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The board's resolved column is the last week's work, with the rest in the ledger.
    let staff = site.signed_in("staff1").await;
    let html = staff
        .get(format!("{}/desk/board", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"recent-note\"")
            && html.contains("近 7 天办结")
            && html.contains("/desk/ledger?status=resolved"),
        "{html}"
    );
}

async fn resident_rating_needs_the_whole_tracking_code(site: Site) {
    let client = Site::browser();
    let csrf = site.csrf(&client, "/c/liuxiali/ask").await;
    let res = client
        .post(format!("{}/c/liuxiali/ask", site.base))
        .form(&good_ask(&csrf))
        .send()
        .await
        .unwrap();
    let tracking = res.headers()["location"].to_str().unwrap().to_string();
    let whole = tracking
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_string();
    let (code, key) = bangbang_domain::request::parse_tracking_code(&whole).unwrap();
    let html = client
        .get(format!("{}{tracking}", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&whole) && html.contains("待派单"));
    assert!(
        !html.contains("13812345678") && !html.contains("301"),
        "no personal data on the public page"
    );
    // The short code alone, or with another key, opens nothing: codes cannot be walked.
    let wrong_key = if key.starts_with('0') { "1" } else { "0" }.to_string() + &key[1..];
    for path in [
        format!("/track/{code}"),
        format!("/track/{code}-{wrong_key}"),
    ] {
        let res = Site::browser()
            .get(format!("{}{path}", site.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let staff = site.signed_in("staff1").await;
    let staff_csrf = site.csrf(&staff, "/desk/board").await;
    let r = site.store.request_by_code(&code).await.unwrap();
    // The office sees the whole code, to hand it over; a supervisor (who sees the phone
    // masked, 138****5678) sees neither the key nor a rating form that asks for digits.
    let page = staff
        .get(format!("{}/requests/{}", site.base, r.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&whole), "staff see the tracking code");
    let supervisor = site.signed_in("sup1").await;
    let page = supervisor
        .get(format!("{}/requests/{}", site.base, r.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&code) && !page.contains(&key), "{page}");
    let (status, _) = site
        .post(
            &staff,
            &format!("/requests/{}/resolve", r.id),
            &[("_csrf", &staff_csrf), ("outcome", "疏通完毕")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Rating with the short code and the phone's last four digits (what a masked view
    // shows) no longer works.
    let (status, _) = site
        .post(
            &client,
            &format!("/track/{code}/rate"),
            &[
                ("_csrf", &csrf),
                ("satisfaction", "satisfied"),
                ("pin", "5678"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let rate = format!("/track/{whole}/rate");
    let (status, _) = site
        .post(
            &client,
            &rate,
            &[("_csrf", &csrf), ("satisfaction", "satisfied")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Once only.
    let (status, html) = site
        .post(
            &client,
            &rate,
            &[("_csrf", &csrf), ("satisfaction", "unsatisfied")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let r = site.store.request_by_code(&code).await.unwrap();
    assert_eq!(r.state.satisfaction.map(|s| s.as_str()), Some("satisfied"));
}

async fn hours_honour_certificate_and_report(site: Site) {
    let staff = site.signed_in("staff1").await;
    let csrf = site.csrf(&staff, "/desk/volunteers").await;
    let today = chrono::Utc::now()
        .with_timezone(&bangbang_domain::time::local_zone())
        .format("%Y-%m-%d")
        .to_string();
    let before = site.count().await;
    for (form, message) in [
        (
            vec![
                ("volunteer", "staff1"),
                ("activity", "清洁日"),
                ("date", today.as_str()),
                ("hours", "2"),
            ],
            "请选择志愿者",
        ),
        (
            vec![
                ("volunteer", "vol2"),
                ("activity", "清洁日"),
                ("date", today.as_str()),
                ("hours", "30"),
            ],
            "时长应在0.5到24小时之间",
        ),
        (
            vec![
                ("volunteer", "vol2"),
                ("activity", ""),
                ("date", today.as_str()),
                ("hours", "2"),
            ],
            "请填写活动名称",
        ),
        (
            vec![
                ("volunteer", "vol2"),
                ("activity", "清洁日"),
                ("date", "2999-01-01"),
                ("hours", "2"),
            ],
            "日期不对",
        ),
    ] {
        let mut fields = vec![("_csrf", csrf.as_str())];
        fields.extend(form);
        let (status, html) = site.post(&staff, "/desk/volunteers", &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(html.contains(message), "{message}");
    }
    assert_eq!(site.count().await, before, "nothing recorded");
    let (status, _) = site
        .post(
            &staff,
            "/desk/volunteers",
            &[
                ("_csrf", &csrf),
                ("volunteer", "vol2"),
                ("activity", "社区清洁日"),
                ("date", &today),
                ("hours", "2.5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(site.count().await, before + 1, "one event in the ledger");
    let honour = Site::browser()
        .get(format!("{}/c/liuxiali/honour", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        honour.contains("VOL2") && honour.contains("2.5"),
        "the honour board is public and shows the hours"
    );
    let cert = staff
        .get(format!("{}/desk/volunteers/vol2", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(cert.contains("志愿服务证明") && cert.contains("社区清洁日"));
    assert!(
        !cert.contains("（撤销）"),
        "an activity is not a job taken back"
    );
    assert!(
        cert.contains("data-testid=\"cert-hours\">2.5<"),
        "the certificate counts the hours"
    );
    let res = staff
        .get(format!("{}/desk/volunteers/staff1", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "only volunteers get certificates"
    );
    let report = staff
        .get(format!("{}/report", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    let html = report.text().await.unwrap();
    assert!(
        html.contains("中期汇报") && html.contains("<svg"),
        "the report has its title and charts"
    );
    // The supervisor compares the communities in the sub-district.
    let supervisor = site.signed_in("sup1").await;
    let html = supervisor
        .get(format!("{}/dashboard", site.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"compare\"")
            && html.contains("大堤社区")
            && html.contains("流霞里社区")
    );
}

async fn exports_and_imports_from_the_pages(site: Site) {
    let staff = site.signed_in("staff1").await;
    let csrf = site.csrf(&staff, "/desk/intake").await;
    let (status, _) = site.post(&staff, "/desk/intake", &good_ask(&csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let csv_export = || {
        staff
            .get(format!(
                "{}/desk/ledger/export?view=both&format=csv",
                site.base
            ))
            .send()
    };
    // No checkpoint taken yet: nothing to name.
    let res = csv_export().await.unwrap();
    assert!(res.headers().get("bangbang-checkpoint").is_none());
    // With one, a CSV download (which has no title row) names it in a header.
    site.store
        .record_checkpoint(bangbang_store::NewCheckpoint {
            taken_ms: 1_720_000_000_000,
            merkle_root: "ab".repeat(32),
            fingerprint: "fp-0123456789abcdef".into(),
            statement: "{}".into(),
        })
        .await
        .unwrap();
    let res = csv_export().await.unwrap();
    let named = res.headers()["bangbang-checkpoint"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        named.starts_with("fingerprint=fp-0123456789abcdef; merkle=abab"),
        "{named}"
    );
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = res.bytes().await.unwrap();
    assert!(body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("LXL-") && text.contains("处置结果"), "{text}");
    let res = staff
        .get(format!("{}/desk/ledger/export?format=xlsx", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let res = staff
        .get(format!("{}/desk/ledger/export?format=pdf", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = staff
        .get(format!("{}/report.xlsx", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let volunteer = site.signed_in("vol1").await;
    let res = volunteer
        .get(format!("{}/desk/ledger/export?format=csv", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Import: a preview first, a strict refusal, then the good rows once.
    let upload = |extra: &[(&'static str, &'static str)]| {
        let mut form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("year", "2024");
        for (k, v) in extra {
            form = form.text(*k, *v);
        }
        form.part(
            "file",
            reqwest::multipart::Part::bytes(
                bangbang_sheets::fixtures::MESSY_LEDGER_CSV
                    .as_bytes()
                    .to_vec(),
            )
            .file_name("台账.csv"),
        )
    };
    let before = site.count().await;
    let res = staff
        .post(format!("{}/desk/import", site.base))
        .multipart(upload(&[("dry_run", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("反映时间无法识别"),
        "the preview lists the sheet's bad rows"
    );
    assert!(
        html.contains("本社区没有5号楼"),
        "and rows naming a building this community does not have"
    );
    assert!(html.contains("3 行可导入"), "{html}");
    assert_eq!(site.count().await, before);
    let res = staff
        .post(format!("{}/desk/import", site.base))
        .multipart(upload(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(site.count().await, before, "all or nothing");
    let res = staff
        .post(format!("{}/desk/import", site.base))
        .multipart(upload(&[("skip_bad", "1")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("已导入 3"));
    let res = staff
        .post(format!("{}/desk/import", site.base))
        .multipart(upload(&[("skip_bad", "1")]))
        .send()
        .await
        .unwrap();
    assert!(
        res.text().await.unwrap().contains("已导入 0"),
        "a second import adds nothing"
    );
}

async fn wrong_tracking_codes_lock_the_address(site: Site) {
    let client = Site::browser();
    let csrf = site.csrf(&client, "/c/liuxiali/ask").await;
    let res = client
        .post(format!("{}/c/liuxiali/ask", site.base))
        .form(&good_ask(&csrf))
        .send()
        .await
        .unwrap();
    let whole = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_string();
    let (code, _) = bangbang_domain::request::parse_tracking_code(&whole).unwrap();
    // Walking codes: every miss is counted against the address (in the database).
    let limit = bangbang_web::WebConfig::default().track_misses_per_address_per_hour;
    for n in 0..limit {
        let res = client
            .get(format!("{}/track/{code}-{:010X}", site.base, n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // Past the limit even the right code is refused from that address for the hour.
    let res = client
        .get(format!("{}/track/{whole}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(site
        .store
        .request_by_code(&code)
        .await
        .unwrap()
        .state
        .satisfaction
        .is_none());
}

async fn photos_are_shown_only_within_their_requests_scope(site: Site) {
    let resident = Site::browser();
    let csrf = site.csrf(&resident, "/c/liuxiali/ask").await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in good_ask(&csrf) {
        form = form.text(k.to_string(), v.to_string());
    }
    let form = form.part(
        "photo",
        reqwest::multipart::Part::bytes(bangbang_media::fixtures::png(3, 2, 2))
            .file_name("drain.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let res = resident
        .post(format!("{}/c/liuxiali/ask", site.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    let whole = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_string();
    let (code, _) = bangbang_domain::request::parse_tracking_code(&whole).unwrap();
    let r = site.store.request_by_code(&code).await.unwrap();
    let photo = r.photos.first().expect("the photo was kept").clone();
    let full = format!("/requests/{}/photos/{photo}", r.id);
    let thumb = format!("{full}/thumb");
    let get = |client: Client, path: String| {
        let base = site.base.clone();
        async move {
            client
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The office of the request's community sees it, and its page links to it.
    let staff = site.signed_in("staff1").await;
    let page = staff
        .get(format!("{}/requests/{}", site.base, r.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&thumb),
        "the request page shows the thumbnail"
    );
    assert_eq!(get(staff.clone(), full.clone()).await, StatusCode::OK);
    assert_eq!(get(staff.clone(), thumb.clone()).await, StatusCode::OK);
    // Another community's office, a volunteer it is not assigned to, and anyone naming the
    // photo through another request: not found. The old address that took any id is gone.
    let other = site.signed_in("staff2").await;
    assert_eq!(get(other, full.clone()).await, StatusCode::NOT_FOUND);
    let volunteer = site.signed_in("vol1").await;
    assert_eq!(get(volunteer, thumb.clone()).await, StatusCode::NOT_FOUND);
    let elsewhere = format!("/requests/{}/photos/{photo}", r.id.get() - 1);
    assert_eq!(get(staff.clone(), elsewhere).await, StatusCode::NOT_FOUND);
    assert_eq!(
        get(staff.clone(), format!("/photos/{photo}")).await,
        StatusCode::NOT_FOUND
    );
    // Signed out: sent to sign in, no picture.
    let res = Site::browser()
        .get(format!("{}{full}", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// A supervisor sees rooms masked (`***`); searching the ledger by a room must not confirm
/// what the mask hides. The office, which sees rooms, finds it.
async fn searches_never_match_masked_rooms(site: Site) {
    let resident = Site::browser();
    let csrf = site.csrf(&resident, "/c/liuxiali/ask").await;
    let form = with(good_ask(&csrf), "address.room", "9931");
    let res = resident
        .post(format!("{}/c/liuxiali/ask", site.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let whole = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/track/")
        .trim_end_matches("?new=1")
        .to_string();
    let (code, _) = bangbang_domain::request::parse_tracking_code(&whole).unwrap();
    let search = |client: Client, q: &'static str| {
        let base = site.base.clone();
        async move {
            client
                .get(format!("{base}/desk/ledger?q={q}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let staff = site.signed_in("staff1").await;
    assert!(search(staff.clone(), "9931").await.contains(&code));
    let supervisor = site.signed_in("sup1").await;
    let html = search(supervisor.clone(), "9931").await;
    assert!(!html.contains(&code), "a masked room is not searchable");
    // What the supervisor does see (the description) is still found.
    assert!(search(supervisor, "%E5%86%92").await.contains(&code));
}
