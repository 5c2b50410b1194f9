//! What the pages need beyond the API: sessions, pickers, duplicates, volunteer
//! candidates and the counts of the dispatch board.

use super::args::SqlBuilder;
use super::requests::{push_filter, scope_sql};
use super::rows::{RequestRow, UserRow, REQUEST_SELECT, USER_SELECT};
use super::Pool;
use crate::model::{
    BuildingRecord, GridRecord, RequestFilter, RequestRecord, UserRecord, VolunteerCandidate,
};
use crate::{StoreError, StoreResult};
use bangbang_domain::{access::Actor, lifecycle::Status, time::to_ms, PlaceId, UserId};
use chrono::Utc;

pub(crate) async fn create_session(
    pool: &Pool,
    token_hash: &str,
    user_id: UserId,
    expires_ms: i64,
) -> StoreResult<()> {
    // Signing in is rare enough to sweep out expired sessions as it happens.
    sqlx::query("DELETE FROM sessions WHERE expires_ms < $1")
        .bind(to_ms(Utc::now()))
        .execute(pool)
        .await?;
    // ... and throttle windows over for a day.
    super::throttle::sweep(pool, to_ms(Utc::now()) - 24 * 3600 * 1000).await?;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(to_ms(Utc::now()))
        .bind(expires_ms)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn actor_by_session(
    pool: &Pool,
    token_hash: &str,
    now_ms: i64,
) -> StoreResult<Actor> {
    let sql = format!(
        "{USER_SELECT} WHERE active AND id = \
         (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_ms > $2)"
    );
    let user: UserRecord = sqlx::query_as::<_, UserRow>(&sql)
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound("session".into()))?
        .try_into()?;
    Ok(user.actor())
}

pub(crate) async fn delete_session(pool: &Pool, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn grids(pool: &Pool, community_id: PlaceId) -> StoreResult<Vec<GridRecord>> {
    let rows: Vec<(PlaceId, String)> = sqlx::query_as(
        "SELECT id, name FROM places WHERE kind = 'grid' AND community_id = $1 ORDER BY id",
    )
    .bind(community_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| GridRecord { id, name })
        .collect())
}

pub(crate) async fn buildings(
    pool: &Pool,
    community_id: PlaceId,
) -> StoreResult<Vec<BuildingRecord>> {
    /// (kind, id, number, grid, building) of a building or entrance.
    type PlaceRow = (
        String,
        PlaceId,
        Option<String>,
        Option<PlaceId>,
        Option<PlaceId>,
    );
    let rows: Vec<PlaceRow> = sqlx::query_as(
        "SELECT kind, id, number, grid_id, building_id FROM places \
         WHERE community_id = $1 AND kind IN ('building', 'entrance') ORDER BY id",
    )
    .bind(community_id)
    .fetch_all(pool)
    .await?;
    let mut buildings: Vec<BuildingRecord> = Vec::new();
    for (kind, id, number, grid_id, building_id) in rows {
        let number = number.unwrap_or_default();
        if kind == "building" {
            buildings.push(BuildingRecord {
                id,
                number,
                grid_id,
                entrances: Vec::new(),
            });
        } else if let Some(b) = buildings.iter_mut().find(|b| Some(b.id) == building_id) {
            b.entrances.push(number);
        }
    }
    buildings.sort_by_key(|b| {
        (
            b.number.parse::<u32>().unwrap_or(u32::MAX),
            b.number.clone(),
        )
    });
    Ok(buildings)
}

/// Requests at the same entrance (or building, when no entrance is given) and in the same
/// category that are still open or were reported since `since_ms`.
pub(crate) async fn possible_duplicates(
    pool: &Pool,
    community_id: PlaceId,
    building: &str,
    entrance: Option<&str>,
    category: &str,
    since_ms: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let mut sql = SqlBuilder::new(REQUEST_SELECT);
    let c = sql.int(community_id);
    let b = sql.text(building);
    let cat = sql.text(category);
    let since = sql.int(since_ms);
    sql.push(&format!(
        " WHERE r.community_id = {c} AND b.number = {b} AND r.category = {cat} \
         AND (r.status IN ('submitted', 'pooled', 'dispatched', 'accepted', 'in_progress', 'long_term') \
         OR r.reported_ms >= {since})"
    ));
    if let Some(entrance) = entrance {
        let e = sql.text(entrance);
        sql.push(&format!(" AND e.number = {e}"));
    }
    sql.push(" ORDER BY r.reported_ms DESC LIMIT 10");
    sql.query_as::<RequestRow>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(RequestRecord::try_from)
        .collect()
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: UserId,
    username: String,
    display_name: String,
    skills: super::List,
    entrance_id: Option<PlaceId>,
    building_id: Option<PlaceId>,
    grid_id: Option<PlaceId>,
    open_load: i64,
    resolved: i64,
}

pub(crate) async fn volunteer_candidates(
    pool: &Pool,
    community_id: PlaceId,
) -> StoreResult<Vec<VolunteerCandidate>> {
    let rows: Vec<CandidateRow> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.skills, u.home_entrance_id AS entrance_id, \
         h.building_id, h.grid_id, \
         (SELECT COUNT(*) FROM requests r WHERE r.assignee_id = u.id \
            AND r.status IN ('dispatched', 'accepted', 'in_progress')) AS open_load, \
         (SELECT COUNT(*) FROM requests r WHERE r.assignee_id = u.id \
            AND r.status IN ('resolved', 'reviewed')) AS resolved \
         FROM users u LEFT JOIN places h ON h.id = u.home_entrance_id \
         WHERE u.role = 'volunteer' AND u.active AND u.scope_place_id = $1 ORDER BY u.id",
    )
    .bind(community_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| VolunteerCandidate {
            user_id: r.id,
            username: r.username,
            display_name: r.display_name,
            skills: super::from_list(r.skills),
            entrance_id: r.entrance_id,
            building_id: r.building_id,
            grid_id: r.grid_id,
            open_load: r.open_load,
            resolved: r.resolved,
        })
        .collect())
}

/// How many requests the filter matches in each state (the board's column heads).
pub(crate) async fn status_counts(
    pool: &Pool,
    filter: &RequestFilter,
) -> StoreResult<Vec<(Status, i64)>> {
    let scope = scope_sql(pool, filter.reach.scope()).await?;
    let mut sql = SqlBuilder::new("SELECT r.status, COUNT(*) FROM requests r");
    // The filter's joins are not needed for counting: it only reads columns of r.
    push_filter(&mut sql, filter, scope);
    sql.push(" GROUP BY r.status");
    let rows: Vec<(String, i64)> = sql.query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(|(status, n)| {
            Status::parse(&status)
                .map(|s| (s, n))
                .ok_or_else(|| StoreError::Corrupt(format!("a request has status {status:?}")))
        })
        .collect()
}
