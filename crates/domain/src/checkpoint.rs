//! Signed checkpoints of the ledger. The hash chains catch an event changed in place, but
//! not someone with the database who rewrites an event and recomputes every later hash
//! and the head: the rewritten chain is as consistent as the real one. A checkpoint taken
//! before settles it. It records every chain's head (community, how many events, the last
//! one's global seq and hash) and the frozen legacy head, a Merkle root over the heads,
//! and an Ed25519 signature by a key kept outside the database; a ledger that still
//! extends the checkpoint has, at each chain's recorded position, the recorded hash.
//!
//! So that anyone can check a statement by hand:
//! - the signed bytes are `"bangbang ledger checkpoint v1\n"` followed by the statement
//!   as compact JSON, its fields in the order this file declares them;
//! - a Merkle leaf is SHA-256(0x00 ‖ compact JSON of one head), a node SHA-256(0x01 ‖
//!   left ‖ right) over the raw 32-byte digests, the heads sorted by community, an odd
//!   node carried up as it is, and the root of no heads SHA-256 of nothing;
//! - the fingerprint is the first 8 bytes of SHA-256(public key), hex in groups of 4.

use crate::ledger::ChainHead;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

pub const FORMAT: &str = "bangbang ledger checkpoint v1";

/// One community's chain as the checkpoint saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointHead {
    /// The community's slug.
    pub community: String,
    /// How many events its chain held.
    pub seq: i64,
    /// The global seq of the last of them (0 for an empty chain).
    pub event_seq: i64,
    /// Its hash (the anchor for an empty chain).
    pub hash: String,
}

/// The frozen head of the legacy chain, which anchors every community's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

/// What is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub format: String,
    /// For people: Beijing time.
    pub taken_at: String,
    pub taken_ms: i64,
    pub legacy: Anchor,
    /// Sorted by community.
    pub chains: Vec<CheckpointHead>,
    pub merkle_root: String,
    /// The Ed25519 public key, hex.
    pub public_key: String,
    pub fingerprint: String,
}

/// The file `bangbang ledger checkpoint` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCheckpoint {
    pub statement: Statement,
    /// The Ed25519 signature over the signed bytes, hex.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a checkpoint file: {0}")]
    Malformed(String),
    #[error("the checkpoint's public key is not a valid Ed25519 key")]
    BadKey,
    #[error("the fingerprint does not belong to the checkpoint's public key")]
    BadFingerprint,
    #[error("the Merkle root does not match the heads listed")]
    BadRoot,
    #[error("the signature does not match: the checkpoint was altered or signed by another key")]
    BadSignature,
}

/// The key that signs checkpoints.
pub struct CheckpointKey(SigningKey);

impl CheckpointKey {
    /// A key from 32 secret bytes (random ones for a new key).
    pub fn from_seed(seed: &[u8; 32]) -> CheckpointKey {
        CheckpointKey(SigningKey::from_bytes(seed))
    }

    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_hex(&self) -> String {
        hex(self.0.verifying_key().as_bytes())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.0.verifying_key().as_bytes())
    }

    /// Signs the heads of every chain as they stand at `taken_ms`.
    pub fn sign(
        &self,
        taken_ms: i64,
        legacy: &ChainHead,
        mut chains: Vec<CheckpointHead>,
    ) -> SignedCheckpoint {
        chains.sort_by(|a, b| a.community.cmp(&b.community));
        let taken_at = crate::time::from_ms(taken_ms)
            .with_timezone(&crate::time::local_zone())
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string();
        let statement = Statement {
            format: FORMAT.into(),
            taken_at,
            taken_ms,
            legacy: Anchor {
                seq: legacy.seq,
                hash: legacy.hash.clone(),
            },
            merkle_root: merkle_root(&chains),
            chains,
            public_key: self.public_hex(),
            fingerprint: self.fingerprint(),
        };
        let signature = self.0.sign(&statement.signed_bytes());
        SignedCheckpoint {
            statement,
            signature: hex(&signature.to_bytes()),
        }
    }
}

impl Statement {
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut bytes = format!("{FORMAT}\n").into_bytes();
        bytes.extend(serde_json::to_vec(self).expect("a statement always serialises"));
        bytes
    }
}

impl SignedCheckpoint {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a checkpoint always serialises") + "\n"
    }

    pub fn from_json(text: &str) -> Result<SignedCheckpoint, CheckpointError> {
        let checkpoint: SignedCheckpoint =
            serde_json::from_str(text).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if checkpoint.statement.format != FORMAT {
            return Err(CheckpointError::Malformed(format!(
                "format {:?}, expected {FORMAT:?}",
                checkpoint.statement.format
            )));
        }
        Ok(checkpoint)
    }

    /// Checks that the statement is whole and signed by the key it names. Whether that key
    /// is the right one is for the caller to say (compare the fingerprint).
    pub fn verify(&self) -> Result<(), CheckpointError> {
        let s = &self.statement;
        let key: [u8; 32] = unhex(&s.public_key)
            .and_then(|k| k.try_into().ok())
            .ok_or(CheckpointError::BadKey)?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| CheckpointError::BadKey)?;
        if fingerprint(key.as_bytes()) != s.fingerprint {
            return Err(CheckpointError::BadFingerprint);
        }
        let sorted = s.chains.windows(2).all(|w| w[0].community < w[1].community);
        if !sorted || merkle_root(&s.chains) != s.merkle_root {
            return Err(CheckpointError::BadRoot);
        }
        let signature: [u8; 64] = unhex(&self.signature)
            .and_then(|b| b.try_into().ok())
            .ok_or(CheckpointError::BadSignature)?;
        key.verify(&s.signed_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| CheckpointError::BadSignature)
    }
}

/// How the ledger now stands against a checkpoint, chain by chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Divergence {
    /// The legacy chain's head is not the one recorded: every chain's anchor moved.
    LegacyChanged,
    /// The community's chain is gone.
    Missing { community: String },
    /// The chain's head is behind the checkpoint: a database restored from an older
    /// backup, or events removed from its end and the head moved back.
    Behind {
        community: String,
        recorded: i64,
        now: i64,
    },
    /// The event at the recorded position is gone: the chain was cut short there.
    CutShort { community: String, seq: i64 },
    /// The event at the recorded position has another hash: the history was rewritten
    /// (and re-hashed) at or before it.
    Forked {
        community: String,
        seq: i64,
        event_seq: i64,
    },
}

impl Divergence {
    pub fn community(&self) -> Option<&str> {
        match self {
            Divergence::LegacyChanged => None,
            Divergence::Missing { community }
            | Divergence::Behind { community, .. }
            | Divergence::CutShort { community, .. }
            | Divergence::Forked { community, .. } => Some(community),
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Divergence::LegacyChanged => f.write_str(
                "the legacy chain's head is not the one the checkpoint recorded: the old history was rewritten",
            ),
            Divergence::Missing { community } => write!(
                f,
                "community {community}: its chain is gone (the checkpoint recorded it)"
            ),
            Divergence::Behind {
                community,
                recorded,
                now,
            } => write!(
                f,
                "community {community}: the chain holds {now} event(s) but the checkpoint recorded {recorded}: \
                 rolled back (restored from an older backup, or its newest events removed)"
            ),
            Divergence::CutShort { community, seq } => write!(
                f,
                "community {community}: event {seq} of its chain, recorded by the checkpoint, is gone: the chain was cut short"
            ),
            Divergence::Forked {
                community,
                seq,
                event_seq,
            } => write!(
                f,
                "community {community}: event {event_seq} (number {seq} of its chain) has another hash than the checkpoint recorded: \
                 the history was rewritten at or before it"
            ),
        }
    }
}

/// Does the chain as it stands now extend the one recorded? `now`: its head today;
/// `at_recorded`: the global seq and hash of the event now at the recorded position.
/// (That the chain is whole from its anchor to its head is `ledger verify`'s part.)
pub fn compare(
    recorded: &CheckpointHead,
    now: Option<&ChainHead>,
    at_recorded: Option<(i64, &str)>,
) -> Result<(), Divergence> {
    let community = recorded.community.clone();
    let Some(now) = now else {
        return Err(Divergence::Missing { community });
    };
    if now.seq < recorded.seq {
        return Err(Divergence::Behind {
            community,
            recorded: recorded.seq,
            now: now.seq,
        });
    }
    if recorded.seq == 0 {
        return Ok(()); // empty then: its anchor is the legacy head, compared on its own
    }
    match at_recorded {
        None => Err(Divergence::CutShort {
            community,
            seq: recorded.seq,
        }),
        Some((_, hash)) if hash == recorded.hash => Ok(()),
        Some((event_seq, _)) => Err(Divergence::Forked {
            community,
            seq: recorded.seq,
            event_seq,
        }),
    }
}

pub fn merkle_root(chains: &[CheckpointHead]) -> String {
    let mut level: Vec<[u8; 32]> = chains
        .iter()
        .map(|head| {
            let mut h = Sha256::new();
            h.update([0u8]);
            h.update(serde_json::to_vec(head).expect("a head always serialises"));
            h.finalize().into()
        })
        .collect();
    if level.is_empty() {
        return hex(&Sha256::digest(b""));
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [left, right] => {
                    let mut h = Sha256::new();
                    h.update([1u8]);
                    h.update(left);
                    h.update(right);
                    h.finalize().into()
                }
                [odd] => *odd,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    hex(&level[0])
}

pub fn fingerprint(public_key: &[u8]) -> String {
    let digest = Sha256::digest(public_key);
    digest[..8].chunks(2).map(hex).collect::<Vec<_>>().join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::GENESIS;

    fn head(community: &str, seq: i64, hash: &str) -> CheckpointHead {
        CheckpointHead {
            community: community.into(),
            seq,
            event_seq: seq * 2,
            hash: hash.into(),
        }
    }

    fn legacy() -> ChainHead {
        ChainHead {
            seq: 0,
            event_seq: 0,
            hash: GENESIS.into(),
        }
    }

    fn signed() -> (CheckpointKey, SignedCheckpoint) {
        let key = CheckpointKey::from_seed(&[7; 32]);
        let chains = vec![head("liuxiali", 4, "aa"), head("dadi", 3, "bb")];
        let checkpoint = key.sign(1_720_000_000_000, &legacy(), chains);
        (key, checkpoint)
    }

    #[test]
    fn a_checkpoint_survives_its_file_and_refuses_any_change() {
        let (key, checkpoint) = signed();
        let s = &checkpoint.statement;
        assert_eq!(s.chains[0].community, "dadi", "sorted by community");
        assert_eq!(s.fingerprint, key.fingerprint());
        assert_eq!(s.fingerprint.len(), 19);
        assert_eq!(s.taken_at, "2024-07-03 17:46:40 +08:00");
        let text = checkpoint.to_json();
        assert!(text.contains("\"merkle_root\""), "{text}");
        let read = SignedCheckpoint::from_json(&text).unwrap();
        assert_eq!(read, checkpoint);
        assert_eq!(read.verify(), Ok(()));

        let mut forged = read.clone();
        forged.statement.chains[1].hash = "cc".into();
        assert_eq!(forged.verify(), Err(CheckpointError::BadRoot));
        forged.statement.merkle_root = merkle_root(&forged.statement.chains);
        assert_eq!(forged.verify(), Err(CheckpointError::BadSignature));
        let mut later = read.clone();
        later.statement.taken_ms += 1;
        assert_eq!(later.verify(), Err(CheckpointError::BadSignature));
        // Re-signed by another key: whole, but with another fingerprint.
        let other = CheckpointKey::from_seed(&[8; 32]);
        let resigned = other.sign(s.taken_ms, &legacy(), s.chains.clone());
        assert_eq!(resigned.verify(), Ok(()));
        assert_ne!(resigned.statement.fingerprint, s.fingerprint);
        let mut swapped = resigned.clone();
        swapped.statement.fingerprint = s.fingerprint.clone();
        assert_eq!(swapped.verify(), Err(CheckpointError::BadFingerprint));
        assert!(matches!(
            SignedCheckpoint::from_json("{\"statement\": 1}"),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn the_merkle_root_covers_every_head() {
        let heads: Vec<CheckpointHead> = (0..5).map(|i| head(&format!("c{i}"), i, "ab")).collect();
        let roots: Vec<String> = (0..=5).map(|n| merkle_root(&heads[..n])).collect();
        let mut unique = roots.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6);
        assert_eq!(
            roots[0],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut changed = heads.clone();
        changed[4].seq = 9;
        assert_ne!(merkle_root(&changed), roots[5]);
    }

    #[test]
    fn a_ledger_extends_a_checkpoint_or_says_how_it_does_not() {
        let recorded = head("dadi", 3, "bb");
        let now = |seq: i64| ChainHead {
            seq,
            event_seq: seq * 2,
            hash: "zz".into(),
        };
        assert_eq!(compare(&recorded, Some(&now(3)), Some((6, "bb"))), Ok(()));
        assert_eq!(compare(&recorded, Some(&now(9)), Some((6, "bb"))), Ok(()));
        assert_eq!(
            compare(&recorded, Some(&now(2)), None),
            Err(Divergence::Behind {
                community: "dadi".into(),
                recorded: 3,
                now: 2
            })
        );
        let forked = compare(&recorded, Some(&now(5)), Some((6, "cc"))).unwrap_err();
        assert_eq!(forked.community(), Some("dadi"));
        assert!(forked.to_string().contains("event 6"), "{forked}");
        assert_eq!(
            compare(&recorded, Some(&now(5)), None),
            Err(Divergence::CutShort {
                community: "dadi".into(),
                seq: 3
            })
        );
        assert_eq!(
            compare(&recorded, None, None),
            Err(Divergence::Missing {
                community: "dadi".into()
            })
        );
        assert_eq!(
            compare(&head("new", 0, GENESIS), Some(&now(4)), None),
            Ok(())
        );
    }
}
