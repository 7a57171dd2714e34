//! Internal requests between departments: who asked (department and person) and where they hear back, and the
//! lists and figures built on that (`asked`, `owed`, `mine`, the department-to-department table).

use routing::report::internal::InternalRow;
use routing::{DepartmentId, RequestRef};
use sqlx::Row;

use super::requests::{fetch_requests, ref_id, request_from_row, to_ref, REQUEST_COLUMNS};
use super::{on_pool, InternalOrigin, Request, Store, StoreError};

/// Requests whose id is in the internal origins matching `$where` (a condition on `internal_origins`).
fn internal_ids(condition: &str) -> String {
    format!("id IN (SELECT request_id FROM internal_origins WHERE {condition})")
}

impl Store {
    /// Who asked for `reference`, when it is an internal request.
    pub async fn internal_origin(
        &self,
        reference: RequestRef,
    ) -> Result<Option<InternalOrigin>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT department, person, person_name, notify_chat, notify_email FROM internal_origins WHERE request_id = $1")
                .bind(ref_id(reference))
                .fetch_optional(p)
                .await?;
            let Some(r) = row else { return Ok(None) };
            Ok(Some(InternalOrigin {
                department: r.try_get("department")?,
                person: r.try_get("person")?,
                person_name: r.try_get("person_name")?,
                notify_chat: r.try_get("notify_chat")?,
                notify_email: r.try_get("notify_email")?,
            }))
        })
    }

    /// The internal request whose requester hears back in chat channel (or thread) `chat`, the newest if
    /// several were filed from there.
    pub async fn request_for_requester_chat(
        &self,
        chat: &str,
    ) -> Result<Option<RequestRef>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT MAX(request_id) AS id FROM internal_origins WHERE notify_chat = $1")
                .bind(chat)
                .fetch_one(p)
                .await?;
            let id: Option<i64> = row.try_get("id")?;
            Ok(id.map(to_ref).transpose()?)
        })
    }

    /// Internal requests `department` asked for: the active ones, or (with `all`) every one; oldest first.
    pub async fn asked_by(
        &self,
        department: &DepartmentId,
        all: bool,
        limit: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE {} AND ($2 OR status <> 'closed') ORDER BY created_at, id LIMIT $3",
            internal_ids("department = $1")
        );
        fetch_requests!(self, sql, department, all, limit)
    }

    /// Active internal requests assigned to `department` (what it owes others), oldest due first.
    pub async fn owed_by(
        &self,
        department: &DepartmentId,
        limit: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE department = $1 AND status <> 'closed' AND {} \
             ORDER BY resolution_due_at, id LIMIT $2",
            internal_ids("TRUE")
        );
        fetch_requests!(self, sql, department, limit)
    }

    /// Active internal requests filed by `person` (an actor id such as `chat:123`), oldest first.
    pub async fn filed_by(&self, person: &str, limit: i64) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE {} AND status <> 'closed' ORDER BY created_at, id LIMIT $2",
            internal_ids("person = $1")
        );
        fetch_requests!(self, sql, person, limit)
    }

    /// Every internal request created in `[from, to)` as the department-to-department table reads it
    /// (duplicates merged into another request are not work done, and are left out).
    pub async fn internal_rows(&self, from: i64, to: i64) -> Result<Vec<InternalRow>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT o.department AS asked_by, r.department AS assigned_to, r.created_at, r.acknowledged_at, \
                 CASE WHEN r.status = 'closed' THEN r.closed_at END AS closed_at, r.response_due_at, r.resolution_due_at \
                 FROM internal_origins o JOIN requests r ON r.id = o.request_id \
                 WHERE r.created_at >= $1 AND r.created_at < $2 AND r.linked_to IS NULL \
                 AND (r.close_reason IS NULL OR r.close_reason <> 'duplicate') ORDER BY r.id",
            )
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(InternalRow {
                    asked_by: r.try_get("asked_by")?,
                    assigned_to: r.try_get("assigned_to")?,
                    created_ms: r.try_get("created_at")?,
                    acknowledged_ms: r.try_get("acknowledged_at")?,
                    closed_ms: r.try_get("closed_at")?,
                    response_due_ms: r.try_get("response_due_at")?,
                    resolution_due_ms: r.try_get("resolution_due_at")?,
                });
            }
            Ok(out)
        })
    }
}

/// A staff message held until its author says which of their departments is asking.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldFiling {
    pub message_id: String,
    /// The author, as an actor id (`chat:123`).
    pub person: String,
    pub channel_id: String,
    pub text: String,
    pub created_at: i64,
}

impl Store {
    /// Holds `held` until answered; false when that message is already held (a redelivery).
    pub async fn hold_filing(&self, held: &HeldFiling) -> Result<bool, StoreError> {
        on_pool!(self, p => {
            let done = sqlx::query(
                "INSERT INTO held_filings (message_id, person, channel_id, text, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (message_id) DO NOTHING",
            )
            .bind(&held.message_id)
            .bind(&held.person)
            .bind(&held.channel_id)
            .bind(&held.text)
            .bind(held.created_at)
            .execute(p)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// The filing held for message `message_id`, if any.
    pub async fn held_filing(&self, message_id: &str) -> Result<Option<HeldFiling>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT message_id, person, channel_id, text, created_at FROM held_filings WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(p)
                .await?;
            let Some(r) = row else { return Ok(None) };
            Ok(Some(HeldFiling {
                message_id: r.try_get("message_id")?,
                person: r.try_get("person")?,
                channel_id: r.try_get("channel_id")?,
                text: r.try_get("text")?,
                created_at: r.try_get("created_at")?,
            }))
        })
    }

    /// Forgets a held filing once it is filed.
    pub async fn release_filing(&self, message_id: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM held_filings WHERE message_id = $1")
                .bind(message_id)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// Moves where the requester of `reference` hears back from `from` (the channel a slash command was typed
    /// in) to `to` (the thread the chat adapter opened for its answer). Only a request still pointing at
    /// `from` moves; true when it did.
    pub async fn move_requester_chat(
        &self,
        reference: RequestRef,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        on_pool!(self, p => {
            let done = sqlx::query("UPDATE internal_origins SET notify_chat = $3 WHERE request_id = $1 AND notify_chat = $2")
                .bind(ref_id(reference))
                .bind(from)
                .bind(to)
                .execute(p)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
