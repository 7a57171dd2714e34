//! The IMAP intake worker: waits on the city inbox with IDLE (or, while mail flows, a short `NOOP` poll), hands
//! the messages' raw bytes to the service in batches (one `UID FETCH` for many) and moves them to `Processed` /
//! `Quarantine` (one `UID MOVE` per folder) only after the service says each is safely stored; the next batch
//! is fetched while the handler works on this one.
//!
//! Delivery to the handler is at-least-once: a crash, a lost connection or a shutdown between "handled" and
//! "moved" means the message is handled again on the next run, and the service deduplicates on Message-ID.
//!
//! The connection is plaintext, STARTTLS or implicit TLS ([`ImapSecurity`]); everything after login is the same
//! code whatever the transport. TLS uses rustls (ring) with the Mozilla roots plus an optional private CA.

mod archive;
mod batch;
mod pace;
mod pass;
mod session;
mod tls;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub use crate::oauth::SaslMechanism;
use crate::oauth::TokenSource;
pub use crate::observe::IntakeObserver;

/// How the worker logs in.
#[derive(Debug, Clone, Default)]
pub enum ImapAuth {
    /// `LOGIN` with [`ImapConfig::password`].
    #[default]
    Password,
    /// `AUTHENTICATE XOAUTH2` / `OAUTHBEARER` with a token from `tokens`; a refused token is replaced once.
    Bearer {
        mechanism: SaslMechanism,
        tokens: Arc<TokenSource>,
    },
}

/// How the IMAP connection is protected (`plain`, `starttls` or `tls` in logs, as in the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImapSecurity {
    /// No TLS at all: only for loopback test servers, and only when configured explicitly.
    #[default]
    Plain,
    /// Connect in plaintext (usually port 143) and upgrade with `STARTTLS` before logging in. A server that
    /// refuses the upgrade is an error, never a silent fallback to plaintext.
    StartTls,
    /// Implicit TLS from the first byte (IMAPS, usually port 993).
    Tls,
}

impl std::fmt::Display for ImapSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ImapSecurity::Plain => "plain",
            ImapSecurity::StartTls => "starttls",
            ImapSecurity::Tls => "tls",
        })
    }
}

/// Hot mode's default poll: a `NOOP` costs Dovecot well under a millisecond on loopback.
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_millis(25);
/// Hot mode's default window: a steady stream keeps it on, a quiet inbox is back on IDLE after 20 s.
pub const DEFAULT_BUSY_WINDOW: Duration = Duration::from_secs(20);

/// Where and how to watch a mailbox.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// Host to connect to; with TLS also the name the server certificate must carry (a DNS name or an IP).
    pub host: String,
    pub port: u16,
    /// Plain, STARTTLS or implicit TLS. [`ImapConfig::new`] defaults to `Plain`; set it with
    /// [`ImapConfig::with_security`].
    pub security: ImapSecurity,
    /// Extra trust anchors (PEM, one or more certificates) added to the Mozilla roots from webpki-roots: for a
    /// private CA, or the test CA of `scripts/mailserver.sh`. Unused with [`ImapSecurity::Plain`].
    pub ca_file: Option<PathBuf>,
    pub username: String,
    /// Used with [`ImapAuth::Password`] (the default).
    pub password: String,
    /// Password `LOGIN` or an OAuth2 bearer token; set it with [`ImapConfig::with_bearer`].
    pub auth: ImapAuth,
    /// Mailbox to watch ("INBOX").
    pub mailbox: String,
    pub processed_folder: String,
    /// Processed mail goes to one folder a month under `processed_folder` (`Processed/2026-11`, by the month
    /// the server received it), created and subscribed on demand, instead of all into `processed_folder`.
    pub processed_by_month: bool,
    pub quarantine_folder: String,
    /// Re-issue IDLE this often (RFC 2177 servers may drop an IDLE after 30 minutes).
    pub idle_timeout: Duration,
    /// How often to look for mail when the server lacks IDLE.
    pub poll_interval: Duration,
    /// Hot mode: while a pass handled mail within the last `busy_window`, look again by a `NOOP` this often
    /// instead of IDLE (Dovecot announces new mail on IDLE only ~500 ms after delivery).
    pub busy_poll: Duration,
    /// How long after the last handled mail hot mode lasts; zero turns it off (always IDLE when idle).
    pub busy_window: Duration,
    /// Reconnect and handler-retry backoff bounds (doubling from min to max).
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Limit for any single IMAP command, so a dead connection is noticed.
    pub command_timeout: Duration,
    /// At most this many messages per `UID FETCH` and per handler batch (and so per `UID MOVE`).
    pub batch_size: usize,
    /// Told when the worker connects, looks at the mailbox, or fails ([`crate::observe::Unobserved`] by
    /// default). Set it with [`ImapConfig::with_observer`].
    pub observer: Arc<dyn IntakeObserver>,
}

impl ImapConfig {
    /// Defaults: INBOX → Processed / Quarantine, IDLE renewed every 25 minutes, polling every 60 s without IDLE,
    /// hot mode polling every 25 ms for 20 s after handled mail, backoff 1 s … 5 min, batches of 100.
    pub fn new(host: &str, port: u16, username: &str, password: &str) -> Self {
        Self {
            host: host.to_string(),
            port,
            security: ImapSecurity::Plain,
            ca_file: None,
            username: username.to_string(),
            password: password.to_string(),
            auth: ImapAuth::Password,
            mailbox: "INBOX".into(),
            processed_folder: "Processed".into(),
            processed_by_month: false,
            quarantine_folder: "Quarantine".into(),
            idle_timeout: Duration::from_secs(25 * 60),
            poll_interval: Duration::from_secs(60),
            busy_poll: DEFAULT_BUSY_POLL,
            busy_window: DEFAULT_BUSY_WINDOW,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(5 * 60),
            command_timeout: Duration::from_secs(60),
            batch_size: 100,
            observer: Arc::new(crate::observe::Unobserved),
        }
    }

    /// Reports the worker's state (connected, polled, failed) to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn IntakeObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Sets how the connection is protected (`new` leaves it `Plain`).
    pub fn with_security(mut self, security: ImapSecurity) -> Self {
        self.security = security;
        self
    }

    /// Logs in with a bearer token from `tokens` (SASL `mechanism`) instead of the password.
    pub fn with_bearer(mut self, mechanism: SaslMechanism, tokens: Arc<TokenSource>) -> Self {
        self.auth = ImapAuth::Bearer { mechanism, tokens };
        self
    }

    /// Trusts the CA certificate(s) in this PEM file in addition to the Mozilla roots.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }
}

/// What to do with a message once the handler has stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Processed,
    /// Stored for a human to look at (junk, unparseable, refused); the reason is logged.
    Quarantine(String),
}

/// One fetched inbox message: its UID, raw bytes, and the tracing span its handling is logged under.
#[derive(Debug)]
pub struct InboxMessage {
    pub uid: u32,
    pub raw: Vec<u8>,
    /// When the server received it (its INTERNALDATE), if it said.
    pub received: Option<chrono::DateTime<chrono::Utc>>,
    /// `imap_message` with the UID and the Message-ID: instrument the message's handling with it.
    pub span: tracing::Span,
}

impl InboxMessage {
    pub fn new(uid: u32, raw: Vec<u8>) -> Self {
        let message_id = quick_message_id(&raw);
        let span = tracing::info_span!("imap_message", uid, message_id = %message_id);
        InboxMessage {
            uid,
            raw,
            received: None,
            span,
        }
    }

    /// The same message, received by the server at `received`.
    pub fn received_at(mut self, received: Option<chrono::DateTime<chrono::Utc>>) -> Self {
        self.received = received;
        self
    }
}

/// The service side of intake. Return `Ok` only once the message is durably recorded; an `Err` leaves the
/// message in the mailbox to be retried later with backoff.
#[async_trait]
pub trait InboxHandler: Send + Sync {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition>;

    /// A batch of messages in UID order: one answer per message, in the same order, each with the meaning of
    /// [`InboxHandler::handle`]'s (one message's failure must not fail the others). By default one at a time.
    async fn handle_batch(&self, batch: &[InboxMessage]) -> Vec<anyhow::Result<Disposition>> {
        let mut out = Vec::with_capacity(batch.len());
        for m in batch {
            out.push(self.handle(&m.raw).instrument(m.span.clone()).await);
        }
        out
    }

    /// Starts a batch ahead of its turn: returns once what must be durable before its messages are looked at
    /// is written (an attempt count, say), with the work that needs nothing of the batches before it (parsing)
    /// as a future. The pass runs that future beside the handling of the batch before, and hands what it gives
    /// to [`InboxHandler::handle_staged`]. By default nothing is done ahead (`None`).
    async fn stage(&self, _batch: &[InboxMessage]) -> Option<StagedWork> {
        None
    }

    /// Handles a batch with what its [`InboxHandler::stage`] work gave (`None` when nothing was staged),
    /// answering like [`InboxHandler::handle_batch`], which it defaults to.
    async fn handle_staged(
        &self,
        batch: &[InboxMessage],
        _staged: Option<Staged>,
    ) -> Vec<anyhow::Result<Disposition>> {
        self.handle_batch(batch).await
    }
}

/// What a handler worked out for a batch ahead of its turn, handed back to it unopened.
pub type Staged = Box<dyn std::any::Any + Send>;

/// A handler's work on a batch ahead of its turn (see [`InboxHandler::stage`]).
pub type StagedWork = futures::future::BoxFuture<'static, Staged>;

fn quick_message_id(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.message_id().map(str::to_string))
        .unwrap_or_default()
}

/// Per-message retry state for handler failures, keyed by UID within one UIDVALIDITY.
#[derive(Debug, Default)]
pub(crate) struct RetryState {
    pub uid_validity: Option<u32>,
    pub failures: HashMap<u32, Failure>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Failure {
    pub attempts: u32,
    pub next_try: Instant,
}

impl RetryState {
    pub fn due(&self, uid: u32, now: Instant) -> bool {
        self.failures.get(&uid).is_none_or(|f| f.next_try <= now)
    }

    pub fn record_failure(
        &mut self,
        uid: u32,
        now: Instant,
        min: Duration,
        max: Duration,
    ) -> Failure {
        let f = self.failures.entry(uid).or_insert(Failure {
            attempts: 0,
            next_try: now,
        });
        f.attempts += 1;
        f.next_try = now + backoff(f.attempts, min, max);
        *f
    }

    /// Time until the earliest failed message may be retried.
    pub fn next_retry_in(&self, now: Instant) -> Option<Duration> {
        self.failures
            .values()
            .map(|f| f.next_try.saturating_duration_since(now))
            .min()
    }
}

/// `min · 2^(attempt-1)`, capped at `max`.
pub(crate) fn backoff(attempt: u32, min: Duration, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
    min.saturating_mul(factor).min(max).max(min)
}

/// Connects as configured (TLS included), logs in and logs out: a start-up or health check that reports the
/// first problem (refused connection, certificate not trusted, wrong password…) instead of retrying.
pub async fn check_connection(cfg: &ImapConfig) -> anyhow::Result<()> {
    let transport = tls::Transport::new(cfg)?;
    session::check(cfg, &transport).await
}

/// Loads what [`run`] needs before connecting (the TLS trust anchors, `ca_file` included), without connecting:
/// a start-up check for the configuration errors that no retry can fix.
pub fn check_config(cfg: &ImapConfig) -> anyhow::Result<()> {
    tls::Transport::new(cfg).map(drop)
}

/// Runs until `cancel` fires: connects (reconnecting with exponential backoff), processes what is waiting, then
/// IDLEs (or polls) for more. Returns `Ok(())` after a clean stop, and `Err` at once only for a configuration
/// error no retry can fix (an unreadable or empty `ca_file`). Connection, TLS and login failures are logged and
/// retried with backoff.
pub async fn run(
    cfg: ImapConfig,
    handler: Arc<dyn InboxHandler>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let transport = tls::Transport::new(&cfg)?;
    let mut state = RetryState::default();
    let mut attempt = 0u32;
    while !cancel.is_cancelled() {
        let mut logged_in = false;
        match session::serve(
            &cfg,
            &transport,
            handler.as_ref(),
            &cancel,
            &mut state,
            &mut logged_in,
        )
        .await
        {
            Ok(()) => break,
            Err(e) => {
                cfg.observer.failed(&format!("{e:#}"));
                attempt = if logged_in { 1 } else { attempt + 1 };
                let delay = backoff(attempt, cfg.backoff_min, cfg.backoff_max);
                tracing::warn!(
                    host = %cfg.host,
                    port = cfg.port,
                    security = %cfg.security,
                    user = %cfg.username,
                    error = %format!("{e:#}"),
                    retry_in_ms = delay.as_millis() as u64,
                    "IMAP session ended with an error; reconnecting"
                );
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
    tracing::info!(user = %cfg.username, "IMAP intake stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let (min, max) = (Duration::from_secs(1), Duration::from_secs(10));
        let got: Vec<u64> = (1..=6).map(|a| backoff(a, min, max).as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff(0, min, max), min);
        assert_eq!(backoff(u32::MAX, min, max), max);
    }

    #[test]
    fn failed_messages_wait_their_turn() {
        let now = Instant::now();
        let mut s = RetryState::default();
        assert!(s.due(7, now));
        s.record_failure(7, now, Duration::from_secs(2), Duration::from_secs(60));
        assert!(!s.due(7, now));
        assert!(s.due(7, now + Duration::from_secs(2)));
        assert_eq!(s.next_retry_in(now), Some(Duration::from_secs(2)));
        let f = s.record_failure(7, now, Duration::from_secs(2), Duration::from_secs(60));
        assert_eq!(f.attempts, 2);
        assert_eq!(f.next_try - now, Duration::from_secs(4));
    }
}
