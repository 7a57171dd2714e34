//! Inbox leadership: on PostgreSQL exactly one instance watches a given inbox, the one holding a session-level
//! advisory lock on a connection of its own; the lock goes with that connection, so when its holder dies (or
//! loses the database) another instance takes over within its next try. SQLite is one process: no lock.

use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, Row};

use super::{Backend, Store, StoreError};

/// This instance's hold on an inbox. Dropping it gives the inbox up (on PostgreSQL the connection closes and
/// the server releases the lock).
#[derive(Debug)]
pub struct InboxLease {
    conn: Option<PgConnection>,
}

/// The advisory-lock key of an inbox: the first 8 bytes of the SHA-256 of its identity, so two different
/// inboxes on one database never share a key by accident.
fn lock_key(inbox: &str) -> i64 {
    let digest = Sha256::digest(format!("connect311 inbox {inbox}").as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// How long to wait for the lock's own connection before counting this try as failed.
const CONNECT_LIMIT: Duration = Duration::from_secs(5);

impl Store {
    /// Tries once to become the instance that watches `inbox` (e.g. `user@host:port/INBOX`): `Some` when this
    /// instance now holds it, `None` when another one does. On SQLite always `Some` (a single process).
    pub async fn try_lead_inbox(&self, inbox: &str) -> Result<Option<InboxLease>, StoreError> {
        let pool = match &self.backend {
            Backend::Sqlite(_) => return Ok(Some(InboxLease { conn: None })),
            Backend::Postgres(db) => db.pool(),
        };
        // A connection of its own, outside the pool: a pooled one would go back to the pool still holding the
        // lock when the lease is dropped.
        let opts = pool.connect_options();
        let mut conn = tokio::time::timeout(CONNECT_LIMIT, PgConnection::connect_with(&opts))
            .await
            .context("connecting for the inbox lock timed out")?
            .context("connecting for the inbox lock")?;
        let held: bool = sqlx::query("SELECT pg_try_advisory_lock($1) AS held")
            .bind(lock_key(inbox))
            .fetch_one(&mut conn)
            .await?
            .try_get("held")?;
        if held {
            return Ok(Some(InboxLease { conn: Some(conn) }));
        }
        let _ = conn.close().await;
        Ok(None)
    }
}

impl InboxLease {
    /// Whether the lease still holds: its connection answers (the lock lives exactly as long as it).
    pub async fn check(&mut self) -> Result<(), StoreError> {
        if let Some(conn) = &mut self.conn {
            tokio::time::timeout(CONNECT_LIMIT, conn.ping())
                .await
                .context("the inbox lock's connection did not answer")?
                .context("the inbox lock's connection")?;
        }
        Ok(())
    }

    /// Gives the inbox up now (rather than when dropped).
    pub async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lock_key;

    #[test]
    fn inboxes_get_different_stable_keys() {
        assert_eq!(lock_key("a@x:993/INBOX"), lock_key("a@x:993/INBOX"));
        assert_ne!(lock_key("a@x:993/INBOX"), lock_key("b@x:993/INBOX"));
    }
}
