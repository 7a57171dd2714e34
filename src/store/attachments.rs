//! Residents' attachments: stored as received, except photos, which are stored with their metadata (EXIF, GPS,
//! XMP, comments) removed; and read back as photos that may be shown — on the chat card, in department email,
//! behind the public media links.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use anyhow::Context;
use mail::photo::ImageFormat;
use routing::RequestRef;
use sqlx::Row;

use super::requests::{ref_id, to_ref};
use super::{on_pool, NewAttachment, Store, StoreError};

/// An attachment's row id: the key of its public media link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentId(i64);

impl AttachmentId {
    pub fn new(id: i64) -> Option<AttachmentId> {
        (id > 0).then_some(AttachmentId(id))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for AttachmentId {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let id: i64 = s
            .parse()
            .with_context(|| format!("`{s}` is not an attachment id"))?;
        AttachmentId::new(id).with_context(|| format!("`{s}` is not an attachment id"))
    }
}

/// A resident's photo with its metadata removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub reference: RequestRef,
    /// As the resident named it (untrusted: make it safe where it is shown).
    pub filename: String,
    pub format: ImageFormat,
    pub data: Vec<u8>,
}

impl Attachment {
    /// The type to serve it with, from its bytes (never the one the sender claimed).
    pub fn content_type(&self) -> &'static str {
        self.format.mime()
    }
}

impl NewAttachment {
    /// A mail's attachment as stored: a photo whose metadata can be removed is stored without it, with its
    /// format and true type; anything else as received. The original stays in the stored raw mail.
    pub fn from_mail(a: &mail::Attachment) -> NewAttachment {
        match mail::photo::clean_image(&a.data) {
            Some(clean) => NewAttachment {
                filename: a.filename.clone(),
                content_type: clean.format.mime().to_string(),
                data: clean.data,
                image: Some(clean.format),
            },
            None => NewAttachment {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                data: a.data.clone(),
                image: None,
            },
        }
    }
}

const IMAGE_COLUMNS: &str = "id, request_id, filename, image, data";

/// A photo row's columns, read the same way from either pool.
macro_rules! image_columns {
    ($r:expr) => {{
        let r = $r;
        ImageColumns {
            id: r.try_get("id")?,
            request_id: r.try_get("request_id")?,
            filename: r.try_get("filename")?,
            image: r.try_get("image")?,
            data: r.try_get("data")?,
        }
    }};
}

struct ImageColumns {
    id: i64,
    request_id: i64,
    filename: String,
    image: String,
    data: Vec<u8>,
}

impl ImageColumns {
    fn attachment(self) -> Result<Attachment, StoreError> {
        let row = format!("attachment {}", self.id);
        let format = ImageFormat::parse(&self.image)
            .with_context(|| format!("unknown image format `{}`", self.image))
            .map_err(|e| StoreError::bad_row(row.clone(), e))?;
        let id = AttachmentId::new(self.id)
            .context("a row id below 1")
            .map_err(|e| StoreError::bad_row(row, e))?;
        Ok(Attachment {
            id,
            reference: to_ref(self.request_id)?,
            filename: self.filename,
            format,
            data: self.data,
        })
    }
}

impl Store {
    /// The request's photos that may be shown (metadata removed), in the order they arrived.
    pub async fn images_of(&self, reference: RequestRef) -> Result<Vec<Attachment>, StoreError> {
        let sql = format!(
            "SELECT {IMAGE_COLUMNS} FROM attachments WHERE request_id = $1 AND image IS NOT NULL ORDER BY id"
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ref_id(reference)).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(image_columns!(r).attachment()?);
            }
            Ok(out)
        })
    }

    /// One photo that may be shown, by its id.
    pub async fn image(&self, id: AttachmentId) -> Result<Option<Attachment>, StoreError> {
        let sql =
            format!("SELECT {IMAGE_COLUMNS} FROM attachments WHERE id = $1 AND image IS NOT NULL");
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.get()).fetch_optional(p).await?;
            match row {
                Some(r) => Ok(Some(image_columns!(&r).attachment()?)),
                None => Ok(None),
            }
        })
    }

    /// The first photo that may be shown of each of `refs` that has one (one indexed query for a page).
    pub async fn first_images(
        &self,
        refs: &[RequestRef],
    ) -> Result<HashMap<RequestRef, AttachmentId>, StoreError> {
        if refs.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = refs.iter().map(|r| ref_id(*r)).collect();
        let ids = serde_json::to_string(&ids).context("ids")?;
        let sql = format!(
            "SELECT request_id, MIN(id) AS id FROM attachments WHERE image IS NOT NULL \
             AND request_id IN ({}) GROUP BY request_id",
            self.json_array("$1", "bigint")
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(p).await?;
            let mut out = HashMap::new();
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                if let Some(id) = AttachmentId::new(id) {
                    out.insert(to_ref(r.try_get("request_id")?)?, id);
                }
            }
            Ok(out)
        })
    }

    /// The names of the photos posted with the card that is chat message `message_id`, in their order.
    pub async fn card_photos(&self, message_id: &str) -> Result<Vec<String>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(
                "SELECT a.filename FROM work_order_photos w JOIN attachments a ON a.id = w.attachment_id \
                 WHERE w.message_id = $1 ORDER BY a.id",
            )
            .bind(message_id)
            .fetch_all(p)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(r.try_get("filename")?);
            }
            Ok(out)
        })
    }
}
