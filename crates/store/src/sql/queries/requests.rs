//! Creating requests, applying lifecycle actions, reading and listing them.

use super::args::SqlBuilder;
use super::ledger::{self, NewEvent};
use super::places;
use super::rows::{RequestRow, REQUEST_SELECT};
use super::{Conn, Pool, BACKEND};
use crate::model::{Community, Cursor, Page, RequestFilter, RequestRecord};
use crate::sql::Backend;
use crate::{StoreError, StoreResult};
use bangbang_domain::{
    access::Actor,
    category::CategoryCode,
    decision::{decide, Refusal},
    figures::Counted,
    lifecycle::{Action, CloseReason, DispatchTarget, Status},
    projection::Projection,
    request::{request_code, Deadlines, RequestDraft, TRACK_KEY_LEN},
    time::{local_date, to_ms},
    validation::{Code, FieldErrors, Problem},
    PlaceId, RequestId, Role, Scope,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::collections::HashMap;
use tracing::instrument;

/// A draft whose references have been checked: ready to insert.
pub(crate) struct Prepared {
    draft: RequestDraft,
    community: Community,
    address: places::ResolvedAddress,
    deadlines: Deadlines,
}

impl Prepared {
    pub(crate) fn community_id(&self) -> PlaceId {
        self.community.id
    }
}

/// (community, building, entrance) as a draft gives them.
type AddressKey = (PlaceId, Option<String>, Option<String>);
/// The address resolved, or the field and message saying why not.
type AddressFound = Result<places::ResolvedAddress, (&'static str, Problem)>;

/// What checking drafts reads from the database, remembered: an import of 50,000 rows asks
/// about a handful of communities, buildings and categories, not five times per row.
#[derive(Default)]
pub(crate) struct Lookups {
    communities: HashMap<String, Option<Community>>,
    categories: Option<Vec<bangbang_domain::category::Category>>,
    addresses: HashMap<AddressKey, AddressFound>,
    limits: HashMap<(CategoryCode, &'static str), Option<(i64, i64)>>,
}

/// Checks every reference of a draft (community, scope, category, address) and works out
/// its deadlines, reporting all problems at once. Reads only.
pub(crate) async fn prepare(
    pool: &Pool,
    actor: &Actor,
    draft: RequestDraft,
) -> StoreResult<Prepared> {
    prepare_with(pool, actor, draft, &mut Lookups::default()).await
}

/// [`prepare`], remembering what it reads in `lookups` for the next draft.
pub(crate) async fn prepare_with(
    pool: &Pool,
    actor: &Actor,
    draft: RequestDraft,
    lookups: &mut Lookups,
) -> StoreResult<Prepared> {
    let mut errors = FieldErrors::new();
    if !lookups.communities.contains_key(&draft.community) {
        let found = match places::community(pool, &draft.community).await {
            Ok(c) => Some(c),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        lookups.communities.insert(draft.community.clone(), found);
    }
    let community = lookups.communities[&draft.community].clone();
    if community.is_none() {
        errors.add(
            "community",
            Problem::new(
                Code::UnknownCommunity,
                format!("unknown community {:?}", draft.community),
            ),
        );
    }
    if let Some(c) = &community {
        if !actor.covers(&c.path()) {
            return Err(StoreError::Forbidden(format!(
                "you cannot file requests for {}",
                c.name
            )));
        }
    }
    if lookups.categories.is_none() {
        lookups.categories = Some(places::categories(pool).await?);
    }
    let categories = lookups.categories.as_deref().unwrap_or_default();
    if !categories.iter().any(|c| c.code == draft.category) {
        let known: Vec<&str> = categories.iter().map(|c| c.code.as_str()).collect();
        errors.add(
            "category",
            Problem::new(
                Code::UnknownCategory,
                format!(
                    "unknown category {:?}; use one of {}",
                    draft.category,
                    known.join(", ")
                ),
            ),
        );
    }
    let mut address = places::ResolvedAddress::default();
    if let Some(c) = &community {
        let key = (c.id, draft.building.clone(), draft.entrance.clone());
        if !lookups.addresses.contains_key(&key) {
            let found = places::resolve_address(
                pool,
                c.id,
                draft.building.as_deref(),
                draft.entrance.as_deref(),
            )
            .await?;
            lookups.addresses.insert(key.clone(), found);
        }
        match &lookups.addresses[&key] {
            Ok(found) => address = *found,
            Err((field, message)) => errors.add(*field, message.clone()),
        }
    }
    let community = match (community, errors.is_empty()) {
        (Some(c), true) => c,
        _ => return Err(StoreError::Invalid(errors)),
    };
    let limit_key = (draft.category.clone(), draft.urgency.as_str());
    if !lookups.limits.contains_key(&limit_key) {
        let found =
            places::time_limit_override(pool, draft.category.as_str(), draft.urgency.as_str())
                .await?;
        lookups.limits.insert(limit_key.clone(), found);
    }
    let limits = match lookups.limits[&limit_key] {
        Some((respond, resolve)) => (Duration::minutes(respond), Duration::minutes(resolve)),
        None => draft.urgency.default_limits(),
    };
    let deadlines = Deadlines::from_limits(draft.reported_at, limits);
    Ok(Prepared {
        draft,
        community,
        address,
        deadlines,
    })
}

/// A fresh tracking key: 40 bits from the operating system's generator, as hex.
fn new_track_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; TRACK_KEY_LEN / 2];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Inserts a prepared request and its `created` event, inside the caller's transaction.
pub(crate) async fn insert(
    conn: &mut Conn,
    actor: &Actor,
    prepared: Prepared,
    external_key: Option<String>,
    recorded_at: DateTime<Utc>,
) -> StoreResult<RequestId> {
    let Prepared {
        draft,
        community,
        address,
        deadlines,
    } = prepared;
    let mut head = ledger::lock_head(conn, community.id).await?;
    let seq = head.seq(conn).await?;
    let day = local_date(draft.reported_at);
    let prefix = format!("{}-{}-", community.code_prefix, day.format("%Y%m%d"));
    let (taken,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM requests WHERE code >= $1 AND code < $2")
            .bind(&prefix)
            .bind(format!("{prefix}~"))
            .fetch_one(&mut *conn)
            .await?;
    let code = request_code(&community.code_prefix, day, (taken + 1) as u32);
    let (id,): (RequestId,) = sqlx::query_as(
        "INSERT INTO requests (code, community_id, grid_id, building_id, entrance_id, room, \
         category, channel, urgency, status, reporter_name, reporter_phone, description, \
         reported_ms, respond_by_ms, resolve_by_ms, external_key, last_seq, photos, track_key, \
         subdistrict_id, district_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, $21) RETURNING id",
    )
    .bind(&code)
    .bind(community.id)
    .bind(address.grid_id)
    .bind(address.building_id)
    .bind(address.entrance_id)
    .bind(&draft.room)
    .bind(&draft.category)
    .bind(draft.channel.as_str())
    .bind(draft.urgency.as_str())
    .bind(&draft.reporter_name)
    .bind(&draft.reporter_phone)
    .bind(&draft.description)
    .bind(to_ms(draft.reported_at))
    .bind(to_ms(deadlines.respond_by))
    .bind(to_ms(deadlines.resolve_by))
    .bind(&external_key)
    .bind(seq)
    .bind(super::to_list(&draft.photos))
    .bind(new_track_key())
    .bind(community.subdistrict_id)
    .bind(community.district_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::from_unique(e, "a request with that import key"))?;
    let data = json!({
        "code": code,
        "community": community.slug,
        "channel": draft.channel,
        "category": draft.category,
        "urgency": draft.urgency,
        "reporter": {"name": draft.reporter_name, "phone": draft.reporter_phone},
        "address": {"building": draft.building, "entrance": draft.entrance, "room": draft.room},
        "description": draft.description,
        "reported_at_ms": to_ms(draft.reported_at),
        "respond_by_ms": to_ms(deadlines.respond_by),
        "resolve_by_ms": to_ms(deadlines.resolve_by),
        "external_key": external_key,
        "photos": draft.photos,
    });
    let event = NewEvent {
        request_id: Some(id),
        actor: &actor.username,
        actor_id: actor.user_id,
        at_ms: to_ms(recorded_at),
        kind: bangbang_domain::EventKind::Created,
        data,
    };
    ledger::append(conn, head, event).await?;
    let places = super::figures::Places {
        grid: address.grid_id.map(PlaceId::get),
        community: community.id.get(),
        subdistrict: community.subdistrict_id.get(),
        district: community.district_id.get(),
    };
    let counted = Counted {
        reported_ms: to_ms(draft.reported_at),
        category: &draft.category,
        channel: draft.channel.as_str(),
        grid_id: places.grid,
        entrance_id: address.entrance_id.map(PlaceId::get),
        status: Status::Submitted,
        first_response_ms: None,
        respond_by_ms: to_ms(deadlines.respond_by),
        resolved_ms: None,
        resolve_by_ms: to_ms(deadlines.resolve_by),
        satisfaction: None,
    };
    super::figures::record(conn, places, None, &counted).await?;
    Ok(id)
}

/// How a request counts in the figures, in `state`.
fn counted<'a>(record: &'a RequestRecord, state: &Projection) -> Counted<'a> {
    Counted {
        reported_ms: to_ms(record.reported_at),
        category: &record.category,
        channel: record.channel.as_str(),
        grid_id: record.grid_id.map(PlaceId::get),
        entrance_id: record.entrance_id.map(PlaceId::get),
        status: state.status,
        first_response_ms: state.first_response_ms,
        respond_by_ms: to_ms(record.respond_by),
        resolved_ms: state.resolved_ms,
        resolve_by_ms: to_ms(record.resolve_by),
        satisfaction: state.satisfaction,
    }
}

#[instrument(skip_all, fields(community = %draft.community, category = %draft.category))]
pub(crate) async fn create(
    pool: &Pool,
    actor: &Actor,
    draft: RequestDraft,
    external_key: Option<String>,
    recorded_at: DateTime<Utc>,
) -> StoreResult<RequestRecord> {
    // Check every reference first, outside the write lock.
    let prepared = prepare(pool, actor, draft).await?;
    let mut tx = pool.begin().await?;
    let id = insert(&mut tx, actor, prepared, external_key, recorded_at).await?;
    tx.commit().await?;
    by_id(pool, id).await
}

#[instrument(skip(pool, actor, action), fields(actor = %actor.username, action = action.kind().as_str()))]
pub(crate) async fn apply(
    pool: &Pool,
    actor: &Actor,
    id: RequestId,
    action: Action,
    at: DateTime<Utc>,
) -> StoreResult<RequestRecord> {
    let mut tx = pool.begin().await?;
    apply_in(&mut tx, actor, id, action, at).await?;
    tx.commit().await?;
    by_id(pool, id).await
}

/// Applies one action inside the caller's transaction.
pub(crate) async fn apply_in(
    conn: &mut Conn,
    actor: &Actor,
    id: RequestId,
    action: Action,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // Taking the head of the request's community first serialises its writers: whoever
    // comes second reads the state the first one left, so of two competing claims exactly
    // one wins.
    let mut head = ledger::lock_head_of_request(conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let record = fetch(conn, id).await?.ok_or_else(|| not_found(id))?;
    // The domain decides, once; from here on only what it returned is written.
    let decision =
        decide(actor, &record.facts(), &record.state, &action, at).map_err(|e| match e {
            Refusal::NotVisible => not_found(id),
            Refusal::Forbidden(message) => StoreError::Forbidden(message),
            Refusal::NotAllowed(e) => StoreError::Lifecycle(e),
        })?;
    let state = &decision.next;
    check_references(conn, &record, &action).await?;
    let seq = head.seq(conn).await?;
    sqlx::query(
        "UPDATE requests SET status = $1, assignee_id = $2, partner = $3, first_response_ms = $4, \
         resolved_ms = $5, outcome = $6, service_minutes = $7, satisfaction = $8, \
         next_follow_up_ms = $9, close_reason = $10, duplicate_of = $11, last_seq = $12 \
         WHERE id = $13",
    )
    .bind(state.status.as_str())
    .bind(state.assignee_id)
    .bind(&state.partner)
    .bind(state.first_response_ms)
    .bind(state.resolved_ms)
    .bind(&state.outcome)
    .bind(state.service_minutes)
    .bind(state.satisfaction.map(|s| s.as_str()))
    .bind(state.next_follow_up_ms)
    .bind(state.close_reason.map(|c| c.as_str()))
    .bind(&state.duplicate_of)
    .bind(seq)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let event = NewEvent {
        request_id: Some(id),
        actor: &actor.username,
        actor_id: actor.user_id,
        at_ms: to_ms(at),
        kind: decision.event_kind,
        data: decision.event_data.clone(),
    };
    ledger::append(conn, head, event).await?;
    let places = super::figures::Places {
        grid: record.grid_id.map(PlaceId::get),
        community: record.community.id.get(),
        subdistrict: record.community.subdistrict_id.get(),
        district: record.community.district_id.get(),
    };
    super::figures::record(
        conn,
        places,
        Some(&counted(&record, &record.state)),
        &counted(&record, state),
    )
    .await?;
    // The hours ledger moves with the job: credited when resolved, taken back if reopened.
    let credit = decision
        .hours
        .map(|h| (h.volunteer_id, h.minutes, h.source));
    if let Some((volunteer, minutes, source)) = credit {
        super::hours::insert_row(
            conn,
            volunteer,
            record.community.id,
            Some(id),
            source,
            None,
            minutes,
            to_ms(at),
            seq,
        )
        .await?;
    }
    Ok(())
}

/// References inside an action that must exist: the volunteer dispatched to (active, in
/// the request's community) and the request a duplicate is merged into.
async fn check_references(
    conn: &mut Conn,
    record: &RequestRecord,
    action: &Action,
) -> StoreResult<()> {
    match action {
        Action::Dispatch {
            target: DispatchTarget::Volunteer { id, .. },
        } => {
            let found: Option<(String, Option<PlaceId>, bool)> =
                sqlx::query_as("SELECT role, scope_place_id, active FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match found {
                Some((role, Some(scope), true))
                    if role == Role::Volunteer.as_str() && scope == record.community.id =>
                {
                    Ok(())
                }
                _ => Err(StoreError::invalid(
                    "volunteer",
                    "is not an active volunteer of this request's community",
                )),
            }
        }
        Action::Close {
            reason: CloseReason::Duplicate,
            duplicate_of,
            ..
        } => {
            let Some(code) = duplicate_of else {
                return Err(StoreError::invalid(
                    "duplicate_of",
                    "is required for a duplicate",
                ));
            };
            let found: Option<(RequestId,)> =
                sqlx::query_as("SELECT id FROM requests WHERE code = $1 AND community_id = $2")
                    .bind(code)
                    .bind(record.community.id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match found {
                Some((other,)) if other != record.id => Ok(()),
                Some(_) => Err(StoreError::invalid(
                    "duplicate_of",
                    "cannot be the request itself",
                )),
                None => Err(StoreError::invalid(
                    "duplicate_of",
                    format!("no request {code} in this community"),
                )),
            }
        }
        _ => Ok(()),
    }
}

fn not_found(id: RequestId) -> StoreError {
    StoreError::NotFound(format!("request {id}"))
}

async fn fetch(conn: &mut Conn, id: RequestId) -> StoreResult<Option<RequestRecord>> {
    let sql = format!("{REQUEST_SELECT} WHERE r.id = $1");
    let row = sqlx::query_as::<_, RequestRow>(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(RequestRecord::try_from).transpose()
}

pub(crate) async fn by_id(pool: &Pool, id: RequestId) -> StoreResult<RequestRecord> {
    let sql = format!("{REQUEST_SELECT} WHERE r.id = $1");
    sqlx::query_as::<_, RequestRow>(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| not_found(id))?
        .try_into()
}

pub(crate) async fn by_code(pool: &Pool, code: &str) -> StoreResult<RequestRecord> {
    if code.contains('\0') {
        // No code holds NUL, and PostgreSQL refuses it in a parameter.
        return Err(StoreError::NotFound(format!("request {code:?}")));
    }
    let sql = format!("{REQUEST_SELECT} WHERE r.code = $1");
    sqlx::query_as::<_, RequestRow>(&sql)
        .bind(code)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("request {code}")))?
        .try_into()
}

/// How a scope bounds requests: by the request's own community, sub-district or district
/// column (each indexed with the reported time), so a list at any scope is an index walk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ScopeSql {
    Everything,
    Column(&'static str, PlaceId),
    /// A scope no request lies in (a grid or building, say).
    Nothing,
}

/// Finds which column bounds `scope`: one lookup of its place's kind.
pub(crate) async fn scope_sql(pool: &Pool, scope: Scope) -> StoreResult<ScopeSql> {
    let Scope::Within(place) = scope else {
        return Ok(ScopeSql::Everything);
    };
    let kind: Option<(String,)> = sqlx::query_as("SELECT kind FROM places WHERE id = $1")
        .bind(place)
        .fetch_optional(pool)
        .await?;
    Ok(match kind.as_ref().map(|(k,)| k.as_str()) {
        Some("community") => ScopeSql::Column("r.community_id", place),
        Some("subdistrict") => ScopeSql::Column("r.subdistrict_id", place),
        Some("district") => ScopeSql::Column("r.district_id", place),
        _ => ScopeSql::Nothing,
    })
}

/// The scope condition shared by lists and figures.
pub(crate) fn push_scope(sql: &mut SqlBuilder, scope: ScopeSql, community_id: Option<PlaceId>) {
    match scope {
        ScopeSql::Everything => {}
        ScopeSql::Column(column, place) => {
            let p = sql.int(place);
            sql.push(&format!(" AND {column} = {p}"));
        }
        ScopeSql::Nothing => {
            sql.push(" AND 1 = 0");
        }
    }
    if let Some(community) = community_id {
        let p = sql.int(community);
        sql.push(&format!(" AND r.community_id = {p}"));
    }
}

/// The conditions of figures (`WHERE ...`): the scope, then the period reported in.
pub(crate) fn push_figures_scope(
    sql: &mut SqlBuilder,
    scope: &crate::model::StatsScope,
    bound: ScopeSql,
) {
    sql.push(" WHERE 1 = 1");
    push_scope(sql, bound, scope.community_id);
    if let Some(from) = scope.from_ms {
        let p = sql.int(from);
        sql.push(&format!(" AND r.reported_ms >= {p}"));
    }
    if let Some(to) = scope.to_ms {
        let p = sql.int(to);
        sql.push(&format!(" AND r.reported_ms < {p}"));
    }
}

/// The conditions of a request filter, shared by lists and counts (cursor excluded).
pub(crate) fn push_filter(sql: &mut SqlBuilder, filter: &RequestFilter, scope: ScopeSql) {
    sql.push(" WHERE 1 = 1");
    push_scope(sql, scope, filter.community_id);
    if let Some(viewer) = filter.reach.volunteer() {
        // The open pool, plus what is assigned to the volunteer's account.
        match viewer {
            Some(volunteer) => {
                let p = sql.int(volunteer);
                sql.push(&format!(
                    " AND (r.status = 'pooled' OR r.assignee_id = {p})"
                ));
            }
            None => {
                sql.push(" AND r.status = 'pooled'");
            }
        }
    }
    if let Some(assignee) = filter.assignee_id {
        let p = sql.int(assignee);
        sql.push(&format!(" AND r.assignee_id = {p}"));
    }
    if let Some(status) = filter.status {
        let p = sql.text(status.as_str());
        sql.push(&format!(" AND r.status = {p}"));
    }
    if let Some(category) = &filter.category {
        let p = sql.text(category.as_str());
        sql.push(&format!(" AND r.category = {p}"));
    }
    if let Some(channel) = filter.channel {
        let p = sql.text(channel.as_str());
        sql.push(&format!(" AND r.channel = {p}"));
    }
    if let Some(grid) = filter.grid_id {
        let p = sql.int(grid);
        sql.push(&format!(" AND r.grid_id = {p}"));
    }
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.contains('\0')) {
        // Nothing stored holds NUL (neither database keeps it in text), and PostgreSQL
        // refuses it in a parameter: a search for it finds nothing.
        sql.push(" AND 1 = 0");
    } else if let Some(text) = text {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut columns = vec!["code", "reporter_name", "description", "outcome"];
        if filter.text_in_rooms {
            columns.push("room");
        }
        if BACKEND == Backend::Sqlite && text.chars().count() >= 3 {
            // SQLite's trigram index finds any substring of three characters or more,
            // ignoring case; the phrase is quoted so nothing in it is read as syntax.
            let phrase = format!(
                "{{{}}} : \"{}\"",
                columns.join(" "),
                text.replace('"', "\"\"")
            );
            let p = sql.text(&phrase);
            sql.push(&format!(
                " AND r.id IN (SELECT rowid FROM requests_search WHERE requests_search MATCH {p})"
            ));
        } else {
            // PostgreSQL's trigram indexes serve `LIKE` (migration 0008); on SQLite a
            // search shorter than a trigram reads the rows. Case-insensitive on both
            // (SQLite's LIKE ignores ASCII case, PostgreSQL's does not): both sides
            // lower-cased.
            let p = sql.text(&format!("%{escaped}%"));
            let like = |column: &str| format!("LOWER(r.{column}) LIKE LOWER({p}) ESCAPE '\\'");
            let any: Vec<String> = columns.into_iter().map(like).collect();
            sql.push(&format!(" AND ({})", any.join(" OR ")));
        }
    }
    if let Some(since) = filter.resolved_from_ms {
        let p = sql.int(since);
        sql.push(&format!(" AND r.resolved_ms >= {p}"));
    }
    if let Some(from) = filter.from_ms {
        let p = sql.int(from);
        sql.push(&format!(" AND r.reported_ms >= {p}"));
    }
    if let Some(to) = filter.to_ms {
        let p = sql.int(to);
        sql.push(&format!(" AND r.reported_ms < {p}"));
    }
}

pub(crate) async fn list(pool: &Pool, filter: &RequestFilter) -> StoreResult<Page<RequestRecord>> {
    let scope = scope_sql(pool, filter.reach.scope()).await?;
    let mut sql = SqlBuilder::new(REQUEST_SELECT);
    push_filter(&mut sql, filter, scope);
    let (op, order) = if filter.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(cursor) = filter.cursor {
        let ms = sql.int(cursor.reported_ms);
        let id = sql.int(cursor.id);
        // A row comparison: both databases walk the (scope, reported_ms, id) index from it.
        sql.push(&format!(" AND (r.reported_ms, r.id) {op} ({ms}, {id})"));
    }
    // Pages of up to 200 for people; exports read in pages of up to 5000.
    let limit = filter.limit.clamp(1, 5000);
    sql.push(&format!(
        " ORDER BY r.reported_ms {order}, r.id {order} LIMIT {}",
        limit + 1
    ));
    let rows = sql.query_as::<RequestRow>().fetch_all(pool).await?;
    let mut items = rows
        .into_iter()
        .map(RequestRecord::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|r| Cursor {
            reported_ms: to_ms(r.reported_at),
            id: r.id,
        })
    } else {
        None
    };
    Ok(Page { items, next })
}
