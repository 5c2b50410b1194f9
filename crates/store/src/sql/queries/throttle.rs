//! Throttles: hits per key counted in fixed windows, in the database so that every
//! instance counts together and a restart forgets nothing.

use super::Pool;
use crate::StoreResult;

/// Counts one hit on `key` and returns the hits in its current window, this one included.
/// A window that started before `now_ms - window_ms` is over: the count starts again.
/// One statement, so two instances counting at once never lose a hit.
pub(crate) async fn hit(pool: &Pool, key: &str, now_ms: i64, window_ms: i64) -> StoreResult<i64> {
    let (hits,): (i64,) = sqlx::query_as(
        "INSERT INTO throttles (key, window_start_ms, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN throttles.window_start_ms <= $3 THEN 1 ELSE throttles.hits + 1 END, \
           window_start_ms = CASE WHEN throttles.window_start_ms <= $3 THEN $2 \
                             ELSE throttles.window_start_ms END \
         RETURNING hits",
    )
    .bind(key)
    .bind(now_ms)
    .bind(now_ms - window_ms)
    .fetch_one(pool)
    .await?;
    Ok(hits)
}

/// The hits on `key` in its current window and when that window ends; (0, now) when none.
pub(crate) async fn hits(
    pool: &Pool,
    key: &str,
    now_ms: i64,
    window_ms: i64,
) -> StoreResult<(i64, i64)> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT hits, window_start_ms FROM throttles WHERE key = $1 AND window_start_ms > $2",
    )
    .bind(key)
    .bind(now_ms - window_ms)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some((hits, start)) => (hits, start + window_ms),
        None => (0, now_ms),
    })
}

/// Takes one hit back (an attempt that turned out to be legitimate).
pub(crate) async fn forgive(pool: &Pool, key: &str) -> StoreResult<()> {
    sqlx::query("UPDATE throttles SET hits = hits - 1 WHERE key = $1 AND hits > 0")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn clear(pool: &Pool, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM throttles WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets windows that ended before `before_ms`, so the table stays small.
pub(crate) async fn sweep(pool: &Pool, before_ms: i64) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM throttles WHERE window_start_ms < $1")
            .bind(before_ms)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}
