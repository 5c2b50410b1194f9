//! The JSON API under `/api/v1` (DESIGN.md's core contract).

pub(crate) mod actions;
pub(crate) mod body;
mod meta;
mod requests;
mod stats;
pub(crate) mod view;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(requests::router())
        .merge(actions::router())
        .merge(stats::router())
        .merge(meta::router())
}
