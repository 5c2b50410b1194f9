//! Fresh databases for tests, one per test: a SQLite file in a new temporary folder, or a
//! new PostgreSQL database on the server at `BANGBANG_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`).
//!
//! Without a PostgreSQL server the PostgreSQL half of a test is skipped with a loud
//! message, except under `CI=true`, where it fails.

use crate::SqlStore;
use sqlx::Executor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn unique_name() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() % 1_000_000)
        .unwrap_or(0);
    format!(
        "bb_test_{}_{}_{micros}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A new empty folder under the system's temporary folder.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name());
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

pub async fn sqlite() -> SqlStore {
    let url = format!(
        "sqlite://{}?mode=rwc",
        temp_dir().join("bangbang.db").display()
    );
    SqlStore::connect(&url).await.expect("open SQLite")
}

/// The URL of a new, empty PostgreSQL database, or `None` when there is no server (and
/// this is not CI).
pub async fn postgres_url() -> Option<String> {
    let base = std::env::var("BANGBANG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let admin = match sqlx::AnyPool::connect(&base).await {
        Ok(pool) => pool,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!(
                "\n!!! SKIPPING the PostgreSQL half of this test: cannot connect to {base}: {e}\n"
            );
            return None;
        }
        Err(e) => panic!("CI=true and PostgreSQL is unreachable at {base}: {e}"),
    };
    let name = unique_name();
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    admin.close().await;
    let (root, _) = base.rsplit_once('/').expect("a database URL ends in /name");
    Some(format!("{root}/{name}"))
}

pub async fn postgres() -> Option<SqlStore> {
    let url = postgres_url().await?;
    Some(SqlStore::connect(&url).await.expect("open PostgreSQL"))
}

/// Runs each named test on SQLite and on PostgreSQL: `on_both_backends!(setup; test_a,
/// test_b)` makes `sqlite::test_a`, `postgres::test_a`, ... Each calls
/// `test(setup(store).await).await` with a fresh database; `setup` and the tests are
/// functions in the calling module.
#[macro_export]
macro_rules! on_both_backends {
    ($setup:ident; $($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::$test(super::$setup($crate::testing::sqlite().await).await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                if let Some(store) = $crate::testing::postgres().await {
                    super::$test(super::$setup(store).await).await;
                }
            })*
        }
    };
}
