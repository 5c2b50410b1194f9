//! The ledger export's read: one query, streamed, rather than pages of full records. A
//! million rows then cost one statement and the columns the file shows, and SQLite's
//! driver hands rows over as it steps, with no page to restart from a cursor.

use super::args::SqlBuilder;
use super::requests::{push_filter, scope_sql};
use super::rows::{LedgerRow, LEDGER_SELECT};
use super::Pool;
use crate::model::{RequestFilter, RequestRecord};
use crate::StoreResult;
use futures_util::TryStreamExt;
use tokio::sync::mpsc::Sender;

/// Sends every request `filter` matches, oldest first, in batches of `batch`, each record
/// holding only what [`LEDGER_SELECT`] reads. Stops early, without an error, when the
/// receiver is gone. The cursor, order and limit of the filter are not used.
pub(crate) async fn ledger(
    pool: &Pool,
    filter: &RequestFilter,
    batch: usize,
    out: Sender<Vec<RequestRecord>>,
) -> StoreResult<()> {
    let scope = scope_sql(pool, filter.reach.scope()).await?;
    let mut sql = SqlBuilder::new(LEDGER_SELECT);
    push_filter(&mut sql, filter, scope);
    sql.push(" ORDER BY r.reported_ms ASC, r.id ASC");
    let batch = batch.max(1);
    let mut rows = sql.query_as::<LedgerRow>().fetch(pool);
    let mut records = Vec::with_capacity(batch);
    while let Some(row) = rows.try_next().await? {
        records.push(RequestRecord::try_from(row)?);
        if records.len() == batch {
            let full = std::mem::replace(&mut records, Vec::with_capacity(batch));
            if out.send(full).await.is_err() {
                return Ok(());
            }
        }
    }
    if !records.is_empty() {
        let _ = out.send(records).await;
    }
    Ok(())
}
