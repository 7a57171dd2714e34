//! What the public web side reads beyond the Open311 projection: the photo links an application filed with
//! its requests (kept in their `created` event).

use std::collections::HashMap;

use anyhow::Context;
use routing::RequestRef;
use sqlx::Row;

use super::requests::{ref_id, to_ref};
use super::{on_pool, Store, StoreError};

impl Store {
    /// The `media_url` each of `refs` was filed with through Open311, for those that have one.
    pub async fn media_urls(
        &self,
        refs: &[RequestRef],
    ) -> Result<HashMap<RequestRef, String>, StoreError> {
        if refs.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = refs.iter().map(|r| ref_id(*r)).collect();
        let ids = serde_json::to_string(&ids).context("ids")?;
        let sql = format!(
            "SELECT request_id, payload FROM events WHERE kind = 'created' AND source = 'open311' \
             AND request_id IN ({})",
            self.json_array("$1", "bigint")
        );
        on_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids).fetch_all(p).await?;
            let mut out = HashMap::new();
            for r in &rows {
                let reference = to_ref(r.try_get("request_id")?)?;
                let payload: String = r.try_get("payload")?;
                let v: serde_json::Value = serde_json::from_str(&payload)
                    .map_err(|e| StoreError::bad_row(format!("created event of {reference}"), e.into()))?;
                if let Some(url) = v["media_url"].as_str() {
                    out.insert(reference, url.to_string());
                }
            }
            Ok(out)
        })
    }
}
