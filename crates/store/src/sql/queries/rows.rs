//! Rows as the database returns them, and their conversion into the store's records.
//! Stored text that no longer parses is reported as [`StoreError::Corrupt`].

use crate::model::{CommunityRef, RequestRecord, UserRecord};
use crate::StoreError;
use bangbang_domain::{
    category::CategoryCode,
    lifecycle::{CloseReason, Satisfaction, Status},
    projection::Projection,
    request::{Channel, Urgency},
    time::from_ms,
    PlaceId, RequestId, Role, UserId,
};

/// The columns of a request with its places and assignee; append `WHERE ...`.
pub(crate) const REQUEST_SELECT: &str =
    "SELECT r.id, r.code, r.community_id, c.slug AS community_slug, \
    c.name AS community_name, c.subdistrict_id, c.district_id, r.grid_id, g.name AS grid_name, \
    r.building_id, b.number AS building, e.number AS entrance, r.entrance_id, r.room, r.category, r.channel, \
    r.urgency, r.status, r.reporter_name, r.reporter_phone, r.description, r.reported_ms, \
    r.respond_by_ms, r.resolve_by_ms, r.first_response_ms, r.resolved_ms, r.assignee_id, \
    u.display_name AS assignee_name, r.partner, r.outcome, r.service_minutes, r.satisfaction, \
    r.next_follow_up_ms, r.close_reason, r.duplicate_of, r.photos, r.last_seq, r.track_key \
    FROM requests r \
    JOIN places c ON c.id = r.community_id \
    LEFT JOIN places g ON g.id = r.grid_id \
    LEFT JOIN places b ON b.id = r.building_id \
    LEFT JOIN places e ON e.id = r.entrance_id \
    LEFT JOIN users u ON u.id = r.assignee_id ";

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    id: RequestId,
    code: String,
    community_id: PlaceId,
    community_slug: Option<String>,
    community_name: String,
    subdistrict_id: Option<PlaceId>,
    district_id: Option<PlaceId>,
    grid_id: Option<PlaceId>,
    grid_name: Option<String>,
    building_id: Option<PlaceId>,
    building: Option<String>,
    entrance: Option<String>,
    entrance_id: Option<PlaceId>,
    room: Option<String>,
    category: CategoryCode,
    channel: String,
    urgency: String,
    status: String,
    reporter_name: String,
    reporter_phone: String,
    description: String,
    reported_ms: i64,
    respond_by_ms: i64,
    resolve_by_ms: i64,
    first_response_ms: Option<i64>,
    resolved_ms: Option<i64>,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    partner: Option<String>,
    outcome: Option<String>,
    service_minutes: Option<i64>,
    satisfaction: Option<String>,
    next_follow_up_ms: Option<i64>,
    close_reason: Option<String>,
    duplicate_of: Option<String>,
    photos: super::List,
    last_seq: i64,
    track_key: String,
}

fn corrupt(what: &str, value: &str, id: RequestId) -> StoreError {
    StoreError::Corrupt(format!("request {id} has {what} {value:?}"))
}

/// A stored status and satisfaction, read back (a value no code writes is corruption).
fn state_of(
    id: RequestId,
    status: &str,
    satisfaction: Option<&str>,
) -> Result<(Status, Option<Satisfaction>), StoreError> {
    let status = Status::parse(status).ok_or_else(|| corrupt("status", status, id))?;
    let satisfaction = satisfaction
        .map(|s| Satisfaction::parse(s).ok_or_else(|| corrupt("satisfaction", s, id)))
        .transpose()?;
    Ok((status, satisfaction))
}

impl TryFrom<RequestRow> for RequestRecord {
    type Error = StoreError;

    fn try_from(row: RequestRow) -> Result<Self, StoreError> {
        let id = row.id;
        let (status, satisfaction) = state_of(id, &row.status, row.satisfaction.as_deref())?;
        let close_reason = row
            .close_reason
            .map(|c| CloseReason::parse(&c).ok_or_else(|| corrupt("close reason", &c, id)))
            .transpose()?;
        Ok(RequestRecord {
            id,
            code: row.code,
            community: CommunityRef {
                id: row.community_id,
                slug: row.community_slug.unwrap_or_default(),
                name: row.community_name,
                subdistrict_id: row
                    .subdistrict_id
                    .ok_or_else(|| corrupt("community without a sub-district", "", id))?,
                district_id: row
                    .district_id
                    .ok_or_else(|| corrupt("community without a district", "", id))?,
            },
            grid_id: row.grid_id,
            grid: row.grid_name,
            building_id: row.building_id,
            building: row.building,
            entrance: row.entrance,
            entrance_id: row.entrance_id,
            room: row.room,
            channel: Channel::parse(&row.channel)
                .ok_or_else(|| corrupt("channel", &row.channel, id))?,
            urgency: Urgency::parse(&row.urgency)
                .ok_or_else(|| corrupt("urgency", &row.urgency, id))?,
            category: row.category,
            reporter_name: row.reporter_name,
            reporter_phone: row.reporter_phone,
            description: row.description,
            reported_at: from_ms(row.reported_ms),
            respond_by: from_ms(row.respond_by_ms),
            resolve_by: from_ms(row.resolve_by_ms),
            state: Projection {
                status,
                assignee_id: row.assignee_id,
                partner: row.partner,
                first_response_ms: row.first_response_ms,
                resolved_ms: row.resolved_ms,
                outcome: row.outcome,
                service_minutes: row.service_minutes,
                satisfaction,
                next_follow_up_ms: row.next_follow_up_ms,
                close_reason,
                duplicate_of: row.duplicate_of,
            },
            assignee_name: row.assignee_name,
            photos: super::from_list(row.photos),
            last_seq: row.last_seq,
            track_key: row.track_key,
        })
    }
}

pub(crate) const USER_SELECT: &str = "SELECT id, username, display_name, role, scope_place_id, \
    password_hash, skills, home_entrance_id, active FROM users ";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: UserId,
    username: String,
    display_name: String,
    role: String,
    scope_place_id: Option<PlaceId>,
    password_hash: String,
    skills: super::List,
    home_entrance_id: Option<PlaceId>,
    active: bool,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        let role = Role::parse(&row.role).ok_or_else(|| {
            StoreError::Corrupt(format!("user {} has role {:?}", row.username, row.role))
        })?;
        Ok(UserRecord {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role,
            scope_place_id: row.scope_place_id,
            password_hash: row.password_hash,
            skills: super::from_list(row.skills),
            home_entrance_id: row.home_entrance_id,
            active: row.active,
        })
    }
}

/// The columns a ledger export writes, and what access needs to decide whether the
/// reporter's phone and room are shown: three joins and 24 columns instead of
/// [`REQUEST_SELECT`]'s five and 38. Append `WHERE ...`.
pub(crate) const LEDGER_SELECT: &str =
    "SELECT r.id, r.code, r.community_id, r.subdistrict_id, r.district_id, \
    b.number AS building, e.number AS entrance, r.room, r.category, r.channel, r.status, \
    r.reporter_name, r.reporter_phone, r.description, r.reported_ms, r.first_response_ms, \
    r.resolved_ms, r.assignee_id, u.display_name AS assignee_name, r.partner, r.outcome, \
    r.service_minutes, r.satisfaction \
    FROM requests r \
    LEFT JOIN places b ON b.id = r.building_id \
    LEFT JOIN places e ON e.id = r.entrance_id \
    LEFT JOIN users u ON u.id = r.assignee_id ";

#[derive(sqlx::FromRow)]
pub(crate) struct LedgerRow {
    id: RequestId,
    code: String,
    community_id: PlaceId,
    subdistrict_id: Option<PlaceId>,
    district_id: Option<PlaceId>,
    building: Option<String>,
    entrance: Option<String>,
    room: Option<String>,
    category: CategoryCode,
    channel: String,
    status: String,
    reporter_name: String,
    reporter_phone: String,
    description: String,
    reported_ms: i64,
    first_response_ms: Option<i64>,
    resolved_ms: Option<i64>,
    assignee_id: Option<UserId>,
    assignee_name: Option<String>,
    partner: Option<String>,
    outcome: Option<String>,
    service_minutes: Option<i64>,
    satisfaction: Option<String>,
}

impl TryFrom<LedgerRow> for RequestRecord {
    type Error = StoreError;

    /// A record with what [`LEDGER_SELECT`] reads; the rest is left empty.
    fn try_from(row: LedgerRow) -> Result<Self, StoreError> {
        let id = row.id;
        let (status, satisfaction) = state_of(id, &row.status, row.satisfaction.as_deref())?;
        let reported_at = from_ms(row.reported_ms);
        Ok(RequestRecord {
            id,
            code: row.code,
            community: CommunityRef {
                id: row.community_id,
                slug: String::new(),
                name: String::new(),
                subdistrict_id: row
                    .subdistrict_id
                    .ok_or_else(|| corrupt("community without a sub-district", "", id))?,
                district_id: row
                    .district_id
                    .ok_or_else(|| corrupt("community without a district", "", id))?,
            },
            grid_id: None,
            grid: None,
            building_id: None,
            building: row.building,
            entrance: row.entrance,
            entrance_id: None,
            room: row.room,
            channel: Channel::parse(&row.channel)
                .ok_or_else(|| corrupt("channel", &row.channel, id))?,
            urgency: Urgency::Normal,
            category: row.category,
            reporter_name: row.reporter_name,
            reporter_phone: row.reporter_phone,
            description: row.description,
            reported_at,
            respond_by: reported_at,
            resolve_by: reported_at,
            state: Projection {
                status,
                assignee_id: row.assignee_id,
                partner: row.partner,
                first_response_ms: row.first_response_ms,
                resolved_ms: row.resolved_ms,
                outcome: row.outcome,
                service_minutes: row.service_minutes,
                satisfaction,
                next_follow_up_ms: None,
                close_reason: None,
                duplicate_of: None,
            },
            assignee_name: row.assignee_name,
            photos: Vec::new(),
            last_seq: 0,
            track_key: String::new(),
        })
    }
}
