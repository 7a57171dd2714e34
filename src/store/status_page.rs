//! What a resident's status page reads beyond the request and its events: the files kept with the request
//! (names and sizes only, never their bytes).

use routing::RequestRef;
use sqlx::Row;

use super::requests::ref_id;
use super::{on_pool, Store, StoreError};

/// A file kept with a request, without its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// A photo kept without its metadata, so it can be shown through a signed link.
    pub shown: bool,
}

impl Store {
    /// The files kept with `reference`, in the order they arrived.
    pub async fn attachment_list(
        &self,
        reference: RequestRef,
    ) -> Result<Vec<AttachmentInfo>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT id, filename, content_type, size, CASE WHEN image IS NULL THEN 0 ELSE 1 END AS shown \
                 FROM attachments WHERE request_id = $1 ORDER BY id",
            )
            .bind(ref_id(reference))
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AttachmentInfo {
                        id: r.try_get("id")?,
                        filename: r.try_get("filename")?,
                        content_type: r.try_get("content_type")?,
                        size: r.try_get("size")?,
                        shown: r.try_get::<i32, _>("shown")? == 1,
                    })
                })
                .collect()
        })
    }
}
