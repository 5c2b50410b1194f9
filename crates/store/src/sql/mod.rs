//! [`SqlStore`]: the [`Store`](crate::Store) on SQLite or PostgreSQL, each through its own
//! native sqlx driver. The queries are written once (`queries/`) and compiled twice, by
//! [`sqlite`] and [`postgres`], against each driver's concrete types; a store holds one
//! native pool and sends every call to the dialect it was opened with.

mod backup;
mod bulk;
// Both dialects compile the same query files, each against its own driver: that is the
// point, not an accident.
#[allow(clippy::duplicate_mod)]
mod postgres;
#[allow(clippy::duplicate_mod)]
mod sqlite;
mod writer;

use crate::{chains::*, model::*, Store, StoreError, StoreResult};
use async_trait::async_trait;
use bangbang_domain::{
    access::Actor,
    category::Category,
    lifecycle::{Action, Status},
    request::RequestDraft,
    PlaceId, RequestId, Role, Scope, UserId,
};
use chrono::{DateTime, Utc};
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, Executor, PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use bulk::BulkRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The native pool a store was opened with.
#[derive(Clone)]
enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct SqlStore {
    pools: Pools,
    raw: AnyPool,
    /// On SQLite, the one task that files requests and applies actions, committing
    /// whatever is queued together (`writer.rs`). `None` on PostgreSQL and on a copy
    /// opened for checking, which write through the pool.
    writer: Option<Arc<writer::Writer>>,
    /// On PostgreSQL, a streaming replica that lists, figures and reports are read from
    /// ([`SqlStore::with_read_replica`]); writes, and the pages that read back what was
    /// just written (a request by id or code, its events), stay on the primary.
    reads: Option<PgPool>,
}

/// Sends a call to the query module of the store's dialect:
/// `on!(self, places::community(slug))` runs `sqlite::places::community(pool, slug)` or
/// `postgres::places::community(pool, slug)`.
macro_rules! on {
    ($store:expr, $module:ident :: $func:ident ( $($arg:expr),* )) => {
        match &$store.pools {
            Pools::Sqlite(pool) => sqlite::$module::$func(pool, $($arg),*).await,
            Pools::Postgres(pool) => postgres::$module::$func(pool, $($arg),*).await,
        }
    };
}

/// [`on!`] for a read that may be served by the read replica, when there is one.
macro_rules! on_replica {
    ($store:expr, $module:ident :: $func:ident ( $($arg:expr),* )) => {
        match (&$store.pools, &$store.reads) {
            (Pools::Postgres(_), Some(replica)) => {
                postgres::$module::$func(replica, $($arg),*).await
            }
            _ => on!($store, $module::$func($($arg),*)),
        }
    };
}

// After `on!`, which it uses.
mod rollup;
pub use rollup::FOLD_EVERY;

/// PostgreSQL connection options: the URL's, with JIT compilation off. Every query here is
/// an index walk or an aggregate of a few thousand rows, for which compiling costs more
/// (tens of milliseconds) than it saves.
fn pg_options(url: &str) -> StoreResult<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)?.options([("jit", "off")]))
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl SqlStore {
    /// Connects and applies any pending migrations. SQLite runs in WAL mode with
    /// `synchronous=FULL` (an acknowledged write survives a power cut) and foreign keys on.
    pub async fn connect(url: &str) -> StoreResult<SqlStore> {
        SqlStore::connect_with(url, None).await
    }

    /// [`SqlStore::connect`] with at most `pool_size` connections (default: 8 on SQLite,
    /// 16 on PostgreSQL). Instances sharing one PostgreSQL server divide its
    /// `max_connections` between them.
    pub async fn connect_with(url: &str, pool_size: Option<u32>) -> StoreResult<SqlStore> {
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        })?;
        let mut writer_options = None;
        let pools = match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(15));
                writer_options = Some(options.clone());
                Pools::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(pool_size.unwrap_or(8))
                        .acquire_timeout(Duration::from_secs(10))
                        .connect_with(options)
                        .await?,
                )
            }
            Backend::Postgres => Pools::Postgres(
                PgPoolOptions::new()
                    .max_connections(pool_size.unwrap_or(16))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(pg_options(url)?)
                    .await?,
            ),
        };
        let mut store = SqlStore::from_pools(pools, url)?;
        store.migrate().await?;
        if let Some(options) = writer_options {
            store.writer = Some(Arc::new(writer::Writer::start(options).await?));
        }
        Ok(store)
    }

    fn from_pools(pools: Pools, url: &str) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let raw = AnyPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy(url)?;
        Ok(SqlStore {
            pools,
            raw,
            writer: None,
            reads: None,
        })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pools {
            Pools::Sqlite(pool) => MIGRATE_SQLITE.run(pool).await?,
            Pools::Postgres(pool) => MIGRATE_POSTGRES.run(pool).await?,
        }
        self.ensure_figures().await?;
        Ok(())
    }

    /// Reads lists, figures, reports and exports from a PostgreSQL streaming replica of
    /// this (PostgreSQL) store's database. Nothing is written there, and it is not
    /// migrated: it follows the primary. Those reads may lag the primary by the
    /// replication delay; a request's own page, and everything a write reads, use the
    /// primary.
    pub async fn with_read_replica(mut self, url: &str) -> StoreResult<SqlStore> {
        if !matches!(self.pools, Pools::Postgres(_))
            || Backend::from_url(url) != Some(Backend::Postgres)
        {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "a read replica needs PostgreSQL for both the database and the replica".into(),
            )));
        }
        let replica = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(pg_options(url)?)
            .await?;
        self.reads = Some(replica);
        Ok(self)
    }

    /// A side door for tests that must reach around the store (tampering with the
    /// ledger): a separate pool of at most two connections through sqlx's `Any` driver,
    /// opened on first use. The store itself never uses it.
    pub fn pool(&self) -> &AnyPool {
        &self.raw
    }

    /// Closes the store: on SQLite the writer first writes every command already queued
    /// (and answers its caller), then the pools close.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.raw.close().await;
        match &self.pools {
            Pools::Sqlite(pool) => pool.close().await,
            Pools::Postgres(pool) => pool.close().await,
        }
        if let Some(replica) = &self.reads {
            replica.close().await;
        }
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    async fn add_place(&self, place: NewPlace) -> StoreResult<PlaceId> {
        on!(self, places::add_place(place))
    }

    async fn community(&self, slug: &str) -> StoreResult<Community> {
        on!(self, places::community(slug))
    }

    async fn communities(&self) -> StoreResult<Vec<Community>> {
        on!(self, places::communities())
    }

    async fn place_by_id(&self, id: PlaceId) -> StoreResult<PlaceRecord> {
        on!(self, places::place_by_id(id))
    }

    async fn upsert_category(&self, category: &Category, sort_order: i64) -> StoreResult<()> {
        on!(self, places::upsert_category(category, sort_order))
    }

    async fn categories(&self) -> StoreResult<Vec<Category>> {
        on!(self, places::categories())
    }

    async fn add_user(&self, user: NewUser) -> StoreResult<UserRecord> {
        on!(self, users::add_user(user))
    }

    async fn user_by_name(&self, username: &str) -> StoreResult<UserRecord> {
        on!(self, users::user_by_name(username))
    }

    async fn users_in(&self, community_id: PlaceId, role: Role) -> StoreResult<Vec<UserRecord>> {
        on!(self, users::users_in(community_id, role))
    }

    async fn add_token_until(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
        expires_ms: Option<i64>,
    ) -> StoreResult<()> {
        on!(
            self,
            users::add_token(user_id, token_hash, label, expires_ms)
        )
    }

    async fn tokens(&self, username: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
        on!(self, users::tokens(username))
    }

    async fn revoke_token(&self, token_id: i64, now_ms: i64) -> StoreResult<()> {
        on!(self, users::revoke_token(token_id, now_ms))
    }

    async fn throttle_hit(&self, key: &str, now_ms: i64, window_ms: i64) -> StoreResult<i64> {
        on!(self, throttle::hit(key, now_ms, window_ms))
    }

    async fn throttle_hits(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> StoreResult<(i64, i64)> {
        on!(self, throttle::hits(key, now_ms, window_ms))
    }

    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        on!(self, throttle::clear(key))
    }

    async fn throttle_forgive(&self, key: &str) -> StoreResult<()> {
        on!(self, throttle::forgive(key))
    }

    async fn throttle_sweep(&self, before_ms: i64) -> StoreResult<u64> {
        on!(self, throttle::sweep(before_ms))
    }

    async fn actor_by_token(&self, token_hash: &str) -> StoreResult<Actor> {
        on!(self, users::actor_by_token(token_hash))
    }

    async fn create_request(
        &self,
        actor: &Actor,
        draft: RequestDraft,
        external_key: Option<String>,
        recorded_at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        match (&self.pools, &self.writer) {
            (Pools::Sqlite(pool), Some(writer)) => {
                writer
                    .create(pool, actor, draft, external_key, recorded_at)
                    .await
            }
            _ => on!(
                self,
                requests::create(actor, draft, external_key, recorded_at)
            ),
        }
    }

    async fn apply(
        &self,
        actor: &Actor,
        request_id: RequestId,
        action: Action,
        at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        match (&self.pools, &self.writer) {
            (Pools::Sqlite(pool), Some(writer)) => {
                writer.apply(pool, actor, request_id, action, at).await
            }
            _ => on!(self, requests::apply(actor, request_id, action, at)),
        }
    }

    async fn request(&self, id: RequestId) -> StoreResult<RequestRecord> {
        on!(self, requests::by_id(id))
    }

    async fn request_by_code(&self, code: &str) -> StoreResult<RequestRecord> {
        on!(self, requests::by_code(code))
    }

    async fn events(&self, request_id: RequestId) -> StoreResult<Vec<EventRecord>> {
        on!(self, ledger::events_of(request_id))
    }

    async fn list_requests(&self, filter: &RequestFilter) -> StoreResult<Page<RequestRecord>> {
        on_replica!(self, requests::list(filter))
    }

    async fn export_requests(
        &self,
        filter: &RequestFilter,
        batch: usize,
        out: tokio::sync::mpsc::Sender<Vec<RequestRecord>>,
    ) -> StoreResult<()> {
        on_replica!(self, export::ledger(filter, batch, out))
    }

    async fn log_personal_data_reads(
        &self,
        user_id: UserId,
        request_ids: &[RequestId],
    ) -> StoreResult<()> {
        on!(self, users::log_personal_data_reads(user_id, request_ids))
    }

    async fn stats(&self, scope: &StatsScope) -> StoreResult<StatsReport> {
        on_replica!(self, stats::stats(scope))
    }

    async fn verify_ledger(&self) -> StoreResult<LedgerReport> {
        on!(self, ledger::verify(None))
    }

    async fn verify_chain(&self, community_id: PlaceId) -> StoreResult<LedgerReport> {
        on!(self, ledger::verify(Some(community_id)))
    }

    async fn ledger_heads(&self) -> StoreResult<LedgerHeads> {
        on!(self, ledger::current_heads())
    }

    async fn chain_event(
        &self,
        community_id: PlaceId,
        chain_seq: i64,
    ) -> StoreResult<Option<(i64, String)>> {
        on!(self, ledger::chain_event(community_id, chain_seq))
    }

    async fn record_checkpoint(&self, checkpoint: NewCheckpoint) -> StoreResult<i64> {
        on!(self, checkpoints::record(checkpoint))
    }

    async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>> {
        on!(self, checkpoints::latest())
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        expires_ms: i64,
    ) -> StoreResult<()> {
        on!(self, desk::create_session(token_hash, user_id, expires_ms))
    }

    async fn actor_by_session(&self, token_hash: &str, now_ms: i64) -> StoreResult<Actor> {
        on!(self, desk::actor_by_session(token_hash, now_ms))
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        on!(self, desk::delete_session(token_hash))
    }

    async fn grids(&self, community_id: PlaceId) -> StoreResult<Vec<GridRecord>> {
        on!(self, desk::grids(community_id))
    }

    async fn buildings(&self, community_id: PlaceId) -> StoreResult<Vec<BuildingRecord>> {
        on!(self, desk::buildings(community_id))
    }

    async fn possible_duplicates(
        &self,
        community_id: PlaceId,
        building: &str,
        entrance: Option<&str>,
        category: &str,
        since_ms: i64,
    ) -> StoreResult<Vec<RequestRecord>> {
        on!(
            self,
            desk::possible_duplicates(community_id, building, entrance, category, since_ms)
        )
    }

    async fn volunteer_candidates(
        &self,
        community_id: PlaceId,
    ) -> StoreResult<Vec<VolunteerCandidate>> {
        on!(self, desk::volunteer_candidates(community_id))
    }

    async fn status_counts(&self, filter: &RequestFilter) -> StoreResult<Vec<(Status, i64)>> {
        on_replica!(self, desk::status_counts(filter))
    }

    async fn record_activity_hours(
        &self,
        actor: &Actor,
        volunteer_id: UserId,
        minutes: i64,
        activity: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        on!(
            self,
            hours::record_activity(actor, volunteer_id, minutes, activity, at)
        )
    }

    async fn hours_ledger(
        &self,
        volunteer_id: UserId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<HoursEntry>> {
        on_replica!(self, hours::ledger_of(volunteer_id, from_ms, to_ms))
    }

    async fn volunteer_totals(
        &self,
        scope: Scope,
        community_id: Option<PlaceId>,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<VolunteerTotal>> {
        on_replica!(
            self,
            hours::totals(scope, community_id, from_ms, to_ms, limit)
        )
    }

    async fn check_import(
        &self,
        actor: &Actor,
        items: &[ImportItem],
    ) -> StoreResult<bangbang_domain::validation::FieldErrors> {
        on!(self, import::check(actor, items))
    }

    async fn import_requests(
        &self,
        actor: &Actor,
        items: Vec<ImportItem>,
    ) -> StoreResult<ImportOutcome> {
        on!(self, import::import(actor, items))
    }

    async fn report_extras(&self, scope: &StatsScope) -> StoreResult<ReportExtras> {
        on_replica!(self, report::extras(scope))
    }
}
