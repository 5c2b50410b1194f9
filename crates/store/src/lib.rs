//! Storage for bangbang: the [`Store`] trait the rest of the program talks to, its one
//! error type, and [`SqlStore`], which implements it on SQLite and PostgreSQL.
//!
//! The two backends share one implementation: both are reached through sqlx's `Any`
//! driver, the query text is the same wherever the dialects agree (times are integer
//! milliseconds; placeholders are `$n`, which SQLite accepts too), and each backend has its
//! own migrations. The few places where the dialects differ are marked with [`Backend`].

mod chains;
mod error;
mod model;
mod sql;
pub mod story;
pub mod testing;

pub use chains::*;
pub use error::StoreError;
pub use model::*;
pub use sql::{Backend, BulkRequest, SqlStore, FOLD_EVERY};

use async_trait::async_trait;
use bangbang_domain::{
    access::Actor,
    category::Category,
    lifecycle::{Action, Status},
    request::RequestDraft,
    PlaceId, RequestId, Role, Scope, UserId,
};
use chrono::{DateTime, Utc};

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything bangbang keeps, shaped around the domain.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    // Places and categories.
    async fn add_place(&self, place: NewPlace) -> StoreResult<PlaceId>;
    async fn community(&self, slug: &str) -> StoreResult<Community>;
    async fn communities(&self) -> StoreResult<Vec<Community>>;
    async fn place_by_id(&self, id: PlaceId) -> StoreResult<PlaceRecord>;
    async fn upsert_category(&self, category: &Category, sort_order: i64) -> StoreResult<()>;
    async fn categories(&self) -> StoreResult<Vec<Category>>;

    // Accounts.
    async fn add_user(&self, user: NewUser) -> StoreResult<UserRecord>;
    async fn user_by_name(&self, username: &str) -> StoreResult<UserRecord>;
    async fn users_in(&self, community_id: PlaceId, role: Role) -> StoreResult<Vec<UserRecord>>;
    /// A token that never expires.
    async fn add_token(&self, user_id: UserId, token_hash: &str, label: &str) -> StoreResult<()> {
        self.add_token_until(user_id, token_hash, label, None).await
    }
    /// A token that stops working at `expires_ms`, if given.
    async fn add_token_until(
        &self,
        user_id: UserId,
        token_hash: &str,
        label: &str,
        expires_ms: Option<i64>,
    ) -> StoreResult<()>;
    /// The actor behind a token that is neither revoked nor expired.
    async fn actor_by_token(&self, token_hash: &str) -> StoreResult<Actor>;
    /// Every API token (or one user's), newest first.
    async fn tokens(&self, username: Option<&str>) -> StoreResult<Vec<TokenRecord>>;
    async fn revoke_token(&self, token_id: i64, now_ms: i64) -> StoreResult<()>;

    // Throttles, counted in the database so that every instance shares them.
    /// Counts one hit on `key` and returns the hits in its window, this one included.
    async fn throttle_hit(&self, key: &str, now_ms: i64, window_ms: i64) -> StoreResult<i64>;
    /// The hits on `key` in its window, and when that window ends.
    async fn throttle_hits(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> StoreResult<(i64, i64)>;
    async fn throttle_clear(&self, key: &str) -> StoreResult<()>;
    /// Takes one hit back from `key`'s window.
    async fn throttle_forgive(&self, key: &str) -> StoreResult<()>;
    /// Forgets every window that started before `before_ms`.
    async fn throttle_sweep(&self, before_ms: i64) -> StoreResult<u64>;

    // Requests and their ledger.
    /// Records a new request and its `created` event (at `recorded_at`) in one transaction.
    async fn create_request(
        &self,
        actor: &Actor,
        draft: RequestDraft,
        external_key: Option<String>,
        recorded_at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord>;
    /// Checks `actor` may take `action` on the request in its current state, then
    /// records the event and the new state in one transaction. Concurrent actions on the
    /// same request are serialised: exactly one of two competing claims wins.
    async fn apply(
        &self,
        actor: &Actor,
        request_id: RequestId,
        action: Action,
        at: DateTime<Utc>,
    ) -> StoreResult<RequestRecord>;
    async fn request(&self, id: RequestId) -> StoreResult<RequestRecord>;
    async fn request_by_code(&self, code: &str) -> StoreResult<RequestRecord>;
    async fn events(&self, request_id: RequestId) -> StoreResult<Vec<EventRecord>>;
    async fn list_requests(&self, filter: &RequestFilter) -> StoreResult<Page<RequestRecord>>;
    /// Every request `filter` matches, oldest first, sent to `out` in batches of `batch`
    /// as one query streams them, for a ledger export: each record holds only what the
    /// ledger shows and what access needs (its places' names, grid, deadlines, photos and
    /// tracking key are left empty). The filter's cursor, order and limit are not used.
    /// Stops, without an error, when `out`'s receiver is dropped.
    async fn export_requests(
        &self,
        filter: &RequestFilter,
        batch: usize,
        out: tokio::sync::mpsc::Sender<Vec<RequestRecord>>,
    ) -> StoreResult<()>;
    /// Reading personal data is logged: who saw the phone and room of which requests.
    async fn log_personal_data_reads(
        &self,
        user_id: UserId,
        request_ids: &[RequestId],
    ) -> StoreResult<()>;

    /// Logs the requests among `records` whose personal data `viewer` is shown in full.
    async fn log_shown(&self, viewer: &Actor, records: &[RequestRecord]) -> StoreResult<()> {
        match personal_data_shown(viewer, records) {
            Some((user_id, shown)) => self.log_personal_data_reads(user_id, &shown).await,
            None => Ok(()),
        }
    }

    // Figures and integrity.
    async fn stats(&self, scope: &StatsScope) -> StoreResult<StatsReport>;
    /// Walks every chain (the legacy one and each community's) and names the first fault.
    async fn verify_ledger(&self) -> StoreResult<LedgerReport>;
    /// Walks one community's chain.
    async fn verify_chain(&self, community_id: PlaceId) -> StoreResult<LedgerReport>;
    /// The head of every chain, as a checkpoint signs them.
    async fn ledger_heads(&self) -> StoreResult<LedgerHeads>;
    /// The global seq and hash of the event at `chain_seq` in a community's chain.
    async fn chain_event(
        &self,
        community_id: PlaceId,
        chain_seq: i64,
    ) -> StoreResult<Option<(i64, String)>>;
    /// Records a signed checkpoint (the text of its statement file).
    async fn record_checkpoint(&self, checkpoint: NewCheckpoint) -> StoreResult<i64>;
    /// The newest checkpoint recorded, if any.
    async fn latest_checkpoint(&self) -> StoreResult<Option<CheckpointRecord>>;

    // Browser sessions: the cookie holds a random token, the store its SHA-256.
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        expires_ms: i64,
    ) -> StoreResult<()>;
    async fn actor_by_session(&self, token_hash: &str, now_ms: i64) -> StoreResult<Actor>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

    // What the desk pages need.
    async fn grids(&self, community_id: PlaceId) -> StoreResult<Vec<GridRecord>>;
    async fn buildings(&self, community_id: PlaceId) -> StoreResult<Vec<BuildingRecord>>;
    /// Same entrance (or building) and category, open or reported since `since_ms`.
    async fn possible_duplicates(
        &self,
        community_id: PlaceId,
        building: &str,
        entrance: Option<&str>,
        category: &str,
        since_ms: i64,
    ) -> StoreResult<Vec<RequestRecord>>;
    async fn volunteer_candidates(
        &self,
        community_id: PlaceId,
    ) -> StoreResult<Vec<VolunteerCandidate>>;
    async fn status_counts(&self, filter: &RequestFilter) -> StoreResult<Vec<(Status, i64)>>;

    // Volunteers' hours, imports and the report.
    /// Staff record hours given to a group activity; an event of its own. Returns its seq.
    async fn record_activity_hours(
        &self,
        actor: &Actor,
        volunteer_id: UserId,
        minutes: i64,
        activity: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    async fn hours_ledger(
        &self,
        volunteer_id: UserId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<HoursEntry>>;
    async fn volunteer_totals(
        &self,
        scope: Scope,
        community_id: Option<PlaceId>,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<VolunteerTotal>>;
    /// What would stop each item from being imported (unknown building, category...),
    /// keyed `item N: field`; writes nothing.
    async fn check_import(
        &self,
        actor: &Actor,
        items: &[ImportItem],
    ) -> StoreResult<bangbang_domain::validation::FieldErrors>;
    /// All or nothing: every item is checked first; rows already imported are skipped.
    async fn import_requests(
        &self,
        actor: &Actor,
        items: Vec<ImportItem>,
    ) -> StoreResult<ImportOutcome>;
    async fn report_extras(&self, scope: &StatsScope) -> StoreResult<ReportExtras>;
}

/// The account and the requests among `records` whose personal data `viewer` is shown in
/// full: what a personal-data read log records. `None` when there is nothing to log (no
/// such request, or a viewer without an account: the command line's operator, a resident).
pub fn personal_data_shown(
    viewer: &Actor,
    records: &[RequestRecord],
) -> Option<(UserId, Vec<RequestId>)> {
    let user_id = viewer.user_id?;
    let shown: Vec<RequestId> = records
        .iter()
        .filter(|r| viewer.sees_personal_data(&r.facts()))
        .map(|r| r.id)
        .collect();
    (!shown.is_empty()).then_some((user_id, shown))
}
