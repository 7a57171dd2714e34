//! Claiming the outbox's due lane heads: found by a skip scan of the pending rows' lane index (one index seek
//! per lane), so a claim never reads the rows waiting behind their heads (thousands of cards queued on a
//! handful of department channels after a backlog). The lanes are served in turn: each claim's walk starts
//! after the lane the last one ended at and stops once it has found a batch, so a claim costs the batch, not
//! the number of lanes (a backlog leaves a lane per request with mail to send), and every lane with a due head
//! is served within one turn of the lanes.

use sqlx::Row;

use super::super::requests::to_ref;
use super::super::{on_pool, Backend, OutboxJob, Store, StoreError};
use crate::effect::Effect;

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

/// A recursive walk of the partial index `outbox_lane_pending (lane, id)` over the lanes `$start` (`> $4`, or
/// `>= ''` for all), each step one seek to the first pending row (the head) of the next lane, as
/// `walk(lane, id, found)`: `found` sums `$count` over the heads passed, and the walk goes on while `$go_on`
/// holds of the last one. `heads(id)` is its heads, with every row without a lane (none is written so; kept for
/// safety) as a lane of its own.
macro_rules! walk {
    ($hint:literal, $start:expr, $count:expr, $go_on:expr) => {concat!(
        "WITH RECURSIVE walk(lane, id, found) AS (\
           SELECT n.lane, n.id, ", $count, " FROM outbox n WHERE n.id = (\
             SELECT x.id FROM outbox x ", $hint, " WHERE x.done_at IS NULL AND x.failed_at IS NULL AND x.lane ", $start, " \
             ORDER BY x.lane, x.id LIMIT 1) \
           UNION ALL \
           SELECT n.lane, n.id, w.found + ", $count, " FROM walk w JOIN outbox n ON n.id = (\
             SELECT x.id FROM outbox x ", $hint, " WHERE x.done_at IS NULL AND x.failed_at IS NULL AND x.lane > w.lane \
             ORDER BY x.lane, x.id LIMIT 1) \
           WHERE ", $go_on, "\
         ), heads(id) AS (\
           SELECT id FROM walk \
           UNION ALL SELECT u.id FROM outbox u WHERE u.lane IS NULL AND u.done_at IS NULL AND u.failed_at IS NULL\
         ) ")
    };
}

/// The head (oldest undone row) of every lane with pending rows, as `heads(id)`.
macro_rules! heads {
    ($hint:literal) => {
        walk!($hint, ">= ''", "0", "true")
    };
}

/// SQLite's planner, without statistics, would rather read every pending row through `outbox_due` and sort
/// them at each step; the walk is only a walk on the lane index.
macro_rules! sqlite_heads {
    () => {
        heads!("INDEXED BY outbox_lane_pending")
    };
}

/// Whether outbox row `$r` is claimable now (`$1`): due, and not leased.
macro_rules! claimable {
    ($r:literal) => {
        concat!(
            $r,
            ".next_attempt_at <= $1 AND (",
            $r,
            ".locked_until IS NULL OR ",
            $r,
            ".locked_until < $1)"
        )
    };
}

/// The lane heads from the lane after `$4` on, in lane order: the walk of [`heads!`], counting the claimable
/// heads it passes (`found`) and stopping at the `$3`-th. The first turn starts after the empty text: no lane
/// is empty (`Effect::lane` and `INSERT_OUTBOX` always name one). Rows without a lane join every turn.
macro_rules! turn {
    ($hint:literal) => {
        walk!(
            $hint,
            "> $4",
            concat!("CASE WHEN ", claimable!("n"), " THEN 1 ELSE 0 END"),
            "w.found < $3"
        )
    };
}

/// The claimable heads of the turn, at most `$3`, oldest due first.
macro_rules! picked {
    () => {
        concat!(
            "SELECT o.id FROM heads h JOIN outbox o ON o.id = h.id WHERE ",
            claimable!("o"),
            " ORDER BY o.next_attempt_at, o.id LIMIT $3"
        )
    };
}

/// The columns a claim returns: the job, and its lane (where the next claim's walk starts).
macro_rules! claimed_columns {
    () => {
        "RETURNING outbox.id, outbox.kind, outbox.request_id, outbox.recipient, outbox.payload, outbox.attempts, \
         outbox.lane"
    };
}

/// SQLite serialises writers, so one `UPDATE` over the picked ids is the whole claim.
const CLAIM_SQLITE: &str = concat!(
    "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id IN (",
    turn!("INDEXED BY outbox_lane_pending"),
    picked!(),
    ") ",
    claimed_columns!()
);

/// PostgreSQL: the heads are locked as they are picked and rows another instance is claiming are skipped;
/// the CTE makes the pick run once.
const CLAIM_POSTGRES: &str = concat!(
    turn!(""),
    ", picked AS (",
    picked!(),
    " FOR UPDATE OF o SKIP LOCKED) UPDATE outbox SET locked_until = $2, attempts = outbox.attempts + 1 \
     FROM picked WHERE outbox.id = picked.id ",
    claimed_columns!()
);

/// When the earliest lane head not claimable now becomes claimable: its due time, or the end of the lease
/// another worker holds on it.
macro_rules! next_due {
    () => {
        "SELECT MIN(CASE WHEN o.locked_until > o.next_attempt_at THEN o.locked_until \
         ELSE o.next_attempt_at END) AS due FROM heads h JOIN outbox o ON o.id = h.id"
    };
}
const NEXT_DUE_SQLITE: &str = concat!(sqlite_heads!(), next_due!());
const NEXT_DUE_POSTGRES: &str = concat!(heads!(""), next_due!());

/// The claim's and the next-due look-up's statements on SQLite (`$1` now, `$2` lease end, `$3` limit, `$4` the
/// lane to start after), for query-plan checks.
pub fn sqlite_claim_statements() -> [&'static str; 2] {
    [CLAIM_SQLITE, NEXT_DUE_SQLITE]
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

    /// Claims up to `limit` due lane heads (at most one row per lane) for `lease_ms`, the lanes in turn (see
    /// the module's note): one statement, and a second when the turn reaches the last lane and goes on from
    /// the first. Two workers, in one process or two, never get the same row: SQLite serialises the claims,
    /// PostgreSQL skips the rows another claim holds locked.
    pub async fn claim_outbox_batch(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxJob>, StoreError> {
        let after = self.claim_cursor.lock().expect("claim cursor").clone();
        let (mut jobs, mut end) = self.claim_turn(now, lease_ms, limit, &after).await?;
        let short = limit - i64::try_from(jobs.len()).unwrap_or(limit);
        if short > 0 && !after.is_empty() {
            let (more, wrapped_end) = self.claim_turn(now, lease_ms, short, "").await?;
            jobs.extend(more);
            end = wrapped_end.or(end);
        }
        *self.claim_cursor.lock().expect("claim cursor") = end.unwrap_or_default();
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// One claim from the lane after `after` on; returns the jobs and the last lane claimed. "Last" is taken in
    /// byte order: SQLite's order, and PostgreSQL's under a C collation (the tests' databases); under another
    /// collation the lanes as written (lowercase ASCII) sort alike in practice, and a difference would only
    /// move where the next turn starts, never lose or double a row.
    async fn claim_turn(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
        after: &str,
    ) -> Result<(Vec<OutboxJob>, Option<String>), StoreError> {
        let sql = match self.backend {
            Backend::Sqlite(_) => CLAIM_SQLITE,
            Backend::Postgres(_) => CLAIM_POSTGRES,
        };
        on_pool!(self, p => {
            let rows = sqlx::query(sql).bind(now).bind(now + lease_ms).bind(limit).bind(after).fetch_all(p).await?;
            let mut end: Option<String> = None;
            let mut jobs = Vec::with_capacity(rows.len());
            for r in &rows {
                let lane: Option<String> = r.try_get("lane")?;
                if lane > end {
                    end = lane;
                }
                jobs.push(job_from_row!(r)?);
            }
            Ok((jobs, end))
        })
    }

    /// When the next lane head becomes claimable (due, or its lease over), if any row is pending.
    pub async fn next_outbox_due(&self) -> Result<Option<i64>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite(_) => NEXT_DUE_SQLITE,
            Backend::Postgres(_) => NEXT_DUE_POSTGRES,
        };
        on_pool!(self, p => {
            let row = sqlx::query(sql).fetch_one(p).await?;
            Ok(row.try_get("due")?)
        })
    }
}
