//! The office's desk: the dispatch board and the request page with its timeline, the
//! actions allowed now and suggested volunteers. Volunteers and grid workers see the same
//! request page with what their role allows.

use super::ctx::{Ctx, SignedIn};
use super::form::{render, PageError, PageForm};
use super::track::event_key;
use crate::api::actions::read_action;
use crate::api::body::Body;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bangbang_domain::{
    access::mask_phone,
    category::CategoryCode,
    lifecycle::{ActionKind, Satisfaction, Status},
    matching::{suggest, Need, Suggestion},
    time::to_ms,
    Actor, EventKind, PlaceId, RequestId, Role, Scope,
};
use bangbang_store::{EventRecord, GridRecord, RequestFilter, RequestRecord};
use chrono::Utc;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk/board", get(board))
        .route("/requests/{id}", get(detail))
        .route("/requests/{id}/{action}", post(act))
}

pub fn require(actor: &Actor, roles: &[Role]) -> Result<(), PageError> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "这个页面不对您的角色开放 / this page is not for your role",
        ))
    }
}

pub const OFFICE: &[Role] = &[Role::Staff, Role::Admin];
pub const READERS: &[Role] = &[Role::Staff, Role::Admin, Role::Supervisor];

/// The columns of the board, in the order work moves.
const COLUMNS: [Status; 7] = [
    Status::Submitted,
    Status::Pooled,
    Status::Dispatched,
    Status::Accepted,
    Status::InProgress,
    Status::LongTerm,
    Status::Resolved,
];

pub struct Column {
    pub status: Status,
    pub count: i64,
    pub items: Vec<RequestRecord>,
    /// Done work is shown for the last few days only; the ledger has the rest.
    pub recent_days: Option<i64>,
}

/// How many days of resolved work the board shows.
const RECENT_DAYS: i64 = 7;

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    ctx: Ctx,
    columns: Vec<Column>,
    grids: Vec<GridRecord>,
    grid: String,
    category: String,
    now: chrono::DateTime<Utc>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BoardQuery {
    grid: Option<String>,
    category: Option<String>,
}

async fn board(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    let grid = q.grid.as_deref().and_then(|g| g.parse::<PlaceId>().ok());
    let category = q.category.clone().filter(|c| !c.is_empty());
    let base = RequestFilter {
        grid_id: grid,
        category: category.as_deref().and_then(CategoryCode::parse),
        limit: 30,
        ..RequestFilter::for_actor(&actor)
    };
    let counts = state.store.status_counts(&base).await?;
    // Resolved work piles up for ever: the board shows the last week's, counted as such.
    let recent = RequestFilter {
        resolved_from_ms: Some(to_ms(Utc::now()) - RECENT_DAYS * 24 * 3600 * 1000),
        ..base.clone()
    };
    let recent_counts = state.store.status_counts(&recent).await?;
    let mut columns = Vec::new();
    for status in COLUMNS {
        let done = status == Status::Resolved;
        let filter = if done { &recent } else { &base };
        let page = state
            .store
            .list_requests(&RequestFilter {
                status: Some(status),
                ..filter.clone()
            })
            .await?;
        let count = if done { &recent_counts } else { &counts }
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        columns.push(Column {
            status,
            count,
            items: page.items,
            recent_days: done.then_some(RECENT_DAYS),
        });
    }
    let grids = match actor.scope {
        Scope::Within(place) => state.store.grids(place).await?,
        Scope::Everywhere => Vec::new(),
    };
    Ok(render(&BoardPage {
        ctx,
        columns,
        grids,
        grid: grid.map(|g| g.to_string()).unwrap_or_default(),
        category: category.unwrap_or_default(),
        now: Utc::now(),
    }))
}

/// A ledger event as the timeline shows it.
pub struct Step {
    pub event: EventRecord,
    pub detail: String,
}

impl Step {
    pub fn kind_key(&self) -> &'static str {
        event_key(self.event.kind)
    }

    /// Who did it, by name where the actor is a user.
    pub fn who(&self) -> &str {
        match (&self.event.actor_name, self.event.actor.as_str()) {
            (Some(name), _) => name,
            (None, "resident") => "居民",
            (None, other) => other,
        }
    }

    pub fn short_hash(&self) -> &str {
        &self.event.hash[..12]
    }
}

fn describe(ctx: &Ctx, event: &EventRecord, masked: bool) -> String {
    let d = &event.data;
    let text = |k: &str| {
        d.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    match event.kind {
        EventKind::Created => {
            let phone = d
                .pointer("/reporter/phone")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let phone = if masked {
                mask_phone(phone)
            } else {
                phone.to_string()
            };
            let name = d
                .pointer("/reporter/name")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            format!("{name} {phone} · {}", text("description"))
        }
        EventKind::Dispatched => {
            let to = d
                .pointer("/target/name")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            format!("→ {to}")
        }
        EventKind::Declined | EventKind::Reopened => text("reason"),
        EventKind::Resolved => {
            let minutes = d.get("minutes").and_then(|v| v.as_i64()).unwrap_or(0);
            format!("{} · {:.1} h", text("outcome"), minutes as f64 / 60.0)
        }
        EventKind::FollowedUp => format!(
            "{} · {}",
            text("note"),
            text("next_at").get(..10).unwrap_or_default()
        ),
        EventKind::Reviewed => format!(
            "{} {}",
            Satisfaction::parse(&text("satisfaction"))
                .map(|s| ctx.satisfaction(&s))
                .unwrap_or("?"),
            text("note")
        ),
        EventKind::Closed => format!(
            "{} {} {}",
            text("reason"),
            text("duplicate_of"),
            text("note")
        ),
        EventKind::Noted => text("text"),
        EventKind::Pooled | EventKind::Accepted | EventKind::Started | EventKind::HoursRecorded => {
            String::new()
        }
    }
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    ctx: Ctx,
    r: RequestRecord,
    phone: String,
    room: String,
    masked: bool,
    /// The resident's whole tracking code, for the office to hand over; nobody else sees it.
    tracking: Option<String>,
    overdue: bool,
    steps: Vec<Step>,
    actions: Actions,
    suggestions: Vec<Suggestion>,
    alert: Option<String>,
}

/// The actions the viewer may take now.
pub struct Actions(pub Vec<ActionKind>);

impl Actions {
    pub fn can(&self, name: &str) -> bool {
        self.0.iter().any(|a| a.as_str() == name)
    }

    pub fn none(&self) -> bool {
        self.0.is_empty()
    }
}

async fn visible(
    state: &AppState,
    actor: &Actor,
    id: RequestId,
) -> Result<RequestRecord, PageError> {
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有这件诉求 / request {id} not found"),
        )
    };
    let r = state.store.request(id).await.map_err(|_| not_found())?;
    actor.can_see(&r.facts()).map_err(|_| not_found())?;
    Ok(r)
}

async fn request_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    r: RequestRecord,
    alert: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let facts = r.facts();
    let (phone, room, masked) = r.contact_for(actor);
    let events = state.store.events(r.id).await?;
    state.reads.log(actor, std::slice::from_ref(&r)).await?;
    let actions = actor.available_actions(&facts);
    let suggestions = if actions.contains(&ActionKind::Dispatch) && actor.is_office() {
        let candidates = state.store.volunteer_candidates(r.community.id).await?;
        let need = Need {
            category: r.category.clone(),
            entrance_id: r.entrance_id,
            building_id: r.building_id,
            grid_id: r.grid_id,
        };
        suggest(&need, &candidates, 6)
    } else {
        Vec::new()
    };
    let page = RequestPage {
        phone,
        room,
        masked,
        tracking: actor.is_office().then(|| r.tracking_code()),
        overdue: r.is_overdue(&Utc::now()),
        steps: events
            .iter()
            .map(|e| Step {
                detail: describe(&ctx, e, masked),
                event: e.clone(),
            })
            .collect(),
        actions: Actions(actions),
        suggestions,
        alert: alert.as_ref().map(|(_, m)| m.clone()),
        ctx,
        r,
    };
    let status = alert.map(|(s, _)| s).unwrap_or(StatusCode::OK);
    Ok((status, render(&page)).into_response())
}

async fn detail(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Path(id): Path<RequestId>,
) -> Result<Response, PageError> {
    let r = visible(&state, &actor, id).await?;
    request_page(&state, ctx, &actor, r, None).await
}

/// An action's refusal in the page's language: the state and what may be done instead,
/// or each bad field.
fn action_error(ctx: &Ctx, kind: ActionKind, e: &AppError) -> String {
    let action = |k: ActionKind| ctx.t(action_key(k));
    match e {
        AppError::NotAllowed { state, allowed, .. } if !ctx.en() => {
            let allowed: Vec<&str> = allowed.iter().map(|a| action(*a)).collect();
            format!(
                "这件诉求目前是「{}」，不能「{}」；现在可以：{}",
                ctx.status(state),
                action(kind),
                allowed.join("、")
            )
        }
        AppError::Invalid(fields) => fields
            .problems()
            .map(|(field, problem)| {
                format!("{field}: {}", super::i18n::field_message(ctx.lang, problem))
            })
            .collect::<Vec<_>>()
            .join("；"),
        AppError::Forbidden(_) if !ctx.en() => {
            format!("您的角色不能「{}」这件诉求 ({e})", action(kind))
        }
        other => other.to_string(),
    }
}

/// The text key of an action's name.
fn action_key(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Dispatch => "action.dispatch",
        ActionKind::Accept => "action.accept",
        ActionKind::Decline => "action.decline",
        ActionKind::Start => "action.start",
        ActionKind::Resolve => "action.resolve",
        ActionKind::FollowUp => "action.follow-up",
        ActionKind::Review => "action.review",
        ActionKind::Reopen => "action.reopen",
        ActionKind::Close => "action.close",
        ActionKind::Note => "action.notes",
    }
}

/// One lifecycle step from a page. Errors come back on the request page (or as an error
/// page when the request is not to be seen at all); success goes to `back` or the request.
async fn act(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Path((id, name)): Path<(RequestId, String)>,
    form: PageForm,
) -> Result<Response, PageError> {
    let kind = ActionKind::parse(&name)
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, format!("no action {name:?}")))?;
    let r =
        state.store.request(id).await.map_err(|_| {
            PageError::new(StatusCode::NOT_FOUND, format!("request {id} not found"))
        })?;
    if actor.role_may(kind) && !bangbang_domain::decision::answers_to(&actor, &r.facts(), kind) {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            format!("request {id} not found"),
        ));
    }
    let body = Body::from_fields(form.fields().filter(|(k, _)| *k != "back"));
    let outcome = match read_action(&state, kind, &body, Utc::now()).await {
        Ok(action) => state
            .store
            .apply(&actor, id, action, Utc::now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => {
            let back = form.get("back").filter(|b| super::ctx::is_local_path(b));
            Ok(Redirect::to(back.unwrap_or(&format!("/requests/{id}"))).into_response())
        }
        Err(AppError::NotFound(m)) => Err(PageError::new(StatusCode::NOT_FOUND, m)),
        Err(e) => {
            let status = e.status();
            let message = action_error(&ctx, kind, &e);
            let r = state.store.request(id).await?;
            if actor.can_see(&r.facts()).is_err() {
                return Err(PageError::new(status, message));
            }
            request_page(&state, ctx, &actor, r, Some((status, message))).await
        }
    }
}
