//! The attacks of the security review, each replayed against the real app served by
//! `bangbang_web::server::serve` on a random port: missing security headers, slow-loris
//! connections and trickled bodies, photo decodes that eat the memory, bodies larger than
//! a route needs, and API errors that are not JSON. Each test fails if its hole reopens.

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::Router;
use bangbang_media::fixtures::png;
use bangbang_store::{story, SqlStore, Store};
use bangbang_web::auth::{hash_password, hash_token, new_token};
use bangbang_web::server::{self, CONTENT_SECURITY_POLICY};
use bangbang_web::{app, AppState, WebConfig};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Short limits, so the attacks play out in seconds.
fn limits() -> WebConfig {
    WebConfig {
        header_read_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(1500),
        slow_request_timeout: Duration::from_secs(4),
        max_concurrent_image_decodes: 1,
        ..WebConfig::default()
    }
}

struct Site {
    base: String,
    addr: SocketAddr,
    state: AppState,
    store: SqlStore,
    token: String,
}

impl Site {
    async fn start(store: SqlStore) -> Site {
        let f = story::fixture(&store).await;
        let user = store.user_by_name("staff1").await.unwrap();
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash_password("password-8850").unwrap())
            .bind(user.id)
            .execute(store.pool())
            .await
            .unwrap();
        let token = new_token();
        store
            .add_token(f.staff.user_id.unwrap(), &hash_token(&token), "test")
            .await
            .unwrap();
        let state = AppState::new(Arc::new(store.clone()), bangbang_store::testing::temp_dir())
            .with_config(limits());
        let (addr, _) = spawn(app(state.clone())).await;
        Site {
            base: format!("http://{addr}"),
            addr,
            state,
            store,
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser that keeps cookies (readable through the jar) and does not follow
    /// redirects.
    fn browser() -> (Client, Arc<Jar>) {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        (client, jar)
    }

    /// Loads a page and returns the CSRF token of its form.
    async fn csrf(&self, client: &Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
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
        let end = start + html[start..].find('"').unwrap();
        html[start..end].to_string()
    }

    /// A browser signed in as staff1, and the `Cookie` header it sends.
    async fn staff(&self) -> (Client, String) {
        let (client, jar) = Site::browser();
        let csrf = self.csrf(&client, "/login").await;
        let res = client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("username", "staff1"),
                ("password", "password-8850"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "staff1 signs in");
        let cookies = jar.cookies(&self.base.parse().unwrap()).unwrap();
        (client, cookies.to_str().unwrap().to_string())
    }

    async fn get_healthz(&self) -> StatusCode {
        Client::new()
            .get(self.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn events(&self) -> u64 {
        self.store.verify_ledger().await.unwrap().events_checked
    }
}

/// Serves `router` the way `bangbang serve` does, with [`limits`], until the test ends.
async fn spawn(router: Router) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        server::serve(listener, router, &limits(), std::future::pending())
            .await
            .unwrap()
    });
    (addr, task)
}

async fn setup(store: SqlStore) -> Site {
    Site::start(store).await
}

bangbang_store::on_both_backends!(
    setup;
    every_response_carries_the_security_headers,
    photo_decodes_wait_their_turn_then_are_refused,
    bodies_over_the_route_limit_are_refused_unread,
    api_errors_are_always_json,
    requests_carry_an_id_and_pages_are_gzipped,
);

/// Sends `bytes` on a new connection and reads until the server closes it (or 10 s).
async fn raw(addr: SocketAddr, bytes: &[u8]) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    let read_all = async {
        // A reset after the answer (the server closing with our bytes unread) ends it too.
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            answer.extend_from_slice(&buf[..n]);
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read_all).await;
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

fn json_body(answer: &str) -> Value {
    let body = &answer[answer.find("\r\n\r\n").expect("a whole answer") + 4..];
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

/// The resident ask form with a photo attached.
fn ask_with_photo(csrf: &str, photo: Vec<u8>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in [
        ("_csrf", csrf),
        ("category", "sewer_overflow"),
        ("reporter.name", "张大爷"),
        ("reporter.phone", "13812345678"),
        ("address.building", "3"),
        ("address.entrance", "2"),
        ("address.room", "301"),
        ("description", "楼道下水往外冒"),
    ] {
        form = form.text(k, v.to_string());
    }
    form.part(
        "photo",
        reqwest::multipart::Part::bytes(photo).file_name("photo.png"),
    )
}

// --- A. Security headers (finding 10) ---

fn assert_security_headers(what: &str, res: &reqwest::Response, cache: &str) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = header("content-security-policy");
    assert_eq!(csp, CONTENT_SECURITY_POLICY, "{what}");
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .expect("a script-src directive");
    assert!(!script_src.contains("unsafe"), "{what}: {script_src}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(header("cache-control"), cache, "{what}");
}

async fn every_response_carries_the_security_headers(site: Site) {
    let http = Client::new();
    let (staff, _) = site.staff().await;
    let checks: Vec<(&str, reqwest::Response)> = vec![
        (
            "public ask page",
            http.get(site.url("/c/liuxiali/ask")).send().await.unwrap(),
        ),
        (
            "signed-in board",
            staff.get(site.url("/desk/board")).send().await.unwrap(),
        ),
        (
            "API list",
            http.get(site.url("/api/v1/requests"))
                .bearer_auth(&site.token)
                .send()
                .await
                .unwrap(),
        ),
        (
            "API 401",
            http.get(site.url("/api/v1/me")).send().await.unwrap(),
        ),
        (
            "page 404",
            http.get(site.url("/nowhere"))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap(),
        ),
        (
            "healthz",
            http.get(site.url("/healthz")).send().await.unwrap(),
        ),
    ];
    for (what, res) in &checks {
        assert!(res.status() != StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        assert_security_headers(what, res, "no-store");
    }
    assert_eq!(checks[1].1.status(), StatusCode::OK, "the board shows");
    // Static files alone may be cached, and keep the other headers.
    for path in ["/static/app.js", "/static/app.css"] {
        let res = http.get(site.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_security_headers(path, &res, "public, max-age=3600");
    }
}

/// The policy forbids inline script, so no page may rely on one: every behaviour is in
/// static/app.js.
#[test]
fn pages_carry_no_inline_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap().to_lowercase();
        let name = path.display();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{name}: inline <script>");
        }
        assert!(!html.contains("javascript:"), "{name}: a javascript: URL");
        for (at, _) in html.match_indices(" on") {
            let rest = &html[at + 3..];
            let word = rest.len()
                - rest
                    .trim_start_matches(|c: char| c.is_ascii_lowercase())
                    .len();
            assert!(
                word == 0 || !rest[word..].starts_with('='),
                "{name}: an inline event handler (on{}=)",
                &rest[..word]
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "the templates were found");
    let js = include_str!("../static/app.js");
    assert!(js.contains("[data-print]") && js.contains("window.print()"));
}

// --- B. Slow clients and time limits (finding 11) ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off_and_the_server_still_answers() {
    let site = Site::start(bangbang_store::testing::sqlite().await).await;
    let mut stalled = Vec::new();
    for i in 0..60 {
        let mut stream = TcpStream::connect(site.addr).await.unwrap();
        if i % 3 != 0 {
            // Half a request, then nothing more; every third sends nothing at all.
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .unwrap();
        }
        stalled.push(stream);
    }
    let started = Instant::now();
    let res = Client::new()
        .get(site.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "healthz answers meanwhile");
    assert_eq!(res.text().await.unwrap(), "ok");
    let mut buf = [0u8; 1024];
    for (i, stream) in stalled.iter_mut().enumerate() {
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "stalled connection {i} is still open");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let res = Client::new()
        .get(site.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "and answers after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_bodies_time_out_with_408() {
    let site = Site::start(bangbang_store::testing::sqlite().await).await;
    // The API: JSON, after the request time limit.
    let (answer, took) = raw(
        site.addr,
        b"POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"desc",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert_eq!(json_body(&answer)["error"]["code"], "timeout");
    assert!(took >= limits().request_timeout && took < Duration::from_secs(5));
    // A page: the bilingual error page.
    let (answer, _) = raw(
        site.addr,
        b"POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("text/html") && answer.contains("请求超时"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_get_the_longer_time_limit() {
    let site = Site::start(bangbang_store::testing::sqlite().await).await;
    let (_, cookies) = site.staff().await;
    let body = "--b\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n--b--\r\n";
    let head = format!(
        "POST /desk/import HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(site.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    // Longer than an ordinary request may take; well within an import's time.
    tokio::time::sleep(limits().request_timeout + Duration::from_millis(700)).await;
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 "), "an answer: {answer}");
    assert!(!answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_peer_address() {
    let router = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
    );
    let (addr, _) = spawn(router).await;
    let peer = reqwest::get(format!("http://{addr}/peer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    assert!(peer.ip().is_loopback() && peer.port() != 0, "{peer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(800)).await;
            "done"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        server::serve(listener, router, &limits(), async {
            let _ = stopped.await;
        })
        .await
    });
    let in_flight = tokio::spawn(reqwest::get(format!("http://{addr}/slow")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    let res = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(3), server)
        .await
        .expect("the server stops once drained")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_is_a_stop_signal() {
    // Installed before the signal is sent, so the test process is not killed by it.
    let stop = server::shutdown_signal().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(5), stop)
        .await
        .expect("SIGTERM completes the shutdown signal");
}

// --- C. Photo decodes (finding 12) ---

async fn photo_decodes_wait_their_turn_then_are_refused(site: Site) {
    let gate = site.state.decodes.clone();
    assert_eq!(gate.available(), 1, "one decoder, as configured");
    // Someone else's decode takes the only place.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn(async move { gate.run(move || held.recv()).await });
    while site.state.decodes.available() > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (client, _) = Site::browser();
    let csrf = site.csrf(&client, "/c/liuxiali/ask").await;
    let before = site.events().await;
    let started = Instant::now();
    let res = client
        .post(site.url("/c/liuxiali/ask"))
        .multipart(ask_with_photo(&csrf, png(4, 3, 3)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < limits().request_timeout,
        "refused before the time limit"
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("请稍等") && html.contains("Too many photos"),
        "{html}"
    );
    assert_eq!(site.events().await, before, "nothing was filed");
    // Once the place is free, the same photo goes through.
    release.send(()).unwrap();
    holder.await.unwrap().unwrap().unwrap();
    let res = client
        .post(site.url("/c/liuxiali/ask"))
        .multipart(ask_with_photo(&csrf, png(4, 3, 3)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "filed with its photo");
    assert_eq!(site.state.decodes.available(), 1, "the place is given back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_with_too_many_pixels_are_refused_before_decoding() {
    let site = Site::start(bangbang_store::testing::sqlite().await).await;
    let (client, _) = Site::browser();
    let csrf = site.csrf(&client, "/c/liuxiali/ask").await;
    // 20,000 × 20,000 by its header: 1.2 GB of pixels if anyone believed it.
    let bomb = png(20_000, 20_000, 1);
    assert!(bomb.len() < 100_000);
    let started = Instant::now();
    let res = client
        .post(site.url("/c/liuxiali/ask"))
        .multipart(ask_with_photo(&csrf, bomb))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("像素太多"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused, not decoded"
    );
    assert_eq!(site.state.decodes.available(), 1);
}

// --- D. Body limits per route ---

async fn bodies_over_the_route_limit_are_refused_unread(site: Site) {
    let (_, cookies) = site.staff().await;
    let declared = |path: &str, length: usize, kind: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {cookies}\r\n\
             Authorization: Bearer {}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n\r\n",
            site.token
        )
    };
    // The API: 64 KB of JSON at most, refused from its declared length, as JSON.
    let (answer, _) = raw(
        site.addr,
        declared("/api/v1/requests", 100_000, "application/json").as_bytes(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert_eq!(json_body(&answer)["error"]["code"], "too_large");
    // ... and when the length is not declared (chunked), once 64 KB have come.
    let mut chunked = b"POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
        Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..5 {
        chunked.extend_from_slice(b"4000\r\n");
        chunked.extend(std::iter::repeat_n(b' ', 0x4000));
        chunked.extend_from_slice(b"\r\n");
    }
    let (answer, _) = raw(site.addr, &chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(json_body(&answer)["error"]["code"], "too_large");
    // Pages: a form without files, the photo forms, the import; each its own size.
    for (path, length, kind) in [
        ("/login", 100_000, "application/x-www-form-urlencoded"),
        (
            "/desk/intake",
            9 * 1024 * 1024,
            "multipart/form-data; boundary=b",
        ),
        (
            "/c/liuxiali/ask",
            9 * 1024 * 1024,
            "multipart/form-data; boundary=b",
        ),
        (
            "/desk/import",
            21 * 1024 * 1024,
            "multipart/form-data; boundary=b",
        ),
    ] {
        let (answer, took) = raw(site.addr, declared(path, length, kind).as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(
            answer.contains("太大") && answer.contains("too large"),
            "{answer}"
        );
        assert!(
            took < Duration::from_secs(1),
            "{path}: refused without waiting for it"
        );
    }
    // Sizes each route does take are not refused for their size.
    for (path, length, kind) in [
        ("/login", 50_000, "application/x-www-form-urlencoded"),
        (
            "/c/liuxiali/ask",
            8 * 1024 * 1024,
            "multipart/form-data; boundary=b",
        ),
        (
            "/desk/import",
            12 * 1024 * 1024,
            "multipart/form-data; boundary=b",
        ),
    ] {
        let (answer, _) = raw(site.addr, declared(path, length, kind).as_bytes()).await;
        // No body follows, so the request times out waiting for it.
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
    }
}

// --- E. API errors are JSON (finding 17) ---

async fn api_errors_are_always_json(site: Site) {
    let http = Client::new();
    let check = |what: &'static str, status: StatusCode, code: &'static str| {
        move |res: reqwest::Response| async move {
            assert_eq!(res.status(), status, "{what}");
            let kind = res.headers()["content-type"].to_str().unwrap().to_string();
            assert_eq!(kind, "application/json", "{what}");
            let allow = res.headers().get("allow").cloned();
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], code, "{what}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(!message.is_empty(), "{what}: {body}");
            (message.to_string(), allow)
        }
    };
    let auth = |req: reqwest::RequestBuilder| req.bearer_auth(&site.token);
    let (message, _) = check("duplicate query", StatusCode::BAD_REQUEST, "bad_request")(
        auth(http.get(site.url("/api/v1/requests?status=submitted&status=closed")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(message.contains("duplicate"), "{message}");
    check(
        "duplicate stats query",
        StatusCode::BAD_REQUEST,
        "bad_request",
    )(
        auth(http.get(site.url("/api/v1/stats?from=2024-01-01&from=2024-02-01")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (message, allow) = check(
        "wrong method",
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )(
        auth(http.delete(site.url("/api/v1/requests")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let allow = allow.expect("405 keeps its Allow header");
    assert!(allow.to_str().unwrap().contains("POST"), "{allow:?}");
    assert!(message.contains("DELETE"), "{message}");
    check(
        "wrong method on an action",
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )(
        auth(http.get(site.url("/api/v1/requests/1/accept")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("bad path", StatusCode::BAD_REQUEST, "bad_request")(
        auth(http.get(site.url("/api/v1/requests/%FF")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("bad JSON", StatusCode::BAD_REQUEST, "bad_request")(
        auth(http.post(site.url("/api/v1/requests")))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("unknown endpoint", StatusCode::NOT_FOUND, "not_found")(
        auth(http.get(site.url("/api/v1/nothing-here")))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
    )
    .await;
    check("too large", StatusCode::PAYLOAD_TOO_LARGE, "too_large")(
        auth(http.post(site.url("/api/v1/requests")))
            .header("content-type", "application/json")
            .body(format!("{{\"description\": \"{}\"}}", "水".repeat(30_000)))
            .send()
            .await
            .unwrap(),
    )
    .await;
}

/// Every answer names its request (the client's `x-request-id`, or a new one); JSON goes out
/// gzipped to a client that asks, pages never (BREACH).
async fn requests_carry_an_id_and_pages_are_gzipped(site: Site) {
    let http = Client::new();
    let res = http
        .get(site.url("/login"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // Pages hold the CSRF token beside text the visitor chose: never compressed (BREACH).
    assert!(!res.headers().contains_key("content-encoding"));
    let long = "x".repeat(500);
    let res = http
        .get(site.url("/healthz"))
        .header("x-request-id", long.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"].len(),
        36,
        "a long id is replaced"
    );
    let res = http
        .get(site.url("/healthz"))
        .header("x-request-id", "support-ticket-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "support-ticket-42");
    let res = http
        .get(site.url("/api/v1/me"))
        .bearer_auth(&site.token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.headers()["content-encoding"], "gzip");
    // Without asking, no compression.
    let res = http
        .get(site.url("/api/v1/me"))
        .bearer_auth(&site.token)
        .send()
        .await
        .unwrap();
    assert!(!res.headers().contains_key("content-encoding"));
    // A streamed download, gzipped, arrives whole (the stream once panicked when gzip
    // polled it after its end, and the connection was cut).
    let (staff, _) = site.staff().await;
    for format in ["csv", "xlsx"] {
        let res = staff
            .get(site.url(&format!("/desk/ledger/export?view=intake&format={format}")))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        let body = res.bytes().await.expect("the whole download arrives");
        assert!(!body.is_empty(), "{format}");
    }
    assert_eq!(site.get_healthz().await, StatusCode::OK);
}
