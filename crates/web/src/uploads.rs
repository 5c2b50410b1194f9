//! What a client may send, and what it may make us do with it. Each group of routes takes
//! bodies only as large as its forms need (a JSON call is tiny, a photo form holds one
//! photo, an import one ledger), refused from `Content-Length` before a byte is read; and
//! photos are decoded a few at a time ([`DecodeGate`]), because one decode may take a
//! quarter of a gigabyte and the ask form is open to anyone.

use crate::pages::PageError;
use crate::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bangbang_media::photos::{self, PhotoError, ProcessedPhoto, MAX_UPLOAD_BYTES};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A JSON call to the API: far more than any request or action needs.
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// A page form without files (2,000 Chinese characters urlencoded are about 18 KB).
pub const FORM_BODY_LIMIT: usize = 64 * 1024;
/// A form with one photo, and room for the fields around it.
pub const PHOTO_FORM_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 256 * 1024;
/// A hand-kept ledger to import (.xlsx, .xls or .csv); years of a community's rows fit.
pub const IMPORT_BODY_LIMIT: usize = 20 * 1024 * 1024;

/// "64 KB", "8 MB": a limit as people say it.
fn size(limit: usize) -> String {
    if limit >= 1024 * 1024 {
        format!("{} MB", limit / (1024 * 1024))
    } else {
        format!("{} KB", limit / 1024)
    }
}

/// The `Content-Length` a client declared, if any.
fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large_for_api(limit: usize) -> Response {
    AppError::TooLarge(format!(
        "the body is larger than this endpoint takes ({})",
        size(limit)
    ))
    .into_response()
}

/// Middleware for the API (`from_fn_with_state(limit, ..)`): reads the whole body, at most
/// `limit` bytes, before the handler runs, so an oversized body is a JSON 413 whether or
/// not it declared its length, and a trickled one is caught by the request timeout.
pub async fn api_body_within(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if declared_length(&req).is_some_and(|n| n > limit as u64) {
        return too_large_for_api(limit);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                too_large_for_api(limit)
            } else {
                AppError::BadRequest(format!("could not read the body: {inner}")).into_response()
            }
        }
    }
}

/// Middleware for a group of pages (`from_fn_with_state(limit, ..)`, beside
/// `DefaultBodyLimit::max(limit)`, which stops bodies that do not declare their length):
/// a body declared larger than `limit` gets a page saying so, and is never read.
pub async fn page_body_within(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if declared_length(&req).is_some_and(|n| n > limit as u64) {
        let limit = size(limit);
        return PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "提交的内容太大（这里最多 {limit}）。照片请缩小后再上传。 What you sent is too large (at most {limit} here): make the photo or file smaller and try again."
            ),
        )
        .into_response();
    }
    next.run(req).await
}

/// At most so many photo decodes at once; the others wait a bounded time, then are told
/// to try again (503). The permit goes with the blocking task, so a request that times
/// out does not free its place before its decode has really finished.
pub struct DecodeGate {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl DecodeGate {
    /// `permits` decodes at once (at least one); a decode waits at most `wait` for its turn.
    pub fn new(permits: usize, wait: Duration) -> DecodeGate {
        DecodeGate {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
        }
    }

    /// Runs heavy `work` on a blocking thread once a place is free, or refuses with
    /// [`AppError::Unavailable`] after waiting too long.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!(wait = ?self.wait, "every photo decoder is busy; refused an upload");
                AppError::Unavailable(
                    "现在上传照片的人太多，请稍等一分钟再提交（或先不附照片）。 Too many photos are being processed right now: please wait a minute and submit again (or send it without the photo).".into(),
                )
            })?
            .map_err(|e| AppError::Internal(format!("photo decoders closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(format!("photo task: {e}")))
    }

    /// Checks and re-encodes an uploaded photo ([`photos::process`], which refuses
    /// pictures over its pixel limit from their header, before decoding), in turn.
    pub async fn photo(
        &self,
        bytes: Vec<u8>,
    ) -> Result<Result<ProcessedPhoto, PhotoError>, AppError> {
        self.run(move || photos::process(&bytes)).await
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}
