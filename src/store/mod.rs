//! The store: all SQL lives here. One implementation over two concrete pools (SQLite embedded, PostgreSQL to
//! scale out); both dialects share the same statements where they can (`$n` placeholders work on both).

mod inbound;
mod model;
mod outbox;
mod public;
mod requests;
mod schedule;
mod stats;
mod training;
mod work_orders;

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use model::*;
pub use public::{PublicFilter, PublicRequest, PublicStatus};
pub use stats::{OutboxStats, RequestCount};
pub use training::TrainingExample;

/// Runs the same block against whichever pool backs the store; `$p` is bound to that pool.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($p) => $body,
            $crate::store::Backend::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
}

/// Errors a caller may want to act on; everything else is `Unexpected`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("message {0} was already processed")]
    Duplicate(String),
    #[error("request {0} not found")]
    NotFound(String),
    #[error("request {0} changed meanwhile; decide again")]
    Conflict(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unexpected(e.into())
    }
}

impl Store {
    /// Connects and migrates: `sqlite://path` (created, WAL) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = if url.starts_with("postgres") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .context("migrating PostgreSQL")?;
            Backend::Postgres(pool)
        } else {
            let opts = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("bad SQLite url {url}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            if let Some(parent) = std::path::Path::new(opts.get_filename()).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .with_context(|| format!("opening SQLite database {url}"))?;
            sqlx::migrate!("migrations/sqlite")
                .run(&pool)
                .await
                .context("migrating SQLite")?;
            Backend::Sqlite(pool)
        };
        Ok(Store { backend })
    }

    /// `sqlite` or `postgres`.
    pub fn dialect(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A `SELECT 1` round trip: whether the database answers right now (for health checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
            Ok(())
        })
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(a)) if a > s => format!("{}://***{}", &url[..s], &url[a..]),
        _ => url.to_string(),
    }
}
