//! The figures of docs/DESIGN.md, computed by the database over the requests received in a
//! period (the `(community_id, reported_ms)` index bounds the rows read).

use super::args::SqlBuilder;
use super::requests::{push_figures_scope, scope_sql, ScopeSql};
use super::Pool;
use crate::model::{CategoryFigures, ChannelFigures, StatsReport, StatsScope};
use crate::StoreResult;
use bangbang_domain::stats::Counts;

const RESOLVED: &str = "r.status IN ('resolved', 'reviewed')";
const OPEN: &str = "r.status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress')";

fn scoped(select: &str, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    scoped_with(SqlBuilder::new(select), scope, bound)
}

/// The scope's conditions after a select already begun (and perhaps already holding
/// arguments of its own).
fn scoped_with(mut sql: SqlBuilder, scope: &StatsScope, bound: ScopeSql) -> SqlBuilder {
    sql.push(" FROM requests r");
    push_figures_scope(&mut sql, scope, bound);
    sql
}

fn count_if(condition: &str) -> String {
    format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)")
}

#[derive(sqlx::FromRow)]
struct CountsRow {
    received: i64,
    resolved: i64,
    long_term: i64,
    open: i64,
    closed: i64,
    overdue: i64,
    responded_in_time: i64,
    resolved_in_time: i64,
    rated: i64,
    satisfied: i64,
}

pub(crate) async fn stats(pool: &Pool, scope: &StatsScope) -> StoreResult<StatsReport> {
    let bound = scope_sql(pool, scope.reach.scope()).await?;
    // The time is bound like any value, so the statement's text is the same every time and
    // the database can reuse its plan.
    let mut sql = SqlBuilder::new("");
    let now = sql.int(scope.now_ms);
    let select = format!(
        "SELECT COUNT(*) AS received, {} AS resolved, {} AS long_term, {} AS open, {} AS closed, \
         {} AS overdue, {} AS responded_in_time, {} AS resolved_in_time, {} AS rated, {} AS satisfied",
        count_if(RESOLVED),
        count_if("r.status = 'long_term'"),
        count_if(OPEN),
        count_if("r.status = 'closed'"),
        count_if(&format!(
            "{OPEN} AND (r.resolve_by_ms < {now} OR (r.first_response_ms IS NULL AND r.respond_by_ms < {now}))"
        )),
        count_if("r.first_response_ms IS NOT NULL AND r.first_response_ms <= r.respond_by_ms"),
        count_if(&format!("{RESOLVED} AND r.resolved_ms <= r.resolve_by_ms")),
        count_if("r.satisfaction IS NOT NULL"),
        count_if("r.satisfaction IN ('satisfied', 'basic')"),
    );
    sql.push(&select);
    let row = scoped_with(sql, scope, bound)
        .query_as::<CountsRow>()
        .fetch_one(pool)
        .await?;
    let counts = Counts {
        received: row.received,
        resolved: row.resolved,
        long_term: row.long_term,
        open: row.open,
        closed: row.closed,
        overdue: row.overdue,
        responded_in_time: row.responded_in_time,
        resolved_in_time: row.resolved_in_time,
        rated: row.rated,
        satisfied: row.satisfied,
    };

    let select = format!(
        "SELECT r.category, COUNT(*), {}, COUNT(DISTINCT r.entrance_id), \
         COUNT(DISTINCT CASE WHEN {RESOLVED} THEN r.entrance_id END)",
        count_if(RESOLVED)
    );
    let mut sql = scoped(&select, scope, bound);
    sql.push(" GROUP BY r.category");
    let rows: Vec<(String, i64, i64, i64, i64)> = sql.query_as().fetch_all(pool).await?;
    let names: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT code, name_zh, sort_order FROM categories")
            .fetch_all(pool)
            .await?;
    let mut by_category: Vec<(i64, CategoryFigures)> = rows
        .into_iter()
        .map(
            |(category, requests, resolved, entrances, resolved_entrances)| {
                let (name_zh, order) = names
                    .iter()
                    .find(|(code, _, _)| *code == category)
                    .map(|(_, name, order)| (name.clone(), *order))
                    .unwrap_or_else(|| (category.clone(), i64::MAX));
                (
                    order,
                    CategoryFigures {
                        category,
                        name_zh,
                        requests,
                        resolved,
                        entrances,
                        resolved_entrances,
                    },
                )
            },
        )
        .collect();
    by_category.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.category.cmp(&b.1.category)));

    let select = format!("SELECT r.channel, COUNT(*), {}", count_if(RESOLVED));
    let mut sql = scoped(&select, scope, bound);
    sql.push(" GROUP BY r.channel ORDER BY r.channel");
    let rows: Vec<(String, i64, i64)> = sql.query_as().fetch_all(pool).await?;
    let by_channel = rows
        .into_iter()
        .map(|(channel, requests, resolved)| ChannelFigures {
            channel,
            requests,
            resolved,
        })
        .collect();

    Ok(StatsReport {
        rates: counts.rates(),
        counts,
        by_category: by_category.into_iter().map(|(_, f)| f).collect(),
        by_channel,
    })
}
