//! The JSON API under `/api/v1` (docs/DESIGN.md's core contract). Every answer is JSON, errors
//! included: what axum or a layer refuses on its own is retold by [`json_errors`].

pub(crate) mod actions;
pub(crate) mod body;
mod checked;
pub mod doc;
mod docs;
mod meta;
mod requests;
pub(crate) mod schema;
mod stats;
pub(crate) mod view;

use crate::uploads::{api_body_within, API_BODY_LIMIT};
use crate::{AppError, AppState};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(requests::router())
        .merge(actions::router())
        .merge(stats::router())
        .merge(meta::router())
        .merge(docs::router())
        .layer(middleware::from_fn_with_state(
            API_BODY_LIMIT,
            api_body_within,
        ))
}

/// Middleware for the whole app: an error under `/api/` that is not JSON (axum's plain-text
/// rejection of a query string or path, an empty 405, a bare 413 or 408) is given the
/// API's `{error:{code,message}}` shape, keeping its status and its other headers.
pub async fn json_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let response = next.run(req).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if !said.is_empty() {
        said
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        // axum adds the `Allow` header after this layer has run.
        format!("{method} is not allowed here; the Allow header lists what is")
    } else {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    };
    let (json_parts, json_body) = AppError::from_status(status, message)
        .into_response()
        .into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, json_body)
}
