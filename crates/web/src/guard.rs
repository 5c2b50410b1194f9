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
                return Ok(ClientAddr(hop.chars().take(64).collect()));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(peer))
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

/// Whether signing in as `username` from `client` is locked: too many wrong passwords for
/// the account, or from the address, within the window.
pub async fn sign_in_locked(
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
        let (hits, ends) = state.store.throttle_hits(&key, now, window).await?;
        if hits >= i64::from(limit) {
            return Ok(Some(Throttled {
                retry_after: Duration::from_millis((ends - now).max(0) as u64),
            }));
        }
    }
    Ok(None)
}

/// Counts a wrong password against the account and the address.
pub async fn sign_in_failed(
    state: &AppState,
    username: &str,
    client: &ClientAddr,
) -> Result<(), AppError> {
    let now = Utc::now().timestamp_millis();
    let window = window_ms(state.config.sign_in_window);
    for key in [account_key(username), address_key(client)] {
        state.store.throttle_hit(&key, now, window).await?;
    }
    Ok(())
}

/// A right password clears the account's count (not the address's: one good account must
/// not unlock guessing at others from the same place).
pub async fn sign_in_succeeded(state: &AppState, username: &str) -> Result<(), AppError> {
    state.store.throttle_clear(&account_key(username)).await?;
    Ok(())
}

/// Whether a state-changing browser request comes from this site: its `Origin` (or, when
/// a browser sends none, its `Referer`) names the host the request was sent to. A request
/// with neither is let through: browsers always send one of them on a cross-site post, and
/// the CSRF token still guards it.
pub fn same_origin(headers: &axum::http::HeaderMap) -> bool {
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
    let Some(host) = host else {
        return false;
    };
    let authority = source
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    !authority.is_empty() && authority.to_ascii_lowercase() == host
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

    #[test]
    fn origins() {
        let host = ("host", "desk.example.org:8850");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://desk.example.org:8850")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "https://DESK.example.org:8850/desk/intake?x=1")
        ])));
        assert!(same_origin(&headers(&[host])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example.org:8850")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(!same_origin(&headers(&[
            host,
            ("referer", "http://desk.example.org:8850.evil.org/")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "http://desk.example.org:8850"
        )])));
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
