//! Inbound messages: the dedupe ledger (UNIQUE source + external id) and the raw copy of everything received.

use std::collections::HashSet;

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Backend, Disposition, InboundRecord, Store, StoreError};
use routing::{RequestRef, Source};

/// Turns a UNIQUE violation on the inbound ledger into `Duplicate`.
pub(super) fn map_unique(e: sqlx::Error, external_id: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Duplicate(external_id.to_string());
        }
    }
    e.into()
}

/// What we already know about an inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenInbound {
    pub reference: Option<RequestRef>,
    pub disposition: Disposition,
}

impl Store {
    /// Whether this message was already processed, and what became of it.
    pub async fn inbound_seen(
        &self,
        source: Source,
        external_id: &str,
    ) -> Result<Option<SeenInbound>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT request_id, disposition FROM inbound_messages WHERE source = $1 AND external_id = $2")
                .bind(source)
                .bind(external_id)
                .fetch_optional(p)
                .await?;
            match row {
                Some(r) => {
                    let id: Option<i64> = r.try_get("request_id")?;
                    let disposition: String = r.try_get("disposition")?;
                    let disposition = disposition.parse().map_err(|e| {
                        StoreError::bad_row(format!("inbound message {source} {external_id}"), e)
                    })?;
                    Ok(Some(SeenInbound { reference: id.map(to_ref).transpose()?, disposition }))
                }
                None => Ok(None),
            }
        })
    }

    /// Which of `external_ids` (of `source`) were already processed, with ONE statement for a whole batch (the
    /// list is bound as one JSON array).
    pub async fn inbound_seen_among(
        &self,
        source: Source,
        external_ids: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        if external_ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids = serde_json::to_string(external_ids).map_err(anyhow::Error::from)?;
        let sql = match self.backend {
            Backend::Sqlite(_) => {
                "SELECT external_id FROM inbound_messages WHERE source = $1 \
                 AND external_id IN (SELECT value FROM json_each($2))"
            }
            // `= ANY` of an array an index can seek (a semi-join on the list may read the whole table).
            Backend::Postgres(_) => {
                "SELECT external_id FROM inbound_messages WHERE source = $1 \
                 AND external_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))"
            }
        };
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(source).bind(&ids).fetch_all(p).await?;
            rows.iter().map(|r| Ok(r.try_get("external_id")?)).collect()
        })
    }

    /// Keeps a message that belongs to no request (ignored automated mail, quarantined junk).
    pub async fn record_inbound(&self, rec: &InboundRecord, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO inbound_messages (source, external_id, request_id, sender, subject, disposition, reason, received_at, raw) \
                 VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8)",
            )
            .bind(rec.source)
            .bind(&rec.external_id)
            .bind(&rec.sender)
            .bind(&rec.subject)
            .bind(rec.disposition.as_str())
            .bind(&rec.reason)
            .bind(now)
            .bind(&rec.raw)
            .execute(p)
            .await
            .map_err(|e| map_unique(e, &rec.external_id))?;
            Ok(())
        })
    }

    /// Counts one more processing attempt of the message with this raw hash, durably, before it is processed;
    /// returns the count (1 on the first attempt) and the last attempt's error.
    pub async fn begin_attempt(
        &self,
        raw_sha256: &str,
        now: i64,
    ) -> Result<(u32, Option<String>), StoreError> {
        let mut counts = self.begin_attempts(&[raw_sha256.to_string()], now).await?;
        Ok(counts.pop().expect("one count per key"))
    }

    /// Records why the current attempt failed (it stays counted).
    pub async fn fail_attempt(&self, raw_sha256: &str, error: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE inbound_attempts SET last_error = $2 WHERE raw_sha256 = $1")
                .bind(raw_sha256)
                .bind(error)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// Takes the current attempt back (it failed for a reason that is not the message's own), keeping the error.
    pub async fn forgive_attempt(&self, raw_sha256: &str, error: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE inbound_attempts SET attempts = attempts - 1, last_error = $2 WHERE raw_sha256 = $1")
                .bind(raw_sha256)
                .bind(error)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// The raw copy kept of an inbound message (refused attachments already replaced by placeholders).
    pub async fn inbound_raw(
        &self,
        source: Source,
        external_id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT raw FROM inbound_messages WHERE source = $1 AND external_id = $2")
                .bind(source)
                .bind(external_id)
                .fetch_optional(p)
                .await?;
            Ok(row.map(|r| r.try_get("raw")).transpose()?)
        })
    }

    /// Counts inbound messages with a disposition (for reports and tests).
    pub async fn count_inbound(&self, disposition: Disposition) -> Result<i64, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM inbound_messages WHERE disposition = $1")
                .bind(disposition.as_str())
                .fetch_one(p)
                .await?;
            Ok(row.try_get("n")?)
        })
    }
}
