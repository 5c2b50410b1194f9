//! Signing in and out, and the start page that sends each role to its work.

use super::ctx::{cookie, home_of, set_cookie, Ctx, SESSION_COOKIE};
use super::form::{render, PageError, PageForm};
use crate::auth::{hash_token, new_token, verify_password_or_dummy};
use crate::guard::{self, ClientAddr};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Duration, Utc};
use serde::Deserialize;

/// How long a sign-in lasts: a working day and a half.
const SESSION_HOURS: i64 = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

async fn home(ctx: Ctx) -> Redirect {
    match &ctx.actor {
        Some(actor) => Redirect::to(home_of(actor)),
        None => Redirect::to("/login"),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    failed: bool,
    /// Signing in is locked for this many more minutes (0: not locked).
    locked_minutes: u64,
    next: String,
    username: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if super::ctx::is_local_path(n) => n.to_string(),
        _ => String::new(),
    }
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    render(&LoginPage {
        ctx,
        failed: false,
        locked_minutes: 0,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    })
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    client: ClientAddr,
    headers: HeaderMap,
    form: PageForm,
) -> Result<Response, PageError> {
    let username: String = form
        .owned("username")
        .unwrap_or_default()
        .chars()
        .take(64)
        .collect();
    let password = form.get("password").unwrap_or_default();
    let next = safe_next(form.get("next"));
    if let Some(locked) = guard::sign_in_attempt(&state, &username, &client).await? {
        tracing::warn!(%username, client = %client.0, "sign-in locked");
        let page = LoginPage {
            ctx,
            failed: false,
            locked_minutes: locked.minutes(),
            next,
            username,
        };
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
    }
    let user = state
        .store
        .user_by_name(&username)
        .await
        .ok()
        .filter(|u| u.active);
    // One argon2 verification whether or not the account exists: timing tells nothing. Each
    // takes ~19 MB, so only a few run at once; the rest wait a while, then are told to retry.
    let wait = state.config.request_timeout / 3;
    let Ok(Ok(permit)) =
        tokio::time::timeout(wait, state.password_checks.clone().acquire_owned()).await
    else {
        return Err(PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "现在登录的人太多，请稍后再试 / too many people are signing in right now: please try again in a minute",
        ));
    };
    let checked = user.as_ref().map(|u| u.password_hash.clone());
    let password = password.to_string();
    let right = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_password_or_dummy(&password, checked.as_deref())
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| right) else {
        tracing::info!(%username, client = %client.0, "sign-in refused");
        let page = LoginPage {
            ctx,
            failed: true,
            locked_minutes: 0,
            next,
            username,
        };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response());
    };
    guard::sign_in_succeeded(&state, &username, &client).await?;
    let token = new_token();
    let expires = Utc::now() + Duration::hours(SESSION_HOURS);
    state
        .store
        .create_session(&hash_token(&token), user.id, expires.timestamp_millis())
        .await?;
    tracing::info!(username = %user.username, "signed in");
    let to = if next.is_empty() {
        home_of(&user.actor()).to_string()
    } else {
        next
    };
    let cookie = set_cookie(&headers, SESSION_COOKIE, &token, Some(SESSION_HOURS * 3600));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response())
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _form: PageForm,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&hash_token(token)).await?;
    }
    let cleared = set_cookie(&headers, SESSION_COOKIE, "", Some(0));
    Ok(([(header::SET_COOKIE, cleared)], Redirect::to("/login")).into_response())
}
