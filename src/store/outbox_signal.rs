//! Wakes outbox workers when rows commit: an in-process `Notify` fired after every commit that queued outbox
//! rows, and on PostgreSQL a `LISTEN connect311_outbox` per worker, fed by the trigger of migration 0013
//! (`NOTIFY` inside the inserting transaction, delivered on commit, to every instance on the database).

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::{Backend, Store};

/// The channel the trigger of migration 0013 notifies.
pub const OUTBOX_CHANNEL: &str = "connect311_outbox";

/// The longest wait between two attempts to re-establish a lost `LISTEN`.
const MAX_RELISTEN_WAIT: Duration = Duration::from_secs(5);

impl Store {
    /// The signal fired when outbox rows may have become due. A waiter must `enable()` its `notified()` future
    /// BEFORE it looks for rows, so that a commit between its look and its wait is not missed.
    pub fn outbox_signal(&self) -> Arc<Notify> {
        self.outbox_signal.clone()
    }

    /// Wakes every waiting outbox worker of this process; called after a commit that queued rows.
    pub(crate) fn outbox_committed(&self) {
        self.outbox_signal.notify_waiters();
    }

    /// On PostgreSQL, listens for rows committed by any instance and fires [`Store::outbox_signal`] for each,
    /// until `cancel`; a lost connection is re-established and followed by one wake-up (rows committed while
    /// nobody listened are found by that pass). Nothing to do on SQLite: one process, signalled in-process.
    pub async fn forward_outbox_notifications(&self, cancel: CancellationToken) {
        let Backend::Postgres(db) = &self.backend else {
            return;
        };
        let pool = db.pool();
        let mut wait = Duration::from_millis(100);
        loop {
            let result = tokio::select! {
                _ = cancel.cancelled() => return,
                r = listen(pool, &self.outbox_signal) => r,
            };
            if pool.is_closed() {
                return;
            }
            if let Err(e) = result {
                warn!(error = %e, "outbox LISTEN lost; listening again");
            }
            self.outbox_signal.notify_waiters();
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(MAX_RELISTEN_WAIT);
        }
    }
}

/// One `LISTEN` session: wakes the workers once it listens (a pass for what committed before) and on every
/// notification; returns on an error the listener could not recover from itself.
async fn listen(pool: &PgPool, signal: &Notify) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(OUTBOX_CHANNEL).await?;
    signal.notify_waiters();
    loop {
        match listener.try_recv().await? {
            Some(_) => signal.notify_waiters(),
            None => {
                // The connection dropped and was re-established (LISTEN again): notifications sent in between
                // are gone, so look once.
                debug!("outbox LISTEN reconnected");
                signal.notify_waiters();
            }
        }
    }
}
