//! Importing hand-kept ledgers: every row becomes a request with a real ledger history
//! (channel `import`), all in one transaction, and rows already imported are skipped.

use super::ledger;
use super::requests::{apply_in, insert, prepare_with, Lookups};
use super::Pool;
use crate::model::{ImportItem, ImportOutcome};
use crate::{StoreError, StoreResult};
use bangbang_domain::{validation::FieldErrors, Actor};

/// What would stop each item from being imported, keyed `item N: field` (1-based).
pub(crate) async fn check(
    pool: &Pool,
    actor: &Actor,
    items: &[ImportItem],
) -> StoreResult<FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut lookups = Lookups::default();
    for (i, item) in items.iter().enumerate() {
        match prepare_with(pool, actor, item.draft.clone(), &mut lookups).await {
            Ok(_) => {}
            Err(StoreError::Invalid(fields)) => {
                for (field, problem) in fields.problems() {
                    errors.add(format!("item {}: {field}", i + 1), problem.clone());
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(errors)
}

pub(crate) async fn import(
    pool: &Pool,
    actor: &Actor,
    items: Vec<ImportItem>,
) -> StoreResult<ImportOutcome> {
    if !actor.is_office() {
        return Err(StoreError::Forbidden(format!(
            "a {} cannot import ledgers",
            actor.role.as_str()
        )));
    }
    // Check every row first and report all problems; nothing is written unless all pass.
    let mut errors = FieldErrors::new();
    let mut lookups = Lookups::default();
    let mut prepared = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match prepare_with(pool, actor, item.draft.clone(), &mut lookups).await {
            Ok(p) => prepared.push((p, item)),
            Err(StoreError::Invalid(fields)) => {
                for (field, problem) in fields.problems() {
                    errors.add(format!("item {}: {field}", i + 1), problem.clone());
                }
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let mut outcome = ImportOutcome::default();
    let mut tx = pool.begin().await?;
    // Take the heads of the file's communities before reading anything, like every write:
    // their writers queue here, so two imports of one file cannot both insert its rows.
    // Writers in other communities go on.
    ledger::hold_heads(&mut tx, prepared.iter().map(|(p, _)| p.community_id())).await?;
    for (p, item) in prepared {
        let (seen,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM requests WHERE community_id = $1 AND external_key = $2",
        )
        .bind(p.community_id())
        .bind(&item.external_key)
        .fetch_one(&mut *tx)
        .await?;
        if seen > 0 {
            outcome.already_there += 1;
            continue;
        }
        let recorded_at = item.draft.reported_at;
        let id = insert(
            &mut tx,
            actor,
            p,
            Some(item.external_key.clone()),
            recorded_at,
        )
        .await?;
        for (at, action) in item.steps {
            apply_in(&mut tx, actor, id, action, at).await?;
        }
        outcome.created += 1;
    }
    tx.commit().await?;
    Ok(outcome)
}
