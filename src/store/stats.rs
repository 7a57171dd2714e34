//! Counts for monitoring: requests by status and department, the outbox backlog, overdue work. Read-only,
//! one statement each, the same SQL on SQLite and PostgreSQL.

use routing::{DepartmentId, Status};
use sqlx::Row;

use super::{on_pool, Store, StoreError};

/// How many requests have one status in one department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCount {
    pub status: Status,
    pub department: DepartmentId,
    pub count: i64,
}

/// The outbox backlog at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Not delivered yet and not given up (due now or waiting for a retry).
    pub pending: i64,
    /// Given up after the last attempt (or a permanent error).
    pub failed: i64,
    /// `created_at` of the oldest pending row, if any.
    pub oldest_pending_created_at: Option<i64>,
}

impl Store {
    /// Request counts grouped by status and department (only groups that have requests).
    pub async fn request_counts(&self) -> Result<Vec<RequestCount>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT status, department, COUNT(*) AS n FROM requests GROUP BY status, department ORDER BY department, status",
            )
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(RequestCount {
                    status: r.try_get("status")?,
                    department: r.try_get("department")?,
                    count: r.try_get("n")?,
                });
            }
            Ok(out)
        })
    }

    /// Pending and failed outbox rows, and when the oldest pending one was queued.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        on_pool!(self, p => {
            let r = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND failed_at IS NULL) AS pending, \
                        (SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL) AS failed, \
                        (SELECT MIN(created_at) FROM outbox WHERE done_at IS NULL AND failed_at IS NULL) AS oldest",
            )
            .fetch_one(p)
            .await?;
            Ok(OutboxStats {
                pending: r.try_get("pending")?,
                failed: r.try_get("failed")?,
                oldest_pending_created_at: r.try_get("oldest")?,
            })
        })
    }

    /// Active requests past their resolution target (or, unacknowledged, their response target) at `now`, by
    /// department (the rule in `requests::OVERDUE`).
    pub async fn overdue_counts(&self, now: i64) -> Result<Vec<(DepartmentId, i64)>, StoreError> {
        on_pool!(self, p => {
            let sql = format!(
                "SELECT department, COUNT(*) AS n FROM requests WHERE {} GROUP BY department ORDER BY department",
                super::requests::OVERDUE
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get("department")?, r.try_get("n")?));
            }
            Ok(out)
        })
    }
}
