//! Each request's canonical place key (`routing::duplicates::canonical_place` of its `location_norm`), kept in
//! `requests.place_key` so that the duplicate search is an index lookup. Rows stored before the column existed
//! get theirs, in batches, when the store opens.

use routing::duplicates::canonical_place;
use sqlx::Row;

use super::{on_pool, Backend, Store, StoreError};

const FILL_BATCH: i64 = 5_000;

/// The key stored for a location's normal form. An empty key is stored as such (it never matches: the search
/// only asks for non-empty keys), so the row is not filled again.
pub(super) fn place_key(norm: Option<&str>) -> Option<String> {
    norm.map(canonical_place)
}

impl Store {
    /// Fills `place_key` wherever a location is known but its key is not; returns how many rows it filled.
    pub(super) async fn fill_place_keys(&self) -> Result<u64, StoreError> {
        let update = match self.backend {
            Backend::Sqlite(_) => {
                "UPDATE requests SET place_key = json_extract(j.value, '$[1]') FROM json_each($1) AS j \
                 WHERE requests.id = json_extract(j.value, '$[0]')"
            }
            Backend::Postgres(_) => {
                "UPDATE requests SET place_key = j.v->>1 FROM jsonb_array_elements($1::jsonb) AS j(v) \
                 WHERE requests.id = (j.v->>0)::bigint"
            }
        };
        let mut filled = 0;
        loop {
            let pairs: Vec<serde_json::Value> = on_pool!(self, p => {
                let rows = sqlx::query(
                    "SELECT id, location_norm FROM requests WHERE place_key IS NULL AND location_norm IS NOT NULL \
                     ORDER BY id LIMIT $1",
                )
                .bind(FILL_BATCH)
                .fetch_all(p)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: i64 = r.try_get("id")?;
                    let norm: String = r.try_get("location_norm")?;
                    out.push(serde_json::json!([id, place_key(Some(&norm))]));
                }
                out
            });
            if pairs.is_empty() {
                return Ok(filled);
            }
            filled += pairs.len() as u64;
            let batch = serde_json::Value::from(pairs).to_string();
            on_pool!(self, p => {
                sqlx::query(update).bind(batch).execute(p).await?;
            });
        }
    }
}
