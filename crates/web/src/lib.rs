//! bangbang over HTTP. One router per feature, merged in [`app`], which `main` and the
//! tests share.

pub mod api;
pub mod auth;
mod error;

pub use error::AppError;

use axum::{routing::get, Router};
use bangbang_store::Store;
use std::sync::Arc;

/// What every handler can reach. Passed through axum's state, never a global.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState { store }
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .fallback(|| async { AppError::NotFound("no such page or endpoint".into()) })
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}
