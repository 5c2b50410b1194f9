//! Copies of an SQLite database, for the laptop office's backups: a consistent online copy
//! (`VACUUM INTO`, which reads one snapshot while writers carry on in WAL mode), and a
//! careful way to open a file that claims to be such a copy without creating, migrating or
//! otherwise trusting it. PostgreSQL has its own tools (pg_dump, base backups); nothing here
//! pretends to replace them.

use super::{Pools, SqlStore, MIGRATE_SQLITE};
use crate::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Executor, SqlitePool};
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

impl SqlStore {
    /// Writes a consistent copy of this SQLite database to `path`, which must not exist
    /// yet. The copy is one snapshot: writes committed meanwhile are not in it, and are not
    /// held up by it either (WAL lets one writer go on beside readers).
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub async fn copy_sqlite_into(&self, path: &Path) -> StoreResult<()> {
        let pool = self.sqlite_pool()?;
        let target = path.to_str().ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                format!("the path {} is not valid UTF-8", path.display()).into(),
            ))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Opens an existing SQLite file that should be a bangbang database, with one
    /// connection, never creating or migrating it. Refused (as [`StoreError::Corrupt`],
    /// with a message for people) when it is not an SQLite file, when SQLite finds it
    /// damaged, when it has no bangbang schema, or when a newer bangbang made it.
    /// The file is opened for writing (SQLite needs that to read a WAL-mode file), so open
    /// a copy, not a file that must stay untouched.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub async fn open_sqlite_copy(path: &Path) -> StoreResult<SqlStore> {
        let mut header = [0u8; 16];
        let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
        match read {
            Ok(()) if &header == SQLITE_HEADER => {}
            Ok(()) => return Err(corrupt("it is not an SQLite database")),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(corrupt("it is not an SQLite database (too short)"))
            }
            Err(e) => return Err(StoreError::Database(sqlx::Error::Io(e))),
        }
        let url = format!("sqlite://{}?mode=rw", path.display());
        let options = SqliteConnectOptions::from_str(&url)?.busy_timeout(Duration::from_secs(15));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let store = SqlStore::from_pools(Pools::Sqlite(pool), &url)?;
        if let Err(e) = store.check_copy().await {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// SQLite's own consistency check, then bangbang's schema and its version.
    async fn check_copy(&self) -> StoreResult<()> {
        let pool = self.sqlite_pool()?;
        let (check,): (String,) = sqlx::query_as("PRAGMA quick_check")
            .fetch_one(pool)
            .await
            .map_err(|e| corrupt(format!("SQLite cannot read it: {e}")))?;
        if check != "ok" {
            return Err(corrupt(format!("SQLite finds it damaged: {check}")));
        }
        let versions: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                .fetch_all(pool)
                .await
                .map_err(|_| {
                    corrupt("it is not a bangbang database (it has no bangbang schema)")
                })?;
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name IN ('ledger_head', 'events', 'requests')",
        )
        .fetch_all(pool)
        .await?;
        if versions.is_empty() || tables.len() != 3 {
            return Err(corrupt(
                "it is not a bangbang database (it has no ledger or requests)",
            ));
        }
        if let Some((newer,)) = versions
            .iter()
            .find(|(v,)| MIGRATE_SQLITE.iter().all(|m| m.version != *v))
        {
            return Err(corrupt(format!(
                "a newer bangbang made it (schema version {newer}); upgrade bangbang first"
            )));
        }
        Ok(())
    }

    /// Takes an SQLite copy out of WAL mode, so that it is one self-contained file that can
    /// be moved, mailed or put on a USB stick. Only for a copy this store alone has open.
    pub async fn make_single_file(&self) -> StoreResult<()> {
        self.sqlite_pool()?
            .execute("PRAGMA journal_mode = DELETE")
            .await?;
        Ok(())
    }
}

impl SqlStore {
    fn sqlite_pool(&self) -> StoreResult<&SqlitePool> {
        match &self.pools {
            Pools::Sqlite(pool) => Ok(pool),
            Pools::Postgres(_) => Err(StoreError::Database(sqlx::Error::Configuration(
                "only an SQLite database can be copied this way; use pg_dump for PostgreSQL".into(),
            ))),
        }
    }
}

fn corrupt(message: impl Into<String>) -> StoreError {
    StoreError::Corrupt(message.into())
}
