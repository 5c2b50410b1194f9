//! `POST /requests/{id}/{action}`: one lifecycle step. The body is read into a domain
//! [`Action`]; the store checks role, scope and state in the same transaction that records
//! the event.

use super::body::Body;
use super::checked::{check, refuse};
use super::requests::request_in_scope;
use super::schema::{
    CloseBody, DispatchBody, EmptyBody, ErrorBody, FollowUpBody, NoteBody, ReasonBody, ResolveBody,
    ReviewBody,
};
use super::view::RequestView;
use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use bangbang_domain::{
    action_input::{self, ActionRequest},
    lifecycle::{Action, ActionKind, DispatchTarget},
    validation::FieldErrors,
    Role,
};
use bangbang_store::StoreError;
use chrono::{DateTime, Utc};
use tracing::instrument;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests/{id}/dispatch", post(dispatch))
        .route("/requests/{id}/accept", post(accept))
        .route("/requests/{id}/decline", post(decline))
        .route("/requests/{id}/start", post(start))
        .route("/requests/{id}/resolve", post(resolve))
        .route("/requests/{id}/follow-up", post(follow_up))
        .route("/requests/{id}/review", post(review))
        .route("/requests/{id}/reopen", post(reopen))
        .route("/requests/{id}/close", post(close))
        .route("/requests/{id}/notes", post(notes))
}

/// One operation per action, each with its own body in the document. `$schema` names the
/// body's schema, which the body is checked against before the domain reads it.
macro_rules! action {
    ($name:ident, $kind:expr, $path:literal, $op:literal, $body:ty, $schema:literal, $summary:literal) => {
        #[utoipa::path(
            post,
            path = $path,
            operation_id = $op,
            tag = "actions",
            summary = $summary,
            params(("id" = String, Path, description = "The request's id or its code (`LXL-20240703-007`).")),
            request_body(content = $body, content_type = "application/json"),
            responses(
                (status = 200, description = "Done: the request as it is now.", body = RequestView),
                (status = 400, description = "The body is not JSON.", body = ErrorBody),
                (status = 401, description = "No valid API token.", body = ErrorBody),
                (status = 403, description = "The caller's role may not do this.", body = ErrorBody),
                (status = 404, description = "No such request in the caller's view.", body = ErrorBody),
                (status = 409, description = "Not allowed in the request's current state; nothing changed.", body = ErrorBody),
                (status = 413, description = "The body is too large.", body = ErrorBody),
                (status = 422, description = "Some fields are not valid; each is named.", body = ErrorBody),
            ),
            security(("bearerAuth" = []))
        )]
        async fn $name(
            State(state): State<AppState>,
            CurrentActor(actor): CurrentActor,
            Path(id): Path<String>,
            body: Body,
        ) -> Result<Json<RequestView>, AppError> {
            act(state, actor, id, $kind, body, $schema).await
        }
    };
}

action!(
    dispatch,
    ActionKind::Dispatch,
    "/requests/{id}/dispatch",
    "dispatchRequest",
    DispatchBody,
    "DispatchBody",
    "Dispatch (派单) to a volunteer, a partner or the pool"
);
action!(
    accept,
    ActionKind::Accept,
    "/requests/{id}/accept",
    "acceptRequest",
    EmptyBody,
    "EmptyBody",
    "Accept (接单) a job dispatched to you, or claim one from the pool"
);
action!(
    decline,
    ActionKind::Decline,
    "/requests/{id}/decline",
    "declineRequest",
    ReasonBody,
    "ReasonBody",
    "Decline (退单) a job dispatched to you"
);
action!(
    start,
    ActionKind::Start,
    "/requests/{id}/start",
    "startRequest",
    EmptyBody,
    "EmptyBody",
    "Start (开始处置) an accepted job"
);
action!(
    resolve,
    ActionKind::Resolve,
    "/requests/{id}/resolve",
    "resolveRequest",
    ResolveBody,
    "ResolveBody",
    "Resolve (办结) with what was done and the hours spent"
);
action!(
    follow_up,
    ActionKind::FollowUp,
    "/requests/{id}/follow-up",
    "followUpRequest",
    FollowUpBody,
    "FollowUpBody",
    "Move to long-term follow-up (长期跟进)"
);
action!(
    review,
    ActionKind::Review,
    "/requests/{id}/review",
    "reviewRequest",
    ReviewBody,
    "ReviewBody",
    "Record the call-back (回访) and the resident's satisfaction"
);
action!(
    reopen,
    ActionKind::Reopen,
    "/requests/{id}/reopen",
    "reopenRequest",
    ReasonBody,
    "ReasonBody",
    "Reopen (重办) a resolved request"
);
action!(
    close,
    ActionKind::Close,
    "/requests/{id}/close",
    "closeRequest",
    CloseBody,
    "CloseBody",
    "Close (关闭) as a duplicate, withdrawn or out of remit"
);
action!(
    notes,
    ActionKind::Note,
    "/requests/{id}/notes",
    "addNote",
    NoteBody,
    "NoteBody",
    "Add a note (备注) to the record"
);

#[instrument(skip_all, fields(actor = %actor.username, id = %id, action = kind.as_str()))]
async fn act(
    state: AppState,
    actor: bangbang_domain::Actor,
    id: String,
    kind: ActionKind,
    body: Body,
    schema: &str,
) -> Result<Json<RequestView>, AppError> {
    let record = request_in_scope(&state, &actor, &id).await?;
    // Nothing, not even a complaint about the body, for a request the actor may not see.
    if actor.role_may(kind) && !bangbang_domain::decision::answers_to(&actor, &record.facts(), kind)
    {
        return Err(AppError::NotFound(format!("request {id} not found")));
    }
    let now = Utc::now();
    // The domain reads the body; the document's schema must agree with it too (types,
    // lengths, patterns), and every bad field is named either way.
    let action = match read_action(&state, kind, &body, now).await {
        Ok(action) => {
            check(&body, schema)?;
            action
        }
        Err(AppError::Invalid(errors)) => return Err(refuse(&body, schema, errors)),
        Err(e) => return Err(e),
    };
    let record = state.store.apply(&actor, record.id, action, now).await?;
    Ok(Json(RequestView::new(&record, &actor, now)))
}

/// Reads an action's body into a domain [`Action`] (the domain checks every field), then
/// finds the volunteer a dispatch names.
pub(crate) async fn read_action(
    state: &AppState,
    kind: ActionKind,
    body: &Body,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    match action_input::read_action(kind, body, now).map_err(AppError::Invalid)? {
        ActionRequest::Ready(action) => Ok(action),
        ActionRequest::DispatchToVolunteer { username } => {
            match state.store.user_by_name(&username).await {
                Ok(user) if user.role == Role::Volunteer && user.active => Ok(Action::Dispatch {
                    target: DispatchTarget::Volunteer {
                        id: user.id,
                        name: user.display_name,
                    },
                }),
                Ok(_) | Err(StoreError::NotFound(_)) => {
                    let mut errors = FieldErrors::new();
                    errors.add("volunteer", format!("no active volunteer {username:?}"));
                    Err(AppError::Invalid(errors))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
