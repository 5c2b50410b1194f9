//! What the store says about its ledger's chains: which chain a fault is in, the heads a
//! checkpoint signs, and the checkpoints it has taken.

use bangbang_domain::ledger::{ChainHead, LedgerFault};
use std::fmt;

/// One chain of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChainName {
    /// The single chain of the events written before each community had its own.
    Legacy,
    /// A community's chain, by the community's slug.
    Community(String),
}

impl fmt::Display for ChainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainName::Legacy => {
                f.write_str("the legacy chain (events before per-community chains)")
            }
            ChainName::Community(slug) => write!(f, "community {slug}"),
        }
    }
}

/// What `verify_ledger` found: the events that verified and, if any chain is broken, the
/// first fault (in the order of the global seq) and the first fault of every other
/// broken chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerReport {
    /// Events in the chains that verified to their heads.
    pub events_checked: u64,
    /// How many chains were walked (the legacy one included).
    pub chains_checked: u64,
    pub fault: Option<LedgerFault>,
    /// The chain `fault` is in.
    pub chain: Option<ChainName>,
    pub other_faults: Vec<(ChainName, LedgerFault)>,
    /// The heads the chains were verified against (the whole ledger's walk only): what
    /// a checkpoint may sign.
    pub heads: Option<LedgerHeads>,
}

/// A community's chain head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityHead {
    pub community_id: i64,
    pub slug: String,
    pub head: ChainHead,
}

/// Every chain's head, read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerHeads {
    /// The frozen head of the legacy chain: the anchor every community's chain starts at.
    pub legacy: ChainHead,
    /// Sorted by slug.
    pub communities: Vec<CommunityHead>,
}

/// A signed checkpoint as recorded in the database (the statement is the file's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub id: i64,
    pub taken_ms: i64,
    pub merkle_root: String,
    pub fingerprint: String,
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckpoint {
    pub taken_ms: i64,
    pub merkle_root: String,
    pub fingerprint: String,
    pub statement: String,
}
