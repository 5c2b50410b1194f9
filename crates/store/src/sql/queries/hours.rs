//! The service-hours ledger: rows written with their events (a resolved job, a reopened
//! one, an activity recorded by staff), and the sums the honour board and certificate use.

use super::ledger::{self, NewEvent};
use super::{Conn, Pool};
use crate::model::{HoursEntry, VolunteerTotal};
use crate::{StoreError, StoreResult};
use bangbang_domain::{
    time::{from_ms, to_ms},
    volunteer::HoursSource,
    Actor, EventKind, PlaceId, RequestId, Role, Scope, UserId,
};
use chrono::{DateTime, Utc};
use serde_json::json;

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_row(
    conn: &mut Conn,
    volunteer_id: UserId,
    community_id: PlaceId,
    request_id: Option<RequestId>,
    source: HoursSource,
    activity: Option<&str>,
    minutes: i64,
    at_ms: i64,
    event_seq: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO service_hours (volunteer_id, community_id, request_id, source, activity, minutes, at_ms, event_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(volunteer_id)
    .bind(community_id)
    .bind(request_id)
    .bind(source.as_str())
    .bind(activity)
    .bind(minutes)
    .bind(at_ms)
    .bind(event_seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Staff record hours a volunteer gave to a group activity (an event of its own).
pub(crate) async fn record_activity(
    pool: &Pool,
    actor: &Actor,
    volunteer_id: UserId,
    minutes: i64,
    activity: &str,
    at: DateTime<Utc>,
) -> StoreResult<i64> {
    if !actor.is_office() {
        return Err(StoreError::Forbidden(format!(
            "a {} cannot record hours",
            actor.role.as_str()
        )));
    }
    // The volunteer's community decides whose chain the hours go in, so it is read before
    // that chain's head is taken (users are not part of the ledger).
    let found: Option<(String, String, Option<PlaceId>, bool)> = sqlx::query_as(
        "SELECT role, display_name, scope_place_id, active FROM users WHERE id = $1",
    )
    .bind(volunteer_id)
    .fetch_optional(pool)
    .await?;
    let (community_id, name) = match found {
        Some((role, name, Some(scope), true)) if role == Role::Volunteer.as_str() => (scope, name),
        _ => {
            return Err(StoreError::invalid(
                "volunteer",
                "is not an active volunteer",
            ))
        }
    };
    let in_scope = match actor.scope {
        Scope::Everywhere => true,
        Scope::Within(scope) => {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM places WHERE id = $1 AND (id = $2 OR subdistrict_id = $2 OR district_id = $2)",
            )
            .bind(community_id)
            .bind(scope)
            .fetch_one(pool)
            .await?;
            n > 0
        }
    };
    if !in_scope {
        return Err(StoreError::NotFound("volunteer".into()));
    }
    let mut tx = pool.begin().await?;
    let mut head = ledger::lock_head(&mut tx, community_id).await?;
    let seq = head.seq(&mut tx).await?;
    let event = NewEvent {
        request_id: None,
        actor: &actor.username,
        actor_id: actor.user_id,
        at_ms: to_ms(at),
        kind: EventKind::HoursRecorded,
        data: json!({"volunteer_id": volunteer_id, "volunteer": name, "minutes": minutes, "activity": activity}),
    };
    ledger::append(&mut tx, head, event).await?;
    insert_row(
        &mut tx,
        volunteer_id,
        community_id,
        None,
        HoursSource::Activity,
        Some(activity),
        minutes,
        to_ms(at),
        seq,
    )
    .await?;
    tx.commit().await?;
    Ok(seq)
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    at_ms: i64,
    source: String,
    code: Option<String>,
    activity: Option<String>,
    minutes: i64,
}

pub(crate) async fn ledger_of(
    pool: &Pool,
    volunteer_id: UserId,
    since_ms: i64,
    until_ms: i64,
) -> StoreResult<Vec<HoursEntry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT h.at_ms, h.source, r.code, h.activity, h.minutes FROM service_hours h \
         LEFT JOIN requests r ON r.id = h.request_id \
         WHERE h.volunteer_id = $1 AND h.at_ms >= $2 AND h.at_ms < $3 ORDER BY h.at_ms, h.id",
    )
    .bind(volunteer_id)
    .bind(since_ms)
    .bind(until_ms)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let source = HoursSource::parse(&r.source).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "hours of volunteer {volunteer_id} have source {:?}",
                    r.source
                ))
            })?;
            Ok(HoursEntry {
                at: from_ms(r.at_ms),
                source,
                request_code: r.code,
                activity: r.activity,
                minutes: r.minutes,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    volunteer_id: UserId,
    username: String,
    display_name: String,
    jobs: i64,
    minutes: i64,
    lifetime_minutes: Option<i64>,
}

/// Volunteers of the communities in scope by hours given in `[from_ms, to_ms)`, most first.
pub(crate) async fn totals(
    pool: &Pool,
    scope: Scope,
    community_id: Option<PlaceId>,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> StoreResult<Vec<VolunteerTotal>> {
    let rows: Vec<TotalRow> = sqlx::query_as(
        "SELECT h.volunteer_id, u.username, u.display_name, \
         CAST(SUM(CASE WHEN h.source = 'job' THEN 1 WHEN h.source = 'reversal' THEN -1 ELSE 0 END) AS BIGINT) AS jobs, \
         CAST(SUM(h.minutes) AS BIGINT) AS minutes, \
         (SELECT CAST(SUM(a.minutes) AS BIGINT) FROM service_hours a WHERE a.volunteer_id = h.volunteer_id) AS lifetime_minutes \
         FROM service_hours h JOIN users u ON u.id = h.volunteer_id \
         WHERE h.at_ms >= $1 AND h.at_ms < $2 AND u.role = 'volunteer' \
         AND ($3 IS NULL OR h.community_id IN (SELECT id FROM places WHERE kind = 'community' \
              AND (id = $3 OR subdistrict_id = $3 OR district_id = $3))) \
         AND ($4 IS NULL OR h.community_id = $4) \
         GROUP BY h.volunteer_id, u.username, u.display_name \
         HAVING SUM(h.minutes) > 0 \
         ORDER BY minutes DESC, h.volunteer_id LIMIT $5",
    )
    .bind(from_ms)
    .bind(to_ms)
    .bind(scope.place())
    .bind(community_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| VolunteerTotal {
            user_id: r.volunteer_id,
            username: r.username,
            display_name: r.display_name,
            jobs: r.jobs,
            minutes: r.minutes,
            lifetime_minutes: r.lifetime_minutes.unwrap_or(r.minutes),
        })
        .collect())
}
