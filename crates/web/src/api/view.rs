//! How a request looks to the caller: times in Asia/Shanghai, personal data masked unless
//! the caller may see it, and the actions the caller may take now.

use bangbang_domain::{
    access::{mask_phone, mask_room, Actor},
    lifecycle::{ActionKind, CloseReason, Satisfaction},
    time::{from_ms, local_zone},
    EventKind, RequestId,
};
use bangbang_store::{EventRecord, RequestRecord};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::{json, Value};

pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&local_zone())
}

#[derive(Serialize)]
pub struct RequestView {
    pub id: RequestId,
    pub code: String,
    /// The resident's whole tracking code (code and secret key): for the office only.
    pub tracking_code: Option<String>,
    pub community: Value,
    pub channel: &'static str,
    pub category: String,
    pub urgency: &'static str,
    pub status: &'static str,
    pub status_zh: &'static str,
    pub reporter: Value,
    pub address: Value,
    pub description: String,
    pub reported_at: DateTime<FixedOffset>,
    pub respond_by: DateTime<FixedOffset>,
    pub resolve_by: DateTime<FixedOffset>,
    pub overdue: bool,
    pub assignee: Value,
    pub partner: Option<String>,
    pub outcome: Option<String>,
    pub hours: Option<f64>,
    pub satisfaction: Option<Satisfaction>,
    pub next_follow_up_at: Option<DateTime<FixedOffset>>,
    pub close_reason: Option<CloseReason>,
    pub duplicate_of: Option<String>,
    pub personal_data_masked: bool,
    pub allowed_actions: Vec<ActionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Value>>,
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
            community: json!({"slug": r.community.slug, "name": r.community.name}),
            channel: r.channel.as_str(),
            category: r.category.to_string(),
            urgency: r.urgency.as_str(),
            status: s.status.as_str(),
            status_zh: s.status.zh(),
            reporter: json!({"name": r.reporter_name, "phone": phone}),
            address: json!({"grid": r.grid, "building": r.building, "entrance": r.entrance, "room": room}),
            description: r.description.clone(),
            reported_at: local(r.reported_at),
            respond_by: local(r.respond_by),
            resolve_by: local(r.resolve_by),
            overdue: r.is_overdue(&now),
            assignee: match s.assignee_id {
                Some(id) => json!({"id": id, "name": r.assignee_name}),
                None => Value::Null,
            },
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
                    json!({
                        "seq": e.seq,
                        "kind": e.kind,
                        "actor": e.actor,
                        "at": local(e.at),
                        "data": data,
                        "hash": e.hash,
                    })
                })
                .collect(),
        );
        self
    }
}
