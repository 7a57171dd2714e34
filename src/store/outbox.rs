//! The outbox: durable outbound effects, claimed with a lease (SQLite) or SKIP LOCKED (PostgreSQL), retried
//! with exponential backoff, never dropped silently.

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Backend, OutboxJob, OutboxRow, Store, StoreError};
use crate::effect::Effect;

const CLAIM_SQLITE: &str = "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM outbox WHERE done_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
                 AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at, id LIMIT 1) \
     RETURNING id, kind, request_id, recipient, payload, attempts";

const CLAIM_POSTGRES: &str = "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM outbox WHERE done_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
                 AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, request_id, recipient, payload, attempts";

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
            sqlx::query("INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at) VALUES ($1, NULL, $2, $3, $4, $4)")
                .bind(job.effect.kind()).bind(job.effect.recipient()).bind(job.effect.payload()).bind(now)
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
