//! The web desk: pages for residents, staff, grid workers, volunteers and supervisors,
//! Chinese first with an English switch. Plain forms (every one CSRF-checked), a few lines
//! of JavaScript for conveniences, no build step.

mod ctx;
pub(crate) mod dashboard;
mod desk;
mod files;
mod form;
pub mod i18n;
mod intake;
pub mod ledger;
mod photos;
pub mod report;
mod session;
mod state;
mod track;
mod volunteer;
mod volunteers;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use bangbang_media::photos::MAX_UPLOAD_BYTES;

pub use ctx::browser_cookies;
pub use form::PageError;

/// The friendly page for an address that does not exist.
pub fn not_found_page() -> axum::response::Response {
    use axum::response::IntoResponse;
    form::PageError::new(
        axum::http::StatusCode::NOT_FOUND,
        "没有这个页面 / there is no such page",
    )
    .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(intake::router())
        .merge(track::router())
        .merge(desk::router())
        .merge(volunteer::router())
        .merge(volunteers::router())
        .merge(ledger::router())
        .merge(dashboard::router())
        .merge(photos::router())
        .merge(report::router())
        .merge(files::router())
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        // Room for one photo plus the form around it.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 256 * 1024))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}
