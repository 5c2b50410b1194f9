//! bangbang over HTTP. One router per feature, merged in [`app`], which `main` and the
//! tests share.

pub mod api;
pub mod auth;
pub mod config;
mod error;
pub mod pages;
pub mod transfer;

pub use config::WebConfig;
pub use error::AppError;

use axum::{middleware, routing::get, Router};
use bangbang_media::photos::PhotoStore;
use bangbang_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// What every handler can reach. Passed through axum's state, never a global.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Where uploaded photos are kept (content-addressed files).
    pub photos: Arc<PhotoStore>,
    /// Wrong phone digits given when rating, per request: the public rating form locks
    /// after a few, so the four digits cannot be guessed.
    pub rating_failures: Arc<std::sync::Mutex<std::collections::HashMap<i64, u32>>>,
    /// Limits and throttles.
    pub config: Arc<WebConfig>,
}

impl AppState {
    /// Photos go under `data_dir/photos`.
    pub fn new(store: Arc<dyn Store>, data_dir: impl Into<PathBuf>) -> AppState {
        let photos = PhotoStore::new(data_dir.into().join("photos"));
        AppState {
            store,
            photos: Arc::new(photos),
            rating_failures: Arc::default(),
            config: Arc::new(WebConfig::default()),
        }
    }

    /// The same state with other limits.
    pub fn with_config(mut self, config: WebConfig) -> AppState {
        self.config = Arc::new(config);
        self
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .merge(pages::router().layer(middleware::from_fn(pages::browser_cookies)))
        .fallback(not_found)
        .with_state(state)
}

/// Unknown addresses: a friendly page for browsers, JSON for everyone else.
async fn not_found(headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        pages::not_found_page()
    } else {
        AppError::NotFound("no such page or endpoint".into()).into_response()
    }
}

async fn healthz() -> &'static str {
    "ok"
}
