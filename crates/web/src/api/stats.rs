//! `GET /stats?community=&from=&to=`: the figures of docs/DESIGN.md for a period and scope.

use super::requests::{community_filter, given, period};
use super::schema::{Definitions, ErrorBody, PeriodView, StatsView};
use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bangbang_domain::{time::to_ms, validation::FieldErrors, Role};
use bangbang_store::{Reach, StatsScope};
use chrono::Utc;
use serde::Deserialize;
use tracing::instrument;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats))
}

/// The period and scope of the figures; every parameter is optional.
#[derive(Deserialize, Default, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsQuery {
    /// A community slug in the caller's scope (403 outside it); default: the whole scope.
    #[param(value_type = Option<String>, pattern = "^[a-z0-9-]{1,40}$")]
    community: Option<String>,
    /// First local date of the period (included).
    #[param(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$", example = "2024-07-01")]
    from: Option<String>,
    /// Last local date of the period (included).
    #[param(value_type = Option<String>, format = Date, pattern = "^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$", example = "2024-11-15")]
    to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/stats",
    operation_id = "getStats",
    tag = "figures",
    summary = "The mid-term figures for a period and scope, with the four rates",
    params(StatsQuery),
    responses(
        (status = 200, description = "The figures.", body = StatsView),
        (status = 400, description = "The query string does not parse (a parameter given twice, say).", body = ErrorBody),
        (status = 401, description = "No valid API token.", body = ErrorBody),
        (status = 403, description = "Volunteers do not see figures; or the community is outside the caller's scope.", body = ErrorBody),
        (status = 422, description = "Some parameters are not valid; each is named.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
#[instrument(skip_all, fields(actor = %actor.username))]
pub(crate) async fn stats(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<StatsQuery>,
) -> Result<Json<StatsView>, AppError> {
    if actor.role == Role::Volunteer {
        return Err(AppError::Forbidden(
            "volunteers do not see the community's figures".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let from = given(&mut errors, "from", &q.from).map(String::from);
    let to = given(&mut errors, "to", &q.to).map(String::from);
    let community = given(&mut errors, "community", &q.community).map(String::from);
    let (from_ms, until_ms) = period(&mut errors, from.as_deref(), to.as_deref());
    let community_id = community_filter(&state, &actor, &mut errors, community.as_deref()).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let scope = StatsScope {
        reach: Reach::of(&actor),
        community_id,
        from_ms,
        to_ms: until_ms,
        now_ms: to_ms(Utc::now()),
    };
    let report = state.store.stats(&scope).await?;
    Ok(Json(StatsView {
        report,
        period: PeriodView { from, to },
        community,
        definitions: Definitions::FIGURES,
    }))
}
