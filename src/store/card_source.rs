//! What a work-order card is drawn from, read with ONE statement: the request, who asked for it (when it is
//! internal), how many duplicates were folded into it, and whether it has photos to show, so posting a card
//! costs two reads (this and its events) instead of five.

use routing::RequestRef;
use sqlx::Row;

use super::requests::{ref_id, request_from_row, to_ref, REQUEST_COLUMNS};
use super::{on_pool, InternalOrigin, Request, Store, StoreError};

/// A request with the facts its card shows beside it.
#[derive(Debug, Clone)]
pub struct CardSource {
    pub request: Request,
    /// Who asked, for an internal request.
    pub origin: Option<InternalOrigin>,
    /// Requests closed as duplicates of this one.
    pub duplicates: u32,
    /// Whether it has a photo that may be shown (only then are its images read).
    pub has_images: bool,
}

/// `$1` a request id; the request's columns by their own names, its origin's as `origin_*`.
fn statement() -> String {
    format!(
        "SELECT r.*, o.department AS origin_department, o.person AS origin_person, \
         o.person_name AS origin_person_name, o.notify_chat AS origin_notify_chat, \
         o.notify_email AS origin_notify_email, \
         (SELECT COUNT(*) FROM requests d WHERE d.linked_to = r.id AND d.close_reason = 'duplicate') AS duplicates, \
         EXISTS (SELECT 1 FROM attachments a WHERE a.request_id = r.id AND a.image IS NOT NULL) AS has_images \
         FROM (SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1) r \
         LEFT JOIN internal_origins o ON o.request_id = r.id"
    )
}

impl Store {
    /// The card's sources for `reference`; `None` when there is no such request.
    pub async fn card_source(
        &self,
        reference: RequestRef,
    ) -> Result<Option<CardSource>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(statement()))
                .bind(ref_id(reference))
                .fetch_optional(p)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let request = request_from_row!(&row);
            let origin = match row.try_get::<Option<String>, _>("origin_person")? {
                Some(person) => Some(InternalOrigin {
                    department: row.try_get("origin_department")?,
                    person,
                    person_name: row.try_get("origin_person_name")?,
                    notify_chat: row.try_get("origin_notify_chat")?,
                    notify_email: row.try_get("origin_notify_email")?,
                }),
                None => None,
            };
            let duplicates: i64 = row.try_get("duplicates")?;
            Ok(Some(CardSource {
                request,
                origin,
                duplicates: u32::try_from(duplicates).unwrap_or(u32::MAX),
                has_images: row.try_get("has_images")?,
            }))
        })
    }
}
