//! The service's vital signs, shared by its workers and read by `/health/ready` and `/metrics`: each supervised
//! worker's lifecycle, the inbox and chat links, outgoing mail, and process-local counters. One per running
//! service (cheap to clone); nothing here touches the database.

mod counters;
mod probes;
pub mod ready;
mod settings;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use counters::{render, Counters, Histogram, INGEST_OUTCOMES, LATENCY_BUCKETS};
pub use settings::HealthSettings;

/// A long-running part of the service, as supervision, readiness and metrics name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    Inbox,
    Outbox,
    Sweeper,
    Chat,
    Http,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Inbox => "inbox",
            Component::Outbox => "outbox",
            Component::Sweeper => "sweeper",
            Component::Chat => "chat",
            Component::Http => "http",
        }
    }
}

/// An error and when it happened (wall clock, ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamped {
    pub text: String,
    pub at_ms: i64,
}

/// A supervised worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Worker {
    /// Running now; false while it waits to be restarted.
    pub running: bool,
    pub restarts: u64,
    /// Panics of the worker itself (not of one message or job: see [`Counters::unit_panics`]).
    pub panics: u64,
    /// Why it last stopped.
    pub last_error: Option<Stamped>,
}

/// A connection to the outside: the inbox, the chat gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    pub connected: bool,
    /// When `connected` took its current value (for a failing link: its first failure in this run).
    pub since_ms: Option<i64>,
    /// The last sign of life: connecting, or a successful look at the mailbox.
    pub seen_ms: Option<i64>,
    /// The worker's promise at `seen_ms`: its next look within this.
    pub next_within: Option<Duration>,
    pub last_error: Option<Stamped>,
    /// How many times the IMAP worker has entered IDLE in this run (each time, anything delivered from then on
    /// wakes it): what tests wait on before delivering mail that only IDLE may see.
    pub idles: u64,
    /// The inbox only: another instance holds the inbox lock and watches it; this one stands by.
    pub standby: bool,
}

impl Link {
    fn set_connected(&mut self, connected: bool, now: i64) {
        if self.connected != connected || self.since_ms.is_none() {
            self.since_ms = Some(now);
        }
        self.connected = connected;
    }

    fn failed(&mut self, error: &str, now: i64) {
        self.set_connected(false, now);
        self.last_error = Some(Stamped {
            text: error.to_string(),
            at_ms: now,
        });
    }
}

/// Everything the monitor knows, at one instant.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The workers started under supervision.
    pub workers: BTreeMap<Component, Worker>,
    pub inbox: Link,
    /// `Some` when a chat gateway runs.
    pub chat: Option<Link>,
    /// Outgoing mail is failing: since when (the first failure of the current run) and the latest error.
    pub mail_failing: Option<(i64, Stamped)>,
    /// The latest of those failures was a refused login (wrong password, OAuth2 credential refused): readiness
    /// says so at once, since no retry helps until the settings are fixed.
    pub mail_auth_failing: bool,
    pub counters: Counters,
}

/// The shared handle. Updates are short critical sections; a poisoned lock is still used (the data is plain
/// counters and timestamps, never left half-written).
#[derive(Debug, Clone, Default)]
pub struct Monitor(Arc<Mutex<Snapshot>>);

/// Now on the wall clock, in ms since the epoch.
pub fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Monitor {
    pub fn snapshot(&self) -> Snapshot {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The worker is (re)started.
    pub fn worker_started(&self, c: Component) {
        self.lock().workers.entry(c).or_default().running = true;
    }

    /// The worker ended with `error` (its panic text when `panicked`) and waits to be restarted.
    pub fn worker_failed(&self, c: Component, error: &str, panicked: bool) {
        let mut s = self.lock();
        let w = s.workers.entry(c).or_default();
        w.running = false;
        w.panics += u64::from(panicked);
        w.last_error = Some(Stamped {
            text: error.to_string(),
            at_ms: wall_ms(),
        });
    }

    /// The worker's restart delay is over; it starts again.
    pub fn worker_restarting(&self, c: Component) {
        self.lock().workers.entry(c).or_default().restarts += 1;
    }

    /// Outgoing mail was accepted: any run of failures is over.
    pub fn mail_sent(&self) {
        let mut s = self.lock();
        s.mail_failing = None;
        s.mail_auth_failing = false;
    }

    /// Outgoing mail failed in a way a retry may fix (the server is down or refusing); `auth` when the relay
    /// or the OAuth2 provider refused our credentials.
    pub fn mail_failed(&self, error: &str, auth: bool) {
        let now = wall_ms();
        let mut s = self.lock();
        let first = s.mail_failing.as_ref().map_or(now, |(first, _)| *first);
        let last = Stamped {
            text: error.to_string(),
            at_ms: now,
        };
        s.mail_failing = Some((first, last));
        s.mail_auth_failing = auth;
    }

    /// One inbound message handled with `outcome` (one of [`INGEST_OUTCOMES`]); `latency` from its arrival at
    /// the worker to the desk's commit, when something was committed.
    pub fn count_ingested(&self, outcome: &'static str, latency: Option<Duration>) {
        let mut s = self.lock();
        *s.counters.ingested.entry(outcome).or_default() += 1;
        if let Some(l) = latency {
            s.counters.ingest_latency.observe(l.as_secs_f64());
        }
    }

    /// One delivery attempt: `kind` `mail` or `chat`, `outcome` `sent`, `retry` or `failed`.
    pub fn count_delivery(&self, kind: &'static str, outcome: &'static str) {
        *self
            .lock()
            .counters
            .deliveries
            .entry((kind, outcome))
            .or_default() += 1;
    }

    /// Handling one message (inbox) or job (outbox) panicked; the worker went on.
    pub fn count_unit_panic(&self, c: Component) {
        *self.lock().counters.unit_panics.entry(c).or_default() += 1;
    }

    fn update_link(&self, chat: bool, f: impl FnOnce(&mut Link, i64)) {
        let now = wall_ms();
        let mut s = self.lock();
        let link = if chat {
            s.chat.get_or_insert_with(Link::default)
        } else {
            &mut s.inbox
        };
        f(link, now);
    }
}
