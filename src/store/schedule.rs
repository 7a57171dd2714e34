//! Once-per-period jobs: a job claims its period key atomically, so it runs once even across restarts and
//! several instances.

use super::{on_pool, Store, StoreError};

impl Store {
    /// Claims period `key` (e.g. "2026-W48") for job `name`; true only for the first caller.
    pub async fn claim_period(&self, name: &str, key: &str, now: i64) -> Result<bool, StoreError> {
        on_pool!(self, p => {
            let done = sqlx::query(
                "INSERT INTO scheduled_runs (name, last_key, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET last_key = excluded.last_key, at = excluded.at \
                 WHERE scheduled_runs.last_key <> excluded.last_key",
            )
            .bind(name)
            .bind(key)
            .bind(now)
            .execute(p)
            .await?
            .rows_affected();
            Ok(done > 0)
        })
    }
}
