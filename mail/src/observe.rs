//! How the intake workers (IMAP, Maildir) tell whoever supervises them what state they are in: connected,
//! looked at the mailbox, or failing — so that readiness can report an inbox that is refused or silent.

use std::time::Duration;

/// Receives an intake worker's state changes. Calls are quick and synchronous, from the worker's task; an
/// implementation should only record them.
pub trait IntakeObserver: Send + Sync + std::fmt::Debug {
    /// Logged in with the mailbox selected (IMAP), or the Maildir is laid out and readable.
    fn connected(&self);
    /// A successful look at the mailbox: every waiting message was offered to the handler. With IMAP this
    /// follows the first pass after login, every IDLE wake-up or renewal, and every poll (NOOP). The worker
    /// promises its next look within `next_within` (its IDLE renewal or poll interval, or sooner).
    fn polled(&self, next_within: Duration);
    /// IMAP only: the worker has entered IDLE with nothing left to do, so anything delivered from now on wakes
    /// it. Tests wait for this instead of guessing how long the first pass takes. A no-op unless implemented.
    fn idling(&self) {}
    /// IMAP only: mail was handled within the worker's `busy_window`, so instead of entering IDLE it is about
    /// to send a `NOOP` after `busy_poll` (hot mode). Tests count these. A no-op unless implemented.
    fn busy_polling(&self) {}
    /// The connection or the pass failed (`error` is the whole cause chain); the worker retries with backoff.
    fn failed(&self, error: &str);
}

/// An observer that records nothing: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unobserved;

impl IntakeObserver for Unobserved {
    fn connected(&self) {}
    fn polled(&self, _next_within: Duration) {}
    fn failed(&self, _error: &str) {}
}
