//! The outbox: durable outbound effects, claimed with a lease (SQLite) or SKIP LOCKED (PostgreSQL), retried
//! with exponential backoff, never dropped silently.

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Backend, OutboxJob, OutboxRow, Store, StoreError};
use crate::effect::Effect;

/// The oldest undone row of each lane is its head; only a due head is claimed, so a row waiting (on a rate
/// limit, a backoff) holds back the rest of its own lane and nothing else. A row without a lane is its own.
macro_rules! claimable {
    () => {
        "SELECT o.id FROM outbox o WHERE o.done_at IS NULL AND o.failed_at IS NULL \
     AND o.next_attempt_at <= $1 AND (o.locked_until IS NULL OR o.locked_until < $1) \
     AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane AND e.id < o.id \
                     AND e.done_at IS NULL AND e.failed_at IS NULL) \
     ORDER BY o.next_attempt_at, o.id LIMIT 1"
    };
}

const CLAIM_SQLITE: &str = concat!(
    "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id = (",
    claimable!(),
    ") RETURNING id, kind, request_id, recipient, payload, attempts"
);

const CLAIM_POSTGRES: &str = concat!(
    "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id = (",
    claimable!(),
    " FOR UPDATE SKIP LOCKED) RETURNING id, kind, request_id, recipient, payload, attempts"
);

/// Queues one effect (`$6` its lane, see [`Effect::lane`]). An effect that follows the request's card
/// joins the lane of the card's latest post, so an edit never overtakes the post it edits.
pub(super) const INSERT_OUTBOX: &str = "INSERT INTO outbox \
     (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
     VALUES ($1, $2, $3, $4, $5, $5, COALESCE($6, \
       (SELECT p.lane FROM outbox p WHERE p.request_id = $2 AND p.kind = 'chat_work_order' ORDER BY p.id DESC LIMIT 1), \
       'chat:request:' || CAST($2 AS TEXT)))";

impl Store {
    /// Claims the next due job for `lease_ms`; a crashed worker's lease simply expires and the job is retried.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<OutboxJob>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_SQLITE,
            Backend::Postgres(_) => CLAIM_POSTGRES,
        };
        on_pool!(self, p => {
            let row = sqlx::query(sql).bind(now).bind(now + lease_ms).fetch_optional(p).await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let id: i64 = r.try_get("id")?;
                    let kind: String = r.try_get("kind")?;
                    let payload: String = r.try_get("payload")?;
                    let req: Option<i64> = r.try_get("request_id")?;
                    Ok(Some(OutboxJob {
                        id,
                        reference: req.map(to_ref).transpose()?,
                        recipient: r.try_get("recipient")?,
                        effect: Effect::decode(id, &kind, &payload),
                        attempts: r.try_get("attempts")?,
                    }))
                }
            }
        })
    }

    /// Queues an outbound effect that belongs to no request (e.g. the weekly scorecard).
    pub async fn enqueue(&self, job: &super::NewOutbox, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(INSERT_OUTBOX)
                .bind(job.effect.kind()).bind(None::<i64>).bind(job.effect.recipient()).bind(job.effect.payload())
                .bind(now).bind(job.effect.lane(None))
                .execute(p).await?;
            Ok(())
        })
    }

    /// Marks a job delivered.
    pub async fn complete_outbox(&self, id: i64, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE outbox SET done_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1")
                .bind(id).bind(now).execute(p).await?;
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
            sqlx::query(
                "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
                 failed_at = CASE WHEN $4 THEN $5 ELSE NULL END WHERE id = $1",
            )
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
            sqlx::query(
                "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
                 attempts = attempts - 1 WHERE id = $1",
            )
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

    /// Remembers the digest message of `channel` (replacing an earlier one).
    pub async fn record_chat_digest(
        &self,
        channel: &str,
        message_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO chat_digests (channel_id, message_id, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (channel_id) DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at",
            )
            .bind(channel).bind(message_id).bind(now)
            .execute(p).await?;
            Ok(())
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
