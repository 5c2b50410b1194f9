//! Two `bangbang serve` processes on one PostgreSQL database, as behind a load balancer:
//! a browser signed in on one is signed in on the other, and two volunteers claiming one
//! pooled request through different instances at the same moment get one winner and one
//! 409. Also the settings that such a deployment needs: `pool_size` and `public_url` (the
//! QR poster's address), checked at start-up.

use bangbang_store::testing;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const PASSWORD: &str = "bangbang8850";
const PUBLIC_URL: &str = "https://bangbang.example.org";

/// One instance: its own data dir (photos), the database given, the settings file given.
struct Instance {
    child: Child,
    base: String,
}

fn command(dir: &PathBuf, config: &PathBuf, url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bangbang"));
    cmd.arg("--data-dir").arg(dir).arg("--config").arg(config);
    if let Some(url) = url {
        cmd.args(["--database-url", url]);
    }
    cmd.env_remove("BANGBANG_DATABASE_URL")
        .env_remove("BANGBANG_DATA_DIR")
        .env_remove("BANGBANG_PUBLIC_URL");
    cmd
}

fn settings_file(text: &str) -> (PathBuf, PathBuf) {
    let dir = testing::temp_dir();
    let config = dir.join("bangbang.toml");
    std::fs::write(&config, text).unwrap();
    (dir, config)
}

impl Instance {
    /// `serve --demo`: the first loads the demo, later ones find it loaded.
    fn start(config_text: &str, url: Option<&str>) -> Instance {
        let (dir, config) = settings_file(config_text);
        let mut child = command(&dir, &config, url)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut base = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("bangbang is listening on ") {
                base = Some(rest.split_whitespace().next().unwrap().to_string());
                break;
            }
        }
        Instance {
            child,
            base: base.expect("the address is printed"),
        }
    }

    fn browser() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let res = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let (_, html) = self.page(client, path).await;
        let start = html
            .find("name=\"_csrf\" value=\"")
            .unwrap_or_else(|| panic!("a CSRF field on {path}"))
            + 20;
        html[start..].split('"').next().unwrap().to_string()
    }

    async fn api(&self, token: &str, path: &str, body: serde_json::Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(url: &str, user: &str) -> String {
    let (dir, config) = settings_file("");
    let out: Output = command(&dir, &config, Some(url))
        .args(["token", "create", "--user", user])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Signed in through instance `a`, the same browser is signed in on `b`, and a form it
/// loaded from `a` posts to `b`: sessions and their CSRF tokens live in the database.
async fn one_sign_in_for_both(a: &Instance, b: &Instance) {
    let browser = Instance::browser();
    let csrf = a.csrf(&browser, "/login").await;
    let res = browser
        .post(format!("{}/login", a.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "lxl_staff"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed in on the first instance");
    // The cookie jar sends the same cookies to both (cookies do not depend on the port).
    let (status, html) = b.page(&browser, "/desk/board").await;
    assert_eq!(status, 200, "signed in on the second instance too");
    assert!(html.contains("王丽"), "as 王丽 (lxl_staff)");
    let (status, _) = b.page(&Instance::browser(), "/desk/board").await;
    assert_eq!(
        status, 303,
        "a browser that never signed in is sent to /login"
    );

    let csrf = a.csrf(&browser, "/desk/intake").await;
    let res = browser
        .post(format!("{}/desk/intake", b.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("channel", "visit"),
            ("urgency", "normal"),
            ("category", "stairwell_light"),
            ("reporter.name", "刘阿姨"),
            ("reporter.phone", "13912345678"),
            ("address.building", "5"),
            ("address.entrance", "1"),
            ("description", "五号楼一门楼道灯不亮"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "a form loaded from one instance posts to the other"
    );
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/requests/"), "{to}");
    let (status, html) = a.page(&browser, &to).await;
    assert_eq!(status, 200);
    assert!(html.contains("五号楼一门楼道灯不亮"));

    // Signing out on one ends the session on both.
    let csrf = b.csrf(&browser, "/desk/board").await;
    let res = browser
        .post(format!("{}/logout", b.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(a.page(&browser, "/desk/board").await.0, 303);
}

/// 王建国 (lxl_v01) through `a` and 周海涛 (lxl_v08) through `b`, both fit for sewer work,
/// claim the same pooled request at once, several times over: one gets it, the other 409.
async fn one_winner_per_pooled_request(a: &Instance, b: &Instance, url: &str) {
    let staff = token(url, "lxl_staff");
    let (v01, v08) = (token(url, "lxl_v01"), token(url, "lxl_v08"));
    for round in 0..6 {
        let res = a
            .api(
                &staff,
                "/requests",
                serde_json::json!({
                    "community": "liuxiali", "channel": "phone", "category": "sewer_overflow",
                    "urgency": "urgent", "reporter": {"name": "张大爷", "phone": "13812345678"},
                    "address": {"building": "3", "entrance": "2", "room": "301"},
                    "description": format!("下水冒水，第{round}次")
                }),
            )
            .await;
        assert_eq!(res.status(), 201);
        let id = res.json::<serde_json::Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let pooled = b
            .api(
                &staff,
                &format!("/requests/{id}/dispatch"),
                serde_json::json!({"pool": true}),
            )
            .await;
        assert_eq!(pooled.status(), 200, "pooled through the other instance");

        let accept = format!("/requests/{id}/accept");
        let (first, second) = tokio::join!(
            a.api(&v01, &accept, serde_json::json!({})),
            b.api(&v08, &accept, serde_json::json!({})),
        );
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        let winner = if statuses[0] == 200 {
            "王建国"
        } else {
            "周海涛"
        };
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: one winner, one 409");
        let now: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/requests/{id}", b.base))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(now["status"], "accepted");
        assert_eq!(now["assignee"]["name"], winner, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database() {
    let Some(url) = testing::postgres_url().await else {
        return;
    };
    let settings = format!("pool_size = 4\npublic_url = \"{PUBLIC_URL}\"\n");
    let a = Instance::start(&settings, Some(&url));
    let b = Instance::start(&settings, Some(&url));
    one_sign_in_for_both(&a, &b).await;
    one_winner_per_pooled_request(&a, &b, &url).await;
    // The poster points at the public address, whichever instance prints it.
    for instance in [&a, &b] {
        let (status, html) = instance
            .page(&Instance::browser(), "/c/liuxiali/poster")
            .await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("{PUBLIC_URL}/c/liuxiali/ask")),
            "the poster's link"
        );
        assert!(
            !html.contains("127.0.0.1"),
            "not the address it was printed from"
        );
    }
    drop((a, b));
    let (dir, config) = settings_file("");
    let out = command(&dir, &config, Some(&url))
        .args(["ledger", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Without `public_url` the poster uses the address it is printed from; a malformed one
/// stops `serve` at start-up with a message that names the setting.
#[tokio::test]
async fn public_url_is_used_or_refused_at_start_up() {
    let one = Instance::start("", None);
    let (status, html) = one.page(&Instance::browser(), "/c/liuxiali/poster").await;
    assert_eq!(status, 200);
    let host = one.base.trim_start_matches("http://");
    assert!(
        html.contains(&format!("http://{host}/c/liuxiali/ask")),
        "the poster's link"
    );
    drop(one);

    let (dir, config) = settings_file("public_url = \"bangbang.example.org/ask\"\n");
    let out = command(&dir, &config, None)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("public_url must be"), "{said}");
}
