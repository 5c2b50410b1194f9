//! Serving stored photos to signed-in users: the full image and its thumbnail. A photo is
//! reached through its request, and shown only to who may see that request.

use super::ctx::SignedIn;
use super::form::PageError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bangbang_domain::{Actor, RequestId};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests/{request}/photos/{id}", get(full))
        .route("/requests/{request}/photos/{id}/thumb", get(thumb))
}

fn no_photo() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "没有这张照片 / no such photo")
}

async fn serve(
    state: &AppState,
    actor: &Actor,
    request_id: RequestId,
    id: &str,
    thumbnail: bool,
) -> Result<Response, PageError> {
    // The same answer for a request that is not there, one the viewer may not see, and
    // a photo that is not the request's: nothing to learn by trying ids.
    let request = state
        .store
        .request(request_id)
        .await
        .map_err(|_| no_photo())?;
    actor.can_see(&request.facts()).map_err(|_| no_photo())?;
    if !request.photos.iter().any(|p| p == id) {
        return Err(no_photo());
    }
    let path = state.photos.path(id, thumbnail).ok_or_else(no_photo)?;
    let bytes = tokio::fs::read(path).await.map_err(|_| no_photo())?;
    // Photos may show a resident's home: like every page with personal data, not cached.
    Ok(([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response())
}

async fn full(
    State(state): State<AppState>,
    SignedIn(_, actor): SignedIn,
    Path((request, id)): Path<(RequestId, String)>,
) -> Result<Response, PageError> {
    serve(&state, &actor, request, &id, false).await
}

async fn thumb(
    State(state): State<AppState>,
    SignedIn(_, actor): SignedIn,
    Path((request, id)): Path<(RequestId, String)>,
) -> Result<Response, PageError> {
    serve(&state, &actor, request, &id, true).await
}
