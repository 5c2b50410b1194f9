//! The tamper-evident ledger: every event's hash is SHA-256 over the previous event's
//! hash and the event's canonical bytes, so altering, removing or reordering any stored
//! event breaks the chain from that point on.
//!
//! Each community keeps its own chain: its events carry the community and their place in
//! its chain (`chain_seq`, counting from 1), and the first one chains from the *anchor*,
//! the hash of the single chain every event belonged to before (the legacy chain, frozen
//! when the per-community chains began; [`GENESIS`] in a database that never had one).
//! Legacy events are hashed exactly as they always were: the two chain fields are left out
//! of their canonical bytes. `seq` stays the global number that orders every event.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first event chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that the hash covers, in the order they are hashed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventBody<'a> {
    pub seq: i64,
    pub request_id: i64,
    pub actor: &'a str,
    pub actor_id: Option<i64>,
    pub at_ms: i64,
    pub kind: &'a str,
    /// Parsed JSON; serde_json's maps keep keys sorted, which makes the form canonical
    /// whatever spacing or key order the database hands back.
    pub data: &'a serde_json::Value,
    /// The community whose chain holds the event; `None` in the legacy chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<i64>,
    /// The event's place in its community's chain; `None` in the legacy chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_seq: Option<i64>,
}

impl EventBody<'_> {
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an event body always serialises")
    }

    pub fn hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(self.canonical_bytes());
        format!("{:x}", hasher.finalize())
    }
}

/// An event as stored, for verification.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub request_id: i64,
    pub actor: String,
    pub actor_id: Option<i64>,
    pub at_ms: i64,
    pub kind: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
    /// `None` (with `chain_seq`) for the events of the legacy chain.
    pub community_id: Option<i64>,
    pub chain_seq: Option<i64>,
}

/// What a chain's head row says: how many events the chain holds (for the legacy chain,
/// the global number of its last event), the global number of its last event (0 while
/// empty) and that event's hash (the anchor while empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub event_seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerFault {
    #[error("event {found} follows event {previous}: event(s) missing or reordered")]
    Gap { previous: i64, found: i64 },
    #[error("event {seq} does not chain from the event before it (altered, removed or reordered)")]
    BrokenLink { seq: i64 },
    #[error("event {seq} was altered: its contents no longer match its hash")]
    Altered { seq: i64 },
    #[error("event {seq} has data that is not JSON")]
    Unreadable { seq: i64 },
    #[error("the chain ends at event {last} but its head records event {head}: events at the end were removed or added")]
    Truncated { last: i64, head: i64 },
}

impl LedgerFault {
    /// The first event the fault was found at.
    pub fn seq(&self) -> i64 {
        match self {
            LedgerFault::Gap { found, .. } => *found,
            LedgerFault::BrokenLink { seq }
            | LedgerFault::Altered { seq }
            | LedgerFault::Unreadable { seq } => *seq,
            LedgerFault::Truncated { last, .. } => *last,
        }
    }
}

/// Walks one chain's events in `seq` order and stops at the first fault.
///
/// The legacy chain must number its events 1, 2, 3... by `seq`. A community's chain
/// numbers them by `chain_seq`; their global `seq` only has to increase (on PostgreSQL a
/// transaction that rolls back leaves a hole in the global numbers, never in a chain).
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    /// `None` for the legacy chain.
    community_id: Option<i64>,
    /// The last event's place in the chain: `chain_seq`, or `seq` in the legacy chain.
    last_pos: i64,
    /// The last event's global number (0 before the first).
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::legacy()
    }
}

impl ChainVerifier {
    /// The single chain of the events written before per-community chains.
    pub fn legacy() -> Self {
        Self {
            community_id: None,
            last_pos: 0,
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            checked: 0,
        }
    }

    /// A community's chain, whose first event chains from `anchor`.
    pub fn community(community_id: i64, anchor: &str) -> Self {
        Self {
            community_id: Some(community_id),
            last_pos: 0,
            last_seq: 0,
            last_hash: anchor.to_string(),
            checked: 0,
        }
    }

    pub fn push(&mut self, event: &StoredEvent) -> Result<(), LedgerFault> {
        let gap = LedgerFault::Gap {
            previous: self.last_seq,
            found: event.seq,
        };
        let pos = match self.community_id {
            None if event.chain_seq.is_none() && event.community_id.is_none() => event.seq,
            Some(c) if event.community_id == Some(c) && event.seq > self.last_seq => {
                event.chain_seq.ok_or(gap.clone())?
            }
            _ => return Err(gap),
        };
        if pos != self.last_pos + 1 {
            return Err(gap);
        }
        if event.prev_hash != self.last_hash {
            return Err(LedgerFault::BrokenLink { seq: event.seq });
        }
        let data: serde_json::Value = serde_json::from_str(&event.data)
            .map_err(|_| LedgerFault::Unreadable { seq: event.seq })?;
        let body = EventBody {
            seq: event.seq,
            request_id: event.request_id,
            actor: &event.actor,
            actor_id: event.actor_id,
            at_ms: event.at_ms,
            kind: &event.kind,
            data: &data,
            community_id: event.community_id,
            chain_seq: event.chain_seq,
        };
        if body.hash(&self.last_hash) != event.hash {
            return Err(LedgerFault::Altered { seq: event.seq });
        }
        self.last_pos = pos;
        self.last_seq = event.seq;
        self.last_hash = event.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Events verified so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Checks the end of the chain against the head the store keeps beside it, which
    /// catches events removed from (or appended to) the end.
    pub fn finish(self, head: &ChainHead) -> Result<u64, LedgerFault> {
        if head.seq != self.last_pos
            || head.event_seq != self.last_seq
            || head.hash != self.last_hash
        {
            return Err(LedgerFault::Truncated {
                last: self.last_seq,
                head: head.event_seq,
            });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `n` events of one chain: the legacy one (`community: None`) or a community's,
    /// whose global numbers start at `first_seq` and skip every third.
    fn chain(n: i64, community: Option<i64>, anchor: &str, first_seq: i64) -> Vec<StoredEvent> {
        let mut prev = anchor.to_string();
        (1..=n)
            .map(|pos| {
                let seq = match community {
                    None => pos,
                    Some(_) => first_seq + pos + pos / 3,
                };
                let data = json!({"b": seq, "a": "说明"});
                let body = EventBody {
                    seq,
                    request_id: 1 + seq % 2,
                    actor: "staff",
                    actor_id: Some(3),
                    at_ms: 1_720_000_000_000 + seq,
                    kind: "noted",
                    data: &data,
                    community_id: community,
                    chain_seq: community.map(|_| pos),
                };
                let hash = body.hash(&prev);
                let event = StoredEvent {
                    seq,
                    request_id: body.request_id,
                    actor: "staff".into(),
                    actor_id: Some(3),
                    at_ms: body.at_ms,
                    kind: "noted".into(),
                    data: data.to_string(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                    community_id: community,
                    chain_seq: community.map(|_| pos),
                };
                prev = hash;
                event
            })
            .collect()
    }

    fn legacy(n: i64) -> Vec<StoredEvent> {
        chain(n, None, GENESIS, 0)
    }

    fn head_of(events: &[StoredEvent], anchor: &str) -> ChainHead {
        match events.last() {
            Some(e) => ChainHead {
                seq: e.chain_seq.unwrap_or(e.seq),
                event_seq: e.seq,
                hash: e.hash.clone(),
            },
            None => ChainHead {
                seq: 0,
                event_seq: 0,
                hash: anchor.into(),
            },
        }
    }

    fn verify(events: &[StoredEvent], head: (i64, &str)) -> Result<u64, LedgerFault> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.push(e)?;
        }
        v.finish(&ChainHead {
            seq: head.0,
            event_seq: head.0,
            hash: head.1.into(),
        })
    }

    fn verify_community(
        events: &[StoredEvent],
        anchor: &str,
        head: &ChainHead,
    ) -> Result<u64, LedgerFault> {
        let mut v = ChainVerifier::community(7, anchor);
        for e in events {
            v.push(e)?;
        }
        v.finish(head)
    }

    #[test]
    fn legacy_hashes_are_what_they_always_were() {
        // Computed by the code that wrote the legacy chain, before communities had chains.
        let data = json!({"b": 1, "a": "说明"});
        let body = EventBody {
            seq: 7,
            request_id: 2,
            actor: "staff",
            actor_id: Some(3),
            at_ms: 1_720_000_000_000,
            kind: "noted",
            data: &data,
            community_id: None,
            chain_seq: None,
        };
        assert_eq!(
            body.hash(GENESIS),
            "b841be3acc532d54071f573e65304bcb7ba9cd6e42d16473d475a240c9903cfa"
        );
        let chained = EventBody {
            community_id: Some(4),
            chain_seq: Some(1),
            ..body.clone()
        };
        assert_ne!(chained.hash(GENESIS), body.hash(GENESIS));
    }

    #[test]
    fn a_clean_chain_verifies_whatever_the_json_spacing() {
        let mut events = legacy(5);
        let head = (5, events[4].hash.clone());
        events[2].data = "{ \"b\": 3,\n \"a\": \"说明\" }".into();
        assert_eq!(verify(&events, (head.0, &head.1)), Ok(5));
    }

    #[test]
    fn altered_removed_reordered_and_truncated_are_caught() {
        let events = legacy(5);
        let head = (5, events[4].hash.clone());

        let mut altered = events.clone();
        altered[2].data = json!({"a": "说明", "b": 99}).to_string();
        assert_eq!(
            verify(&altered, (5, &head.1)),
            Err(LedgerFault::Altered { seq: 3 })
        );

        let mut actor = events.clone();
        actor[1].actor = "someone else".into();
        assert_eq!(
            verify(&actor, (5, &head.1)),
            Err(LedgerFault::Altered { seq: 2 })
        );

        let mut removed = events.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, (5, &head.1)),
            Err(LedgerFault::Gap {
                previous: 1,
                found: 3
            })
        );

        // Reordered with the sequence numbers swapped too: the links no longer match.
        let mut swapped = events.clone();
        swapped.swap(1, 2);
        swapped[1].seq = 2;
        swapped[2].seq = 3;
        assert_eq!(
            verify(&swapped, (5, &head.1)),
            Err(LedgerFault::BrokenLink { seq: 2 })
        );

        let truncated = &events[..4];
        assert_eq!(verify(truncated, (5, &head.1)).unwrap_err().seq(), 4);
    }

    #[test]
    fn a_community_chain_starts_at_its_anchor_and_may_skip_global_numbers() {
        let old = legacy(3);
        let anchor = old[2].hash.clone();
        let events = chain(6, Some(7), &anchor, 3);
        assert!(events.windows(2).any(|w| w[1].seq > w[0].seq + 1));
        let head = head_of(&events, &anchor);
        assert_eq!(verify_community(&events, &anchor, &head), Ok(6));
        // An empty chain is its anchor.
        assert_eq!(
            verify_community(&[], &anchor, &head_of(&[], &anchor)),
            Ok(0)
        );
        // From another anchor (the legacy chain rewritten), the first link breaks.
        assert_eq!(
            verify_community(&events, GENESIS, &head),
            Err(LedgerFault::BrokenLink { seq: events[0].seq })
        );
        // Moved to another community: the hash covers the community.
        let mut moved = events.clone();
        for e in &mut moved {
            e.community_id = Some(8);
        }
        let mut v = ChainVerifier::community(8, &anchor);
        assert_eq!(
            v.push(&moved[0]),
            Err(LedgerFault::Altered { seq: moved[0].seq })
        );
        // A missing event is a gap in the chain's own numbers.
        let mut removed = events.clone();
        removed.remove(2);
        assert_eq!(
            verify_community(&removed, &anchor, &head),
            Err(LedgerFault::Gap {
                previous: events[1].seq,
                found: events[3].seq
            })
        );
        // The last one removed: the head no longer matches.
        assert_eq!(
            verify_community(&events[..5], &anchor, &head),
            Err(LedgerFault::Truncated {
                last: events[4].seq,
                head: events[5].seq
            })
        );
        // Global numbers going backwards are a reordering.
        let mut back = events.clone();
        back[3].seq = back[1].seq - 1;
        assert!(matches!(
            verify_community(&back, &anchor, &head),
            Err(LedgerFault::Gap { .. })
        ));
        // A legacy event met in a community's chain, or the other way round.
        assert!(verify_community(&old, &anchor, &head).is_err());
        assert!(verify(&events, (6, &head.hash)).is_err());
    }
}
