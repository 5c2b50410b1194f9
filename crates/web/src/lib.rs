//! bangbang over HTTP. One router per feature, merged in [`app`], which `main` and the
//! tests share, and served by [`server::serve`].

pub mod api;
pub mod auth;
pub mod config;
mod error;
pub mod guard;
pub mod pages;
pub mod reads;
pub mod server;
pub mod uploads;

pub use config::WebConfig;
pub use error::AppError;

use axum::{middleware, routing::get, Router};
use bangbang_media::photos::PhotoStore;
use bangbang_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use uploads::DecodeGate;

/// What every handler can reach. Passed through axum's state, never a global.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Where uploaded photos are kept (content-addressed files).
    pub photos: Arc<PhotoStore>,
    /// Limits and throttles.
    pub config: Arc<WebConfig>,
    /// Photo decodes in progress, at most `config.max_concurrent_image_decodes`.
    pub decodes: Arc<DecodeGate>,
    /// Imports being read, at most `config.max_concurrent_imports`.
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Password checks (argon2, ~19 MB each) running at once, at most
    /// [`PASSWORD_CHECKS_AT_ONCE`].
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Who was shown which resident's personal data, written off the request path.
    pub reads: reads::ReadLog,
}

/// Password checks that may run at once: enough for an office signing in, few enough that a
/// burst of guesses cannot take the memory.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 4;

impl AppState {
    /// Photos go under `data_dir/photos`.
    pub fn new(store: Arc<dyn Store>, data_dir: impl Into<PathBuf>) -> AppState {
        let photos = PhotoStore::new(data_dir.into().join("photos"));
        let config = WebConfig::default();
        AppState {
            reads: reads::ReadLog::start(store.clone()),
            store,
            photos: Arc::new(photos),
            decodes: Arc::new(decode_gate(&config)),
            imports: Arc::new(tokio::sync::Semaphore::new(
                config.max_concurrent_imports.max(1),
            )),
            password_checks: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE)),
            config: Arc::new(config),
        }
    }

    /// The same state with other limits.
    pub fn with_config(mut self, config: WebConfig) -> AppState {
        self.decodes = Arc::new(decode_gate(&config));
        self.imports = Arc::new(tokio::sync::Semaphore::new(
            config.max_concurrent_imports.max(1),
        ));
        self.config = Arc::new(config);
        self
    }
}

/// A photo waits for a decoder at most a third of the request's time, so the one who sent
/// it hears "busy, try again" (503) well before the request would time out.
fn decode_gate(config: &WebConfig) -> DecodeGate {
    DecodeGate::new(
        config.max_concurrent_image_decodes,
        config.request_timeout / 3,
    )
}

/// The whole site. Outermost first, every request passes: the security headers, the API's
/// JSON errors, the time limit, then its route (each group with its own body limit).
pub fn app(state: AppState) -> Router {
    let site = Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .merge(pages::router().layer(middleware::from_fn(pages::browser_cookies)))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            server::time_limit,
        ))
        .layer(middleware::from_fn(api::json_errors))
        .with_state(state);
    server::with_security_headers(observed(site))
}

/// Request ids, a tracing span per request, and gzip. Outermost first: every request gets
/// an `x-request-id` (the client's when it is short and plain, or a new UUID), which the
/// answer carries back and every log line of the request names; answers are gzipped for
/// clients that ask, except pages (see below), workbooks and pictures.
fn observed(site: Router) -> Router {
    use tower_http::compression::predicate::{NotForContentType, Predicate};
    use tower_http::compression::{CompressionLayer, DefaultPredicate};
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    // Pages are not compressed: a page carries the session's CSRF token beside text the
    // visitor chose (a search), which is what a compression side channel (BREACH) needs.
    // JSON is: the API is reached only with a bearer token, which no other site can send.
    let compress = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/vnd."))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("text/html"));
    site.layer(CompressionLayer::new().compress_when(compress))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::from_fn(plain_request_id))
}

/// Drops a client's `x-request-id` that is long or not plain text, so a new one is made:
/// it goes into every log line of the request.
async fn plain_request_id(
    mut req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let plain = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
    };
    if req.headers().get("x-request-id").is_some_and(|v| !plain(v)) {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// The span of one request: method, path (with tracking keys cut off, so the logs never
/// hold what opens a resident's page) and request id.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %loggable_path(req.uri().path()),
        id = %id,
    )
}

/// A path fit for logs: `/track/LXL-20240703-007-3FA9C01B7E` → `/track/LXL-20240703-007-…`.
pub fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/track/") {
        Some(rest) => {
            let (code, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let short = match bangbang_domain::request::parse_tracking_code(code) {
                Some((short, _)) => format!("{short}-…"),
                None => code.chars().take(40).collect(),
            };
            if tail.is_empty() {
                format!("/track/{short}")
            } else {
                format!("/track/{short}/{tail}")
            }
        }
        None => path.chars().take(200).collect(),
    }
}

/// Unknown addresses: a friendly page for browsers, JSON for everyone else (and always
/// under `/api/`).
async fn not_found(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = !uri.path().starts_with("/api/")
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        pages::not_found_page()
    } else {
        AppError::NotFound("no such page or endpoint".into()).into_response()
    }
}

/// Whether the server is up (for load balancers and monitors).
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "reference",
    summary = "Whether the server is up (served at the root, not under /api/v1)",
    responses((status = 200, description = "Up.", content_type = "text/plain", body = String, example = "ok")),
    security(())
)]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

#[cfg(test)]
mod tests {
    #[test]
    fn logs_never_hold_tracking_keys() {
        use super::loggable_path;
        assert_eq!(
            loggable_path("/track/LXL-20240703-007-3FA9C01B7E"),
            "/track/LXL-20240703-007-…"
        );
        assert_eq!(
            loggable_path("/track/LXL-20240703-007-3FA9C01B7E/rate"),
            "/track/LXL-20240703-007-…/rate"
        );
        assert_eq!(loggable_path("/desk/board"), "/desk/board");
    }
}
