//! [`SqlStore`]: the [`Store`](crate::Store) on SQLite or PostgreSQL through sqlx's `Any`
//! driver. One module per concern; SQL text lives next to the code that runs it.

mod args;
mod backup;
mod checkpoints;
mod desk;
mod hours;
mod import;
mod ledger;
mod places;
mod report;
mod requests;
mod rows;
mod stats;
mod throttle;
mod users;

use crate::{chains::*, model::*, Store, StoreError, StoreResult};
use async_trait::async_trait;
use bangbang_domain::{
    access::Actor,
    category::Category,
    lifecycle::{Action, Status},
    request::RequestDraft,
    Role,
};
use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

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

#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
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
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        })?;
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size.unwrap_or(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            }))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 15000",
                        ] {
                            conn.execute(pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = SqlStore { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => MIGRATE_SQLITE.run(&self.pool).await?,
            Backend::Postgres => MIGRATE_POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The pool, for tests that must reach around the store (tampering with the ledger).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn add_place(&self, place: NewPlace) -> StoreResult<i64> {
        places::add_place(&self.pool, place).await
    }

    async fn community(&self, slug: &str) -> StoreResult<Community> {
        places::community(&self.pool, slug).await
    }

    async fn communities(&self) -> StoreResult<Vec<Community>> {
        places::communities(&self.pool).await
    }

    async fn place_by_id(&self, id: i64) -> StoreResult<PlaceRecord> {
        places::place_by_id(&self.pool, id).await
    }

    async fn upsert_category(&self, category: &Category, sort_order: i64) -> StoreResult<()> {
        places::upsert_category(&self.pool, category, sort_order).await
    }

    async fn categories(&self) -> StoreResult<Vec<Category>> {
        places::categories(&self.pool).await
    }

    async fn add_user(&self, user: NewUser) -> StoreResult<UserRecord> {
        users::add_user(&self.pool, user).await
    }

    async fn user_by_name(&self, username: &str) -> StoreResult<UserRecord> {
        users::user_by_name(&self.pool, username).await
    }

    async fn users_in(&self, community_id: i64, role: Role) -> StoreResult<Vec<UserRecord>> {
        users::users_in(&self.pool, community_id, role).await
    }

    async fn add_token_until(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        expires_ms: Option<i64>,
    ) -> StoreResult<()> {
        users::add_token(&self.pool, user_id, token_hash, label, expires_ms).await
    }

    async fn tokens(&self, username: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
        users::tokens(&self.pool, username).await
    }

    async fn revoke_token(&self, token_id: i64, now_ms: i64) -> StoreResult<()> {
        users::revoke_token(&self.pool, token_id, now_ms).await
    }

    async fn throttle_hit(&self, key: &str, now_ms: i64, window_ms: i64) -> StoreResult<i64> {
        throttle::hit(&self.pool, key, now_ms, window_ms).await
    }

    async fn throttle_hits(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> StoreResult<(i64, i64)> {
        throttle::hits(&self.pool, key, now_ms, window_ms).await
    }

    async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        throttle::clear(&self.pool, key).await
    }

    async fn throttle_forgive(&self, key: &str) -> StoreResult<()> {
        throttle::forgive(&self.pool, key).await
    }

    async fn throttle_sweep(&self, before_ms: i64) -> StoreResult<u64> {
        throttle::sweep(&self.pool, before_ms).await
    }

    async fn actor_by_token(&self, token_hash: &str) -> StoreResult<Actor> {
        users::actor_by_token(&self.pool, token_hash).await
    }

    async fn create_request(
        &self,
        actor: &Actor,
        draft: RequestDraft,
        external_key: Option<String>,
        recorded_at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        requests::create(&self.pool, actor, draft, external_key, recorded_at).await
    }

    async fn apply(
        &self,
        actor: &Actor,
        request_id: i64,
        action: Action,
        at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord> {
        requests::apply(&self.pool, actor, request_id, action, at).await
    }

    async fn request(&self, id: i64) -> StoreResult<RequestRecord> {
        requests::by_id(&self.pool, id).await
    }

    async fn request_by_code(&self, code: &str) -> StoreResult<RequestRecord> {
        requests::by_code(&self.pool, code).await
    }

    async fn events(&self, request_id: i64) -> StoreResult<Vec<EventRecord>> {
        ledger::events_of(&self.pool, request_id).await
    }

    async fn list_requests(&self, filter: &RequestFilter) -> StoreResult<Page<RequestRecord>> {
        requests::list(&self.pool, filter).await
    }

    async fn log_personal_data_reads(&self, user_id: i64, request_ids: &[i64]) -> StoreResult<()> {
        users::log_personal_data_reads(&self.pool, user_id, request_ids).await
    }

    async fn stats(&self, scope: &StatsScope) -> StoreResult<StatsReport> {
        stats::stats(&self.pool, scope).await
    }

    async fn verify_ledger(&self) -> StoreResult<LedgerReport> {
        ledger::verify(&self.pool, None).await
    }

    async fn verify_chain(&self, community_id: i64) -> StoreResult<LedgerReport> {
        ledger::verify(&self.pool, Some(community_id)).await
    }

    async fn ledger_heads(&self) -> StoreResult<LedgerHeads> {
        ledger::current_heads(&self.pool).await
    }

    async fn chain_event(
        &self,
        community_id: i64,
        chain_seq: i64,
    ) -> StoreResult<Option<(i64, String)>> {
        ledger::chain_event(&self.pool, community_id, chain_seq).await
    }

    async fn record_checkpoint(&self, checkpoint: NewCheckpoint) -> StoreResult<i64> {
        checkpoints::record(&self.pool, checkpoint).await
    }

    async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>> {
        checkpoints::latest(&self.pool).await
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_ms: i64,
    ) -> StoreResult<()> {
        desk::create_session(&self.pool, token_hash, user_id, expires_ms).await
    }

    async fn actor_by_session(&self, token_hash: &str, now_ms: i64) -> StoreResult<Actor> {
        desk::actor_by_session(&self.pool, token_hash, now_ms).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        desk::delete_session(&self.pool, token_hash).await
    }

    async fn grids(&self, community_id: i64) -> StoreResult<Vec<GridRecord>> {
        desk::grids(&self.pool, community_id).await
    }

    async fn buildings(&self, community_id: i64) -> StoreResult<Vec<BuildingRecord>> {
        desk::buildings(&self.pool, community_id).await
    }

    async fn possible_duplicates(
        &self,
        community_id: i64,
        building: &str,
        entrance: Option<&str>,
        category: &str,
        since_ms: i64,
    ) -> StoreResult<Vec<RequestRecord>> {
        desk::possible_duplicates(
            &self.pool,
            community_id,
            building,
            entrance,
            category,
            since_ms,
        )
        .await
    }

    async fn volunteer_candidates(
        &self,
        community_id: i64,
    ) -> StoreResult<Vec<VolunteerCandidate>> {
        desk::volunteer_candidates(&self.pool, community_id).await
    }

    async fn status_counts(&self, filter: &RequestFilter) -> StoreResult<Vec<(Status, i64)>> {
        desk::status_counts(&self.pool, filter).await
    }

    async fn record_activity_hours(
        &self,
        actor: &Actor,
        volunteer_id: i64,
        minutes: i64,
        activity: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        hours::record_activity(&self.pool, actor, volunteer_id, minutes, activity, at).await
    }

    async fn hours_ledger(
        &self,
        volunteer_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<HoursEntry>> {
        hours::ledger_of(&self.pool, volunteer_id, from_ms, to_ms).await
    }

    async fn volunteer_totals(
        &self,
        scope: Option<i64>,
        community_id: Option<i64>,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<VolunteerTotal>> {
        hours::totals(&self.pool, scope, community_id, from_ms, to_ms, limit).await
    }

    async fn check_import(
        &self,
        actor: &Actor,
        items: &[ImportItem],
    ) -> StoreResult<bangbang_domain::validation::FieldErrors> {
        import::check(&self.pool, actor, items).await
    }

    async fn import_requests(
        &self,
        actor: &Actor,
        items: Vec<ImportItem>,
    ) -> StoreResult<ImportOutcome> {
        import::import(&self.pool, actor, items).await
    }

    async fn report_extras(&self, scope: &StatsScope) -> StoreResult<ReportExtras> {
        report::extras(&self.pool, scope).await
    }
}
