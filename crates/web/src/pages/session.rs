//! Signing in and out, and the start page that sends each role to its work.

use super::ctx::{cookie, home_of, set_cookie, Ctx, SESSION_COOKIE};
use super::form::{render, PageError, PageForm};
use crate::auth::{hash_token, new_token, verify_password};
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
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    })
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    form: PageForm,
) -> Result<Response, PageError> {
    let username = form.owned("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let next = safe_next(form.get("next"));
    let user = state
        .store
        .user_by_name(&username)
        .await
        .ok()
        .filter(|u| u.active);
    let Some(user) = user.filter(|u| verify_password(password, &u.password_hash)) else {
        tracing::info!(%username, "sign-in refused");
        let page = LoginPage {
            ctx,
            failed: true,
            next,
            username,
        };
        return Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response());
    };
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
