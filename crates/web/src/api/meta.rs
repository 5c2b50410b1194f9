//! Reference data and the API's own description: `/me`, `/communities`, `/categories`,
//! `/openapi.json`.

use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The OpenAPI 3.1 description of this API, kept beside the code it describes.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/communities", get(communities))
        .route("/categories", get(categories))
        .route("/openapi.json", get(openapi))
}

async fn me(CurrentActor(actor): CurrentActor) -> Json<Value> {
    Json(json!({
        "id": actor.user_id,
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role,
        "scope": actor.scope,
        "skills": actor.skills,
    }))
}

async fn communities(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<Value>, AppError> {
    let list: Vec<_> = state
        .store
        .communities()
        .await?
        .into_iter()
        .filter(|c| actor.covers(&c.path()))
        .collect();
    Ok(Json(json!({ "items": list })))
}

async fn categories(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    Ok(Json(json!({ "items": state.store.categories().await? })))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
