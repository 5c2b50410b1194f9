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
    lifecycle::{Action, ActionKind, CloseReason, DispatchTarget, Satisfaction},
    request::MAX_NOTE,
    time::parse_instant,
    validation::{optional_text, required_text, FieldErrors},
    Role,
};
use bangbang_store::StoreError;
use chrono::{DateTime, Duration, Utc};
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

/// Reads an action's body into a domain [`Action`], with every bad field reported.
/// The furthest ahead a follow-up can be set: two years. Later than that is a typo.
const FOLLOW_UP_MAX_DAYS: i64 = 731;

pub(crate) async fn read_action(
    state: &AppState,
    kind: ActionKind,
    body: &Body,
    now: DateTime<Utc>,
) -> Result<Action, AppError> {
    let mut e = FieldErrors::new();
    let action = match kind {
        ActionKind::Dispatch => Action::Dispatch {
            target: dispatch_target(state, body, &mut e).await?,
        },
        ActionKind::Accept => Action::Accept,
        ActionKind::Start => Action::Start,
        ActionKind::Decline => Action::Decline {
            reason: required(body, &mut e, "reason"),
        },
        ActionKind::Reopen => Action::Reopen {
            reason: required(body, &mut e, "reason"),
        },
        ActionKind::Note => Action::Note {
            text: required(body, &mut e, "text"),
        },
        ActionKind::Resolve => {
            let outcome = required(body, &mut e, "outcome");
            let hours = body.number(&mut e, "hours").unwrap_or(0.0);
            if !(0.0..=100.0).contains(&hours) {
                e.add("hours", "must be between 0 and 100");
            }
            Action::Resolve {
                outcome,
                minutes: (hours * 60.0).round() as u32,
            }
        }
        ActionKind::FollowUp => {
            let note = required(body, &mut e, "note");
            let next_at = match body.text(&mut e, "next_at") {
                None => {
                    e.add("next_at", "is required: when to follow up next");
                    now
                }
                Some(text) => match parse_instant(&text) {
                    Some(at) if at < now - Duration::days(1) => {
                        e.add("next_at", "is in the past");
                        now
                    }
                    Some(at) if at > now + Duration::days(FOLLOW_UP_MAX_DAYS) => {
                        e.add(
                            "next_at",
                            bangbang_domain::validation::Problem::new(
                                bangbang_domain::validation::Code::TooFarAhead,
                                "is more than two years ahead",
                            ),
                        );
                        now
                    }
                    Some(at) => at,
                    None => {
                        e.add(
                            "next_at",
                            "must be a date like 2024-08-01 or 2024-08-01 09:00",
                        );
                        now
                    }
                },
            };
            Action::FollowUp { note, next_at }
        }
        ActionKind::Review => {
            let satisfaction = match body.text(&mut e, "satisfaction") {
                None => {
                    e.add(
                        "satisfaction",
                        "is required: satisfied, basic or unsatisfied",
                    );
                    Satisfaction::Satisfied
                }
                Some(text) => Satisfaction::parse(&text).unwrap_or_else(|| {
                    e.add("satisfaction", "must be satisfied, basic or unsatisfied");
                    Satisfaction::Satisfied
                }),
            };
            let note = optional(body, &mut e, "note");
            Action::Review { satisfaction, note }
        }
        ActionKind::Close => {
            let reason = match body.text(&mut e, "reason") {
                None => {
                    e.add(
                        "reason",
                        "is required: duplicate, withdrawn or out_of_remit",
                    );
                    CloseReason::Withdrawn
                }
                Some(text) => CloseReason::parse(&text).unwrap_or_else(|| {
                    e.add("reason", "must be duplicate, withdrawn or out_of_remit");
                    CloseReason::Withdrawn
                }),
            };
            let duplicate_of = body
                .text(&mut e, "duplicate_of")
                .filter(|s| !s.trim().is_empty());
            if reason == CloseReason::Duplicate && duplicate_of.is_none() {
                e.add(
                    "duplicate_of",
                    "is required: the code of the request this one duplicates",
                );
            }
            let note = optional(body, &mut e, "note");
            if reason == CloseReason::OutOfRemit && note.is_empty() {
                e.add("note", "is required: say where the request was referred");
            }
            Action::Close {
                reason,
                duplicate_of,
                note,
            }
        }
    };
    e.into_result(action).map_err(AppError::Invalid)
}

fn required(body: &Body, errors: &mut FieldErrors, field: &str) -> String {
    let value = body.text(errors, field);
    required_text(errors, field, value.as_deref(), MAX_NOTE)
}

fn optional(body: &Body, errors: &mut FieldErrors, field: &str) -> String {
    let value = body.text(errors, field);
    optional_text(errors, field, value.as_deref(), MAX_NOTE).unwrap_or_default()
}

/// `{volunteer: "name" | id}`, `{partner: "name"}` or `{pool: true}`: exactly one.
async fn dispatch_target(
    state: &AppState,
    body: &Body,
    errors: &mut FieldErrors,
) -> Result<DispatchTarget, AppError> {
    let volunteer = body
        .text(errors, "volunteer")
        .filter(|s| !s.trim().is_empty());
    let partner = optional(body, errors, "partner");
    let pool = body.flag(errors, "pool");
    let given =
        usize::from(volunteer.is_some()) + usize::from(!partner.is_empty()) + usize::from(pool);
    if given != 1 {
        errors.add(
            "volunteer",
            "give exactly one of volunteer, partner or pool: true",
        );
        return Ok(DispatchTarget::Pool);
    }
    if pool {
        return Ok(DispatchTarget::Pool);
    }
    if !partner.is_empty() {
        return Ok(DispatchTarget::Partner { name: partner });
    }
    let name = volunteer.unwrap_or_default();
    match state.store.user_by_name(name.trim()).await {
        Ok(user) if user.role == Role::Volunteer && user.active => Ok(DispatchTarget::Volunteer {
            id: user.id,
            name: user.display_name,
        }),
        Ok(_) | Err(StoreError::NotFound(_)) => {
            errors.add("volunteer", format!("no active volunteer {name:?}"));
            Ok(DispatchTarget::Pool)
        }
        Err(e) => Err(e.into()),
    }
}
