//! Bulk import of requests with their history (a city moving from an older system, or a benchmark's backlog):
//! thousands of rows per statement, each batch one transaction, bypassing the desk (nothing is sent).

use routing::{EventKind, RequestRef, Source};
use serde_json::{json, Value};
use sqlx::Row;

use super::place_keys::place_key;
use super::requests::to_ref;
use super::{on_pool, Backend, Request, Store, StoreError};

/// One request to import, as it stands, and the events of its history (`kind`, epoch ms), oldest first.
#[derive(Debug, Clone)]
pub struct ImportedRequest {
    /// Every column but `reference`, which the import assigns.
    pub request: Request,
    pub events: Vec<(EventKind, i64)>,
}

const COLUMNS: &str = "id, status, close_reason, department, category, language, priority, emergency, \
    location_text, location_norm, lat, lon, source, requester, requester_name, subject, description, decision, \
    linked_to, created_at, updated_at, acknowledged_at, closed_at, response_due_at, resolution_due_at, \
    place_key, reopened_count, next_sweep_at";

/// The PostgreSQL record type of one JSON row of `COLUMNS`.
const PG_RECORD: &str = "id bigint, status text, close_reason text, department text, category text, \
    language text, priority text, emergency text, location_text text, location_norm text, lat float8, lon float8, \
    source text, requester text, requester_name text, subject text, description text, decision text, \
    linked_to bigint, created_at bigint, updated_at bigint, acknowledged_at bigint, closed_at bigint, \
    response_due_at bigint, resolution_due_at bigint, place_key text, reopened_count bigint, next_sweep_at bigint";

const EVENT_COLUMNS: &str = "request_id, kind, actor, source, at, payload";
const PG_EVENT_RECORD: &str =
    "request_id bigint, kind text, actor text, source text, at bigint, payload text";

/// One row of `COLUMNS`. The maintained facts are derived as the migration that added them back-fills them.
fn request_json(id: i64, imported: &ImportedRequest) -> Value {
    let (r, events) = (&imported.request, &imported.events);
    let reopened = events
        .iter()
        .filter(|(k, _)| *k == EventKind::Reopened)
        .count();
    let next_sweep = r.status.is_active().then(|| match r.emergency {
        Some(_) => r.created_at,
        None => r.response_due_at.min(r.resolution_due_at),
    });
    json!({
        "place_key": place_key(r.location_norm.as_deref()), "reopened_count": reopened,
        "next_sweep_at": next_sweep,
        "id": id, "status": r.status.as_str(), "close_reason": r.close_reason.map(|c| c.as_str()),
        "department": r.department.as_str(), "category": r.category.as_ref().map(|c| c.as_str()),
        "language": r.language.as_str(), "priority": r.priority.as_str(),
        "emergency": r.emergency.map(|e| e.as_str()), "location_text": r.location_text,
        "location_norm": r.location_norm, "lat": r.lat, "lon": r.lon, "source": r.source.as_str(),
        "requester": r.requester, "requester_name": r.requester_name, "subject": r.subject,
        "description": r.description, "decision": r.decision.to_string(),
        "linked_to": r.linked_to.map(|l| l.number()), "created_at": r.created_at,
        "updated_at": r.updated_at, "acknowledged_at": r.acknowledged_at, "closed_at": r.closed_at,
        "response_due_at": r.response_due_at, "resolution_due_at": r.resolution_due_at,
    })
}

/// `INSERT INTO table (columns) SELECT ... FROM <the JSON array bound at $1>` for this dialect.
fn insert_from_json(backend: &Backend, table: &str, columns: &str, pg_record: &str) -> String {
    match backend {
        Backend::Sqlite(_) => {
            let picks: Vec<String> = columns
                .split(',')
                .map(|c| format!("json_extract(value, '$.{}')", c.trim()))
                .collect();
            format!(
                "INSERT INTO {table} ({columns}) SELECT {} FROM json_each($1)",
                picks.join(", ")
            )
        }
        Backend::Postgres(_) => format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM jsonb_to_recordset($1::jsonb) AS t({pg_record})"
        ),
    }
}

impl Store {
    /// Imports `batch` in one transaction; returns the references assigned, in order. A `linked_to` must name
    /// a request that already exists (imported earlier or in this batch before it).
    pub async fn import_requests(
        &self,
        batch: &[ImportedRequest],
    ) -> Result<Vec<RequestRef>, StoreError> {
        let requests_sql = insert_from_json(&self.backend, "requests", COLUMNS, PG_RECORD);
        let events_sql = insert_from_json(&self.backend, "events", EVENT_COLUMNS, PG_EVENT_RECORD);
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS top FROM requests").fetch_one(&mut *tx).await?;
            let top: i64 = row.try_get("top")?;
            let mut rows = Vec::with_capacity(batch.len());
            let mut events = Vec::new();
            for (i, imported) in batch.iter().enumerate() {
                let id = top + 1 + i as i64;
                rows.push(request_json(id, imported));
                for &(kind, at) in &imported.events {
                    events.push(json!({
                        "request_id": id, "kind": kind.as_str(), "actor": "import",
                        "source": Source::Cli.as_str(), "at": at, "payload": "{}",
                    }));
                }
            }
            sqlx::query(sqlx::AssertSqlSafe(requests_sql)).bind(Value::Array(rows).to_string()).execute(&mut *tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(events_sql)).bind(Value::Array(events).to_string()).execute(&mut *tx).await?;
            if matches!(self.backend, Backend::Postgres(_)) {
                sqlx::query("SELECT setval(pg_get_serial_sequence('requests', 'id'), (SELECT MAX(id) FROM requests))")
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            (1..=batch.len() as i64).map(|k| Ok(to_ref(top + k)?)).collect()
        })
    }

    /// After the last batch of an import: PostgreSQL's planner statistics brought up to date. Until they are
    /// (autovacuum's next round, or never when it is off) the planner takes freshly loaded tables for empty and
    /// reads every event to find one request's (sweeps, work orders). SQLite plans from its indexes alone.
    pub async fn finish_import(&self) -> Result<(), StoreError> {
        if let Backend::Postgres(p) = &self.backend {
            sqlx::query("ANALYZE requests, events").execute(p).await?;
        }
        Ok(())
    }
}
