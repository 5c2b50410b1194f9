//! Reference data and the API's own description: `/me`, `/communities`, `/categories`,
//! `/openapi.json`.

use super::schema::{CategoryList, CommunityList, ErrorBody, Me};
use crate::auth::CurrentActor;
use crate::{AppError, AppState};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/communities", get(communities))
        .route("/categories", get(categories))
        .route("/openapi.json", get(openapi))
}

#[utoipa::path(
    get,
    path = "/me",
    operation_id = "getMe",
    tag = "reference",
    summary = "Who the token belongs to",
    responses(
        (status = 200, description = "The account.", body = Me),
        (status = 401, description = "No valid API token.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn me(CurrentActor(actor): CurrentActor) -> Json<Me> {
    Json(Me {
        id: actor.user_id,
        username: actor.username,
        display_name: actor.display_name,
        role: actor.role,
        scope: actor.scope.place(),
        skills: actor.skills,
    })
}

#[utoipa::path(
    get,
    path = "/communities",
    operation_id = "listCommunities",
    tag = "reference",
    summary = "The communities in the caller's scope",
    responses(
        (status = 200, description = "The communities.", body = CommunityList),
        (status = 401, description = "No valid API token.", body = ErrorBody),
    ),
    security(("bearerAuth" = []))
)]
pub(crate) async fn communities(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<CommunityList>, AppError> {
    let items: Vec<_> = state
        .store
        .communities()
        .await?
        .into_iter()
        .filter(|c| actor.covers(&c.path()))
        .collect();
    Ok(Json(CommunityList { items }))
}

#[utoipa::path(
    get,
    path = "/categories",
    operation_id = "listCategories",
    tag = "reference",
    summary = "The deployment's categories (no token needed)",
    responses((status = 200, description = "The categories, in their configured order.", body = CategoryList)),
    security(())
)]
pub(crate) async fn categories(
    State(state): State<AppState>,
) -> Result<Json<CategoryList>, AppError> {
    Ok(Json(CategoryList {
        items: state.store.categories().await?,
    }))
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "getOpenApi",
    tag = "reference",
    summary = "This document (no token needed)",
    responses((status = 200, description = "The OpenAPI 3.1 document, with this deployment's communities and categories.", content_type = "application/json", body = Object)),
    security(())
)]
pub(crate) async fn openapi(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let communities: Vec<String> = state
        .store
        .communities()
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let categories: Vec<String> = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| c.code.to_string())
        .collect();
    Ok(Json(super::doc::for_deployment(&communities, &categories)))
}
