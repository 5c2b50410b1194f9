//! Recognising volunteers (树典型、立榜样): the honour board, each volunteer's
//! service-hours ledger and printable certificate (志愿服务证明), and the form where staff
//! record hours given to group activities.

use super::ctx::{Ctx, SignedIn};
use super::desk::{require, OFFICE};
use super::form::{render, PageError, PageForm};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use bangbang_domain::{
    time::{local_date, parse_date},
    volunteer::{stars, to_next_star, HoursSource},
    Role, Scope,
};
use bangbang_store::{Community, HoursEntry, UserRecord, VolunteerTotal};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/honour", get(honour))
        .route("/desk/volunteers", get(volunteers).post(record_hours))
        .route("/desk/volunteers/{username}", get(certificate))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl PeriodQuery {
    /// The period asked for; by default this year so far.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        bangbang_app::report::period(self.from.as_deref(), self.to.as_deref())
    }
}

pub use bangbang_app::report::bounds;

/// A volunteer on the board, with their stars drawn.
pub struct Honoured {
    pub t: VolunteerTotal,
    pub star_text: String,
}

impl Honoured {
    fn new(t: VolunteerTotal) -> Honoured {
        let n = t.stars() as usize;
        Honoured {
            star_text: "★".repeat(n) + &"☆".repeat(5 - n),
            t,
        }
    }
}

#[derive(Template)]
#[template(path = "honour.html")]
struct HonourPage {
    ctx: Ctx,
    community: Community,
    from: NaiveDate,
    to: NaiveDate,
    list: Vec<Honoured>,
}

/// The public honour board of a community for a period.
async fn honour(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let community = state.store.community(&slug).await.map_err(|_| {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有这个社区 / no community {slug:?}"),
        )
    })?;
    let (from, to) = q.period();
    let (start, end) = bounds(from, to);
    let list = state
        .store
        .volunteer_totals(
            Scope::Within(community.id),
            Some(community.id),
            start,
            end,
            20,
        )
        .await?;
    Ok(render(&HonourPage {
        ctx,
        community,
        from,
        to,
        list: list.into_iter().map(Honoured::new).collect(),
    }))
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct VolunteersPage {
    ctx: Ctx,
    from: NaiveDate,
    to: NaiveDate,
    volunteers: Vec<UserRecord>,
    totals: Vec<Honoured>,
    recorded: bool,
    error: String,
    community_slug: String,
}

async fn volunteers_page(
    state: &AppState,
    ctx: Ctx,
    scope: Scope,
    q: &PeriodQuery,
    recorded: bool,
    error: String,
) -> Result<Response, PageError> {
    let (from, to) = q.period();
    let (start, end) = bounds(from, to);
    let community = match scope {
        Scope::Within(id) => state
            .store
            .communities()
            .await?
            .into_iter()
            .find(|c| c.id == id),
        Scope::Everywhere => None,
    };
    let volunteers = match &community {
        Some(c) => state.store.users_in(c.id, Role::Volunteer).await?,
        None => Vec::new(),
    };
    let totals = state
        .store
        .volunteer_totals(scope, None, start, end, 200)
        .await?;
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = VolunteersPage {
        ctx,
        from,
        to,
        volunteers,
        totals: totals.into_iter().map(Honoured::new).collect(),
        recorded,
        error,
        community_slug: community.map(|c| c.slug).unwrap_or_default(),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VolunteersQuery {
    from: Option<String>,
    to: Option<String>,
    recorded: Option<String>,
}

async fn volunteers(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<VolunteersQuery>,
) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    let period = PeriodQuery {
        from: q.from,
        to: q.to,
    };
    volunteers_page(
        &state,
        ctx,
        actor.scope,
        &period,
        q.recorded.is_some(),
        String::new(),
    )
    .await
}

/// Staff record hours a volunteer gave to a group activity (an event in the ledger).
async fn record_hours(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    form: PageForm,
) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    let mut problems = Vec::new();
    let volunteer = match form.get("volunteer") {
        Some(name) => state
            .store
            .user_by_name(name)
            .await
            .ok()
            .filter(|u| u.role == Role::Volunteer),
        None => None,
    };
    if volunteer.is_none() {
        problems.push(ctx.t("hours.err_volunteer"));
    }
    let hours: Option<f64> = form
        .get("hours")
        .and_then(|h| h.parse().ok())
        .filter(|h: &f64| *h > 0.0 && *h <= 24.0);
    if hours.is_none() {
        problems.push(ctx.t("hours.err_hours"));
    }
    let activity = form
        .get("activity")
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect::<String>();
    if activity.is_empty() {
        problems.push(ctx.t("hours.err_activity"));
    }
    let date = form
        .get("date")
        .and_then(parse_date)
        .filter(|d| *d <= local_date(Utc::now()));
    if date.is_none() {
        problems.push(ctx.t("hours.err_date"));
    }
    match (volunteer, hours, date) {
        (Some(v), Some(h), Some(d)) if problems.is_empty() => {
            let at = bangbang_domain::time::start_of_local_day(d) + chrono::Duration::hours(12);
            state
                .store
                .record_activity_hours(&actor, v.id, (h * 60.0).round() as i64, &activity, at)
                .await?;
            Ok(Redirect::to("/desk/volunteers?recorded=1").into_response())
        }
        _ => {
            volunteers_page(
                &state,
                ctx,
                actor.scope,
                &PeriodQuery::default(),
                false,
                problems.join("；"),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    ctx: Ctx,
    volunteer: UserRecord,
    community: String,
    from: NaiveDate,
    to: NaiveDate,
    entries: Vec<HoursEntry>,
    jobs: i64,
    hours: String,
    lifetime_hours: String,
    star_text: String,
    next_star: String,
    issued: NaiveDate,
}

/// A volunteer's service-hours ledger for a period, printable as 志愿服务证明.
async fn certificate(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Path(username): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    require(&actor, OFFICE)?;
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有这位志愿者 / no volunteer {username:?}"),
        )
    };
    let volunteer = state
        .store
        .user_by_name(&username)
        .await
        .map_err(|_| not_found())?;
    let community = state
        .store
        .communities()
        .await?
        .into_iter()
        .find(|c| Some(c.id) == volunteer.scope_place_id)
        .ok_or_else(not_found)?;
    if volunteer.role != Role::Volunteer || !actor.covers(&community.path()) {
        return Err(not_found());
    }
    let (from, to) = q.period();
    let (start, end) = bounds(from, to);
    let entries = state.store.hours_ledger(volunteer.id, start, end).await?;
    let minutes: i64 = entries.iter().map(|e| e.minutes).sum();
    let jobs = entries.iter().map(|e| e.source.jobs()).sum();
    let lifetime: i64 = state
        .store
        .hours_ledger(volunteer.id, 0, i64::MAX)
        .await?
        .iter()
        .map(|e| e.minutes)
        .sum();
    let n = stars(lifetime) as usize;
    Ok(render(&CertificatePage {
        ctx,
        community: community.name,
        from,
        to,
        jobs,
        hours: format!("{:.1}", minutes as f64 / 60.0),
        lifetime_hours: format!("{:.1}", lifetime as f64 / 60.0),
        star_text: "★".repeat(n) + &"☆".repeat(5 - n),
        next_star: to_next_star(lifetime)
            .map(|h| format!("{h:.1}"))
            .unwrap_or_default(),
        entries,
        issued: local_date(Utc::now()),
        volunteer,
    }))
}
