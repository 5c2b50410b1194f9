//! Accounts and API tokens. Passwords arrive already hashed (argon2, by the caller);
//! tokens are stored as their SHA-256.

use super::rows::{UserRow, USER_SELECT};
use super::Pool;
use crate::model::{NewUser, TokenRecord, UserRecord};
use crate::{StoreError, StoreResult};
use bangbang_domain::{access::Actor, time::to_ms, PlaceId, RequestId, Role, UserId};
use chrono::Utc;

pub(crate) async fn add_user(pool: &Pool, user: NewUser) -> StoreResult<UserRecord> {
    sqlx::query(
        "INSERT INTO users (username, display_name, role, scope_place_id, password_hash, phone, \
         skills, home_entrance_id, active, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9)",
    )
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(user.role.as_str())
    .bind(user.scope_place_id)
    .bind(&user.password_hash)
    .bind(&user.phone)
    .bind(super::to_list(&user.skills))
    .bind(user.home_entrance_id)
    .bind(to_ms(Utc::now()))
    .execute(pool)
    .await
    .map_err(|e| StoreError::from_unique(e, &format!("user {:?}", user.username)))?;
    user_by_name(pool, &user.username).await
}

pub(crate) async fn user_by_name(pool: &Pool, username: &str) -> StoreResult<UserRecord> {
    if username.contains('\0') {
        // No name holds NUL, and PostgreSQL refuses it in a parameter.
        return Err(StoreError::NotFound(format!("user {username:?}")));
    }
    let sql = format!("{USER_SELECT} WHERE username = $1");
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(username)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user {username:?}")))?
        .try_into()
}

pub(crate) async fn users_in(
    pool: &Pool,
    community_id: PlaceId,
    role: Role,
) -> StoreResult<Vec<UserRecord>> {
    let sql = format!("{USER_SELECT} WHERE scope_place_id = $1 AND role = $2 ORDER BY id");
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(community_id)
        .bind(role.as_str())
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(UserRecord::try_from)
        .collect()
}

pub(crate) async fn add_token(
    pool: &Pool,
    user_id: UserId,
    token_hash: &str,
    label: &str,
    expires_ms: Option<i64>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_ms, expires_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(to_ms(Utc::now()))
    .bind(expires_ms)
    .execute(pool)
    .await
    .map_err(|e| StoreError::from_unique(e, "that token"))?;
    Ok(())
}

/// The actor a token stands for, while it is neither revoked nor expired.
pub(crate) async fn actor_by_token(pool: &Pool, token_hash: &str) -> StoreResult<Actor> {
    let sql = format!(
        "{} WHERE active AND id = (SELECT user_id FROM api_tokens WHERE token_hash = $1 \
         AND revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > $2))",
        USER_SELECT
    );
    let user: UserRecord = sqlx::query_as::<_, UserRow>(&sql)
        .bind(token_hash)
        .bind(to_ms(Utc::now()))
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound("token".into()))?
        .try_into()?;
    Ok(user.actor())
}

/// Records that `user_id` was shown the personal data of these requests, one row each,
/// in one statement.
pub(crate) async fn log_personal_data_reads(
    pool: &Pool,
    user_id: UserId,
    request_ids: &[RequestId],
) -> StoreResult<()> {
    let now = to_ms(Utc::now());
    // Keep each statement well under the databases' limits on bound values.
    for chunk in request_ids.chunks(1000) {
        let mut sql = super::args::SqlBuilder::new(
            "INSERT INTO personal_data_reads (user_id, request_id, at_ms) VALUES ",
        );
        let user = sql.int(user_id);
        let at = sql.int(now);
        for (i, id) in chunk.iter().enumerate() {
            let p = sql.int(*id);
            sql.push(&format!(
                "{}({user}, {p}, {at})",
                if i == 0 { "" } else { ", " }
            ));
        }
        sql.query().execute(pool).await?;
    }
    Ok(())
}

/// id, username, label, created, expires, revoked.
type TokenRow = (i64, String, String, i64, Option<i64>, Option<i64>);

/// API tokens, newest first; only one user's when `username` is given.
pub(crate) async fn tokens(pool: &Pool, username: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT t.id, u.username, t.label, t.created_ms, t.expires_ms, t.revoked_ms \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE $1 = '' OR u.username = $1 ORDER BY t.id DESC",
    )
    .bind(username.unwrap_or_default())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, username, label, created_ms, expires_ms, revoked_ms)| TokenRecord {
                id,
                username,
                label,
                created_ms,
                expires_ms,
                revoked_ms,
            },
        )
        .collect())
}

/// Revokes a token at once; revoking it again changes nothing.
pub(crate) async fn revoke_token(pool: &Pool, id: i64, now_ms: i64) -> StoreResult<()> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM api_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("token {id}")));
    }
    sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
        .bind(now_ms)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
