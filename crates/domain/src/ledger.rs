//! The tamper-evident ledger: every event's hash is SHA-256 over the previous event's
//! hash and the event's canonical bytes, so altering, removing or reordering any stored
//! event breaks the chain from that point on.

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
    #[error("the ledger ends at event {last} but its head records event {head}: events at the end were removed or added")]
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

/// Walks events in `seq` order and stops at the first fault.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, event: &StoredEvent) -> Result<(), LedgerFault> {
        if event.seq != self.last_seq + 1 {
            return Err(LedgerFault::Gap {
                previous: self.last_seq,
                found: event.seq,
            });
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
        };
        if body.hash(&self.last_hash) != event.hash {
            return Err(LedgerFault::Altered { seq: event.seq });
        }
        self.last_seq = event.seq;
        self.last_hash = event.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Checks the end of the chain against the head the store keeps beside it, which
    /// catches events removed from (or appended to) the end.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, LedgerFault> {
        if head_seq != self.last_seq || head_hash != self.last_hash {
            return Err(LedgerFault::Truncated {
                last: self.last_seq,
                head: head_seq,
            });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let data = json!({"b": seq, "a": "说明"});
                let body = EventBody {
                    seq,
                    request_id: 1 + seq % 2,
                    actor: "staff",
                    actor_id: Some(3),
                    at_ms: 1_720_000_000_000 + seq,
                    kind: "noted",
                    data: &data,
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
                };
                prev = hash;
                event
            })
            .collect()
    }

    fn verify(events: &[StoredEvent], head: (i64, &str)) -> Result<u64, LedgerFault> {
        let mut v = ChainVerifier::default();
        for e in events {
            v.push(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn a_clean_chain_verifies_whatever_the_json_spacing() {
        let mut events = chain(5);
        let head = (5, events[4].hash.clone());
        events[2].data = "{ \"b\": 3,\n \"a\": \"说明\" }".into();
        assert_eq!(verify(&events, (head.0, &head.1)), Ok(5));
    }

    #[test]
    fn altered_removed_reordered_and_truncated_are_caught() {
        let events = chain(5);
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
}
