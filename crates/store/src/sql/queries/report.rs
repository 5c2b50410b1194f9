//! What the mid-term report adds to the stats: figures by grid and a monthly trend.

use super::args::SqlBuilder;
use super::requests::{push_figures_scope, scope_sql, ScopeSql};
use super::Pool;
use crate::model::{ReportExtras, StatsScope};
use crate::StoreResult;
use bangbang_domain::time::{from_ms, local_zone};
use futures_util::TryStreamExt;
use std::collections::BTreeMap;

const RESOLVED: &str = "CASE WHEN r.status IN ('resolved', 'reviewed') THEN 1 ELSE 0 END";

fn scoped(select: &str, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    let mut sql = SqlBuilder::new(select);
    push_figures_scope(&mut sql, scope, bound);
    sql
}

pub(crate) async fn extras(pool: &Pool, scope: &StatsScope) -> StoreResult<ReportExtras> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    let mut sql = scoped(
        &format!(
            "SELECT COALESCE(g.name, '—'), COUNT(*), COALESCE(SUM({RESOLVED}), 0) \
             FROM requests r LEFT JOIN places g ON g.id = r.grid_id"
        ),
        scope,
        bound,
    );
    sql.push(" GROUP BY g.id, g.name ORDER BY g.name, g.id");
    let by_grid: Vec<(String, i64, i64)> = sql.query_as().fetch_all(pool).await?;

    // Months are Shanghai months; bucketing in Rust keeps the SQL the same on both
    // databases, and the rows read are bounded by the period.
    let sql = scoped(
        &format!("SELECT r.reported_ms, CAST({RESOLVED} AS BIGINT) FROM requests r"),
        scope,
        bound,
    );
    let mut months: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut rows = sql.query_as::<(i64, i64)>().fetch(pool);
    while let Some((ms, resolved)) = rows.try_next().await? {
        let month = from_ms(ms)
            .with_timezone(&local_zone())
            .format("%Y-%m")
            .to_string();
        let entry = months.entry(month).or_default();
        entry.0 += 1;
        entry.1 += resolved;
    }
    let monthly = months.into_iter().map(|(m, (a, b))| (m, a, b)).collect();
    Ok(ReportExtras { by_grid, monthly })
}
