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

use crate::uploads::{page_body_within, FORM_BODY_LIMIT, IMPORT_BODY_LIMIT, PHOTO_FORM_BODY_LIMIT};
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

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
    let forms = Router::new()
        .merge(session::router())
        .merge(track::router())
        .merge(desk::router())
        .merge(volunteer::router())
        .merge(volunteers::router())
        .merge(ledger::router())
        .merge(dashboard::router())
        .merge(photos::router())
        .merge(report::router())
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js));
    // Each group takes bodies only as large as its forms need.
    body_limit(forms, FORM_BODY_LIMIT)
        .merge(body_limit(intake::router(), PHOTO_FORM_BODY_LIMIT))
        .merge(body_limit(files::router(), IMPORT_BODY_LIMIT))
}

fn body_limit(routes: Router<AppState>, limit: usize) -> Router<AppState> {
    routes
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(limit, page_body_within))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}
