//! How a request looks to the caller: times in Asia/Shanghai, personal data masked unless
//! the caller may see it, and the actions the caller may take now.

use bangbang_domain::{
    access::{mask_phone, mask_room, Actor},
    category::CategoryCode,
    lifecycle::{ActionKind, CloseReason, Satisfaction, Status},
    request::{Channel, Urgency},
    time::{from_ms, local_zone},
    EventKind, RequestId, UserId,
};
use bangbang_store::{EventRecord, RequestRecord};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&local_zone())
}

/// A request (诉求) as the caller may see it. `events` is present only on
/// `GET /requests/{id}`.
#[derive(Serialize, ToSchema)]
#[schema(as = Request)]
pub struct RequestView {
    pub id: RequestId,
    /// Human-friendly code a resident can read out: community prefix, local date of
    /// report, number of the day.
    #[schema(example = "LXL-20240703-007")]
    pub code: String,
    /// The resident's whole tracking code: the short code, then a secret key. It opens the
    /// public tracking page and its one-time rating. Only the community office (staff,
    /// admin) is given it, to hand to the resident; null for everyone else.
    #[schema(
        pattern = "^[A-Z0-9]+-[0-9]{8}-[0-9]{3,}-[0-9A-F]{10}$",
        example = "LXL-20240703-007-3FA9C01B7E"
    )]
    pub tracking_code: Option<String>,
    pub community: CommunityName,
    pub channel: Channel,
    /// A category code from `GET /categories`.
    pub category: CategoryCode,
    pub urgency: Urgency,
    pub status: Status,
    /// The state in Chinese, as the office says it.
    #[schema(example = "待派单")]
    pub status_zh: &'static str,
    pub reporter: Reporter,
    pub address: Address,
    pub description: String,
    pub reported_at: DateTime<FixedOffset>,
    pub respond_by: DateTime<FixedOffset>,
    pub resolve_by: DateTime<FixedOffset>,
    /// Open and past its resolve-by deadline, or not acted on past its respond-by one.
    pub overdue: bool,
    pub assignee: Option<Assignee>,
    /// The partner organisation (协作单位) the work was referred to.
    pub partner: Option<String>,
    /// What was done (处置结果).
    pub outcome: Option<String>,
    /// Service hours recorded, to the minute.
    pub hours: Option<f64>,
    pub satisfaction: Option<Satisfaction>,
    pub next_follow_up_at: Option<DateTime<FixedOffset>>,
    pub close_reason: Option<CloseReason>,
    /// The code of the request this one duplicates.
    pub duplicate_of: Option<String>,
    /// Whether `reporter.phone` and `address.room` are masked for this caller.
    pub personal_data_masked: bool,
    /// What the caller may do now (the lifecycle's actions, narrowed by role).
    pub allowed_actions: Vec<ActionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// The community a request belongs to.
#[derive(Serialize, ToSchema)]
pub struct CommunityName {
    #[schema(example = "liuxiali")]
    pub slug: String,
    #[schema(example = "流霞里社区")]
    pub name: String,
}

/// Who raised it (personal data).
#[derive(Serialize, ToSchema)]
pub struct Reporter {
    /// May be empty for grid patrols.
    pub name: String,
    /// Normalised (`13812345678`, `022-26281234`); masked (`138****5678`) when
    /// `personal_data_masked`; empty when none was given.
    pub phone: String,
}

/// Where.
#[derive(Serialize, ToSchema)]
pub struct Address {
    /// The grid (网格) the building belongs to.
    pub grid: Option<String>,
    /// Building (楼) number.
    pub building: Option<String>,
    /// Entrance (门/单元) number.
    pub entrance: Option<String>,
    /// Room; masked whole (`***`) when `personal_data_masked`.
    pub room: Option<String>,
}

/// The volunteer (志愿者) the request is assigned to.
#[derive(Serialize, ToSchema)]
pub struct Assignee {
    pub id: UserId,
    pub name: Option<String>,
}

/// One entry in the append-only ledger.
#[derive(Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventView {
    /// Position in the whole ledger.
    pub seq: i64,
    pub kind: EventKind,
    /// Username of who did it.
    pub actor: String,
    pub at: DateTime<FixedOffset>,
    /// What it was. For `created`: the request as filed, with phone and room masked like
    /// the request's. For actions: the validated action, tagged by `action`.
    #[schema(value_type = Object)]
    pub data: Value,
    /// SHA-256 (hex) over the previous event's hash and this event's canonical bytes.
    pub hash: String,
}

impl RequestView {
    pub fn new(r: &RequestRecord, actor: &Actor, now: DateTime<Utc>) -> RequestView {
        let facts = r.facts();
        let (phone, room, masked) = r.contact_for(actor);
        let room = r.room.as_ref().map(|_| room);
        let s = &r.state;
        RequestView {
            id: r.id,
            code: r.code.clone(),
            tracking_code: actor.is_office().then(|| r.tracking_code()),
            community: CommunityName {
                slug: r.community.slug.clone(),
                name: r.community.name.clone(),
            },
            channel: r.channel,
            category: r.category.clone(),
            urgency: r.urgency,
            status: s.status,
            status_zh: s.status.zh(),
            reporter: Reporter {
                name: r.reporter_name.clone(),
                phone,
            },
            address: Address {
                grid: r.grid.clone(),
                building: r.building.clone(),
                entrance: r.entrance.clone(),
                room,
            },
            description: r.description.clone(),
            reported_at: local(r.reported_at),
            respond_by: local(r.respond_by),
            resolve_by: local(r.resolve_by),
            overdue: r.is_overdue(&now),
            assignee: s.assignee_id.map(|id| Assignee {
                id,
                name: r.assignee_name.clone(),
            }),
            partner: s.partner.clone(),
            outcome: s.outcome.clone(),
            hours: s
                .service_minutes
                .map(|m| (m as f64 / 60.0 * 100.0).round() / 100.0),
            satisfaction: s.satisfaction,
            next_follow_up_at: s.next_follow_up_ms.map(|ms| local(from_ms(ms))),
            close_reason: s.close_reason,
            duplicate_of: s.duplicate_of.clone(),
            personal_data_masked: masked,
            allowed_actions: actor.available_actions(&facts),
            events: None,
        }
    }

    /// Adds the ledger, oldest first; the `created` event's personal data is masked the
    /// same way as the request's.
    pub fn with_events(mut self, events: &[EventRecord]) -> RequestView {
        let masked = self.personal_data_masked;
        self.events = Some(
            events
                .iter()
                .map(|e| {
                    let mut data = e.data.clone();
                    if masked && e.kind == EventKind::Created {
                        if let Some(phone) = data.pointer("/reporter/phone").and_then(Value::as_str)
                        {
                            data["reporter"]["phone"] = json!(mask_phone(phone));
                        }
                        if let Some(room) = data.pointer("/address/room").and_then(Value::as_str) {
                            data["address"]["room"] = json!(mask_room(room));
                        }
                    }
                    EventView {
                        seq: e.seq,
                        kind: e.kind,
                        actor: e.actor.clone(),
                        at: local(e.at),
                        data,
                        hash: e.hash.clone(),
                    }
                })
                .collect(),
        );
        self
    }
}
