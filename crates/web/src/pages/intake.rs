//! Filing a request from a page: residents on their community's public page (扫码自助),
//! staff recording a call or visit (来电访), grid workers reporting from patrol (网格巡查).
//! One form, three modes.

use super::ctx::{Ctx, SignedIn};
use super::form::{render, PageError, PageForm};
use super::state::FormState;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use bangbang_domain::{request::RequestInput, validation::FieldErrors, Actor, Role, Scope};
use bangbang_store::{BuildingRecord, Community, RequestRecord, StoreError};
use chrono::{Duration, Utc};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/ask", get(ask_page).post(ask))
        .route("/desk/intake", get(intake_page).post(intake))
        .route("/g/patrol", get(patrol_page).post(patrol))
        .route("/desk/duplicates", get(duplicates))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Resident,
    Intake,
    Patrol,
}

#[derive(Template)]
#[template(path = "request_form.html")]
struct RequestFormPage {
    ctx: Ctx,
    mode: &'static str,
    title: &'static str,
    submit: &'static str,
    action: String,
    community: Community,
    buildings: Vec<BuildingRecord>,
    entrance_numbers: Vec<String>,
    form: FormState,
    done: Option<String>,
}

async fn form_page(
    state: &AppState,
    ctx: Ctx,
    mode: Mode,
    community: Community,
    form: FormState,
    done: Option<String>,
) -> Result<Response, PageError> {
    let buildings = state.store.buildings(community.id).await?;
    let mut entrance_numbers: Vec<String> =
        buildings.iter().flat_map(|b| b.entrances.clone()).collect();
    entrance_numbers.sort_by_key(|e| (e.parse::<u32>().unwrap_or(u32::MAX), e.clone()));
    entrance_numbers.dedup();
    let (mode_name, title, submit, action) = match mode {
        Mode::Resident => (
            "resident",
            ctx.t("ask.title"),
            ctx.t("ask.submit"),
            format!("/c/{}/ask", community.slug),
        ),
        Mode::Intake => (
            "intake",
            ctx.t("intake.title"),
            ctx.t("intake.submit"),
            "/desk/intake".into(),
        ),
        Mode::Patrol => (
            "patrol",
            ctx.t("patrol.title"),
            ctx.t("patrol.submit"),
            "/g/patrol".into(),
        ),
    };
    let form = form.localized(ctx.lang);
    let status = if form.failed() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RequestFormPage {
        ctx,
        mode: mode_name,
        title,
        submit,
        action,
        community,
        buildings,
        entrance_numbers,
        form,
        done,
    };
    Ok((status, render(&page)).into_response())
}

/// Validates the form, stores its photo and files the request; or gives the form back with
/// its errors.
async fn submit(
    state: &AppState,
    actor: &Actor,
    mode: Mode,
    community: &Community,
    form: &PageForm,
    english: bool,
) -> Result<Result<RequestRecord, FormState>, PageError> {
    let channel = match mode {
        Mode::Resident => Some("web".to_string()),
        Mode::Patrol => Some("grid_patrol".to_string()),
        Mode::Intake => form.owned("channel"),
    };
    let input = RequestInput {
        community: Some(community.slug.clone()),
        channel,
        category: form.owned("category"),
        urgency: if mode == Mode::Intake {
            form.owned("urgency")
        } else {
            None
        },
        reporter_name: if mode == Mode::Patrol {
            Some(actor.display_name.clone())
        } else {
            form.owned("reporter.name")
        },
        reporter_phone: if mode == Mode::Patrol {
            None
        } else {
            form.owned("reporter.phone")
        },
        building: form.owned("address.building"),
        entrance: form.owned("address.entrance"),
        room: form.owned("address.room"),
        description: form.owned("description"),
        reported_at: if mode == Mode::Intake {
            form.owned("reported_at")
        } else {
            None
        },
    };
    let mut errors = FieldErrors::new();
    let draft = input.parse(Utc::now()).map_err(|e| errors.merge(e)).ok();
    // Decoding and re-encoding is heavy: off the async workers, a few at a time (503 when
    // every decoder stays busy).
    let processed = match form.file("photo").map(<[u8]>::to_vec) {
        None => None,
        Some(bytes) => Some(state.decodes.photo(bytes).await?),
    };
    let photo = match processed {
        None => None,
        Some(Ok(photo)) => Some(photo),
        Some(Err(e)) => {
            let message = if english {
                e.to_string()
            } else {
                e.message_zh()
            };
            errors.add("photo", message);
            None
        }
    };
    let values = form_values(form);
    let Some(mut draft) = draft.filter(|_| errors.is_empty()) else {
        return Ok(Err(FormState::new(values, errors)));
    };
    if let Some(photo) = photo {
        state
            .photos
            .save(&photo)
            .map_err(|e| AppError::Internal(format!("saving a photo: {e}")))?;
        draft.photos.push(photo.id);
    }
    match state
        .store
        .create_request(actor, draft, None, Utc::now())
        .await
    {
        Ok(record) => Ok(Ok(record)),
        Err(StoreError::Invalid(errors)) => Ok(Err(FormState::new(values, errors))),
        Err(e) => Err(e.into()),
    }
}

fn form_values(form: &PageForm) -> Vec<(String, String)> {
    [
        "category",
        "channel",
        "urgency",
        "reported_at",
        "reporter.name",
        "reporter.phone",
        "address.building",
        "address.entrance",
        "address.room",
        "description",
    ]
    .iter()
    .filter_map(|k| form.get(k).map(|v| (k.to_string(), v.to_string())))
    .collect()
}

async fn public_community(state: &AppState, slug: &str) -> Result<Community, PageError> {
    state.store.community(slug).await.map_err(|_| {
        PageError::new(
            StatusCode::NOT_FOUND,
            format!("没有这个社区 / no community {slug:?}"),
        )
    })
}

async fn ask_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let community = public_community(&state, &slug).await?;
    form_page(
        &state,
        ctx,
        Mode::Resident,
        community,
        FormState::default(),
        None,
    )
    .await
}

async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    _allowed: crate::guard::AskAllowed,
    form: PageForm,
) -> Result<Response, PageError> {
    let community = public_community(&state, &slug).await?;
    let resident = Actor::resident(community.id);
    match submit(
        &state,
        &resident,
        Mode::Resident,
        &community,
        &form,
        ctx.en(),
    )
    .await?
    {
        Ok(record) => {
            Ok(Redirect::to(&format!("/track/{}?new=1", record.tracking_code())).into_response())
        }
        Err(form) => form_page(&state, ctx, Mode::Resident, community, form, None).await,
    }
}

/// The community a signed-in staff member or grid worker works in.
async fn own_community(
    state: &AppState,
    actor: &Actor,
    roles: &[Role],
) -> Result<Community, PageError> {
    if !roles.contains(&actor.role) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "这个页面不对您的角色开放 / this page is not for your role",
        ));
    }
    let communities = state.store.communities().await?;
    communities
        .into_iter()
        .find(|c| {
            actor.covers(&c.path())
                && (actor.scope == Scope::Within(c.id) || actor.role == Role::Admin)
        })
        .ok_or_else(|| {
            PageError::new(
                StatusCode::FORBIDDEN,
                "您的账号没有所属社区 / your account has no community",
            )
        })
}

const OFFICE: &[Role] = &[Role::Staff, Role::Admin];

async fn intake_page(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
) -> Result<Response, PageError> {
    let community = own_community(&state, &actor, OFFICE).await?;
    let now = bangbang_domain::time::to_ms(Utc::now());
    let local = ctx.ms(&now).replace(' ', "T");
    let form = FormState::default()
        .with("channel", "phone")
        .with("urgency", "normal")
        .with("reported_at", &local);
    form_page(&state, ctx, Mode::Intake, community, form, None).await
}

async fn intake(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    form: PageForm,
) -> Result<Response, PageError> {
    let community = own_community(&state, &actor, OFFICE).await?;
    match submit(&state, &actor, Mode::Intake, &community, &form, ctx.en()).await? {
        Ok(record) => Ok(Redirect::to(&format!("/requests/{}", record.id)).into_response()),
        Err(form) => form_page(&state, ctx, Mode::Intake, community, form, None).await,
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn patrol_page(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let community = own_community(
        &state,
        &actor,
        &[Role::GridWorker, Role::Staff, Role::Admin],
    )
    .await?;
    form_page(
        &state,
        ctx,
        Mode::Patrol,
        community,
        FormState::default(),
        q.done,
    )
    .await
}

async fn patrol(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    form: PageForm,
) -> Result<Response, PageError> {
    let community = own_community(
        &state,
        &actor,
        &[Role::GridWorker, Role::Staff, Role::Admin],
    )
    .await?;
    match submit(&state, &actor, Mode::Patrol, &community, &form, ctx.en()).await? {
        Ok(record) => Ok(Redirect::to(&format!("/g/patrol?done={}", record.code)).into_response()),
        Err(form) => form_page(&state, ctx, Mode::Patrol, community, form, None).await,
    }
}

#[derive(Deserialize)]
struct DuplicateQuery {
    building: Option<String>,
    entrance: Option<String>,
    category: Option<String>,
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesFragment {
    ctx: Ctx,
    items: Vec<RequestRecord>,
}

/// While staff type: requests at the same entrance in the same category, open or from the
/// last 30 days. An HTML fragment for the intake form.
async fn duplicates(
    State(state): State<AppState>,
    SignedIn(ctx, actor): SignedIn,
    Query(q): Query<DuplicateQuery>,
) -> Result<Response, PageError> {
    let community = own_community(&state, &actor, OFFICE).await?;
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let items = match (blank(q.building), blank(q.category)) {
        (Some(building), Some(category)) => {
            let since = (Utc::now() - Duration::days(30)).timestamp_millis();
            let entrance = blank(q.entrance);
            state
                .store
                .possible_duplicates(
                    community.id,
                    &building,
                    entrance.as_deref(),
                    &category,
                    since,
                )
                .await?
        }
        _ => Vec::new(),
    };
    Ok(render(&DuplicatesFragment { ctx, items }))
}
