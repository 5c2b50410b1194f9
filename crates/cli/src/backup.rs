//! Backups for the office that runs bangbang on a laptop: `bangbang backup` (a consistent
//! copy while `serve` runs, checked by verifying its ledger), the daily copies `serve` keeps
//! by itself, and `bangbang restore`, which puts a checked copy back and keeps the database
//! it replaces. A copy is only as good as its check, so every copy is opened and its ledger
//! verified before anyone is told it was made.
//!
//! PostgreSQL deployments have a database administrator and better tools (pg_dump,
//! base backups with WAL archiving); these commands say so instead of half-doing it.

use crate::settings::{redact, Settings};
use anyhow::{bail, Context};
use bangbang_domain::time::{local_date, local_zone};
use bangbang_store::{LedgerReport, SqlStore, Store, StoreError};
use chrono::{NaiveDate, Utc};
use std::fs::File;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// The daily backups `serve` keeps (`[backup]` in bangbang.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupConfig {
    /// Where the daily copies go.
    pub dir: PathBuf,
    /// Keep a copy a day while `serve` runs. On by default: the office on a laptop has
    /// nobody whose job is backups, and a stolen or broken laptop should cost a day at most
    /// (copy the folder to a USB stick or a shared drive from time to time).
    pub daily: bool,
    /// How many daily copies to keep; older ones are deleted.
    pub keep: usize,
}

impl BackupConfig {
    pub fn defaults(data_dir: &Path) -> BackupConfig {
        BackupConfig {
            dir: data_dir.join("backups"),
            daily: true,
            keep: 14,
        }
    }
}

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The file to write (an SQLite database).
    #[arg(long)]
    out: PathBuf,
    /// Replace FILE if it exists (it is replaced only once the new copy is written).
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A copy made by `bangbang backup` or a daily backup.
    file: PathBuf,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

/// How often the daily task looks whether today's copy is there. Checking often (rather
/// than sleeping until midnight) copes with laptops that sleep and clocks that jump.
const DAILY_CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

fn postgres_advice(what: &str, url: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "bangbang {what} works on the embedded SQLite database; this one is PostgreSQL ({}). \
         Use PostgreSQL's own tools: `pg_dump --format=custom --file=bangbang.dump DATABASE` \
         and `pg_restore --no-owner --dbname=NEW_EMPTY_DATABASE bangbang.dump`, or base backups \
         (pg_basebackup) with WAL archiving. See README.md, section Backups.",
        redact(url)
    )
}

/// The live SQLite database file of these settings.
fn database_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join("bangbang.db")
}

/// `bangbang backup --out FILE [--force]`.
pub async fn backup(settings: &Settings, args: BackupArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = &settings.database_url {
        return Err(postgres_advice("backup", url));
    }
    let live = database_file(settings);
    if !live.exists() {
        bail!(
            "there is no database at {} to back up (is --data-dir right?)",
            live.display()
        );
    }
    // Never over the live database itself, whatever the path says.
    let same_file = |a: &std::path::Path, b: &std::path::Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y);
    if same_file(&args.out, &live) {
        bail!(
            "{} is the live database; a backup goes to another file",
            args.out.display()
        );
    }
    if args.out.exists() && !args.force {
        bail!(
            "{} already exists; choose another name, or add --force to replace it",
            args.out.display()
        );
    }
    let store = crate::open_store(settings).await?;
    let partial = partial_name(&args.out);
    let report = copy_verified(&store, &partial).await;
    store.close().await;
    let report = report?;
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("backup written to {}", args.out.display());
    Ok(print_verification(&report))
}

/// Prints a ledger report as `ledger verify` does; the exit code to match.
fn print_verification(report: &LedgerReport) -> ExitCode {
    match &report.fault {
        None => {
            println!(
                "ledger OK: {} events checked, the hash chain is unbroken",
                report.events_checked
            );
            ExitCode::SUCCESS
        }
        Some(fault) => {
            println!("ledger FAILED at event {}: {fault}", fault.seq());
            ExitCode::from(1)
        }
    }
}

/// `FILE.partial`: where a copy is written before it takes its name.
fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Copies the live database to `path` (which must not exist), opens the copy, verifies
/// its ledger and makes it one self-contained file.
async fn copy_verified(store: &SqlStore, path: &Path) -> anyhow::Result<LedgerReport> {
    remove_sqlite_file(path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    store
        .copy_sqlite_into(path)
        .await
        .with_context(|| format!("cannot copy the database to {}", path.display()))?;
    let copy = SqlStore::open_sqlite_copy(path)
        .await
        .with_context(|| format!("the copy at {} cannot be opened", path.display()))?;
    let report = copy.verify_ledger().await;
    let single = copy.make_single_file().await;
    copy.close().await;
    single?;
    Ok(report?)
}

/// Removes an SQLite file and its `-wal` and `-shm` companions, if they are there.
fn remove_sqlite_file(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", path.display()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The daily copy's file name for a local date: `bangbang-YYYYMMDD.db`.
pub fn daily_file_name(date: NaiveDate) -> String {
    format!("bangbang-{}.db", date.format("%Y%m%d"))
}

fn daily_date(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("bangbang-")?.strip_suffix(".db")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// Deletes the oldest daily copies in `dir` beyond the newest `keep`, and returns what it
/// deleted. Only files named like a daily copy (`bangbang-YYYYMMDD.db`) are counted or
/// touched: a copy made by hand into the same folder stays.
pub fn prune_daily(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut daily: Vec<(NaiveDate, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(date) = entry.file_name().to_str().and_then(daily_date) {
            if entry.file_type()?.is_file() {
                daily.push((date, entry.path()));
            }
        }
    }
    daily.sort();
    let excess = daily.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for (_, path) in daily.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        deleted.push(path);
    }
    Ok(deleted)
}

/// Makes today's copy (a local, Shanghai day) unless it is there, then prunes. Returns the
/// new copy's path, or `None` when today's was already made.
pub async fn daily_backup(
    store: &SqlStore,
    config: &BackupConfig,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Option<PathBuf>> {
    let file = config.dir.join(daily_file_name(local_date(now)));
    if file.exists() {
        return Ok(None);
    }
    let partial = partial_name(&file);
    let report = copy_verified(store, &partial).await?;
    std::fs::rename(&partial, &file).with_context(|| format!("cannot write {}", file.display()))?;
    match report.fault {
        None => {
            tracing::info!(file = %file.display(), events = report.events_checked, "daily backup made; ledger OK")
        }
        Some(fault) => {
            tracing::error!(file = %file.display(), %fault, "daily backup made, but the ledger does NOT verify: run `bangbang ledger verify`")
        }
    }
    let (dir, keep) = (config.dir.clone(), config.keep);
    let deleted = tokio::task::spawn_blocking(move || prune_daily(&dir, keep)).await??;
    for path in deleted {
        tracing::info!(file = %path.display(), "old daily backup deleted");
    }
    Ok(Some(file))
}

/// Runs [`daily_backup`] now and then for as long as the server runs. The copy is read
/// from one snapshot on one pooled connection; requests go on meanwhile.
pub fn spawn_daily(store: SqlStore, config: BackupConfig) -> tokio::task::JoinHandle<()> {
    tracing::info!(dir = %config.dir.display(), keep = config.keep, "daily backups on");
    tokio::spawn(async move {
        loop {
            if let Err(e) = daily_backup(&store, &config, Utc::now()).await {
                tracing::error!(dir = %config.dir.display(), "daily backup failed: {e:#}");
            }
            tokio::time::sleep(DAILY_CHECK_EVERY).await;
        }
    })
}

/// Held by `serve` on an SQLite data dir for as long as it runs: a shared lock on
/// `<data_dir>/bangbang.lock`, which `restore` must take exclusively. The system lets it
/// go when the process ends, however it ends.
pub struct ServeLock {
    _file: File,
}

fn lock_file(data_dir: &Path) -> anyhow::Result<File> {
    std::fs::create_dir_all(data_dir).with_context(|| {
        format!(
            "cannot create the data dir {}; choose another with --data-dir",
            data_dir.display()
        )
    })?;
    let path = data_dir.join("bangbang.lock");
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))
}

pub fn lock_for_serve(data_dir: &Path) -> anyhow::Result<ServeLock> {
    let file = lock_file(data_dir)?;
    match file.try_lock_shared() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "`bangbang restore` is replacing the database in {}; start the server when it has finished",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => tracing::warn!(
            "cannot lock {}/bangbang.lock ({e}): `bangbang restore` will not notice this server",
            data_dir.display()
        ),
    }
    Ok(ServeLock { _file: file })
}

/// `bangbang restore FILE [--yes]`.
pub async fn restore(settings: &Settings, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    if let Some(url) = &settings.database_url {
        return Err(postgres_advice("restore", url));
    }
    let file = &args.file;
    if !file.is_file() {
        bail!("there is no file {}", file.display());
    }
    let dir = &settings.data_dir;
    let lock = lock_file(dir)?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        bail!(
            "a bangbang server seems to be running on {} (it holds {}/bangbang.lock): \
             stop it, then restore. Nothing was changed.",
            dir.display(),
            dir.display()
        );
    }
    // Checked as a copy in the data dir: what is checked is what is put in place, and the
    // file given is never written to.
    let staged = dir.join("bangbang.db.restoring");
    remove_sqlite_file(&staged)?;
    std::fs::copy(file, &staged)
        .with_context(|| format!("cannot copy {} into {}", file.display(), dir.display()))?;
    // A database kept in WAL mode (such as one set aside by an earlier restore, or copied by
    // hand) may have its latest writes in a -wal file beside it: they come along, and the
    // check folds them into one file, so nothing committed is left behind.
    let wal = PathBuf::from(format!("{}-wal", file.display()));
    if wal.is_file() {
        let staged_wal = PathBuf::from(format!("{}-wal", staged.display()));
        std::fs::copy(&wal, &staged_wal)
            .with_context(|| format!("cannot copy {} into {}", wal.display(), dir.display()))?;
    }
    let checked = check_copy(&staged).await;
    let events = match checked {
        Ok(events) => events,
        Err(e) => {
            remove_sqlite_file(&staged)?;
            return Err(e.context(format!("{} cannot be restored", file.display())));
        }
    };
    let live = database_file(settings);
    let aside = dir.join(format!(
        "bangbang.db.before-restore-{}",
        Utc::now()
            .with_timezone(&local_zone())
            .format("%Y%m%d-%H%M%S")
    ));
    println!(
        "{} is a bangbang database; its ledger verifies ({events} events).",
        file.display()
    );
    if live.exists() {
        println!(
            "It will replace {}, which is kept as {}.",
            live.display(),
            aside.display()
        );
    }
    match if args.yes { Ok(true) } else { confirmed() } {
        Ok(true) => {}
        refused => {
            remove_sqlite_file(&staged)?;
            refused?;
            println!("nothing was changed");
            return Ok(ExitCode::from(1));
        }
    }
    let kept = live.exists().then_some(aside.clone());
    if kept.is_some() {
        // Closing the last connection folds the WAL into the file; whatever is left moves
        // along with it, so the kept database stays whole.
        if let Ok(current) = SqlStore::open_sqlite_copy(&live).await {
            current.close().await;
        }
        for suffix in ["", "-wal", "-shm"] {
            let (mut from, mut to) = (live.as_os_str().to_owned(), aside.as_os_str().to_owned());
            from.push(suffix);
            to.push(suffix);
            if Path::new(&from).exists() {
                std::fs::rename(&from, &to)
                    .with_context(|| format!("cannot move {} aside", Path::new(&from).display()))?;
            }
        }
    }
    std::fs::rename(&staged, &live)
        .with_context(|| format!("cannot put the copy in place at {}", live.display()))?;
    drop(lock);
    println!("restored {} into {}", file.display(), live.display());
    if let Some(kept) = kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens a staged copy, checks it is a bangbang database and verifies its ledger; the
/// number of events on success.
async fn check_copy(path: &Path) -> anyhow::Result<u64> {
    let copy = match SqlStore::open_sqlite_copy(path).await {
        Ok(copy) => copy,
        Err(StoreError::Corrupt(why)) => bail!("{why}"),
        Err(e) => return Err(e.into()),
    };
    // A copy made by an older bangbang is brought up to date first, as `serve` would.
    let report = match copy.migrate().await {
        Ok(()) => copy.verify_ledger().await,
        Err(e) => Err(e),
    };
    let single = copy.make_single_file().await;
    copy.close().await;
    let report = report?;
    single?;
    match report.fault {
        None => Ok(report.events_checked),
        Some(fault) => bail!(
            "its ledger does not verify: ledger FAILED at event {}: {fault}",
            fault.seq()
        ),
    }
}

/// Asks on the terminal; only `yes` goes ahead.
fn confirmed() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("restore replaces the database: run it on a terminal to confirm, or add --yes. Nothing was changed.");
    }
    print!("Type yes to restore: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
