//! The public dashboard's aggregates, computed in SQL (GROUP BY and window functions over the indexed creation
//! window), so that a database of a million requests answers with a few dozen rows and no row is loaded into
//! memory. The figures follow the manager's report (`routing::report`): a close without an acknowledgement is
//! the response, duplicates count in volume but not in timings or SLA, a target is met when done by its due time,
//! missed when done later or overdue now, pending otherwise; medians are nearest-rank (the lower middle value).
//! Only public requests count: no emergencies, no internal requests unless their category is published.

use anyhow::Context;
use routing::{CategoryId, DepartmentId};
use sqlx::Row;

use super::{on_pool, Backend, Store, StoreError};

/// One day in milliseconds (backlog ages).
const DAY_MS: i64 = 86_400_000;
/// Backlog age buckets' lower bounds in days, as the report's: `<1d`, `1-3d`, `3-7d`, `7-30d`, `>30d`.
pub const BACKLOG_BUCKET_DAYS: [i64; 5] = [0, 1, 3, 7, 30];

/// The requests a dashboard describes: created in `[from, to)`, judged as things stand at `now`.
#[derive(Debug, Clone)]
pub struct DashboardScope {
    pub from: i64,
    pub to: i64,
    pub now: i64,
    /// Categories whose internal requests the city publishes; other internal requests are left out.
    pub published_internal: Vec<CategoryId>,
}

/// Met, missed and pending counts of one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaTally {
    pub met: i64,
    pub missed: i64,
    pub pending: i64,
}

impl SlaTally {
    /// Adds another tally to this one.
    pub fn add(&mut self, o: &SlaTally) {
        self.met += o.met;
        self.missed += o.missed;
        self.pending += o.pending;
    }

    /// met / (met + missed) × 100, or `None` when nothing was judged yet.
    pub fn percent(&self) -> Option<f64> {
        let judged = self.met + self.missed;
        (judged > 0).then(|| self.met as f64 * 100.0 / judged as f64)
    }
}

/// The figures of one department and category in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupFigures {
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub volume: i64,
    pub duplicates: i64,
    pub response: SlaTally,
    pub resolution: SlaTally,
}

/// What a median groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MedianBy {
    Department,
    Category,
    All,
}

/// Which milestone a median measures the time to (from creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    Acknowledged,
    Closed,
}

/// The median wall-clock time to a milestone in one group (`key` is `None` for requests without a category,
/// and for [`MedianBy::All`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedianFigure {
    pub key: Option<String>,
    pub count: i64,
    pub median_ms: i64,
}

/// One week of the window: requests received, and the response target's tally for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekFigures {
    pub start: i64,
    pub volume: i64,
    pub response: SlaTally,
}

/// Open public requests of one department by age bucket (indexes of [`BACKLOG_BUCKET_DAYS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacklogRow {
    pub department: DepartmentId,
    pub buckets: [i64; BACKLOG_BUCKET_DAYS.len()],
}

/// The window's requests with what is known of them at `$3`: `ack_k` (the acknowledgement or, earlier or
/// alone, the close) and `closed_k`. `$1`, `$2`: the window; `$4`: the published internal categories.
fn known_rows(published: &str) -> String {
    format!(
        "WITH base AS (SELECT r.department, r.category, r.created_at, r.response_due_at, r.resolution_due_at, \
           CASE WHEN r.close_reason = 'duplicate' THEN 1 ELSE 0 END AS dup, \
           CASE WHEN r.status = 'closed' AND r.closed_at <= $3 THEN r.closed_at END AS closed_k, \
           CASE WHEN r.acknowledged_at <= $3 THEN r.acknowledged_at END AS acked_k \
         FROM requests r WHERE r.created_at >= $1 AND r.created_at < $2 AND {} ), \
         k AS (SELECT department, category, created_at, response_due_at, resolution_due_at, dup, closed_k, \
           CASE WHEN acked_k IS NULL THEN closed_k WHEN closed_k IS NULL OR acked_k <= closed_k THEN acked_k \
           ELSE closed_k END AS ack_k FROM base)",
        public_only(published)
    )
}

/// The public-request condition on `requests r`, the published categories being the rows of `published`.
fn public_only(published: &str) -> String {
    format!(
        "r.emergency IS NULL AND (NOT EXISTS (SELECT 1 FROM internal_origins io WHERE io.request_id = r.id) \
         OR r.category IN ({published}))"
    )
}

/// `SUM`s of met, missed and pending for the target `due` reached at `done` (duplicates left out), named
/// `{name}_met`, `{name}_missed`, `{name}_pending`.
fn sla_sums(done: &str, due: &str, name: &str) -> String {
    format!(
        "COALESCE(SUM(CASE WHEN k.dup = 0 AND k.{done} IS NOT NULL AND k.{done} <= k.{due} THEN 1 ELSE 0 END), 0) AS {name}_met, \
         COALESCE(SUM(CASE WHEN k.dup = 0 AND ((k.{done} IS NOT NULL AND k.{done} > k.{due}) \
           OR (k.{done} IS NULL AND k.{due} < $3)) THEN 1 ELSE 0 END), 0) AS {name}_missed, \
         COALESCE(SUM(CASE WHEN k.dup = 0 AND k.{done} IS NULL AND k.{due} >= $3 THEN 1 ELSE 0 END), 0) AS {name}_pending"
    )
}

macro_rules! sla_from_row {
    ($r:expr, $name:literal) => {
        SlaTally {
            met: $r.try_get(concat!($name, "_met"))?,
            missed: $r.try_get(concat!($name, "_missed"))?,
            pending: $r.try_get(concat!($name, "_pending"))?,
        }
    };
}

impl Store {
    fn published_json(&self, scope: &DashboardScope) -> Result<String, StoreError> {
        Ok(serde_json::to_string(&scope.published_internal).context("published categories")?)
    }

    /// Volume, duplicates and SLA tallies per department and category, in id order.
    pub async fn dashboard_groups(
        &self,
        scope: &DashboardScope,
    ) -> Result<Vec<GroupFigures>, StoreError> {
        let sql = format!(
            "{} SELECT k.department, k.category, COUNT(*) AS volume, COALESCE(SUM(k.dup), 0) AS duplicates, {}, {} \
             FROM k GROUP BY k.department, k.category ORDER BY k.department, k.category",
            known_rows(&self.json_array("$4", "text")),
            sla_sums("ack_k", "response_due_at", "response"),
            sla_sums("closed_k", "resolution_due_at", "resolution"),
        );
        let published = self.published_json(scope)?;
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(scope.from).bind(scope.to).bind(scope.now).bind(published)
                .fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(GroupFigures {
                    department: r.try_get("department")?,
                    category: r.try_get("category")?,
                    volume: r.try_get("volume")?,
                    duplicates: r.try_get("duplicates")?,
                    response: sla_from_row!(r, "response"),
                    resolution: sla_from_row!(r, "resolution"),
                });
            }
            Ok(out)
        })
    }

    /// The nearest-rank median of the wall-clock time from creation to `milestone`, per group (duplicates and
    /// requests not there yet left out). The database ranks the values; only one row per group comes back.
    pub async fn dashboard_medians(
        &self,
        scope: &DashboardScope,
        by: MedianBy,
        milestone: Milestone,
    ) -> Result<Vec<MedianFigure>, StoreError> {
        let key = match by {
            MedianBy::Department => "k.department",
            MedianBy::Category => "k.category",
            MedianBy::All => "CAST(NULL AS TEXT)",
        };
        let done = match milestone {
            Milestone::Acknowledged => "k.ack_k",
            Milestone::Closed => "k.closed_k",
        };
        let sql = format!(
            "{}, d AS (SELECT {key} AS g, {done} - k.created_at AS v FROM k WHERE k.dup = 0 AND {done} IS NOT NULL), \
             ranked AS (SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn, \
               COUNT(*) OVER (PARTITION BY g) AS n FROM d) \
             SELECT g, v, n FROM ranked WHERE rn = (n + 1) / 2 ORDER BY g",
            known_rows(&self.json_array("$4", "text")),
        );
        let published = self.published_json(scope)?;
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(scope.from).bind(scope.to).bind(scope.now).bind(published)
                .fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(MedianFigure {
                    key: r.try_get("g")?,
                    count: r.try_get("n")?,
                    median_ms: r.try_get("v")?,
                });
            }
            Ok(out)
        })
    }

    /// Per week (`[start, end)` pairs, in order, inside the window): requests received and their response tally.
    pub async fn dashboard_weeks(
        &self,
        scope: &DashboardScope,
        weeks: &[(i64, i64)],
    ) -> Result<Vec<WeekFigures>, StoreError> {
        let week_rows = match self.backend {
            Backend::Sqlite(_) => {
                "SELECT CAST(json_extract(value, '$[0]') AS INTEGER) AS lo, \
                CAST(json_extract(value, '$[1]') AS INTEGER) AS hi FROM json_each($5)"
            }
            Backend::Postgres(_) => {
                "SELECT (e->>0)::bigint AS lo, (e->>1)::bigint AS hi \
                FROM jsonb_array_elements($5::jsonb) AS t(e)"
            }
        };
        let sql = format!(
            "{}, w AS ({week_rows}) SELECT w.lo AS lo, COUNT(k.created_at) AS volume, {} \
             FROM w LEFT JOIN k ON k.created_at >= w.lo AND k.created_at < w.hi GROUP BY w.lo ORDER BY w.lo",
            known_rows(&self.json_array("$4", "text")),
            sla_sums("ack_k", "response_due_at", "response"),
        );
        let published = self.published_json(scope)?;
        let weeks = serde_json::to_string(weeks).context("weeks")?;
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(scope.from).bind(scope.to).bind(scope.now).bind(published).bind(weeks)
                .fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(WeekFigures {
                    start: r.try_get("lo")?,
                    volume: r.try_get("volume")?,
                    response: sla_from_row!(r, "response"),
                });
            }
            Ok(out)
        })
    }

    /// Every open public request (whenever created) by department and age at `scope.now`, in department order.
    pub async fn dashboard_backlog(
        &self,
        scope: &DashboardScope,
    ) -> Result<Vec<BacklogRow>, StoreError> {
        let [_, b1, b2, b3, b4] = BACKLOG_BUCKET_DAYS.map(|d| d * DAY_MS);
        let sql = format!(
            "SELECT r.department AS department, CASE WHEN $1 - r.created_at >= {b4} THEN 4 \
               WHEN $1 - r.created_at >= {b3} THEN 3 WHEN $1 - r.created_at >= {b2} THEN 2 \
               WHEN $1 - r.created_at >= {b1} THEN 1 ELSE 0 END AS bucket, COUNT(*) AS n \
             FROM requests r WHERE r.status <> 'closed' AND r.created_at <= $1 AND {} \
             GROUP BY r.department, bucket ORDER BY r.department, bucket",
            public_only(&self.json_array("$2", "text")),
        );
        let published = self.published_json(scope)?;
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(scope.now).bind(published)
                .fetch_all(p).await?;
            let mut out: Vec<BacklogRow> = Vec::new();
            for r in &rows {
                let department: DepartmentId = r.try_get("department")?;
                let bucket: i32 = r.try_get("bucket")?;
                let n: i64 = r.try_get("n")?;
                if out.last().is_none_or(|l| l.department != department) {
                    out.push(BacklogRow { department, buckets: [0; BACKLOG_BUCKET_DAYS.len()] });
                }
                let last = out.last_mut().expect("pushed above");
                let i = usize::try_from(bucket).ok().filter(|&i| i < last.buckets.len())
                    .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("backlog bucket {bucket}")))?;
                last.buckets[i] = n;
            }
            Ok(out)
        })
    }
}
