//! Signed ledger checkpoints: the signing key in a file outside the database, taking a
//! checkpoint of every chain's head, and checking that the ledger still extends one.
//!
//! The key lives beside the data (`checkpoint_key` in the settings, by default
//! `<data_dir>/checkpoint.key`), readable by its owner only, so that someone who can
//! rewrite the database cannot also sign a checkpoint for the rewritten history. The
//! statement files are meant to be kept elsewhere again: printed, mailed, archived.

use anyhow::{bail, Context};
use bangbang_domain::checkpoint::{
    compare, CheckpointHead, CheckpointKey, Divergence, SignedCheckpoint,
};
use bangbang_domain::time::{from_ms, local_date, to_ms};
use bangbang_store::{NewCheckpoint, SqlStore, Store};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::task::JoinHandle;

const KEY_HEADER: &str = "# bangbang ledger checkpoint key (Ed25519 secret). Keep it private.";

/// Reads the signing key, making a new one (mode 0600) when there is none. The bool says
/// whether it was made now.
pub fn key_or_new(path: &Path) -> anyhow::Result<(CheckpointKey, bool)> {
    if let Some(key) = read_key(path)? {
        return Ok((key, false));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {} for the checkpoint key", dir.display()))?;
    }
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = CheckpointKey::from_seed(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        // Made by someone else meanwhile: theirs it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let key = read_key(path)?.context("the checkpoint key file is empty")?;
            return Ok((key, false));
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create the checkpoint key {}", path.display()))
        }
    };
    let hex: String = key.seed().iter().map(|b| format!("{b:02x}")).collect();
    writeln!(file, "{KEY_HEADER}\n{hex}")
        .and_then(|_| file.sync_all())
        .with_context(|| format!("cannot write the checkpoint key {}", path.display()))?;
    Ok((key, true))
}

/// Reads the signing key if there is one; refuses one that others may read.
pub fn read_key(path: &Path) -> anyhow::Result<Option<CheckpointKey>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot read the checkpoint key {}", path.display()))
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "the checkpoint key {} may be read by others (mode {:o}): chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    let seed: Option<[u8; 32]> = (line.len() == 64 && line.is_ascii())
        .then(|| {
            (0..32)
                .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()
        })
        .flatten()
        .and_then(|bytes| bytes.try_into().ok());
    match seed {
        Some(seed) => Ok(Some(CheckpointKey::from_seed(&seed))),
        None => bail!("the checkpoint key {} is not 64 hex digits", path.display()),
    }
}

/// Verifies the whole ledger, then signs the heads it verified. Refuses to sign a broken
/// ledger.
pub async fn take(
    store: &dyn Store,
    key: &CheckpointKey,
    now_ms: i64,
) -> anyhow::Result<SignedCheckpoint> {
    let report = store.verify_ledger().await?;
    if let (Some(chain), Some(fault)) = (&report.chain, &report.fault) {
        bail!(
            "ledger FAILED in {chain} at event {}: {fault}; no checkpoint taken",
            fault.seq()
        );
    }
    let heads = report.heads.context("the ledger's walk gave no heads")?;
    let chains = heads
        .communities
        .iter()
        .map(|c| CheckpointHead {
            community: c.slug.clone(),
            seq: c.head.seq,
            event_seq: c.head.event_seq,
            hash: c.head.hash.clone(),
        })
        .collect();
    Ok(key.sign(now_ms, &heads.legacy, chains))
}

/// Writes the statement to `path`, then records it in the database.
pub async fn write(
    store: &dyn Store,
    signed: &SignedCheckpoint,
    path: &Path,
) -> anyhow::Result<()> {
    std::fs::write(path, signed.to_json())
        .with_context(|| format!("cannot write the checkpoint to {}", path.display()))?;
    store
        .record_checkpoint(NewCheckpoint {
            taken_ms: signed.statement.taken_ms,
            merkle_root: signed.statement.merkle_root.clone(),
            fingerprint: signed.statement.fingerprint.clone(),
            statement: signed.to_json(),
        })
        .await?;
    Ok(())
}

/// How often `serve` looks whether today's checkpoint is taken.
const DAILY_CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// `serve`'s daily checkpoint: unless one was taken today (Beijing time; by any instance
/// on this database, or by hand), takes one and writes it to
/// `<dir>/checkpoint-YYYYMMDD.json`. Returns the file when it wrote one.
pub async fn daily(
    store: &dyn Store,
    key_path: &Path,
    dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<PathBuf>> {
    let today = local_date(now);
    if let Some(latest) = store.latest_checkpoint().await? {
        if local_date(from_ms(latest.taken_ms)) == today {
            return Ok(None);
        }
    }
    let (key, made) = key_or_new(key_path)?;
    if made {
        tracing::warn!(key = %key_path.display(), fingerprint = %key.fingerprint(),
            "made a new checkpoint key: keep its fingerprint where the database's administrators cannot change it");
    }
    let signed = take(store, &key, to_ms(now)).await?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create {} for checkpoints", dir.display()))?;
    let file = dir.join(format!("checkpoint-{}.json", today.format("%Y%m%d")));
    write(store, &signed, &file).await?;
    Ok(Some(file))
}

pub fn spawn_daily(store: SqlStore, key_path: PathBuf, dir: PathBuf) -> JoinHandle<()> {
    tracing::info!(dir = %dir.display(), key = %key_path.display(), "daily ledger checkpoints on");
    tokio::spawn(async move {
        loop {
            match daily(&store, &key_path, &dir, Utc::now()).await {
                Ok(Some(file)) => {
                    tracing::info!(file = %file.display(), "daily ledger checkpoint taken")
                }
                Ok(None) => {}
                Err(e) => tracing::error!("daily ledger checkpoint failed: {e:#}"),
            }
            tokio::time::sleep(DAILY_CHECK_EVERY).await;
        }
    })
}

/// How the ledger stands against a checkpoint whose signature was checked: every way it
/// does not extend it (`only`: that community's chain and the legacy head).
pub async fn divergences(
    store: &dyn Store,
    checkpoint: &SignedCheckpoint,
    only: Option<&str>,
) -> anyhow::Result<Vec<Divergence>> {
    let heads = store.ledger_heads().await?;
    let recorded = &checkpoint.statement;
    let mut found = Vec::new();
    if heads.legacy.seq != recorded.legacy.seq || heads.legacy.hash != recorded.legacy.hash {
        found.push(Divergence::LegacyChanged);
    }
    for chain in &recorded.chains {
        if only.is_some_and(|slug| slug != chain.community) {
            continue;
        }
        let now = heads.communities.iter().find(|c| c.slug == chain.community);
        let at = match now {
            Some(c) if chain.seq > 0 && c.head.seq >= chain.seq => {
                store
                    .chain_event(bangbang_domain::PlaceId::new(c.community_id), chain.seq)
                    .await?
            }
            _ => None,
        };
        let at = at.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
        if let Err(divergence) = compare(chain, now.map(|c| &c.head), at) {
            found.push(divergence);
        }
    }
    Ok(found)
}
