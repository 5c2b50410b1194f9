//! `POST /requests`, `GET /requests`, `GET /requests/{id}`.

use super::body::Body;
use super::checked::{check, refuse};
use super::schema::{ErrorBody, NewRequest, RequestPage};
use super::view::RequestView;
use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use bangbang_domain::validation::{Code, Problem};
use bangbang_domain::{
    category::CategoryCode,
    lifecycle::Status,
    request::{Channel, RequestInput},
    time::{parse_date, Period},
    validation::FieldErrors,
    Actor, PlaceId, RequestId, Role,
};
use bangbang_store::{Cursor, RequestFilter, RequestRecord, StoreError};
use chrono::Utc;
use serde::Deserialize;
use tracing::instrument;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests", post(create).get(list))
        .route("/requests/{id}", get(show))
}

#[utoipa::path(
    post,
    path = "/requests",
    operation_id = "createRequest",
    tag = "requests",
    summary = "File a request (居民点单 / 接诉)",
    request_body(content = NewRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Filed: the new request, with the actions now possible.", body = RequestView),
        (status = 400, description = "The body is not JSON.", body = ErrorBody),
        (status = 401, description = "No valid API token.", body = ErrorBody),
        (status = 403, description = "The caller's role may not file requests, or the community is outside their scope.", body = ErrorBody),
        (status = 413, description = "The body is too large.", body = ErrorBody),
        (status = 422, description = "Some fields are not valid; each is named.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
#[instrument(skip_all, fields(actor = %actor.username))]
pub(crate) async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    body: Body,
) -> Result<(StatusCode, Json<RequestView>), AppError> {
    if !actor.may_create_requests() {
        return Err(AppError::Forbidden(format!(
            "a {} cannot file requests",
            actor.role.as_str()
        )));
    }
    let mut errors = FieldErrors::new();
    let mut input = RequestInput {
        community: body.text(&mut errors, "community"),
        channel: body.text(&mut errors, "channel"),
        category: body.text(&mut errors, "category"),
        urgency: body.text(&mut errors, "urgency"),
        reporter_name: body.text(&mut errors, "reporter.name"),
        reporter_phone: body.text(&mut errors, "reporter.phone"),
        building: body.text(&mut errors, "address.building"),
        entrance: body.text(&mut errors, "address.entrance"),
        room: body.text(&mut errors, "address.room"),
        description: body.text(&mut errors, "description"),
        reported_at: body.text(&mut errors, "reported_at"),
    };
    // A grid worker files what they saw on patrol, in their own name unless told otherwise.
    if actor.role == Role::GridWorker {
        input
            .channel
            .get_or_insert_with(|| Channel::GridPatrol.as_str().into());
        input
            .reporter_name
            .get_or_insert_with(|| actor.display_name.clone());
    }
    let now = Utc::now();
    let input_refs = (input.community.clone(), input.category.clone());
    let draft = match input.parse(now) {
        Ok(draft) if errors.is_empty() => {
            // The domain is content; the document must agree too.
            check(&body, "NewRequest")?;
            draft
        }
        Ok(_) => return Err(refuse(&body, "NewRequest", errors)),
        Err(more) => {
            // Say what else is wrong too, so the form can be fixed in one go.
            errors.merge(more);
            errors.merge(reference_errors(&state, &input_refs).await?);
            return Err(refuse(&body, "NewRequest", errors));
        }
    };
    let record = state.store.create_request(&actor, draft, None, now).await?;
    tracing::info!(code = %record.code, "request created");
    Ok((
        StatusCode::CREATED,
        Json(RequestView::new(&record, &actor, now)),
    ))
}

/// Unknown community or category, checked against the store.
async fn reference_errors(
    state: &AppState,
    (community, category): &(Option<String>, Option<String>),
) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::new();
    if let Some(slug) = community
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match state.store.community(slug).await {
            Ok(_) => {}
            Err(StoreError::NotFound(_)) => errors.add(
                "community",
                unknown(Code::UnknownCommunity, "community", slug),
            ),
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(code) = category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let categories = state.store.categories().await?;
        if !categories.iter().any(|c| c.code == code) {
            errors.add("category", unknown(Code::UnknownCategory, "category", code));
        }
    }
    Ok(errors)
}

/// Narrowing a list; every parameter is optional.
#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only requests in this state.
    #[param(value_type = Option<Status>)]
    status: Option<String>,
    /// A category code from `GET /categories`.
    #[param(value_type = Option<String>, pattern = "^[a-z0-9_]{1,40}$")]
    category: Option<String>,
    #[param(value_type = Option<Channel>)]
    channel: Option<String>,
    /// A community slug in the caller's scope (403 outside it).
    #[param(value_type = Option<String>, pattern = "^[a-z0-9-]{1,40}$")]
    community: Option<String>,
    /// Reported on or after this local date.
    #[param(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$", example = "2024-07-01")]
    from: Option<String>,
    /// Reported on or before this local date.
    #[param(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$", example = "2024-11-15")]
    to: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(value_type = Option<String>, pattern = "^-?[0-9]{1,15}_[0-9]{1,15}$")]
    cursor: Option<String>,
    /// Page size (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    limit: Option<String>,
}

/// A query parameter as given: the API takes its values exactly as documented, so an
/// empty one (`?status=`) is refused rather than taken as absent.
pub(crate) fn given<'a>(
    errors: &mut FieldErrors,
    field: &str,
    v: &'a Option<String>,
) -> Option<&'a str> {
    match v.as_deref() {
        Some("") => {
            errors.add(field, "must not be empty: leave the parameter out instead");
            None
        }
        other => other,
    }
}

/// Reads a `from`/`to` pair of local dates (`YYYY-MM-DD`, from 1900 on, as documented) into
/// a UTC millisecond range. A `to` before `from` is an empty period, not an error.
pub(crate) fn period(
    errors: &mut FieldErrors,
    from: Option<&str>,
    to: Option<&str>,
) -> (Option<i64>, Option<i64>) {
    let mut date = |field: &str, text: Option<&str>| {
        text.and_then(|t| {
            // Exactly `YYYY-MM-DD`: chrono alone would also take `2024-7-1`.
            let shaped = t.len() == 10
                && t.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            shaped.then(|| parse_date(t)).flatten().or_else(|| {
                errors.add(field, "must be a date like 2024-07-01");
                None
            })
        })
    };
    let period = Period {
        from: date("from", from),
        to: date("to", to),
    };
    let (start, end) = period.bounds_ms();
    (period.from.map(|_| start), period.to.map(|_| end))
}

/// Resolves `?community=slug` to an id the actor may see.
pub(crate) async fn community_filter(
    state: &AppState,
    actor: &Actor,
    errors: &mut FieldErrors,
    slug: Option<&str>,
) -> Result<Option<PlaceId>, AppError> {
    let Some(slug) = slug else { return Ok(None) };
    match state.store.community(slug).await {
        Ok(c) if actor.covers(&c.path()) => Ok(Some(c.id)),
        Ok(_) => Err(AppError::Forbidden(format!(
            "the community {slug:?} is outside your scope"
        ))),
        Err(StoreError::NotFound(_)) => {
            errors.add(
                "community",
                unknown(Code::UnknownCommunity, "community", slug),
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(
    get,
    path = "/requests",
    operation_id = "listRequests",
    tag = "requests",
    summary = "List requests in the caller's view, newest first (keyset pages)",
    params(ListQuery),
    responses(
        (status = 200, description = "One page.", body = RequestPage),
        (status = 400, description = "The query string does not parse (a parameter given twice, say).", body = ErrorBody),
        (status = 401, description = "No valid API token.", body = ErrorBody),
        (status = 403, description = "The community is outside the caller's scope.", body = ErrorBody),
        (status = 422, description = "Some parameters are not valid; each is named.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
#[instrument(skip_all, fields(actor = %actor.username))]
pub(crate) async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ListQuery>,
) -> Result<Json<RequestPage>, AppError> {
    let mut errors = FieldErrors::new();
    let status = given(&mut errors, "status", &q.status).and_then(|s| {
        Status::parse(s).or_else(|| {
            errors.add("status", format!("unknown status {s:?}"));
            None
        })
    });
    let channel = given(&mut errors, "channel", &q.channel).and_then(|s| {
        Channel::parse(s).or_else(|| {
            errors.add("channel", unknown(Code::UnknownChannel, "channel", s));
            None
        })
    });
    let category = given(&mut errors, "category", &q.category).and_then(|s| {
        CategoryCode::parse(s).or_else(|| {
            errors.add("category", unknown(Code::UnknownCategory, "category", s));
            None
        })
    });
    let cursor = given(&mut errors, "cursor", &q.cursor).and_then(|s| {
        Cursor::decode(s).or_else(|| {
            errors.add("cursor", "is not a cursor this server gave out");
            None
        })
    });
    let limit = match given(&mut errors, "limit", &q.limit).map(str::parse::<u32>) {
        None => 50,
        Some(Ok(n)) if (1..=200).contains(&n) => n,
        Some(_) => {
            errors.add("limit", "must be a whole number from 1 to 200");
            50
        }
    };
    let from = given(&mut errors, "from", &q.from);
    let to = given(&mut errors, "to", &q.to);
    let (from_ms, to_ms) = period(&mut errors, from, to);
    let community = given(&mut errors, "community", &q.community);
    let community_id = community_filter(&state, &actor, &mut errors, community).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // From the actor: their scope, and for a volunteer the pool plus their own jobs.
    let filter = RequestFilter {
        community_id,
        status,
        category,
        channel,
        from_ms,
        to_ms,
        cursor,
        limit,
        ..RequestFilter::for_actor(&actor)
    };
    let page = state.store.list_requests(&filter).await?;
    state.reads.log(&actor, &page.items).await?;
    let now = Utc::now();
    let items: Vec<RequestView> = page
        .items
        .iter()
        .map(|r| RequestView::new(r, &actor, now))
        .collect();
    Ok(Json(RequestPage {
        items,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Finds a request by numeric id or by its code, as the actor may see it (404 otherwise).
pub(crate) async fn visible_request(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<RequestRecord, AppError> {
    let record = request_in_scope(state, actor, id).await?;
    actor
        .can_see(&record.facts())
        .map_err(|_| AppError::NotFound(format!("request {id} not found")))?;
    Ok(record)
}

/// Finds a request by numeric id or by its code within the actor's scope (404 otherwise).
/// Finer rules (who may act in which state) are the store's to check.
pub(crate) async fn request_in_scope(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<RequestRecord, AppError> {
    let record = match id.parse::<RequestId>() {
        Ok(n) => state.store.request(n).await,
        Err(_) => state.store.request_by_code(id).await,
    };
    let record = record.map_err(|e| match e {
        StoreError::NotFound(_) => AppError::NotFound(format!("request {id} not found")),
        other => other.into(),
    })?;
    if !actor.covers(&record.facts().path) {
        return Err(AppError::NotFound(format!("request {id} not found")));
    }
    Ok(record)
}

#[utoipa::path(
    get,
    path = "/requests/{id}",
    operation_id = "getRequest",
    tag = "requests",
    summary = "One request with its ledger (events, oldest first)",
    params(("id" = String, Path, description = "The request's id or its code (`LXL-20240703-007`).")),
    responses(
        (status = 200, description = "The request, with `events`.", body = RequestView),
        (status = 401, description = "No valid API token.", body = ErrorBody),
        (status = 404, description = "No such request in the caller's view.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
#[instrument(skip_all, fields(actor = %actor.username, id = %id))]
pub(crate) async fn show(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, AppError> {
    let record = visible_request(&state, &actor, &id).await?;
    let events = state.store.events(record.id).await?;
    let view = RequestView::new(&record, &actor, Utc::now()).with_events(&events);
    state
        .reads
        .log(&actor, std::slice::from_ref(&record))
        .await?;
    Ok(Json(view))
}

/// `unknown community "x"`, with its code.
fn unknown(code: Code, what: &str, given: &str) -> Problem {
    Problem::new(code, format!("unknown {what} {given:?}"))
}
