//! What the store hands back and takes in, beyond the domain's own types.

use bangbang_domain::{
    access::{CommunityPath, RequestFacts},
    category::CategoryCode,
    lifecycle::Status,
    place::PlaceKind,
    projection::Projection,
    request::{Channel, Urgency},
    stats::{Counts, Rates},
    volunteer::HoursSource,
    Actor, EventKind, PlaceId, RequestId, Role, Scope, UserId,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlace {
    pub kind: PlaceKind,
    pub parent_id: Option<PlaceId>,
    pub name: String,
    /// Communities: the name in URLs (`liuxiali`).
    pub slug: Option<String>,
    /// Communities: the prefix of request codes (`LXL`).
    pub code_prefix: Option<String>,
    /// Buildings and entrances: the number people use (`3`, `2`).
    pub number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRecord {
    pub id: PlaceId,
    pub kind: PlaceKind,
    pub parent_id: Option<PlaceId>,
    pub name: String,
    pub number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Community {
    pub id: PlaceId,
    pub slug: String,
    pub name: String,
    pub code_prefix: String,
    pub subdistrict_id: PlaceId,
    pub subdistrict_name: String,
    pub district_id: PlaceId,
    pub district_name: String,
}

impl Community {
    pub fn path(&self) -> CommunityPath {
        CommunityPath {
            district_id: self.district_id,
            subdistrict_id: self.subdistrict_id,
            community_id: self.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope_place_id: Option<PlaceId>,
    pub password_hash: String,
    pub phone: Option<String>,
    pub skills: Vec<String>,
    pub home_entrance_id: Option<PlaceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope_place_id: Option<PlaceId>,
    #[serde(skip)]
    pub password_hash: String,
    pub skills: Vec<String>,
    pub home_entrance_id: Option<PlaceId>,
    pub active: bool,
}

impl UserRecord {
    pub fn actor(&self) -> bangbang_domain::Actor {
        bangbang_domain::Actor {
            user_id: Some(self.id),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            scope: self.scope_place_id.map_or(Scope::Everywhere, Scope::Within),
            skills: self.skills.clone(),
        }
    }
}

/// A request with its current state, as read from the projection table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: RequestId,
    pub code: String,
    pub community: CommunityRef,
    pub grid_id: Option<PlaceId>,
    pub grid: Option<String>,
    pub building_id: Option<PlaceId>,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub entrance_id: Option<PlaceId>,
    pub room: Option<String>,
    pub category: CategoryCode,
    pub channel: Channel,
    pub urgency: Urgency,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub description: String,
    pub reported_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    pub state: Projection,
    pub assignee_name: Option<String>,
    /// Content ids of the request's photos.
    pub photos: Vec<String>,
    pub last_seq: i64,
    /// The secret half of the resident's tracking code. Show it only to whoever gives the
    /// resident their receipt (the office, or the resident at the end of asking).
    pub track_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommunityRef {
    pub id: PlaceId,
    pub slug: String,
    pub name: String,
    pub subdistrict_id: PlaceId,
    pub district_id: PlaceId,
}

impl RequestRecord {
    /// The code that opens the public tracking page: `LXL-20240703-007-3FA9C01B7E`.
    pub fn tracking_code(&self) -> String {
        bangbang_domain::request::tracking_code(&self.code, &self.track_key)
    }

    pub fn status(&self) -> Status {
        self.state.status
    }

    pub fn facts(&self) -> RequestFacts {
        RequestFacts {
            path: CommunityPath {
                district_id: self.community.district_id,
                subdistrict_id: self.community.subdistrict_id,
                community_id: self.community.id,
            },
            status: self.state.status,
            category: self.category.clone(),
            assignee_id: self.state.assignee_id,
        }
    }

    /// The reporter's phone and room as `viewer` may see them: in full, or masked
    /// (`138****5678`, `***`). The third value says whether they were masked.
    pub fn contact_for(&self, viewer: &bangbang_domain::Actor) -> (String, String, bool) {
        use bangbang_domain::access::{mask_phone, mask_room};
        let masked = !viewer.sees_personal_data(&self.facts());
        let room = self.room.as_deref().unwrap_or_default();
        if masked {
            let room = if room.is_empty() {
                String::new()
            } else {
                mask_room(room)
            };
            (mask_phone(&self.reporter_phone), room, true)
        } else {
            (self.reporter_phone.clone(), room.to_string(), false)
        }
    }

    /// Open work past its resolve-by deadline, or not yet acted on past its respond-by one.
    pub fn is_overdue(&self, now: &DateTime<Utc>) -> bool {
        let unanswered = self.state.first_response_ms.is_none() && self.respond_by < *now;
        self.state.status.is_open() && (self.resolve_by < *now || unanswered)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    pub seq: i64,
    pub request_id: i64,
    pub actor: String,
    /// The actor's display name, when the actor is a user.
    pub actor_name: Option<String>,
    pub actor_id: Option<UserId>,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub data: serde_json::Value,
    pub hash: String,
}

/// How far an actor's view reaches: their scope and, for a volunteer, the open pool plus
/// their own jobs. Only [`Reach::of`] makes one, so every filter and every figure starts
/// from the actor who asks; there is no "everything" to forget to narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    scope: Scope,
    /// A volunteer sees the open pool plus what is assigned to them (`viewer`).
    volunteer_view: bool,
    viewer: Option<UserId>,
}

impl Reach {
    pub fn of(actor: &Actor) -> Reach {
        Reach {
            scope: actor.scope,
            volunteer_view: actor.role == Role::Volunteer,
            viewer: actor.user_id,
        }
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// `Some(account)` when only the pool and the account's own jobs are visible
    /// (`Some(None)`: only the pool).
    pub fn volunteer(&self) -> Option<Option<UserId>> {
        self.volunteer_view.then_some(self.viewer)
    }
}

/// Which requests to list: everything the actor reaches ([`RequestFilter::for_actor`]),
/// narrowed by the other fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFilter {
    pub reach: Reach,
    /// Only what is assigned to this user.
    pub assignee_id: Option<UserId>,
    pub community_id: Option<PlaceId>,
    pub status: Option<Status>,
    pub category: Option<CategoryCode>,
    pub channel: Option<Channel>,
    pub grid_id: Option<PlaceId>,
    /// Text to look for in the code, reporter, description and outcome (and the room, when
    /// `text_in_rooms`).
    pub text: Option<String>,
    /// Whether `text` may match rooms: only for viewers who see rooms in full, so a search
    /// never confirms what a masked view hides.
    pub text_in_rooms: bool,
    /// `[from_ms, to_ms)` over the time reported.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only requests resolved at or after this time (recent work).
    pub resolved_from_ms: Option<i64>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
    /// Oldest first (ledgers, exports) instead of newest first.
    pub ascending: bool,
}

impl RequestFilter {
    /// Everything `actor` may see, newest first, 50 to a page.
    pub fn for_actor(actor: &Actor) -> RequestFilter {
        RequestFilter {
            reach: Reach::of(actor),
            assignee_id: None,
            community_id: None,
            status: None,
            category: None,
            channel: None,
            grid_id: None,
            text: None,
            text_in_rooms: false,
            from_ms: None,
            to_ms: None,
            resolved_from_ms: None,
            cursor: None,
            limit: 50,
            ascending: false,
        }
    }
}

/// Keyset position: newest first, by (reported time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub reported_ms: i64,
    pub id: RequestId,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.reported_ms, self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (ms, id) = text.split_once('_')?;
        Some(Cursor {
            reported_ms: ms.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// Which requests the figures count: those the actor reaches ([`StatsScope::for_actor`]),
/// narrowed to a community and a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsScope {
    pub reach: Reach,
    pub community_id: Option<PlaceId>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// "Now", for what is overdue.
    pub now_ms: i64,
}

impl StatsScope {
    /// Everything `actor` reaches, at any time.
    pub fn for_actor(actor: &Actor, now_ms: i64) -> StatsScope {
        StatsScope {
            reach: Reach::of(actor),
            community_id: None,
            from_ms: None,
            to_ms: None,
            now_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsReport {
    #[serde(flatten)]
    pub counts: Counts,
    pub rates: Rates,
    pub by_category: Vec<CategoryFigures>,
    pub by_channel: Vec<ChannelFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryFigures {
    pub category: String,
    pub name_zh: String,
    pub requests: i64,
    pub resolved: i64,
    /// Distinct entrances with a request in this category.
    pub entrances: i64,
    /// Distinct entrances where a request in this category was resolved.
    pub resolved_entrances: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelFigures {
    pub channel: String,
    pub requests: i64,
    pub resolved: i64,
}

/// A volunteer as matching sees them: home place, open load and record.
pub type VolunteerCandidate = bangbang_domain::matching::Candidate;

/// A grid of a community, for filters and pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridRecord {
    pub id: PlaceId,
    pub name: String,
}

/// A building with its entrances, for address pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildingRecord {
    pub id: PlaceId,
    pub number: String,
    pub grid_id: Option<PlaceId>,
    pub entrances: Vec<String>,
}

/// One line of a volunteer's service-hours ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HoursEntry {
    pub at: DateTime<Utc>,
    pub source: HoursSource,
    pub request_code: Option<String>,
    pub activity: Option<String>,
    pub minutes: i64,
}

/// A volunteer's hours and jobs over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolunteerTotal {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub jobs: i64,
    /// In the period.
    pub minutes: i64,
    /// Ever: stars are earned by total service, not by one period.
    pub lifetime_minutes: i64,
}

impl VolunteerTotal {
    pub fn hours(&self) -> f64 {
        (self.minutes as f64 / 6.0).round() / 10.0
    }

    pub fn stars(&self) -> u8 {
        bangbang_domain::volunteer::stars(self.lifetime_minutes)
    }
}

/// A request to import with the history it already had.
#[derive(Debug, Clone)]
pub struct ImportItem {
    pub draft: bangbang_domain::request::RequestDraft,
    /// Stable key of the source row: importing the same row again adds nothing.
    pub external_key: String,
    /// Steps after creation, oldest first.
    pub steps: Vec<(DateTime<Utc>, bangbang_domain::lifecycle::Action)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub created: usize,
    pub already_there: usize,
}

/// Figures the mid-term report adds to the stats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportExtras {
    /// (grid, received, resolved)
    pub by_grid: Vec<(String, i64, i64)>,
    /// (month `2024-07`, received, resolved), in order.
    pub monthly: Vec<(String, i64, i64)>,
}

/// An API token as listed for its owner or an administrator; never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRecord {
    pub id: i64,
    pub username: String,
    pub label: String,
    pub created_ms: i64,
    /// When it stops working, if ever.
    pub expires_ms: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}
