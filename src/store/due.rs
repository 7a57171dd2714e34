//! Indexed reads whose cost does not grow with the backlog: the duplicate candidates of a new report, the
//! requests the SLA sweeper owes something now (with their events, one query per batch), when each should be
//! looked at next, and the first overdue requests.

use std::collections::HashMap;

use routing::duplicates::Candidate;
use routing::{CategoryId, DepartmentId, RequestRef};
use sqlx::Row;

use super::requests::{
    event_from_row, fetch_requests, ref_id, request_from_row, to_ref, OVERDUE, REQUEST_COLUMNS,
};
use super::{on_pool, Backend, Event, Request, Store, StoreError};

/// Where a new report is, as the duplicate search asks: its canonical place key and/or a bounding box
/// (south, west, north, east in degrees) around its point.
#[derive(Debug, Clone)]
pub struct CandidateQuery {
    pub category: CategoryId,
    pub place_key: Option<String>,
    pub bbox: Option<[f64; 4]>,
    /// Created in `since..=until` (epoch ms).
    pub since: i64,
    pub until: i64,
    pub limit: i64,
}

const DUPLICATES_AT_PLACE: &str = "SELECT id, category, location_norm, lat, lon, created_at FROM requests \
    WHERE status <> 'closed' AND category = $1 AND created_at >= $2 AND created_at <= $3 AND place_key = $4 \
    ORDER BY created_at, id LIMIT $5";

/// The place-key arm (`requests_duplicate_place`) and the box arm (`requests_duplicate_box`, migration 0014),
/// each one index range, `UNION` dropping a request both find; one `OR` of the two would read every open
/// request of the category in the window. The order and limit apply outside the union: on the union itself
/// SQLite would merge two ordered arms and read the box arm in creation order, by the category's whole window.
const DUPLICATES_AT_PLACE_OR_BOX: &str = "SELECT * FROM (\
    SELECT id, category, location_norm, lat, lon, created_at FROM requests \
    WHERE status <> 'closed' AND category = $1 AND created_at >= $2 AND created_at <= $3 AND place_key = $4 \
    UNION \
    SELECT id, category, location_norm, lat, lon, created_at FROM requests \
    WHERE status <> 'closed' AND category = $1 AND created_at >= $2 AND created_at <= $3 \
    AND lat >= $5 AND lat <= $6 AND lon >= $7 AND lon <= $8\
    ) AS candidates ORDER BY created_at, id LIMIT $9";

impl CandidateQuery {
    /// The statement [`Store::duplicate_candidates`] runs for this query (its binds: category, since, until,
    /// place key, then south, north, west, east when there is a box, then the limit).
    pub fn statement(&self) -> &'static str {
        // Without a box, the place key alone: one exact range of `requests_duplicate_place`.
        match self.bbox {
            None => DUPLICATES_AT_PLACE,
            Some(_) => DUPLICATES_AT_PLACE_OR_BOX,
        }
    }
}

/// Where a sweep has got to: the `(next_sweep_at, id)` of the last request it read.
pub type SweepCursor = (i64, i64);

impl Store {
    /// Open requests of the category, created in the window, at the same place key or inside the box; oldest
    /// first, at most `limit`.
    pub async fn duplicate_candidates(
        &self,
        q: &CandidateQuery,
    ) -> Result<Vec<Candidate>, StoreError> {
        let sql = q.statement();
        on_pool!(self, p => {
            let query = sqlx::query(sql).bind(&q.category).bind(q.since).bind(q.until).bind(&q.place_key);
            let query = match q.bbox {
                None => query.bind(q.limit),
                Some([south, west, north, east]) => {
                    query.bind(south).bind(north).bind(west).bind(east).bind(q.limit)
                }
            };
            let rows = query.fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let reference = to_ref(r.try_get("id")?)?;
                let decode = || -> Result<Candidate, sqlx::Error> {
                    Ok(Candidate {
                        reference,
                        category: r.try_get("category")?,
                        location_norm: r.try_get("location_norm")?,
                        lat: r.try_get("lat")?,
                        lon: r.try_get("lon")?,
                        created_ms: r.try_get("created_at")?,
                    })
                };
                out.push(decode().map_err(|e| StoreError::bad_row(format!("request {reference}"), e.into()))?);
            }
            Ok(out)
        })
    }

    /// Up to `limit` active requests whose next sweep is due at `now`, after `cursor`, in `(next_sweep_at, id)`
    /// order, each with its place in that order (pass the last one back to read on).
    pub async fn sweep_due(
        &self,
        now: i64,
        cursor: Option<SweepCursor>,
        limit: i64,
    ) -> Result<Vec<(SweepCursor, Request)>, StoreError> {
        self.sweep_due_where("", now, cursor, limit).await
    }

    /// [`Store::sweep_due`] for the emergencies only (their own index): a sweep reads them first, so that a
    /// re-page never waits behind a backlog of ordinary work.
    pub async fn sweep_due_emergencies(
        &self,
        now: i64,
        cursor: Option<SweepCursor>,
        limit: i64,
    ) -> Result<Vec<(SweepCursor, Request)>, StoreError> {
        self.sweep_due_where("AND emergency IS NOT NULL", now, cursor, limit)
            .await
    }

    async fn sweep_due_where(
        &self,
        filter: &'static str,
        now: i64,
        cursor: Option<SweepCursor>,
        limit: i64,
    ) -> Result<Vec<(SweepCursor, Request)>, StoreError> {
        let (at, id) = cursor.unwrap_or((i64::MIN, 0));
        let sql = format!(
            "SELECT next_sweep_at, {REQUEST_COLUMNS} FROM requests WHERE next_sweep_at IS NOT NULL {filter} \
             AND next_sweep_at <= $1 AND (next_sweep_at > $2 OR (next_sweep_at = $2 AND id > $3)) \
             AND status <> 'closed' ORDER BY next_sweep_at, id LIMIT $4"
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(at).bind(id).bind(limit).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let next: i64 = row.try_get("next_sweep_at")?;
                let req = request_from_row!(row);
                out.push(((next, ref_id(req.reference)), req));
            }
            Ok(out)
        })
    }

    /// The events of each of `references`, oldest first, in one query.
    pub async fn events_of(
        &self,
        references: &[RequestRef],
    ) -> Result<HashMap<RequestRef, Vec<Event>>, StoreError> {
        let ids: Vec<i64> = references.iter().map(|r| ref_id(*r)).collect();
        let sql = format!(
            "SELECT id, request_id, kind, actor, source, at, payload FROM events \
             WHERE request_id IN ({}) ORDER BY request_id, id",
            self.json_array("$1", "bigint")
        );
        let ids = serde_json::Value::from(ids).to_string();
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(p).await?;
            let mut out: HashMap<RequestRef, Vec<Event>> = HashMap::with_capacity(references.len());
            for row in &rows {
                let reference = to_ref(row.try_get("request_id")?)?;
                out.entry(reference).or_default().push(event_from_row!(row, reference));
            }
            Ok(out)
        })
    }

    /// Records when the sweeper should next look at each request (`None`: not until it changes), for those
    /// still at the `updated_at` the sweep read: a request changed meanwhile is looked at again anyway.
    pub async fn schedule_sweeps(
        &self,
        looks: &[(RequestRef, i64, Option<i64>)],
    ) -> Result<(), StoreError> {
        if looks.is_empty() {
            return Ok(());
        }
        let rows: Vec<serde_json::Value> = looks
            .iter()
            .map(|&(r, updated, next)| serde_json::json!({ "id": ref_id(r), "updated": updated, "next_at": next }))
            .collect();
        let sql = match self.backend {
            Backend::Sqlite(_) => {
                "UPDATE requests SET next_sweep_at = j.next_at FROM (SELECT json_extract(value, '$.id') AS id, \
                 json_extract(value, '$.updated') AS updated, json_extract(value, '$.next_at') AS next_at \
                 FROM json_each($1)) AS j WHERE requests.id = j.id AND requests.updated_at = j.updated"
            }
            Backend::Postgres(_) => {
                "UPDATE requests SET next_sweep_at = j.next_at FROM jsonb_to_recordset($1::jsonb) \
                 AS j(id bigint, updated bigint, next_at bigint) WHERE requests.id = j.id AND requests.updated_at = j.updated"
            }
        };
        let rows = serde_json::Value::from(rows).to_string();
        on_pool!(self, p => {
            sqlx::query(sql).bind(rows).execute(p).await?;
            Ok(())
        })
    }

    /// Requests from email closed as resolved in `[since, until]` and not asked "Was it fixed?" since: those a
    /// follow-up may be due for. At most `limit`, in `(closed_at, id)` order after `after` (the last one read).
    pub async fn followup_candidates(
        &self,
        since: i64,
        until: i64,
        after: Option<(i64, RequestRef)>,
        limit: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let (after_at, after_id) = after.map_or((i64::MIN, 0), |(at, r)| (at, ref_id(r)));
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE status = 'closed' AND closed_at >= $1 AND closed_at <= $2 \
             AND (closed_at > $3 OR (closed_at = $3 AND id > $4)) \
             AND close_reason = 'resolved' AND source = 'email' AND NOT EXISTS (SELECT 1 FROM events e \
             WHERE e.request_id = requests.id AND e.kind = 'followup_sent' AND e.at >= requests.closed_at) \
             ORDER BY closed_at, id LIMIT $5"
        );
        fetch_requests!(self, sql, since, until, after_at, after_id, limit)
    }

    /// The first `limit` overdue requests (see `OVERDUE`), optionally of one department, oldest first.
    pub async fn overdue_first(
        &self,
        now: i64,
        department: Option<&DepartmentId>,
        limit: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE {OVERDUE} AND ($2 IS NULL OR department = $2) \
             ORDER BY created_at, id LIMIT $3"
        );
        fetch_requests!(self, sql, now, department, limit)
    }
}
