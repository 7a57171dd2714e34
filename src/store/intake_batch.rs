//! Batched intake bookkeeping: the processing attempts of a whole IMAP batch counted in one transaction before
//! it is handled, and the handled ones forgotten with one statement after, so a batch of N mails costs two
//! commits of bookkeeping instead of 2·N; and the group transaction the batch is decided in (one commit for
//! all its messages, each message a savepoint).

use sqlx::Row;

use super::{on_pool, Backend, Store, StoreError};

/// The attempt count (1 on the first attempt) and the last attempt's error of one message.
pub type AttemptCount = (u32, Option<String>);

impl Store {
    /// A store whose statements all run in ONE transaction held open on one connection, until
    /// [`Store::commit_group`]; dropped uncommitted, nothing of it is written. On SQLite it begins `IMMEDIATE`:
    /// the group writes anyway, and taking the write lock first means a concurrent commit cannot invalidate the
    /// group's snapshot halfway.
    pub async fn hold_group(&self) -> Result<Store, StoreError> {
        let backend = match &self.backend {
            Backend::Sqlite(db) => Backend::Sqlite(db.hold(Some("BEGIN IMMEDIATE")).await?),
            Backend::Postgres(db) => Backend::Postgres(db.hold(None).await?),
        };
        Ok(Store {
            backend,
            outbox_signal: self.outbox_signal.clone(),
        })
    }

    /// Opens a savepoint for one unit (message) of the group; a no-op outside a group.
    pub async fn begin_unit(&self) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.begin_unit().await?))
    }

    /// Keeps (`true`) or undoes the unit's work since [`Store::begin_unit`].
    pub async fn end_unit(&self, keep: bool) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.end_unit(keep).await?))
    }

    /// Commits a group's transaction (one durable commit for all its units), then wakes the outbox worker:
    /// the units' own "committed" signals fired while their rows were still inside the group.
    pub async fn commit_group(&self) -> Result<(), StoreError> {
        on_pool!(self, p => p.commit_held().await)?;
        self.outbox_committed();
        Ok(())
    }

    /// Counts one more processing attempt of each message (by raw hash), durably and all in ONE transaction,
    /// before any is processed; returns each count and last error in the order given. A key given twice is
    /// counted twice.
    pub async fn begin_attempts(
        &self,
        raw_sha256: &[String],
        now: i64,
    ) -> Result<Vec<AttemptCount>, StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut out = Vec::with_capacity(raw_sha256.len());
            for key in raw_sha256 {
                let row = sqlx::query(
                    "INSERT INTO inbound_attempts (raw_sha256, attempts, last_error, first_at, last_at) \
                     VALUES ($1, 1, NULL, $2, $2) \
                     ON CONFLICT (raw_sha256) DO UPDATE SET attempts = inbound_attempts.attempts + 1, last_at = $2 \
                     RETURNING attempts, last_error",
                )
                .bind(key)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let attempts: i64 = row.try_get("attempts")?;
                out.push((u32::try_from(attempts).unwrap_or(u32::MAX), row.try_get("last_error")?));
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// Forgets the attempts of every message in `raw_sha256` (all handled) with one statement.
    pub async fn end_attempts(&self, raw_sha256: &[String]) -> Result<(), StoreError> {
        self.for_each_attempt("DELETE FROM inbound_attempts", raw_sha256)
            .await
    }

    /// Takes back one counted attempt of every message in `raw_sha256` (counted as a batch that is now handled
    /// one message at a time instead), with one statement.
    pub async fn uncount_attempts(&self, raw_sha256: &[String]) -> Result<(), StoreError> {
        self.for_each_attempt(
            "UPDATE inbound_attempts SET attempts = attempts - 1",
            raw_sha256,
        )
        .await
    }

    /// Runs `statement` restricted to the attempt rows of `raw_sha256`; the list is bound as one JSON array, so
    /// the statement's text does not grow with it.
    async fn for_each_attempt(
        &self,
        statement: &str,
        raw_sha256: &[String],
    ) -> Result<(), StoreError> {
        if raw_sha256.is_empty() {
            return Ok(());
        }
        let keys = serde_json::to_string(raw_sha256).map_err(anyhow::Error::from)?;
        let list = match self.backend {
            Backend::Sqlite(_) => "SELECT value FROM json_each($1)",
            Backend::Postgres(_) => "SELECT jsonb_array_elements_text($1::jsonb)",
        };
        let sql = format!("{statement} WHERE raw_sha256 IN ({list})");
        on_pool!(self, p => {
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&keys).execute(p).await?;
            Ok(())
        })
    }
}
