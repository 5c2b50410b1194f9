//! How bangbang meets the network. [`serve`] runs the app on a listener the way
//! `axum::serve` does, but closes connections that do not finish their headers in time (a
//! slow-loris client holds nothing for long), gives every request the peer's address as
//! [`ConnectInfo`], and drains the requests in flight when told to stop. The layers here
//! apply to every response: a time limit per request, and the headers that keep pages out
//! of frames, caches and other sites' scripts.

use crate::pages::PageError;
use crate::{AppError, AppState, WebConfig};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::io;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::set_header::SetResponseHeaderLayer;

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (for at most `config.slow_request_timeout`) and returns.
///
/// Each connection must send a request's headers within `config.header_read_timeout`,
/// the first and every later one on a kept-alive connection, or it is closed. Handlers can
/// read the peer's address with `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &WebConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(
        connections = graceful.count(),
        "shutting down: finishing the requests in flight"
    );
    if tokio::time::timeout(config.slow_request_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy; stopped without them");
    }
    Ok(())
}

/// A failed `accept` is the client's problem when it hung up first; otherwise (out of
/// file descriptors, say) wait a little rather than spin.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::error!(error = %e, "could not accept a connection");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Completes at Ctrl-C or SIGTERM (what `docker stop` and systemd send). The handlers are
/// installed before this returns, so a signal that arrives early is not lost.
#[cfg(unix)]
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "Ctrl-C",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "stopping");
    })
}

/// Completes at Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!(signal = "Ctrl-C", "stopping");
    })
}

/// Downloads and imports build or read whole workbooks; they get the longer limit.
fn is_slow(path: &str) -> bool {
    matches!(
        path,
        "/desk/ledger/export" | "/report.xlsx" | "/desk/import"
    )
}

/// Middleware: a request (reading its body, the handler, and the start of the answer)
/// must finish within `config.request_timeout`, or `slow_request_timeout` for the heavy
/// file routes. Past it the client gets 408: JSON from the API, a page elsewhere.
pub(crate) async fn time_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let limit = if is_slow(&path) {
        state.config.slow_request_timeout
    } else {
        state.config.request_timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let logged = crate::loggable_path(&path);
            tracing::warn!(path = %logged, ?limit, "request timed out");
            if path.starts_with("/api/") {
                AppError::Timeout(format!(
                    "the request did not finish within {} s",
                    limit.as_secs_f32()
                ))
                .into_response()
            } else {
                PageError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "请求超时，请稍后再试。 The request took too long: please try again.",
                )
                .into_response()
            }
        }
    }
}

/// Scripts only from our own files (no inline script, so injected markup cannot run);
/// styles may be inline (the charts and QR codes are inline SVG); never in a frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Only a response that calls itself `public` (the static files) may be kept by caches;
/// every other one may show someone's phone number, room or photo, and is `no-store`.
fn cache_control(response: &Response) -> Option<HeaderValue> {
    let public = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("public"));
    (!public).then(|| HeaderValue::from_static("no-store"))
}

/// The security headers of every response, pages and API alike.
pub(crate) fn with_security_headers(router: Router) -> Router {
    let set =
        |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    router
        // A page may narrow or extend the policy for itself (the API reference lets its
        // search run in a worker); every other response gets the site's.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Tracking links carry their secret in the address: never send it to other sites.
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            cache_control as fn(&Response) -> Option<HeaderValue>,
        ))
}
