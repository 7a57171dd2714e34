//! Shared test support: fresh SQLite files and fresh PostgreSQL databases (never skipped: a missing server fails).

#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod eval_dir;
pub mod http;
pub mod observe;
pub mod proxy;
pub mod town;

use routing::Source;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use connect311::clock::{Clock, ManualClock};
use connect311::config::Settings;
use connect311::desk::Desk;
use connect311::store::Store;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name unique to this process and call.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{n}_{nanos:x}", std::process::id())
}

/// The PostgreSQL server for tests (`CONNECT311_TEST_PG`, default the local trust-auth server).
pub fn pg_admin_url() -> String {
    std::env::var("CONNECT311_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Creates a fresh, empty PostgreSQL database and returns its URL. Panics loudly when PostgreSQL is down.
pub async fn fresh_pg_url() -> String {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is required for this test ({admin}): {e}. Run scripts/postgres.sh (scripts/test.sh does).")
    });
    let name = unique("c311");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    format!("{base}/{name}")
}

/// A fresh SQLite database file inside `dir`.
pub fn fresh_sqlite_url(dir: &std::path::Path) -> String {
    format!(
        "sqlite://{}",
        dir.join(format!("{}.db", unique("t"))).display()
    )
}

/// Both backends, fresh, for contract tests.
pub async fn both_stores(dir: &std::path::Path) -> Vec<Store> {
    vec![
        Store::connect(&fresh_sqlite_url(dir))
            .await
            .expect("sqlite store"),
        Store::connect(&fresh_pg_url().await)
            .await
            .expect("postgres store"),
    ]
}

/// Settings for a desk in `dir`, with staff at `city.test`-like domains configurable by the caller.
pub fn settings(dir: &std::path::Path, toml_extra: &str) -> Settings {
    let mut s = Settings::from_toml_str(toml_extra).expect("test settings");
    s.data_dir = dir.to_path_buf();
    s
}

/// Which store a desk runs on: the desk scenarios run on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh, empty database of this kind (PostgreSQL down fails loudly).
    pub async fn fresh_url(self, dir: &std::path::Path) -> String {
        match self {
            Backend::Sqlite => fresh_sqlite_url(dir),
            Backend::Postgres => fresh_pg_url().await,
        }
    }

    /// The store's own name for this backend ([`Store::dialect`]).
    pub fn dialect(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// A desk on a fresh database of this kind with a hand-moved clock.
    pub async fn desk(self, dir: &std::path::Path, toml_extra: &str) -> (Desk, ManualClock) {
        let clock = ManualClock::new(1_790_000_000_000);
        let mut s = settings(dir, toml_extra);
        s.database.url = Some(self.fresh_url(dir).await);
        let c: Arc<dyn Clock> = Arc::new(clock.clone());
        let desk = connect311::app::open_with(s, c)
            .await
            .unwrap_or_else(|e| panic!("desk on {self:?}: {e:#}"));
        assert_eq!(desk.store().dialect(), self.dialect());
        (desk, clock)
    }
}

/// A desk on a fresh SQLite database with a hand-moved clock.
pub async fn desk(dir: &std::path::Path, toml_extra: &str) -> (Desk, ManualClock) {
    Backend::Sqlite.desk(dir, toml_extra).await
}

/// A plain-text email.
pub fn email(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n{extra_headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A desk on a fresh PostgreSQL database with a hand-moved clock (PostgreSQL down fails loudly).
pub async fn pg_desk(dir: &std::path::Path, toml_extra: &str) -> (Desk, ManualClock) {
    Backend::Postgres.desk(dir, toml_extra).await
}

/// The city's 311 address in the embedded defaults.
pub const INBOX: &str = "311@city.test";

/// The reference of a newly created request; panics on any other outcome.
pub fn created(o: &connect311::desk::IngestOutcome) -> routing::RequestRef {
    match o {
        connect311::desk::IngestOutcome::Created { reference, .. } => *reference,
        other => panic!("expected a new request, got {other:?}"),
    }
}

/// A resident's plain email to the 311 inbox, ingested; the new request's reference.
pub async fn report(
    desk: &Desk,
    from: &str,
    subject: &str,
    message_id: &str,
    body: &str,
) -> routing::RequestRef {
    let raw = email(from, INBOX, subject, message_id, "", body);
    created(&desk.ingest_email(&raw).await.expect("ingest"))
}

/// Every email queued for `to`, oldest first.
pub async fn emails_to(desk: &Desk, to: &str) -> Vec<connect311::store::OutboxRow> {
    desk.store()
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "email" && r.recipient.as_deref() == Some(to))
        .collect()
}

/// Writes an outbox row (about no request) that the typed API cannot: a kind or payload no version of the
/// service wrote, as a corrupt row or one from a newer version would look. Returns its id.
pub async fn enqueue_raw_outbox(desk: &Desk, kind: &str, payload: &str) -> i64 {
    use sqlx::{Connection, Row};
    let url = desk.settings().database_url();
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at) \
         VALUES ($1, NULL, NULL, $2, $3, $3) RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(desk.now())
    .fetch_one(&mut c)
    .await
    .unwrap()
    .get("id")
}

/// An operator at the CLI: trusted staff for every department.
pub fn operator() -> connect311::desk::Actor {
    connect311::desk::Actor {
        id: "cli:operator".into(),
        name: "Operator".into(),
        source: Source::Cli,
        roles: Vec::new(),
        trusted_staff: true,
    }
}

/// Closes `r` as resolved with `note`, as an operator.
pub async fn close(desk: &Desk, r: routing::RequestRef, note: &str) {
    let action = connect311::desk::StaffAction::Close {
        reason: routing::lifecycle::CloseReason::Resolved,
        note: note.into(),
    };
    desk.act(r, &operator(), action).await.expect("close");
}

/// Moves a hand clock forward to `t` (never backwards).
pub fn set_clock(clock: &ManualClock, t: i64) {
    let now = clock.now_ms();
    assert!(t >= now, "the clock only moves forward");
    clock.advance_ms(t - now);
}
