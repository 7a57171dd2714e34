//! The outbox: durable outbound effects, claimed with a lease (SQLite) or SKIP LOCKED (PostgreSQL), retried
//! with exponential backoff, never dropped silently.

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Backend, OutboxJob, OutboxRow, Store, StoreError};
use crate::effect::Effect;

/// The oldest undone row of each lane is its head; only a due head is claimed, so a row waiting (on a rate
/// limit, a backoff) holds back the rest of its own lane and nothing else. A lane has one head, so a batch of
/// heads holds at most one row per lane and order within a lane is kept however many are claimed at once.
macro_rules! claimable {
    () => {
        "SELECT o.id FROM outbox o WHERE o.done_at IS NULL AND o.failed_at IS NULL \
     AND o.next_attempt_at <= $1 AND (o.locked_until IS NULL OR o.locked_until < $1) \
     AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane AND e.id < o.id \
                     AND e.done_at IS NULL AND e.failed_at IS NULL) \
     ORDER BY o.next_attempt_at, o.id LIMIT $3"
    };
}

/// SQLite serialises writers, so one `UPDATE` over the picked ids is the whole claim.
const CLAIM_SQLITE: &str = concat!(
    "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id IN (",
    claimable!(),
    ") RETURNING id, kind, request_id, recipient, payload, attempts"
);

/// PostgreSQL: the heads are locked as they are picked and rows another instance is claiming are skipped;
/// the CTE makes the pick run once.
const CLAIM_POSTGRES: &str = concat!(
    "WITH picked AS (",
    claimable!(),
    " FOR UPDATE SKIP LOCKED) UPDATE outbox SET locked_until = $2, attempts = outbox.attempts + 1 \
     FROM picked WHERE outbox.id = picked.id \
     RETURNING outbox.id, outbox.kind, outbox.request_id, outbox.recipient, outbox.payload, outbox.attempts"
);

/// When the earliest lane head not claimable now becomes claimable: its due time, or the end of the lease
/// another worker holds on it.
const NEXT_DUE: &str = "SELECT MIN(CASE WHEN o.locked_until > o.next_attempt_at THEN o.locked_until \
     ELSE o.next_attempt_at END) AS due FROM outbox o WHERE o.done_at IS NULL AND o.failed_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.lane = o.lane AND e.id < o.id \
                     AND e.done_at IS NULL AND e.failed_at IS NULL)";

const COMPLETE: &str =
    "UPDATE outbox SET done_at = $2, locked_until = NULL, last_error = NULL WHERE id = $1";
const RETRY: &str =
    "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
     failed_at = CASE WHEN $4 THEN $5 ELSE NULL END WHERE id = $1";
const DEFER: &str =
    "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
     attempts = attempts - 1 WHERE id = $1";

/// A claimed row (of either backend) as a job; a payload that does not decode is the job's error, not the
/// claim's.
macro_rules! job_from_row {
    ($r:expr) => {{
        let r = $r;
        let id: i64 = r.try_get("id")?;
        let kind: String = r.try_get("kind")?;
        let payload: String = r.try_get("payload")?;
        let req: Option<i64> = r.try_get("request_id")?;
        Ok::<_, StoreError>(OutboxJob {
            id,
            reference: req.map(to_ref).transpose()?,
            recipient: r.try_get("recipient")?,
            effect: Effect::decode(id, &kind, &payload),
            attempts: r.try_get("attempts")?,
        })
    }};
}

/// What became of one claimed job; a batch's outcomes are recorded together in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxOutcome {
    /// Delivered at `at`.
    Delivered { id: i64, at: i64 },
    /// Failed: tried again at `next_attempt_at`, or given up at `now` when `give_up`.
    Failed {
        id: i64,
        error: String,
        next_attempt_at: i64,
        give_up: bool,
        now: i64,
    },
    /// Rate-limited: back at `next_attempt_at` (when the platform said), the attempt not counted.
    Deferred {
        id: i64,
        error: String,
        next_attempt_at: i64,
    },
}

/// Queues one effect (`$6` its lane, see [`Effect::lane`]). An effect that follows the request's card
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
    /// Claims the next due job for `lease_ms`; a crashed worker's lease simply expires and the job is retried.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<OutboxJob>, StoreError> {
        Ok(self.claim_outbox_batch(now, lease_ms, 1).await?.pop())
    }

    /// Claims up to `limit` due lane heads (at most one row per lane) for `lease_ms`, in ONE statement,
    /// oldest due first. Two workers, in one process or two, never get the same row: SQLite serialises the
    /// claims, PostgreSQL skips the rows another claim holds locked.
    pub async fn claim_outbox_batch(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxJob>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_SQLITE,
            Backend::Postgres(_) => CLAIM_POSTGRES,
        };
        let rows = on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(now).bind(now + lease_ms).bind(limit).fetch_all(p).await?;
            rows.iter().map(|r| job_from_row!(r)).collect::<Result<Vec<_>, StoreError>>()
        });
        let mut jobs = rows?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// When the next lane head becomes claimable (due, or its lease over), if any row is pending.
    pub async fn next_outbox_due(&self) -> Result<Option<i64>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query(NEXT_DUE).fetch_one(p).await?;
            Ok(row.try_get("due")?)
        })
    }

    /// Records the outcomes of a batch of claimed jobs in ONE transaction.
    pub async fn record_outbox_outcomes(
        &self,
        outcomes: &[OutboxOutcome],
    ) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for o in outcomes {
                let q = match o {
                    OutboxOutcome::Delivered { id, at } => sqlx::query(COMPLETE).bind(*id).bind(*at),
                    OutboxOutcome::Failed { id, error, next_attempt_at, give_up, now } => sqlx::query(RETRY)
                        .bind(*id).bind(error.as_str()).bind(*next_attempt_at).bind(*give_up).bind(*now),
                    OutboxOutcome::Deferred { id, error, next_attempt_at } => sqlx::query(DEFER)
                        .bind(*id).bind(error.as_str()).bind(*next_attempt_at),
                };
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

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
