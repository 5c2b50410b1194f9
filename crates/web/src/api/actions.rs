//! `POST /requests/{id}/{action}`: one lifecycle step. The body is read into a domain
//! [`Action`]; the store checks role, scope and state in the same transaction that records
//! the event.

use super::body::Body;
use super::requests::request_in_scope;
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
    Router::new().route("/requests/{id}/{action}", post(act))
}

#[instrument(skip_all, fields(actor = %actor.username, id = %id, action = %name))]
async fn act(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path((id, name)): Path<(String, String)>,
    body: Body,
) -> Result<Json<RequestView>, AppError> {
    let kind = ActionKind::parse(&name).ok_or_else(|| {
        AppError::NotFound(format!(
            "no action {name:?}; actions are dispatch, accept, decline, start, resolve, follow-up, review, reopen, close, notes"
        ))
    })?;
    let record = request_in_scope(&state, &actor, &id).await?;
    // Nothing, not even a complaint about the body, for a request the actor may not see.
    if actor.role_may(kind) && !bangbang_domain::decision::answers_to(&actor, &record.facts(), kind)
    {
        return Err(AppError::NotFound(format!("request {id} not found")));
    }
    let now = Utc::now();
    let action = read_action(&state, kind, &body, now).await?;
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
