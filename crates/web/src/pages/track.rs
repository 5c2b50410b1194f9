//! The resident's side after asking: the tracking page (no personal data), a one-time
//! rating once the request is resolved, and the printable QR poster for a community.

use super::ctx::Ctx;
use super::form::{render, PageError, PageForm};
use crate::guard::{count_public_post, ClientAddr};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bangbang_domain::request::parse_tracking_code;
use bangbang_domain::{
    lifecycle::{Action, Satisfaction, Status},
    Actor, EventKind,
};
use bangbang_media::qr::qr_svg;
use bangbang_store::{Community, EventRecord, RequestRecord, StoreError};
use chrono::Utc;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/track", get(lookup))
        .route("/track/{code}", get(track))
        .route("/track/{code}/rate", post(rate))
        .route("/c/{slug}/poster", get(poster))
}

#[derive(Deserialize)]
struct LookupQuery {
    code: Option<String>,
}

async fn lookup(ctx: Ctx, Query(q): Query<LookupQuery>) -> Response {
    match q
        .code
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
    {
        Some(code) => {
            Redirect::to(&format!("/track/{}", super::ctx::urlencode(&code))).into_response()
        }
        None => render(&LookupPage { ctx }),
    }
}

#[derive(Template)]
#[template(path = "track_lookup.html")]
struct LookupPage {
    ctx: Ctx,
}

/// One step as the public may see it: what happened and when, not who.
pub struct PublicStep {
    pub at: chrono::DateTime<Utc>,
    pub kind: EventKind,
}

impl PublicStep {
    pub fn kind_key(&self) -> &'static str {
        event_key(self.kind)
    }
}

/// The text key naming a ledger event kind.
pub fn event_key(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "event.created",
        EventKind::Dispatched => "event.dispatched",
        EventKind::Pooled => "event.pooled",
        EventKind::Accepted => "event.accepted",
        EventKind::Declined => "event.declined",
        EventKind::Started => "event.started",
        EventKind::Resolved => "event.resolved",
        EventKind::FollowedUp => "event.followed_up",
        EventKind::Reviewed => "event.reviewed",
        EventKind::Reopened => "event.reopened",
        EventKind::Closed => "event.closed",
        EventKind::Noted => "event.noted",
        EventKind::HoursRecorded => "event.hours_recorded",
    }
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ctx: Ctx,
    r: RequestRecord,
    steps: Vec<PublicStep>,
    /// The whole tracking code, key included: this page was opened with it.
    tracking: String,
    /// Its secret last part, shown on a line of its own when it does not fit.
    tracking_key: String,
    new: bool,
    rated: bool,
    can_rate: bool,
}

#[derive(Deserialize)]
struct TrackQuery {
    new: Option<String>,
    rated: Option<String>,
}

fn public_steps(events: &[EventRecord]) -> Vec<PublicStep> {
    events
        .iter()
        .filter(|e| e.kind != EventKind::Noted)
        .map(|e| PublicStep {
            at: e.at,
            kind: e.kind,
        })
        .collect()
}

/// The answer for a tracking code that does not open anything: the same whether the code
/// is malformed, unknown, or has the wrong key, so nothing can be learnt by trying.
fn no_such_code(code: &str) -> PageError {
    let shown: String = code.chars().take(40).collect();
    PageError::new(
        StatusCode::NOT_FOUND,
        format!(
            "没有查到 {shown}，请核对完整的查询码（含最后一段） / no request {shown}: check the whole tracking code, including its last part"
        ),
    )
}

/// The request a whole tracking code opens. Wrong guesses are counted per client address,
/// and past the hourly limit every lookup from that address is refused for a while, so
/// codes cannot be walked.
async fn tracked(
    state: &AppState,
    client: &ClientAddr,
    tracking: &str,
) -> Result<RequestRecord, PageError> {
    let now = Utc::now().timestamp_millis();
    let key = format!("track:addr:{}", client.0);
    let (misses, _) = state.store.throttle_hits(&key, now, HOUR_MS).await?;
    if misses >= i64::from(state.config.track_misses_per_address_per_hour) {
        return Err(too_many());
    }
    let found = match parse_tracking_code(tracking) {
        Some((code, given)) => match state.store.request_by_code(&code).await {
            Ok(r) if keys_match(&r.track_key, &given) => Some(r),
            Ok(_) | Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    match found {
        Some(r) => Ok(r),
        None => {
            state.store.throttle_hit(&key, now, HOUR_MS).await?;
            Err(no_such_code(tracking))
        }
    }
}

const HOUR_MS: i64 = 3600 * 1000;

fn too_many() -> PageError {
    PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "尝试次数太多，请一小时后再试，或打电话给社区 / too many tries from here: try again in an hour, or phone the community office",
    )
}

/// Compares the stored key with the one given, in time that does not depend on where
/// they differ.
fn keys_match(stored: &str, given: &str) -> bool {
    // `parse_tracking_code` has already upper-cased what was given.
    !stored.is_empty() && super::form::constant_time_eq(stored.as_bytes(), given.as_bytes())
}

async fn track_page(
    state: &AppState,
    ctx: Ctx,
    r: RequestRecord,
    new: bool,
    rated: bool,
) -> Result<Response, PageError> {
    let events = state.store.events(r.id).await?;
    let can_rate = r.status() == Status::Resolved;
    let page = TrackPage {
        ctx,
        steps: public_steps(&events),
        tracking: r.tracking_code(),
        tracking_key: r.track_key.clone(),
        r,
        new,
        rated,
        can_rate,
    };
    Ok(render(&page))
}

async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddr,
    Path(code): Path<String>,
    Query(q): Query<TrackQuery>,
) -> Result<Response, PageError> {
    let r = tracked(&state, &client, &code).await?;
    track_page(&state, ctx, r, q.new.is_some(), q.rated.is_some()).await
}

/// The resident rates a resolved request once. The whole tracking code in the address is
/// the proof that it is theirs: it was given only to them (on the page they asked from, or
/// by the office), and no masked view shows it. The rating is the request's call-back (回访).
async fn rate(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(code): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let per_hour = state.config.rate_per_address_per_hour;
    if count_public_post(&state, "rate", &client, per_hour)
        .await?
        .is_err()
    {
        return Err(too_many());
    }
    let r = tracked(&state, &client, &code).await?;
    let satisfaction = form
        .get("satisfaction")
        .and_then(Satisfaction::parse)
        .ok_or_else(|| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "请选择满意度 / choose a rating",
            )
        })?;
    let note = form
        .get("note")
        .map(|n| n.chars().take(500).collect())
        .unwrap_or_else(|| "居民在线评价".to_string());
    let action = Action::Review { satisfaction, note };
    state
        .store
        .apply(&Actor::resident(r.community.id), r.id, action, Utc::now())
        .await?;
    Ok(Redirect::to(&format!("/track/{}?rated=1", r.tracking_code())).into_response())
}

#[derive(Template)]
#[template(path = "poster.html")]
struct PosterPage {
    ctx: Ctx,
    community: Community,
    url: String,
    qr: String,
}

async fn poster(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let community = state.store.community(&slug).await.map_err(|_| {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有这个社区 / no community {slug:?}"),
        )
    })?;
    let url = format!("{}/c/{slug}/ask", site_url(&state, &headers));
    let qr = qr_svg(&url, 320)
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(render(&PosterPage {
        ctx,
        community,
        url,
        qr,
    }))
}

/// Where residents reach the site: the configured `public_url`, else (an office printing
/// from the laptop that serves) the Host header of the request.
fn site_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8850");
    let scheme = if headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https")
    {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
