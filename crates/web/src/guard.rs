//! Defences that count: who the client is (its address), and throttles on signing in and
//! on the public forms, counted in the database through [`bangbang_store::Store`] so that
//! every instance behind a load balancer shares them and a restart forgets nothing.

use crate::{AppError, AppState};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::Utc;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

/// The client's address: the connection's peer, or the last hop of `X-Forwarded-For`
/// when the settings say a reverse proxy sets it. `unknown` when neither is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        if state.config.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty());
            if let Some(hop) = forwarded {
                let key = match hop.parse::<std::net::IpAddr>() {
                    Ok(ip) => throttle_key_of(ip),
                    Err(_) => hop.chars().take(64).collect(),
                };
                return Ok(ClientAddr(key));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| throttle_key_of(addr.ip()))
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(peer))
    }
}

/// Forgets throttle windows that are over, every quarter of an hour, so a flood of guesses
/// from many addresses does not leave the table growing. Windows last at most the longest
/// of the sign-in window and an hour; anything that started longer ago than that (and an
/// hour more) is over.
pub fn spawn_sweeper(
    store: std::sync::Arc<dyn bangbang_store::Store>,
    config: &crate::WebConfig,
) -> tokio::task::JoinHandle<()> {
    let longest = config.sign_in_window.max(Duration::from_secs(3600)) + Duration::from_secs(3600);
    tokio::spawn(async move {
        loop {
            let before = Utc::now().timestamp_millis() - window_ms(longest);
            match store.throttle_sweep(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(forgotten = n, "throttle windows swept"),
                Err(e) => tracing::warn!("sweeping throttle windows failed: {e}"),
            }
            tokio::time::sleep(Duration::from_secs(15 * 60)).await;
        }
    })
}

/// The part of an address that names one client: an IPv4 address (also when it arrives
/// IPv4-mapped), or the /64 network of an IPv6 one, since one household or phone is given a
/// whole /64 and could otherwise try from 2^64 addresses.
pub fn throttle_key_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A throttle said no: how long until it lets the client try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole minutes to wait, at least one.
    pub fn minutes(&self) -> u64 {
        self.retry_after.as_secs().div_ceil(60).max(1)
    }
}

fn window_ms(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Counts one post of a public form (`what`: `ask`, `rate`, `track`) from `client`;
/// refuses once more than `per_hour` came within the hour.
pub async fn count_public_post(
    state: &AppState,
    what: &str,
    client: &ClientAddr,
    per_hour: u32,
) -> Result<Result<(), Throttled>, AppError> {
    let now = Utc::now().timestamp_millis();
    let window = window_ms(Duration::from_secs(3600));
    let key = format!("{what}:addr:{}", client.0);
    let hits = state.store.throttle_hit(&key, now, window).await?;
    if hits > i64::from(per_hour) {
        let (_, ends) = state.store.throttle_hits(&key, now, window).await?;
        return Ok(Err(Throttled {
            retry_after: Duration::from_millis((ends - now).max(0) as u64),
        }));
    }
    Ok(Ok(()))
}

/// The public ask form's throttle, as an extractor: it counts the post and refuses it
/// with 429 before the body (which may carry a photo) is read.
pub struct AskAllowed;

impl FromRequestParts<AppState> for AskAllowed {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, axum::response::Response> {
        use axum::response::IntoResponse;
        let Ok(client) = ClientAddr::from_request_parts(parts, state).await;
        let per_hour = state.config.ask_per_address_per_hour;
        match count_public_post(state, "ask", &client, per_hour).await {
            Ok(Ok(())) => Ok(AskAllowed),
            Ok(Err(throttled)) => {
                tracing::warn!(client = %client.0, "public ask form throttled");
                Err(crate::pages::PageError::new(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "提交太频繁了，请 {} 分钟后再试，或直接打电话给社区 / too many requests from here: try again in {} minutes, or phone the community office",
                        throttled.minutes(),
                        throttled.minutes()
                    ),
                )
                .into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

fn account_key(username: &str) -> String {
    format!("signin:user:{}", username.trim().to_lowercase())
}

fn address_key(client: &ClientAddr) -> String {
    format!("signin:addr:{}", client.0)
}

/// Counts a sign-in attempt against the account and the address *before* the password is
/// checked, so a burst of simultaneous guesses cannot all slip under the limit; refuses
/// once either has had too many within the window. A right password takes its attempt
/// back ([`sign_in_succeeded`]).
pub async fn sign_in_attempt(
    state: &AppState,
    username: &str,
    client: &ClientAddr,
) -> Result<Option<Throttled>, AppError> {
    let config = &state.config;
    let now = Utc::now().timestamp_millis();
    let window = window_ms(config.sign_in_window);
    let checks = [
        (account_key(username), config.sign_in_failures_per_account),
        (address_key(client), config.sign_in_failures_per_address),
    ];
    for (key, limit) in checks {
        let hits = state.store.throttle_hit(&key, now, window).await?;
        if hits > i64::from(limit) {
            let (_, ends) = state.store.throttle_hits(&key, now, window).await?;
            return Ok(Some(Throttled {
                retry_after: Duration::from_millis((ends - now).max(0) as u64),
            }));
        }
    }
    Ok(None)
}

/// A right password: the account's count starts again, and the address gets its attempt
/// back (a whole office signing in from one address each morning is not an attack).
pub async fn sign_in_succeeded(
    state: &AppState,
    username: &str,
    client: &ClientAddr,
) -> Result<(), AppError> {
    state.store.throttle_clear(&account_key(username)).await?;
    state.store.throttle_forgive(&address_key(client)).await?;
    Ok(())
}

/// Whether a state-changing browser request comes from this site: its `Origin` (or, when
/// a browser sends none, its `Referer`) names the host the request was sent to, or the
/// site's public address (`public_url`, for a proxy that rewrites `Host`). A request with
/// neither header is let through: browsers send one of them on every cross-site post, and
/// the CSRF token still guards it.
pub fn same_origin(headers: &axum::http::HeaderMap, public_url: Option<&str>) -> bool {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| h.to_ascii_lowercase());
    let source = headers
        .get(axum::http::header::ORIGIN)
        .or_else(|| headers.get(axum::http::header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else {
        return true;
    };
    let authority = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let from = authority(source);
    if from.is_empty() {
        return false;
    }
    host.is_some_and(|h| h == from) || public_url.is_some_and(|p| authority(p) == from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn same_origin_(headers: &HeaderMap) -> bool {
        same_origin(headers, None)
    }

    #[test]
    fn origins_behind_a_proxy_that_rewrites_host() {
        let proxied = headers(&[
            ("host", "127.0.0.1:8850"),
            ("origin", "https://desk.example.org"),
        ]);
        assert!(!same_origin(&proxied, None));
        assert!(same_origin(&proxied, Some("https://desk.example.org")));
        assert!(!same_origin(&proxied, Some("https://other.example.org")));
    }

    #[test]
    fn origins() {
        let host = ("host", "desk.example.org:8850");
        assert!(same_origin_(&headers(&[
            host,
            ("origin", "http://desk.example.org:8850")
        ])));
        assert!(same_origin_(&headers(&[
            host,
            ("referer", "https://DESK.example.org:8850/desk/intake?x=1")
        ])));
        assert!(same_origin_(&headers(&[host])));
        assert!(!same_origin_(&headers(&[
            host,
            ("origin", "http://evil.example.org:8850")
        ])));
        assert!(!same_origin_(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin_(&headers(&[
            host,
            ("referer", "http://desk.example.org:8850.evil.org/")
        ])));
        assert!(!same_origin_(&headers(&[(
            "origin",
            "http://desk.example.org:8850"
        )])));
    }

    #[test]
    fn ipv6_clients_are_their_64() {
        let key = |s: &str| throttle_key_of(s.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9"), key("2001:db8:1:2::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
    }

    #[test]
    fn throttled_minutes_round_up() {
        let t = Throttled {
            retry_after: Duration::from_secs(61),
        };
        assert_eq!(t.minutes(), 2);
        let t = Throttled {
            retry_after: Duration::ZERO,
        };
        assert_eq!(t.minutes(), 1);
    }
}
