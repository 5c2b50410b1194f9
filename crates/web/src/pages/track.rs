//! The resident's side after asking: the tracking page (no personal data), a one-time
//! rating once the request is resolved, and the printable QR poster for a community.

use super::ctx::Ctx;
use super::form::{render, PageError, PageForm};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bangbang_domain::{
    lifecycle::{Action, Satisfaction, Status},
    Actor,
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
    pub kind: String,
}

impl PublicStep {
    pub fn kind_key(&self) -> &'static str {
        event_key(&self.kind)
    }
}

/// The text key naming a ledger event kind.
pub fn event_key(kind: &str) -> &'static str {
    match kind {
        "created" => "event.created",
        "dispatched" => "event.dispatched",
        "pooled" => "event.pooled",
        "accepted" => "event.accepted",
        "declined" => "event.declined",
        "started" => "event.started",
        "resolved" => "event.resolved",
        "followed_up" => "event.followed_up",
        "reviewed" => "event.reviewed",
        "reopened" => "event.reopened",
        "closed" => "event.closed",
        _ => "event.noted",
    }
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    ctx: Ctx,
    r: RequestRecord,
    steps: Vec<PublicStep>,
    new: bool,
    rated: bool,
    can_rate: bool,
    pin_error: bool,
}

#[derive(Deserialize)]
struct TrackQuery {
    new: Option<String>,
    rated: Option<String>,
}

fn public_steps(events: &[EventRecord]) -> Vec<PublicStep> {
    events
        .iter()
        .filter(|e| e.kind != "noted")
        .map(|e| PublicStep {
            at: e.at,
            kind: e.kind.clone(),
        })
        .collect()
}

async fn tracked(state: &AppState, code: &str) -> Result<RequestRecord, PageError> {
    match state.store.request_by_code(code).await {
        Ok(r) => Ok(r),
        Err(StoreError::NotFound(_)) => Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有查到 {code}，请核对查询码 / no request {code}: check the code"),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn track_page(
    state: &AppState,
    ctx: Ctx,
    code: &str,
    new: bool,
    rated: bool,
    pin_error: bool,
) -> Result<Response, PageError> {
    let r = tracked(state, code).await?;
    let events = state.store.events(r.id).await?;
    let can_rate = r.status() == Status::Resolved && !r.reporter_phone.is_empty();
    let status = if pin_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = TrackPage {
        ctx,
        steps: public_steps(&events),
        r,
        new,
        rated,
        can_rate,
        pin_error,
    };
    Ok((status, render(&page)).into_response())
}

async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<TrackQuery>,
) -> Result<Response, PageError> {
    track_page(
        &state,
        ctx,
        &code,
        q.new.is_some(),
        q.rated.is_some(),
        false,
    )
    .await
}

/// The resident rates a resolved request once, proving it is theirs with the last four
/// digits of the phone they gave. The rating is the request's call-back (回访).
async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: PageForm,
) -> Result<Response, PageError> {
    let r = tracked(&state, &code).await?;
    const MAX_FAILURES: u32 = 5;
    let failures = |state: &AppState| {
        state
            .rating_failures
            .lock()
            .map(|m| m.get(&r.id).copied().unwrap_or(0))
            .unwrap_or(MAX_FAILURES)
    };
    if failures(&state) >= MAX_FAILURES {
        return Err(PageError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "输错次数太多，请打电话给社区评价 / too many wrong tries: please rate by phoning the community office",
        ));
    }
    let pin = form.get("pin").unwrap_or_default();
    let digits: String = r
        .reporter_phone
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if r.reporter_phone.is_empty() || pin.len() != 4 || !digits.ends_with(pin) {
        if let Ok(mut map) = state.rating_failures.lock() {
            *map.entry(r.id).or_default() += 1;
        }
        return track_page(&state, ctx, &code, false, false, true).await;
    }
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
    Ok(Redirect::to(&format!("/track/{code}?rated=1")).into_response())
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
    let url = format!("{scheme}://{host}/c/{slug}/ask");
    let qr = qr_svg(&url, 320)
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(render(&PosterPage {
        ctx,
        community,
        url,
        qr,
    }))
}
