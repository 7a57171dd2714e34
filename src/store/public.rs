//! The public read side (Open311): requests as the public may see them. The projection never selects the
//! requester's address, internal events or the routing decision, and leaves emergencies out entirely, as well as
//! internal requests between departments (unless their category is published).

use anyhow::Context;
use routing::{CategoryId, DepartmentId, RequestRef, Status};
use sqlx::Row;

use super::requests::{ref_id, to_ref};
use super::{on_pool, Backend, Store, StoreError};

/// `open` (open, acknowledged or reopened) or `closed`, as Open311 sees a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicStatus {
    Open,
    Closed,
}

/// Which public requests to list. Every set field narrows the result; newest first, at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub references: Vec<RequestRef>,
    pub categories: Vec<CategoryId>,
    /// The responsible departments (any of them); empty for every department.
    pub departments: Vec<DepartmentId>,
    /// Created at or after (epoch ms).
    pub created_from: Option<i64>,
    /// Created at or before (epoch ms).
    pub created_to: Option<i64>,
    pub status: Option<PublicStatus>,
    pub limit: i64,
    /// Rows of the result to skip (paging).
    pub offset: i64,
    /// Categories whose internal (department-to-department) requests the city publishes; every other internal
    /// request is left out.
    pub published_internal: Vec<CategoryId>,
}

/// A request's public columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRequest {
    pub reference: RequestRef,
    pub status: Status,
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub location_text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The resident's text, unredacted: callers must redact before publishing.
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolution_due_at: i64,
    /// The note of the latest close, for closed requests (it was written for the resident).
    pub close_note: Option<String>,
    /// Only so that callers can remove the name from the description; never to be published.
    pub requester_name: Option<String>,
}

enum Bind {
    Int(i64),
    Text(String),
}

const PUBLIC_COLUMNS: &str =
    "r.id, r.status, r.department, r.category, r.location_text, r.lat, r.lon, \
    r.description, r.requester_name, r.created_at, r.updated_at, r.resolution_due_at, \
    CASE WHEN r.status = 'closed' THEN (SELECT e.payload FROM events e WHERE e.request_id = r.id \
    AND e.kind = 'closed' ORDER BY e.id DESC LIMIT 1) END AS close_payload";

/// Decodes one row of `PUBLIC_COLUMNS` (either pool's row type) as an `anyhow::Result<PublicRequest>`.
macro_rules! public_from_row {
    ($r:expr, $reference:expr) => {
        (|| -> anyhow::Result<PublicRequest> {
            let r = $r;
            let payload: Option<String> = r.try_get("close_payload")?;
            let close_note = match payload {
                Some(text) => {
                    let v: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("bad close event payload: {e}"))?;
                    v["note"].as_str().map(str::to_string)
                }
                None => None,
            };
            Ok(PublicRequest {
                reference: $reference,
                status: r.try_get("status")?,
                department: r.try_get("department")?,
                category: r.try_get("category")?,
                location_text: r.try_get("location_text")?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                description: r.try_get("description")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                resolution_due_at: r.try_get("resolution_due_at")?,
                close_note,
                requester_name: r.try_get("requester_name")?,
            })
        })()
    };
}

impl Store {
    /// A subquery yielding the elements of the JSON array bound at `placeholder`, as `sql_type`. A list is one
    /// bound value however long it is, so the statement's text (what SQLite parses and sqlx logs) stays the
    /// same size and the cost stays linear in the list.
    pub(super) fn json_array(&self, placeholder: &str, sql_type: &str) -> String {
        match self.backend {
            Backend::Sqlite(_) => format!("SELECT value FROM json_each({placeholder})"),
            Backend::Postgres(_) => format!(
                "SELECT v::{sql_type} FROM jsonb_array_elements_text({placeholder}::jsonb) AS t(v)"
            ),
        }
    }

    /// Non-emergency requests matching `f`, newest first.
    pub async fn public_requests(
        &self,
        f: &PublicFilter,
    ) -> Result<Vec<PublicRequest>, StoreError> {
        let (sql, binds) = self.public_query(f)?;
        on_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &binds {
                q = match b {
                    Bind::Int(i) => q.bind(*i),
                    Bind::Text(s) => q.bind(s.as_str()),
                };
            }
            let rows = q.fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let reference = to_ref(r.try_get("id")?)?;
                let row = public_from_row!(r, reference)
                    .map_err(|e| StoreError::bad_row(format!("request {reference}"), e))?;
                out.push(row);
            }
            Ok(out)
        })
    }

    /// The SELECT for `f` and the values bound to its placeholders, in order.
    fn public_query(&self, f: &PublicFilter) -> Result<(String, Vec<Bind>), StoreError> {
        let mut q = Query {
            sql: format!("SELECT {PUBLIC_COLUMNS} FROM requests r WHERE r.emergency IS NULL"),
            binds: Vec::new(),
        };
        let published = serde_json::to_string(&f.published_internal).context("published")?;
        let p = q.bind(Bind::Text(published));
        q.sql.push_str(&format!(
            " AND (NOT EXISTS (SELECT 1 FROM internal_origins io WHERE io.request_id = r.id) OR r.category IN ({}))",
            self.json_array(&p, "text")
        ));
        if !f.references.is_empty() {
            let ids: Vec<i64> = f.references.iter().map(|r| ref_id(*r)).collect();
            let p = q.bind(Bind::Text(serde_json::to_string(&ids).context("ids")?));
            q.sql
                .push_str(&format!(" AND r.id IN ({})", self.json_array(&p, "bigint")));
        }
        if !f.categories.is_empty() {
            let codes = serde_json::to_string(&f.categories).context("codes")?;
            let p = q.bind(Bind::Text(codes));
            q.sql.push_str(&format!(
                " AND r.category IN ({})",
                self.json_array(&p, "text")
            ));
        }
        if !f.departments.is_empty() {
            let ids = serde_json::to_string(&f.departments).context("departments")?;
            let p = q.bind(Bind::Text(ids));
            q.sql.push_str(&format!(
                " AND r.department IN ({})",
                self.json_array(&p, "text")
            ));
        }
        if let Some(from) = f.created_from {
            let p = q.bind(Bind::Int(from));
            q.sql.push_str(&format!(" AND r.created_at >= {p}"));
        }
        if let Some(to) = f.created_to {
            let p = q.bind(Bind::Int(to));
            q.sql.push_str(&format!(" AND r.created_at <= {p}"));
        }
        match f.status {
            Some(PublicStatus::Open) => q.sql.push_str(" AND r.status <> 'closed'"),
            Some(PublicStatus::Closed) => q.sql.push_str(" AND r.status = 'closed'"),
            None => {}
        }
        let limit = q.bind(Bind::Int(f.limit.max(0)));
        let offset = q.bind(Bind::Int(f.offset.max(0)));
        q.sql.push_str(&format!(
            " ORDER BY r.created_at DESC, r.id DESC LIMIT {limit} OFFSET {offset}"
        ));
        Ok((q.sql, q.binds))
    }
}

/// A statement being built, with the values for its numbered placeholders.
struct Query {
    sql: String,
    binds: Vec<Bind>,
}

impl Query {
    /// Adds a value; returns the placeholder naming it.
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}
