//! The operator's repairs: quarantined inbound mail (list, read, release) and deliveries the outbox gave up on
//! (list, queue again), each repair recorded where it happened.

use routing::{EventKind, RequestRef, Source};
use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Store, StoreError};

/// A quarantined (or released) inbound message, as the operator lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QuarantinedMessage {
    pub id: i64,
    pub source: Source,
    /// The Message-ID, or the raw message's hash when it had none (or could not be read).
    pub external_id: String,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub disposition: String,
    /// Why it was set aside (and, once released, who released it and what became of it).
    pub reason: Option<String>,
    pub received_at: i64,
    /// Bytes kept of the raw message.
    pub size: i64,
    /// The first bytes of the message (its headers, usually), for the operator to recognise it by.
    #[serde(skip)]
    pub head: Vec<u8>,
}

/// One outbox row with its timing, as the operator lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub reference: Option<RequestRef>,
    pub recipient: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub done_at: Option<i64>,
    pub failed_at: Option<i64>,
}

impl OutboxEntry {
    /// `delivered`, `failed` or `pending`.
    pub fn state(&self) -> &'static str {
        match (self.done_at, self.failed_at) {
            (Some(_), _) => "delivered",
            (None, Some(_)) => "failed",
            (None, None) => "pending",
        }
    }
}

/// Who asked for a repair, recorded with it.
#[derive(Debug, Clone)]
pub struct Repairer<'a> {
    pub actor: &'a str,
    pub source: Source,
}

const QUARANTINE_COLUMNS: &str =
    "id, source, external_id, sender, subject, disposition, reason, received_at, \
     CAST(LENGTH(raw) AS BIGINT) AS size, SUBSTR(raw, 1, 4096) AS head";

macro_rules! quarantined_from_row {
    ($r:expr) => {{
        let r = $r;
        QuarantinedMessage {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            external_id: r.try_get("external_id")?,
            sender: r.try_get("sender")?,
            subject: r.try_get("subject")?,
            disposition: r.try_get("disposition")?,
            reason: r.try_get("reason")?,
            received_at: r.try_get("received_at")?,
            size: r.try_get::<Option<i64>, _>("size")?.unwrap_or(0),
            head: r.try_get::<Option<Vec<u8>>, _>("head")?.unwrap_or_default(),
        }
    }};
}

const OUTBOX_COLUMNS: &str =
    "id, kind, request_id, recipient, attempts, last_error, created_at, next_attempt_at, \
     done_at, failed_at";

macro_rules! outbox_from_row {
    ($r:expr) => {{
        let r = $r;
        let req: Option<i64> = r.try_get("request_id")?;
        OutboxEntry {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            reference: req.map(to_ref).transpose()?,
            recipient: r.try_get("recipient")?,
            attempts: r.try_get::<i64, _>("attempts")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            done_at: r.try_get("done_at")?,
            failed_at: r.try_get("failed_at")?,
        }
    }};
}

impl Store {
    /// Quarantined messages, newest first (`all`: released ones too).
    pub async fn quarantined(
        &self,
        all: bool,
        limit: i64,
    ) -> Result<Vec<QuarantinedMessage>, StoreError> {
        let sql = format!(
            "SELECT {QUARANTINE_COLUMNS} FROM inbound_messages WHERE disposition = 'quarantined' \
             OR ($1 AND disposition = 'released') ORDER BY id DESC LIMIT $2"
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(all).bind(limit).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(quarantined_from_row!(r));
            }
            Ok(out)
        })
    }

    /// One quarantined (or released) message and the raw copy kept of it.
    pub async fn quarantined_message(
        &self,
        id: i64,
    ) -> Result<Option<(QuarantinedMessage, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {QUARANTINE_COLUMNS}, raw FROM inbound_messages WHERE id = $1 \
             AND disposition IN ('quarantined', 'released')"
        );
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            match row {
                Some(r) => {
                    let raw: Vec<u8> = r.try_get("raw")?;
                    Ok(Some((quarantined_from_row!(&r), raw)))
                }
                None => Ok(None),
            }
        })
    }

    /// Takes a quarantined message out of the dedupe ledger so that it can be processed again: the row stays
    /// (as `released`, under `released:<id>:<external id>`) with `note`, and the attempt counts of `keys` are
    /// forgotten. False when the message is no longer quarantined (someone released it first).
    pub async fn begin_release(
        &self,
        id: i64,
        note: &str,
        keys: &[String],
    ) -> Result<bool, StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(
                "UPDATE inbound_messages SET disposition = 'released', reason = $2, \
                 external_id = 'released:' || CAST(id AS TEXT) || ':' || external_id \
                 WHERE id = $1 AND disposition = 'quarantined'",
            )
            .bind(id).bind(note).execute(&mut *tx).await?.rows_affected();
            for key in keys {
                sqlx::query("DELETE FROM inbound_attempts WHERE raw_sha256 = $1")
                    .bind(key).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(done == 1)
        })
    }

    /// Puts a released message back in quarantine as it was (its processing failed before committing).
    pub async fn undo_release(
        &self,
        id: i64,
        external_id: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE inbound_messages SET disposition = 'quarantined', external_id = $2, reason = $3 WHERE id = $1")
                .bind(id).bind(external_id).bind(reason).execute(p).await?;
            Ok(())
        })
    }

    /// Records what became of a released message on its row.
    pub async fn note_release(&self, id: i64, note: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE inbound_messages SET reason = $2 WHERE id = $1")
                .bind(id).bind(note).execute(p).await?;
            Ok(())
        })
    }

    /// The newest quarantined message with this external id (where a released message landed again).
    pub async fn quarantined_id(&self, external_id: &str) -> Result<Option<i64>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT id FROM inbound_messages WHERE external_id = $1 AND disposition = 'quarantined' ORDER BY id DESC LIMIT 1")
                .bind(external_id).fetch_optional(p).await?;
            Ok(row.map(|r| r.try_get("id")).transpose()?)
        })
    }

    /// Outbox rows, newest first (`failed_only`: those the outbox gave up on).
    pub async fn outbox_entries(
        &self,
        failed_only: bool,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE (NOT $1) OR (failed_at IS NOT NULL AND done_at IS NULL) \
             ORDER BY id DESC LIMIT $2"
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(failed_only).bind(limit).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(outbox_from_row!(r));
            }
            Ok(out)
        })
    }

    /// One outbox row.
    pub async fn outbox_entry(&self, id: i64) -> Result<Option<OutboxEntry>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1");
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?;
            Ok(match row {
                Some(r) => Some(outbox_from_row!(&r)),
                None => None,
            })
        })
    }

    /// Queues failed rows again (all failed rows when `ids` is `None`): due now, attempts from zero, and a
    /// `delivery_retried` event on each row's request, in ONE transaction. Returns the rows queued; rows that
    /// are not failed (delivered, still pending) are left alone.
    pub async fn retry_failed_outbox(
        &self,
        ids: Option<&[i64]>,
        by: &Repairer<'_>,
        now: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let targets = match ids {
            Some(ids) => ids.to_vec(),
            None => self.failed_outbox_ids().await?,
        };
        let sql = format!(
            "UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $2, locked_until = NULL \
             WHERE id = $1 AND failed_at IS NOT NULL AND done_at IS NULL RETURNING {OUTBOX_COLUMNS}"
        );
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let mut queued = Vec::new();
            for id in targets {
                let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id).bind(now).fetch_optional(&mut *tx).await?;
                let Some(r) = row else { continue };
                let entry = outbox_from_row!(&r);
                if let Some(reference) = entry.reference {
                    let payload = serde_json::json!({ "outbox_id": entry.id, "kind": entry.kind,
                        "recipient": entry.recipient, "previous_error": entry.last_error });
                    sqlx::query("INSERT INTO events (request_id, kind, actor, source, at, payload) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(super::requests::ref_id(reference)).bind(EventKind::DeliveryRetried).bind(by.actor)
                        .bind(by.source).bind(now).bind(payload.to_string())
                        .execute(&mut *tx).await?;
                }
                queued.push(entry);
            }
            tx.commit().await?;
            if !queued.is_empty() {
                self.outbox_committed();
            }
            Ok(queued)
        })
    }

    async fn failed_outbox_ids(&self) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query("SELECT id FROM outbox WHERE failed_at IS NOT NULL AND done_at IS NULL ORDER BY id")
                .fetch_all(p).await?;
            let mut ids = Vec::with_capacity(rows.len());
            for r in &rows {
                ids.push(r.try_get("id")?);
            }
            Ok(ids)
        })
    }
}
