//! The outbox: durable outbound effects, claimed with a lease (SQLite) or SKIP LOCKED (PostgreSQL), retried
//! with exponential backoff, never dropped silently.

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, OutboxRow, Store, StoreError};

mod claim;
mod record;

pub use claim::sqlite_claim_statements;
pub use record::{postgres_retire_statement, DeliveryRecord, OutboxOutcome, Unrecorded};
use record::{DEFER, RETRY};

const COMPLETE: &str =
    "UPDATE outbox SET done_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1";

/// Queues one effect (`$6` its lane, see [`crate::effect::Effect::lane`]). An effect that follows the request's card
/// joins the lane of the card's latest post, so an edit never overtakes the post it edits.
pub(super) const INSERT_OUTBOX: &str = "INSERT INTO outbox \
     (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
     VALUES ($1, $2, $3, $4, $5, $5, COALESCE($6, \
       (SELECT p.lane FROM outbox p WHERE p.request_id = $2 AND p.kind = 'chat_work_order' ORDER BY p.id DESC LIMIT 1), \
       'chat:request:' || CAST($2 AS TEXT)))";

/// A change's outbox rows as the JSON list `[[kind, recipient, payload, lane], ...]` that
/// [`insert_outbox_rows`] writes in ONE statement: `None` when there is at most one row, or a row follows the
/// card's lane (that lane is looked up per row, and may be the card posted by the row before it).
pub(super) fn outbox_rows(outbox: &[super::NewOutbox], request_id: i64) -> Option<String> {
    if outbox.len() < 2 {
        return None;
    }
    outbox_list(outbox, request_id).map(|rows| serde_json::Value::from(rows).to_string())
}

/// The rows of [`outbox_rows`] as JSON values, every row with its own lane; `None` when one follows the card's.
pub(super) fn outbox_list(
    outbox: &[super::NewOutbox],
    request_id: i64,
) -> Option<Vec<serde_json::Value>> {
    outbox
        .iter()
        .map(|o| {
            let lane = o.effect.lane(Some(request_id))?;
            Some(serde_json::json!([
                o.effect.kind(),
                o.effect.recipient(),
                o.effect.payload(),
                lane
            ]))
        })
        .collect()
}

/// The statement writing [`outbox_rows`] (`$3`) for request `$1` at `$2`, in the list's order.
pub(super) fn insert_outbox_rows<DB: sqlx::Database>(_on: &super::held::Tx<DB>) -> &'static str {
    if DB::NAME == "SQLite" {
        "INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
         SELECT json_extract(value, '$[0]'), $1, json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2, $2, \
         json_extract(value, '$[3]') FROM json_each($3) ORDER BY key"
    } else {
        "INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
         SELECT j.v->>0, $1, j.v->>1, j.v->>2, $2, $2, j.v->>3 \
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS j(v, n) ORDER BY j.n"
    }
}

impl Store {
    /// Queues an outbound effect that belongs to no request (e.g. the weekly scorecard).
    pub async fn enqueue(&self, job: &super::NewOutbox, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(INSERT_OUTBOX)
                .bind(job.effect.kind()).bind(None::<i64>).bind(job.effect.recipient()).bind(job.effect.payload())
                .bind(now).bind(job.effect.lane(None))
                .execute(p).await?;
            self.outbox_committed();
            Ok(())
        })
    }

    /// Marks a job delivered.
    pub async fn complete_outbox(&self, id: i64, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(COMPLETE).bind(id).bind(now).execute(p).await?;
            Ok(())
        })
    }

    /// Records a failed attempt: retried at `next_attempt_at`, or given up (`failed_at`) when `give_up`.
    pub async fn retry_outbox(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
        give_up: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(RETRY)
            .bind(id).bind(error).bind(next_attempt_at).bind(give_up).bind(now)
            .execute(p).await?;
            Ok(())
        })
    }

    /// Puts a rate-limited job back until `next_attempt_at` (when the platform said to come back). The
    /// attempt is not counted: the job itself did not fail.
    pub async fn defer_outbox(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(DEFER)
            .bind(id).bind(error).bind(next_attempt_at)
            .execute(p).await?;
            Ok(())
        })
    }

    /// The message id of the digest posted in `channel`, if any.
    pub async fn chat_digest(&self, channel: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT message_id FROM chat_digests WHERE channel_id = $1")
                .bind(channel).fetch_optional(p).await?;
            Ok(row.map(|r| r.try_get("message_id")).transpose()?)
        })
    }

    /// Automatic mail to one recipient since `since` (for the per-sender reply rate limit).
    pub async fn count_mail_to(&self, recipient: &str, since: i64) -> Result<i64, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'email' AND recipient = $1 AND created_at >= $2")
                .bind(recipient).bind(since).fetch_one(p).await?;
            Ok(row.try_get("n")?)
        })
    }

    /// Outbox rows, optionally only those still pending, oldest first.
    pub async fn outbox_rows(&self, pending_only: bool) -> Result<Vec<OutboxRow>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, kind, request_id, recipient, payload, attempts, last_error, done_at, failed_at FROM outbox \
                 WHERE (NOT $1) OR (done_at IS NULL AND failed_at IS NULL) ORDER BY id",
            )
            .bind(pending_only)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let payload: String = r.try_get("payload")?;
                let req: Option<i64> = r.try_get("request_id")?;
                out.push(OutboxRow {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    reference: req.map(to_ref).transpose()?,
                    recipient: r.try_get("recipient")?,
                    // Shown as stored: a payload that is not JSON (which the worker fails with its reason) is
                    // its raw text, so one corrupt row cannot hide the others.
                    payload: serde_json::from_str(&payload)
                        .unwrap_or(serde_json::Value::String(payload)),
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    done_at: r.try_get("done_at")?,
                    failed_at: r.try_get("failed_at")?,
                });
            }
            Ok(out)
        })
    }
}
