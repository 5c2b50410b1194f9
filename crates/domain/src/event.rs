//! What a ledger event records, by name. The name is stored as text in every event and
//! hashed into the chain, so the text of each kind never changes; this enum is the one
//! list of them, so readers match on a kind instead of comparing strings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// A request received.
    Created,
    /// Dispatched to a volunteer or a partner.
    Dispatched,
    /// Posted to the pool for any volunteer with a fitting skill.
    Pooled,
    Accepted,
    Declined,
    Started,
    Resolved,
    FollowedUp,
    Reviewed,
    Reopened,
    Closed,
    Noted,
    /// Staff recorded a volunteer's hours for a group activity (belongs to no request).
    HoursRecorded,
}

impl EventKind {
    pub const ALL: [EventKind; 13] = [
        EventKind::Created,
        EventKind::Dispatched,
        EventKind::Pooled,
        EventKind::Accepted,
        EventKind::Declined,
        EventKind::Started,
        EventKind::Resolved,
        EventKind::FollowedUp,
        EventKind::Reviewed,
        EventKind::Reopened,
        EventKind::Closed,
        EventKind::Noted,
        EventKind::HoursRecorded,
    ];

    /// The text stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Dispatched => "dispatched",
            EventKind::Pooled => "pooled",
            EventKind::Accepted => "accepted",
            EventKind::Declined => "declined",
            EventKind::Started => "started",
            EventKind::Resolved => "resolved",
            EventKind::FollowedUp => "followed_up",
            EventKind::Reviewed => "reviewed",
            EventKind::Reopened => "reopened",
            EventKind::Closed => "closed",
            EventKind::Noted => "noted",
            EventKind::HoursRecorded => "hours_recorded",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_and_serialises_as_stored() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(EventKind::parse("Created"), None);
        assert_eq!(EventKind::parse(""), None);
    }
}
