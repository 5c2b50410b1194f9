//! Signed checkpoints of the ledger, as taken: the statement's text, its Merkle root and
//! the fingerprint of the key that signed it. The table is only a record; what proves
//! anything is the signed file kept away from the database.

use super::Pool;
use crate::chains::{CheckpointRecord, NewCheckpoint};
use crate::StoreResult;

pub(crate) async fn record(pool: &Pool, checkpoint: NewCheckpoint) -> StoreResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO checkpoints (taken_ms, merkle_root, fingerprint, statement) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(checkpoint.taken_ms)
    .bind(&checkpoint.merkle_root)
    .bind(&checkpoint.fingerprint)
    .bind(&checkpoint.statement)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

pub(crate) async fn latest(pool: &Pool) -> StoreResult<Option<CheckpointRecord>> {
    let row: Option<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT id, taken_ms, merkle_root, fingerprint, statement FROM checkpoints \
         ORDER BY taken_ms DESC, id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(id, taken_ms, merkle_root, fingerprint, statement)| CheckpointRecord {
            id,
            taken_ms,
            merkle_root,
            fingerprint,
            statement,
        },
    ))
}
