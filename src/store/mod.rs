//! The store: all SQL lives here. One implementation over two concrete pools (SQLite embedded, PostgreSQL to
//! scale out); both dialects share the same statements where they can (`$n` placeholders work on both).

mod attachments;
mod card_source;
mod dashboard;
mod due;
mod fresh_rows;
mod held;
mod idempotency;
mod import;
mod inbound;
mod intake_batch;
mod internal;
mod leadership;
mod model;
mod operator;
mod outbox;
mod outbox_signal;
mod place_keys;
mod planner_stats;
mod public;
mod report_rows;
mod requests;
mod reserved_ids;
mod schedule;
mod stats;
mod status_page;
mod training;
mod web;
mod work_orders;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use log::LevelFilter;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::ConnectOptions;

pub use attachments::{Attachment, AttachmentId};
pub use card_source::CardSource;
pub use dashboard::{
    BacklogRow, DashboardScope, GroupFigures, MedianBy, MedianFigure, Milestone, SlaTally,
    WeekFigures, BACKLOG_BUCKET_DAYS,
};
pub use due::{CandidateQuery, SweepCursor};
pub use idempotency::{ExistingClaim, IdempotencyClaim};
pub use import::ImportedRequest;
pub use intake_batch::AttemptCount;
pub use internal::HeldFiling;
pub use leadership::InboxLease;
pub use model::*;
pub use operator::{OutboxEntry, QuarantinedMessage, Repairer};
pub use outbox::{
    postgres_retire_statement, sqlite_claim_statements, DeliveryRecord, OutboxOutcome, Unrecorded,
};
pub use outbox_signal::OUTBOX_CHANNEL;
pub use public::{PublicFilter, PublicRequest, PublicStatus};
pub use requests::{Claimed, MailCount};
pub use stats::{OutboxStats, RequestCount};
pub use status_page::AttachmentInfo;
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
    Sqlite(held::Db<sqlx::Sqlite>),
    Postgres(held::Db<sqlx::Postgres>),
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Fired after a commit that queued outbox rows (see `outbox_signal`); shared by the handle's clones.
    outbox_signal: Arc<tokio::sync::Notify>,
    /// The lane the last claim ended at: the next claim's walk starts after it (see `outbox/claim.rs`).
    claim_cursor: Arc<std::sync::Mutex<String>>,
}

/// Errors a caller may want to act on; everything else is `Unexpected`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("message {0} was already processed")]
    Duplicate(String),
    #[error("request {0} not found")]
    NotFound(routing::RequestRef),
    #[error("request {0} changed meanwhile; decide again")]
    Conflict(routing::RequestRef),
    /// A stored row that does not read back as the domain's types (say a priority no release ever wrote):
    /// reported with the row, never replaced by a default.
    #[error("{row}: {reason}")]
    BadRow { row: String, reason: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl StoreError {
    /// A row (`request 311-000042`) that failed to decode, and why.
    pub(crate) fn bad_row(row: String, e: anyhow::Error) -> Self {
        StoreError::BadRow {
            row,
            reason: e.to_string(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unexpected(e.into())
    }
}

/// A statement slower than this is logged (at INFO, not WARN: a slow public query must not flood the log).
pub const SLOW_STATEMENT: Duration = Duration::from_secs(1);

/// Statement logging for both pools: every statement at DEBUG, slow ones at INFO. The SQL in these lines stays
/// short because no statement's text grows with its input (lists are bound as one JSON array).
fn log_settings<O: ConnectOptions>(opts: O) -> O {
    opts.log_statements(LevelFilter::Debug)
        .log_slow_statements(LevelFilter::Info, SLOW_STATEMENT)
}

/// Whether a SQLite URL can work, before opening it: an in-memory database always can; a file needs an
/// existing, writable directory (SQLite writes its `-wal` and `-shm` files next to it) and must not be a
/// directory itself.
pub fn check_sqlite_url(url: &str) -> Result<()> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(());
    }
    let opts = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("`{url}` is not a SQLite URL"))?;
    let file = opts.get_filename();
    if file.is_dir() {
        bail!("{} is a directory, not a database file", file.display());
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.exists() {
        bail!(
            "directory {} does not exist (create it, or fix the path)",
            dir.display()
        );
    }
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    tempfile::Builder::new()
        .prefix(".connect311-write-check")
        .tempfile_in(dir)
        .with_context(|| format!("directory {} is not writable", dir.display()))?;
    Ok(())
}

impl Store {
    /// Connects and migrates: `sqlite://path` (created, WAL; its directory must exist) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = if url.starts_with("postgres") {
            let opts = PgConnectOptions::from_str(url)
                .with_context(|| format!("bad PostgreSQL url {}", redact(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(log_settings(opts))
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
            sqlx::migrate!("migrations/postgres")
                .run(&pool)
                .await
                .context("migrating PostgreSQL")?;
            Backend::Postgres(held::Db::Pool(pool))
        } else {
            check_sqlite_url(url)?;
            let opts = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("bad SQLite url {url}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                // A message's savepoint inside its batch's group transaction spills a statement journal; in
                // memory it costs no file writes (it was ~15% of a drain's samples as a temp file).
                .pragma("temp_store", "memory")
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(log_settings(opts))
                .await
                .with_context(|| format!("opening SQLite database {url}"))?;
            sqlx::migrate!("migrations/sqlite")
                .run(&pool)
                .await
                .context("migrating SQLite")?;
            Backend::Sqlite(held::Db::Pool(pool))
        };
        let store = Store {
            backend,
            outbox_signal: Arc::default(),
            claim_cursor: Arc::default(),
        };
        store
            .fill_place_keys()
            .await
            .context("filling the place keys of requests stored before them")?;
        Ok(store)
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
