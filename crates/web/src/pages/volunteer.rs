//! The volunteer's phone pages: my tasks, and the open pool (抢单). Phone numbers and rooms
//! stay masked until the volunteer has accepted the request.

use super::ctx::{Ctx, SignedIn};
use super::desk::require;
use super::form::{render, PageError};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use bangbang_domain::{
    lifecycle::{ActionKind, Status},
    Actor, Role, UserId,
};
use bangbang_store::{RequestFilter, RequestRecord};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v/tasks", get(tasks))
        .route("/v/pool", get(pool))
}

/// A request on a volunteer's list, with what they may see and do.
pub struct Job {
    pub r: RequestRecord,
    pub phone: String,
    pub room: String,
    pub masked: bool,
    pub fits: bool,
    pub actions: Vec<ActionKind>,
}

impl Job {
    fn new(r: RequestRecord, actor: &Actor) -> Job {
        let facts = r.facts();
        let (phone, room, masked) = r.contact_for(actor);
        Job {
            phone,
            room,
            masked,
            fits: actor.has_skill_for(&r.category),
            actions: actor.available_actions(&facts),
            r,
        }
    }

    pub fn can(&self, name: &str) -> bool {
        self.actions.iter().any(|a| a.as_str() == name)
    }
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct VolunteerPage {
    ctx: Ctx,
    pool: bool,
    jobs: Vec<Job>,
    hours: String,
    back: &'static str,
}

/// The volunteer's account: every signed-in actor has one.
fn account(actor: &Actor) -> Result<UserId, PageError> {
    actor.user_id.ok_or_else(|| {
        PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "请用志愿者账号登录 / sign in with a volunteer account",
        )
    })
}

async fn jobs(
    state: &AppState,
    actor: &Actor,
    filter: RequestFilter,
) -> Result<Vec<Job>, PageError> {
    // The filter starts from the volunteer, so it reaches the open pool and their own jobs.
    let filter = RequestFilter {
        limit: 200,
        ..filter
    };
    let page = state.store.list_requests(&filter).await?;
    state.reads.log(actor, &page.items).await?;
    Ok(page.items.into_iter().map(|r| Job::new(r, actor)).collect())
}

async fn tasks(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
) -> Result<Response, PageError> {
    require(&actor, &[Role::Volunteer])?;
    let mine = jobs(
        &state,
        &actor,
        RequestFilter {
            assignee_id: Some(account(&actor)?),
            ..RequestFilter::for_actor(&actor)
        },
    )
    .await?;
    // From the hours ledger, so every job and activity counts, however many there are.
    let minutes: i64 = state
        .store
        .hours_ledger(account(&actor)?, 0, i64::MAX)
        .await?
        .iter()
        .map(|e| e.minutes)
        .sum();
    // Work in hand first, then what is done.
    let (mut open, done): (Vec<Job>, Vec<Job>) =
        mine.into_iter().partition(|j| j.r.status().is_open());
    // The most recent finished jobs only; the certificate has the whole record.
    open.extend(done.into_iter().take(20));
    let hours = format!("{:.1}", minutes as f64 / 60.0);
    Ok(render(&VolunteerPage {
        ctx,
        pool: false,
        jobs: open,
        hours,
        back: "/v/tasks",
    }))
}

async fn pool(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
) -> Result<Response, PageError> {
    require(&actor, &[Role::Volunteer])?;
    let mut list = jobs(
        &state,
        &actor,
        RequestFilter {
            status: Some(Status::Pooled),
            ..RequestFilter::for_actor(&actor)
        },
    )
    .await?;
    // What fits their skills first.
    list.sort_by_key(|j| !j.fits);
    Ok(render(&VolunteerPage {
        ctx,
        pool: true,
        jobs: list,
        hours: String::new(),
        back: "/v/pool",
    }))
}
