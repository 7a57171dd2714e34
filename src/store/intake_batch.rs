//! Batched intake bookkeeping: the processing attempts of a whole IMAP batch counted with one statement before
//! it is handled, and the handled ones forgotten with one statement after, so a batch of N mails costs two
//! statements and two commits of bookkeeping instead of 2·N; and the group transaction the batch is decided in
//! (one commit for all its messages, each message a savepoint).

use std::collections::HashMap;

use sqlx::Row;

use super::{on_pool, Backend, Store, StoreError};

/// The attempt count (1 on the first attempt) and the last attempt's error of one message.
pub type AttemptCount = (u32, Option<String>);

/// One more attempt for each `[raw_sha256, times]` of the JSON list `$1` at `$2`, upserted in one statement.
const COUNT_ATTEMPTS_SQLITE: &str = "INSERT INTO inbound_attempts (raw_sha256, attempts, last_error, first_at, last_at) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), NULL, $2, $2 FROM json_each($1) WHERE true \
     ON CONFLICT (raw_sha256) DO UPDATE SET attempts = inbound_attempts.attempts + excluded.attempts, last_at = $2 \
     RETURNING raw_sha256, attempts, last_error";
const COUNT_ATTEMPTS_POSTGRES: &str = "INSERT INTO inbound_attempts (raw_sha256, attempts, last_error, first_at, last_at) \
     SELECT j.v->>0, (j.v->>1)::bigint, NULL, $2, $2 FROM jsonb_array_elements($1::jsonb) AS j(v) \
     ON CONFLICT (raw_sha256) DO UPDATE SET attempts = inbound_attempts.attempts + EXCLUDED.attempts, last_at = $2 \
     RETURNING raw_sha256, attempts, last_error";

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
            claim_cursor: self.claim_cursor.clone(),
        })
    }

    /// Tells a group how many new requests it may create, so their ids can be reserved together (on
    /// PostgreSQL; see `reserved_ids`); a no-op outside a group.
    pub fn expect_creations(&self, n: usize) {
        on_pool!(self, p => p.expect_creations(n))
    }

    /// Opens a savepoint for one unit (message) of the group; a no-op outside a group.
    pub async fn begin_unit(&self) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.begin_unit().await?))
    }

    /// Keeps (`true`) or undoes the unit's work since [`Store::begin_unit`].
    pub async fn end_unit(&self, keep: bool) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.end_unit(keep).await?))
    }

    /// Opens a unit with no savepoint of its own (see [`Store::group_is_sound`]); a no-op outside a group.
    pub fn join_unit(&self) {
        on_pool!(self, p => p.join_unit())
    }

    /// Ends a unit opened by [`Store::join_unit`]: `Err` when a step of it failed after writing.
    pub fn leave_unit(&self) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.leave_unit()?))
    }

    /// Undoes a group's transaction whole.
    pub async fn rollback_group(&self) -> Result<(), StoreError> {
        on_pool!(self, p => Ok(p.rollback_held().await?))
    }

    /// Whether a group whose units had no savepoints can still be committed: on PostgreSQL a statement that
    /// failed and was answered anyway leaves the transaction aborted, and `COMMIT` would then roll everything
    /// back without an error. `Err` when it cannot.
    pub async fn group_is_sound(&self) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// Commits a group's transaction (one durable commit for all its units), then wakes the outbox worker:
    /// the units' own "committed" signals fired while their rows were still inside the group.
    pub async fn commit_group(&self) -> Result<(), StoreError> {
        on_pool!(self, p => p.commit_held().await)?;
        self.outbox_committed();
        Ok(())
    }

    /// Counts one more processing attempt of each message (by raw hash), durably and in ONE statement, before
    /// any is processed; returns each count and last error in the order given. A key given twice is counted
    /// twice (its first place sees the first count, its second the second).
    pub async fn begin_attempts(
        &self,
        raw_sha256: &[String],
        now: i64,
    ) -> Result<Vec<AttemptCount>, StoreError> {
        if raw_sha256.is_empty() {
            return Ok(Vec::new());
        }
        let mut times: Vec<(&str, i64)> = Vec::new();
        for key in raw_sha256 {
            match times.iter_mut().find(|(k, _)| *k == key.as_str()) {
                Some((_, n)) => *n += 1,
                None => times.push((key.as_str(), 1)),
            }
        }
        let list = serde_json::to_string(&times).map_err(anyhow::Error::from)?;
        let sql = match self.backend {
            Backend::Sqlite(_) => COUNT_ATTEMPTS_SQLITE,
            Backend::Postgres(_) => COUNT_ATTEMPTS_POSTGRES,
        };
        let counted: HashMap<String, (i64, Option<String>)> = on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(&list).bind(now).fetch_all(p).await?;
            let mut out = HashMap::with_capacity(rows.len());
            for row in &rows {
                out.insert(row.try_get("raw_sha256")?, (row.try_get("attempts")?, row.try_get("last_error")?));
            }
            out
        });
        let mut seen: HashMap<&str, i64> = HashMap::new();
        raw_sha256
            .iter()
            .map(|key| {
                let (total, last_error) = counted.get(key).ok_or_else(|| {
                    StoreError::Unexpected(anyhow::anyhow!("attempt of {key} not counted"))
                })?;
                let given = times
                    .iter()
                    .find(|(k, _)| *k == key.as_str())
                    .map_or(1, |(_, n)| *n);
                let place = seen.entry(key.as_str()).or_insert(0);
                *place += 1;
                let count = total - given + *place;
                Ok((u32::try_from(count).unwrap_or(u32::MAX), last_error.clone()))
            })
            .collect()
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
