//! Inbound messages: the dedupe ledger (UNIQUE source + external id) and the raw copy of everything received.

use sqlx::Row;

use super::requests::to_ref;
use super::{on_pool, InboundRecord, Store, StoreError};
use routing::RequestRef;

/// Turns a UNIQUE violation on the inbound ledger into `Duplicate`.
pub(super) fn map_unique(e: sqlx::Error, external_id: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Duplicate(external_id.to_string());
        }
    }
    e.into()
}

/// What we already know about an inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenInbound {
    pub reference: Option<RequestRef>,
    pub disposition: String,
}

impl Store {
    /// Whether this message was already processed, and what became of it.
    pub async fn inbound_seen(
        &self,
        source: &str,
        external_id: &str,
    ) -> Result<Option<SeenInbound>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT request_id, disposition FROM inbound_messages WHERE source = $1 AND external_id = $2")
                .bind(source)
                .bind(external_id)
                .fetch_optional(p)
                .await?;
            match row {
                Some(r) => {
                    let id: Option<i64> = r.try_get("request_id")?;
                    Ok(Some(SeenInbound { reference: id.map(to_ref).transpose()?, disposition: r.try_get("disposition")? }))
                }
                None => Ok(None),
            }
        })
    }

    /// Keeps a message that belongs to no request (ignored automated mail, quarantined junk).
    pub async fn record_inbound(&self, rec: &InboundRecord, now: i64) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO inbound_messages (source, external_id, request_id, sender, subject, disposition, reason, received_at, raw) \
                 VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&rec.source)
            .bind(&rec.external_id)
            .bind(&rec.sender)
            .bind(&rec.subject)
            .bind(&rec.disposition)
            .bind(&rec.reason)
            .bind(now)
            .bind(&rec.raw)
            .execute(p)
            .await
            .map_err(|e| map_unique(e, &rec.external_id))?;
            Ok(())
        })
    }

    /// Counts inbound messages with a disposition (for reports and tests).
    pub async fn count_inbound(&self, disposition: &str) -> Result<i64, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM inbound_messages WHERE disposition = $1")
                .bind(disposition)
                .fetch_one(p)
                .await?;
            Ok(row.try_get("n")?)
        })
    }
}
