//! The report's rows, streamed: only the columns a report reads, one row at a time, so a report over a large
//! history holds its running totals and never the rows themselves.

use futures::TryStreamExt;
use routing::report::ReportRequest;
use routing::{CloseReason, DepartmentId};
use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, Store, StoreError};

const REPORT_COLUMNS: &str = "id, department, category, language, created_at, acknowledged_at, closed_at, \
    close_reason, status, response_due_at, resolution_due_at, location_norm, linked_to, reopened_count, \
    EXISTS (SELECT 1 FROM internal_origins o WHERE o.request_id = requests.id) AS internal";

/// The two sets a report reads, each once: the period's requests (created in `[$1, $2)`), then the open
/// requests created outside the period (for the backlog). Both use an index on `created_at`.
const REPORT_QUERIES: [&str; 2] = [
    "created_at >= $1 AND created_at < $2",
    "status <> 'closed' AND (created_at < $1 OR created_at >= $2)",
];

macro_rules! report_row {
    ($row:expr) => {{
        let row = $row;
        let reference = to_ref(row.try_get("id")?)?;
        let decode = || -> anyhow::Result<ReportRequest> {
            let close_reason: Option<CloseReason> = row.try_get("close_reason")?;
            let linked: Option<i64> = row.try_get("linked_to")?;
            let reopened: i64 = row.try_get("reopened_count")?;
            Ok(ReportRequest {
                reference,
                department: row.try_get("department")?,
                category: row.try_get("category")?,
                language: row.try_get("language")?,
                created_ms: row.try_get("created_at")?,
                acknowledged_ms: row.try_get("acknowledged_at")?,
                closed_ms: row.try_get("closed_at")?,
                close_reason,
                status: row.try_get("status")?,
                response_due_ms: row.try_get("response_due_at")?,
                resolution_due_ms: row.try_get("resolution_due_at")?,
                location_norm: row.try_get("location_norm")?,
                duplicate_of: if close_reason == Some(CloseReason::Duplicate) {
                    linked.map(to_ref).transpose()?
                } else {
                    None
                },
                reopened_count: u32::try_from(reopened)?,
                internal: row.try_get("internal")?,
            })
        };
        decode().map_err(|e| StoreError::bad_row(format!("request {reference}"), e))?
    }};
}

impl Store {
    /// Calls `each` with every request created in `[from, to)` and every other request still open (of one
    /// department when given), each exactly once, in no particular order.
    pub async fn each_report_row(
        &self,
        from: i64,
        to: i64,
        department: Option<&DepartmentId>,
        mut each: impl FnMut(ReportRequest),
    ) -> Result<(), StoreError> {
        for filter in REPORT_QUERIES {
            let sql = format!(
                "SELECT {REPORT_COLUMNS} FROM requests WHERE {filter} AND ($3 IS NULL OR department = $3)"
            );
            on_pool!(self, p => {
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).bind(department).fetch(p);
                while let Some(row) = rows.try_next().await? {
                    each(report_row!(&row));
                }
            });
        }
        Ok(())
    }
}
