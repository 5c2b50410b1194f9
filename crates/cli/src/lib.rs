//! `bangbang`: the neighbourhood help desk. The binary's commands live here so tests can
//! drive them: serve, migrate, demo, user, token, ledger, backup, restore.

pub mod admin;
pub mod backup;
pub mod bench;
pub mod checkpoint;
pub mod demo;
pub mod files;
pub mod settings;

use anyhow::{bail, Context};
use bangbang_store::{Backend, SqlStore};
use clap::Subcommand;
use settings::{redact, ServeArgs, Settings, StorageArgs};
use std::sync::Arc;

#[derive(clap::Parser)]
#[command(
    name = "bangbang",
    version,
    about = "帮帮 — the neighbourhood help desk (居民点单、社区派单、志愿者接单)"
)]
pub struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and API.
    Serve {
        #[command(flatten)]
        args: ServeArgs,
        /// Load the demo communities (流霞里社区, 大堤社区) if they are not there yet.
        #[arg(long)]
        demo: bool,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Load the demo data, then exit.
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// Export 接待台账 / 处置清单 to .xlsx or .csv.
    Export(files::ExportArgs),
    /// Import a hand-kept ledger (.xlsx, .xls, .csv); --dry-run shows what would happen.
    Import(files::ImportArgs),
    /// Write the mid-term report (中期汇报) as .html or .xlsx.
    Report(files::ReportArgs),
    /// Manage communities.
    Community {
        #[command(subcommand)]
        command: admin::CommunityCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
    /// Benchmarks: load a city's worth of generated requests.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Check the ledger.
    Ledger {
        #[command(subcommand)]
        command: admin::LedgerCommand,
    },
    /// Copy the SQLite database while the server runs, then verify the copy's ledger.
    Backup(backup::BackupArgs),
    /// Put a backup back in place (the database it replaces is kept beside it).
    Restore(backup::RestoreArgs),
}

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let serve_args = match &cli.command {
        Command::Serve { args, .. } => args.clone(),
        _ => ServeArgs::default(),
    };
    let settings = Settings::load(&cli.storage, &serve_args)?;
    if let Err(in_use) = bangbang_domain::time::set_local_zone(settings.time_zone) {
        anyhow::bail!(
            "the time zone is already {in_use}, not {}",
            settings.time_zone
        );
    }
    match cli.command {
        Command::Serve { demo, .. } => serve(settings, demo).await?,
        Command::Migrate => {
            open_store(&settings).await?;
            println!("database is up to date");
        }
        Command::Demo => {
            let store = open_store(&settings).await?;
            demo::seed(&store).await?;
            demo::print_accounts(&store, None).await?;
        }
        Command::User { command } => admin::user(&open_store(&settings).await?, command).await?,
        Command::Token { command } => admin::token(&open_store(&settings).await?, command).await?,
        Command::Export(args) => files::export(&open_store(&settings).await?, args).await?,
        Command::Import(args) => return files::import(&open_store(&settings).await?, args).await,
        Command::Report(args) => files::report(open_store(&settings).await?, args).await?,
        Command::Community { command } => {
            admin::community(&open_store(&settings).await?, command).await?
        }
        Command::Bench { command } => bench::run(&open_store(&settings).await?, command).await?,
        Command::Ledger { command } => {
            return admin::ledger(
                &open_store(&settings).await?,
                &settings.checkpoint_key(),
                command,
            )
            .await;
        }
        Command::Backup(args) => return backup::backup(&settings, args).await,
        Command::Restore(args) => return backup::restore(&settings, args).await,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Opens (and migrates) the database, with errors that say what to do.
pub async fn open_store(settings: &Settings) -> anyhow::Result<SqlStore> {
    let url = settings.database_url();
    if Backend::from_url(&url).is_none() {
        bail!(
            "--database-url must be a PostgreSQL URL like postgres://user:password@host:5432/bangbang (got {})",
            redact(&url)
        );
    }
    if settings.database_url.is_none() {
        let dir = &settings.data_dir;
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create the data dir {}; choose another with --data-dir",
                dir.display()
            )
        })?;
        let probe = dir.join(".bangbang-write-test");
        std::fs::write(&probe, b"ok").with_context(|| {
            format!(
                "cannot write to the data dir {}; choose another with --data-dir",
                dir.display()
            )
        })?;
        let _ = std::fs::remove_file(&probe);
    }
    let store = SqlStore::connect_with(&url, settings.pool_size)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(&url)))?;
    match &settings.read_database_url {
        None => Ok(store),
        Some(replica) if settings.database_url.is_none() => bail!(
            "--read-database-url needs --database-url: a read replica is a PostgreSQL streaming replica, and the embedded SQLite database has none (got {})",
            redact(replica)
        ),
        Some(replica) => store
            .with_read_replica(replica)
            .await
            .with_context(|| format!("cannot open the read replica at {}", redact(replica))),
    }
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<()> {
    // Bind first: a busy port should fail at once, not after loading the demo.
    let listener = tokio::net::TcpListener::bind(&settings.listen).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen on {}: the address is already in use (is bangbang already running?); choose another with --listen",
                settings.listen
            )
        } else {
            anyhow::anyhow!("cannot listen on {}: {e}", settings.listen)
        }
    })?;
    // On SQLite, `bangbang restore` must not swap the file under a running server.
    let _lock = match settings.database_url {
        None => Some(backup::lock_for_serve(&settings.data_dir)?),
        Some(_) => None,
    };
    let store = open_store(&settings).await?;
    tracing::info!(database = %redact(&settings.database_url()), backend = store_backend(&store), "database ready");
    let address = listener.local_addr()?;
    if demo {
        demo::seed(&store).await?;
        demo::print_accounts(&store, Some(address)).await?;
    }
    match (&settings.database_url, settings.backup.daily) {
        (None, true) => drop(backup::spawn_daily(store.clone(), settings.backup.clone())),
        (Some(_), true) => tracing::info!(
            "no daily backups on PostgreSQL: use pg_dump or base backups (README, Backups)"
        ),
        (_, false) => tracing::info!("daily backups are off ([backup] daily = false)"),
    }
    if settings.checkpoint_daily {
        drop(checkpoint::spawn_daily(
            store.clone(),
            settings.checkpoint_key(),
            settings.data_dir.join("checkpoints"),
        ));
    }
    drop(spawn_figure_folder(store.clone()));
    let config = settings.web.clone();
    tracing::info!(?config, "limits");
    let store: Arc<dyn bangbang_store::Store> = Arc::new(store);
    drop(bangbang_web::guard::spawn_sweeper(store.clone(), &config));
    let state =
        bangbang_web::AppState::new(store, settings.data_dir.clone()).with_config(config.clone());
    let reads = state.reads.clone();
    let app = bangbang_web::app(state);
    let stop =
        bangbang_web::server::shutdown_signal().context("cannot listen for Ctrl-C and SIGTERM")?;
    println!("bangbang is listening on http://{address}  (Ctrl-C to stop)");
    bangbang_web::server::serve(listener, app, &config, stop).await?;
    // The personal-data reads of the last moments are written before the process ends.
    reads.flush().await;
    println!("bangbang has stopped");
    Ok(())
}

/// Folds the differences writers append to the figures' rollups into their base rows,
/// every few seconds, so that a figure reads few rows. Several instances may fold at once.
fn spawn_figure_folder(store: SqlStore) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(bangbang_store::FOLD_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = store.fold_figures().await {
                tracing::warn!("folding the figures' rollups failed: {e}");
            }
        }
    })
}

fn store_backend(store: &SqlStore) -> &'static str {
    use bangbang_store::Store;
    store.backend().name()
}
