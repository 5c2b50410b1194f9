//! What every page knows: the language, the signed-in actor (from the session cookie), the
//! CSRF token (double-submit cookie) and the categories; plus cookie helpers and the
//! middleware that hands out the CSRF cookie and remembers the language.

use super::i18n::{text, Lang};
use crate::auth::{hash_token, new_token};
use crate::{AppError, AppState};
use axum::extract::{FromRequestParts, Request};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use bangbang_domain::{
    category::Category,
    lifecycle::{Satisfaction, Status},
    request::{Channel, Urgency},
    time::{from_ms, local_zone},
    Actor, Role,
};
use chrono::{DateTime, Utc};

pub const SESSION_COOKIE: &str = "bb_session";
pub const CSRF_COOKIE: &str = "bb_csrf";
pub const LANG_COOKIE: &str = "bb_lang";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, and Secure when the request came over TLS
/// (directly or through a proxy that says so).
pub fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age_secs: Option<i64>,
) -> HeaderValue {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if tls {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).expect("cookie values are ASCII")
}

/// The CSRF token a form must carry. Signed in, it is derived from the session token (which
/// an attacker cannot read or choose for someone else); before signing in it is the random
/// `bb_csrf` cookie (double submit).
#[derive(Clone)]
pub struct CsrfToken {
    pub token: String,
    /// Derived from the session cookie rather than the `bb_csrf` cookie.
    pub bound_to_session: bool,
}

/// The CSRF token of a session: a hash of the session's own token, so it changes with every
/// sign-in and is worthless without the session cookie.
pub fn session_csrf(session_token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("bangbang-csrf:{session_token}").as_bytes());
    format!("bs_{digest:x}")
}

fn well_formed(token: &str) -> bool {
    token.len() == 67
        && token.starts_with("bb_")
        && token[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Gives every browser a CSRF cookie, and keeps `?lang=` in a cookie.
pub async fn browser_cookies(mut req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let existing = cookie(&headers, CSRF_COOKIE)
        .filter(|t| well_formed(t))
        .map(String::from);
    let fresh = existing.is_none();
    let anonymous = existing.unwrap_or_else(new_token);
    let csrf = match cookie(&headers, SESSION_COOKIE).filter(|t| !t.is_empty()) {
        Some(session) => CsrfToken {
            token: session_csrf(session),
            bound_to_session: true,
        },
        None => CsrfToken {
            token: anonymous.clone(),
            bound_to_session: false,
        },
    };
    let asked = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")))
        .and_then(Lang::parse);
    let lang = asked
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or(Lang::Zh);
    req.extensions_mut().insert(csrf);
    req.extensions_mut().insert(lang);
    let mut res = next.run(req).await;
    if fresh {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&headers, CSRF_COOKIE, &anonymous, None),
        );
    }
    if let Some(lang) = asked {
        let year = 365 * 24 * 3600;
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&headers, LANG_COOKIE, lang.code(), Some(year)),
        );
    }
    res
}

/// The page context. Extracting it never fails: an anonymous visitor has no actor.
pub struct Ctx {
    pub lang: Lang,
    pub actor: Option<Actor>,
    pub csrf: String,
    pub path: String,
    pub categories: Vec<Category>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or(Lang::Zh);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.token.clone())
            .unwrap_or_default();
        let actor = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => state
                .store
                .actor_by_session(&hash_token(token), Utc::now().timestamp_millis())
                .await
                .ok(),
            None => None,
        };
        Ok(Ctx {
            lang,
            actor,
            csrf,
            path: parts.uri.path().to_string(),
            categories: state.store.categories().await?,
        })
    }
}

/// A signed-in page: anyone without a session is sent to the sign-in page.
pub struct SignedIn(pub Ctx, pub Actor);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match ctx.actor.clone() {
            Some(actor) => Ok(SignedIn(ctx, actor)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", urlencode(next))).into_response())
            }
        }
    }
}

/// Whether `path` is a path on this site that is safe to redirect to: it starts with one
/// `/`, and has no backslash or control character (browsers turn `/\evil` and `/\t/evil`
/// into another host).
pub fn is_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && !path.chars().any(|c| c == '\\' || c.is_control())
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Ctx {
    /// A context for pages rendered outside a request (the command line's report).
    pub fn offline(lang: Lang, categories: Vec<Category>) -> Ctx {
        Ctx {
            lang,
            actor: None,
            csrf: String::new(),
            path: "/report".into(),
            categories,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        text(self.lang, key)
    }

    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The link that switches language on this page.
    pub fn other_lang(&self) -> String {
        let code = if self.en() { "zh" } else { "en" };
        format!("{}?lang={code}", self.path)
    }

    /// A code's name: the Chinese given, or its English word from the texts.
    fn word(&self, code: &str, zh: &'static str) -> &'static str {
        if self.en() {
            super::i18n::TEXTS
                .iter()
                .find(|(k, _, _)| k.strip_prefix("en.") == Some(code))
                .map(|(_, _, en)| *en)
                .unwrap_or(zh)
        } else {
            zh
        }
    }

    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&local_zone())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn ms(&self, ms: &i64) -> String {
        self.time(&from_ms(*ms))
    }

    pub fn status(&self, s: &Status) -> &'static str {
        self.word(s.as_str(), s.zh())
    }

    pub fn channel(&self, c: &Channel) -> &'static str {
        self.word(c.as_str(), c.zh())
    }

    pub fn urgency(&self, u: &Urgency) -> &'static str {
        self.word(u.as_str(), u.zh())
    }

    pub fn satisfaction(&self, s: &Satisfaction) -> &'static str {
        match s {
            Satisfaction::Satisfied => self.t("sat.satisfied"),
            Satisfaction::Basic => self.t("sat.basic"),
            Satisfaction::Unsatisfied => self.t("sat.unsatisfied"),
        }
    }

    pub fn status_of(&self, code: &str) -> &'static str {
        Status::parse(code).map(|s| self.status(&s)).unwrap_or("?")
    }

    pub fn channel_of(&self, code: &str) -> &'static str {
        Channel::parse(code)
            .map(|c| self.channel(&c))
            .unwrap_or("?")
    }

    pub fn urgency_of(&self, code: &str) -> &'static str {
        Urgency::parse(code)
            .map(|u| self.urgency(&u))
            .unwrap_or("?")
    }

    /// A simple picture for each category, for residents who read little.
    pub fn icon(&self, code: &str) -> &'static str {
        match code {
            "sewer_overflow" => "🚰",
            "wall_hazard" => "🧱",
            "stairwell_light" => "💡",
            "plumbing" => "🔧",
            "electrical" => "🔌",
            "elder_care" => "🧓",
            "errands" => "🛒",
            "appliance" => "📺",
            "sanitation" => "🧹",
            "greening" => "🌳",
            "neighbour_dispute" => "🤝",
            "consultation" => "💬",
            _ => "📝",
        }
    }

    pub fn category(&self, code: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .map(|c| {
                if self.en() {
                    c.name_en.clone()
                } else {
                    c.name_zh.clone()
                }
            })
            .unwrap_or_else(|| code.to_string())
    }

    pub fn role(&self) -> &'static str {
        match &self.actor {
            Some(a) => self.word(a.role.as_str(), a.role.zh()),
            None => "",
        }
    }

    pub fn is(&self, role: &str) -> bool {
        self.actor
            .as_ref()
            .map(|a| a.role.as_str() == role || (a.role == Role::Admin && role == "staff"))
            .unwrap_or(false)
    }
}

/// Where each role starts.
pub fn home_of(actor: &Actor) -> &'static str {
    match actor.role {
        Role::Staff | Role::Admin => "/desk/board",
        Role::GridWorker => "/g/patrol",
        Role::Volunteer => "/v/tasks",
        Role::Supervisor => "/dashboard",
        Role::Resident => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_local_paths_are_followed() {
        for good in ["/", "/desk/board", "/requests/12?x=1"] {
            assert!(is_local_path(good), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "",
            "desk",
            "/a\r\nb",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
