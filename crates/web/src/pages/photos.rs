//! Serving stored photos to signed-in users: the full image and its thumbnail.

use super::ctx::SignedIn;
use super::form::PageError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/photos/{id}", get(full))
        .route("/photos/{id}/thumb", get(thumb))
}

async fn serve(state: &AppState, id: &str, thumbnail: bool) -> Result<Response, PageError> {
    let path = state
        .photos
        .path(id, thumbnail)
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "没有这张照片 / no such photo"))?;
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, "没有这张照片 / no such photo"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn full(
    State(state): State<AppState>,
    _user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &id, false).await
}

async fn thumb(
    State(state): State<AppState>,
    _user: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    serve(&state, &id, true).await
}
