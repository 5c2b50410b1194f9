//! `GET /stats?community=&from=&to=`: the figures of docs/DESIGN.md for a period and scope.

use super::requests::{community_filter, period};
use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use bangbang_domain::{time::to_ms, validation::FieldErrors, Role};
use bangbang_store::{Reach, StatsScope};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::instrument;

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatsQuery {
    community: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[instrument(skip_all, fields(actor = %actor.username))]
async fn stats(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Value>, AppError> {
    if actor.role == Role::Volunteer {
        return Err(AppError::Forbidden(
            "volunteers do not see the community's figures".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let trim = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let (from, to, community) = (trim(&q.from), trim(&q.to), trim(&q.community));
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
    let mut body = serde_json::to_value(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    body["period"] = json!({ "from": from, "to": to });
    body["community"] = json!(community);
    body["definitions"] = json!({
        "received": "requests reported in the period (both dates included, Asia/Shanghai days)",
        "resolved": "of those, resolved now (已办结 or 已回访)",
        "long_term": "of those, in long-term follow-up now (长期跟进)",
        "open": "of those, still waiting on someone: submitted, pooled, dispatched, accepted or in progress",
        "overdue": "of the open ones, past their resolve-by deadline, or not yet acted on past their respond-by deadline",
        "entrances": "distinct entrances (门) with a request in the category; resolved_entrances counts those where one was resolved",
    });
    Ok(Json(body))
}
