//! Who is calling: API tokens (`Authorization: Bearer ...`), stored as their SHA-256, and
//! argon2 password hashes.

use crate::{AppError, AppState};
use axum::extract::FromRequestParts;
use axum::http::{header::AUTHORIZATION, request::Parts};
use bangbang_domain::Actor;
use bangbang_store::StoreError;

pub use bangbang_app::credentials::{
    hash_token, new_token, verify_password, verify_password_or_dummy,
};

/// An argon2 hash of `password`, for a new account.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    bangbang_app::credentials::hash_password(password).map_err(AppError::from)
}

/// The signed-in actor, from a bearer token.
pub struct CurrentActor(pub Actor);

impl FromRequestParts<AppState> for CurrentActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AppError::Unauthorized(
                    "sign in: send Authorization: Bearer <token> (make one with `bangbang token create --user NAME`)".into(),
                )
            })?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized("the Authorization header must be Bearer <token>".into())
            })?;
        match state.store.actor_by_token(&hash_token(token)).await {
            Ok(actor) => Ok(CurrentActor(actor)),
            Err(StoreError::NotFound(_)) => Err(AppError::Unauthorized(
                "this token is not valid (or its user is inactive)".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }
}
