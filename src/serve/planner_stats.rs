//! Keeps the database's planner statistics fresh while the service runs (`Store::refresh_planner_stats`):
//! a look every few seconds, an `ANALYZE` only of a table that changed by half since its last one.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::store::Store;

/// How often the tables' change counts are looked at: within a backlog's first seconds, the tables it grows
/// are planned on their real size.
pub const EVERY: Duration = Duration::from_secs(2);

/// Looks every `every` until `cancel`; a failed look is logged and tried again next time. On SQLite it
/// returns at once.
pub async fn keep_fresh(store: Store, every: Duration, cancel: CancellationToken) {
    if store.dialect() != "postgres" {
        return;
    }
    match store.autovacuum_off().await {
        Ok(true) => warn!(
            "PostgreSQL's autovacuum is off: this service keeps its tables' planner statistics fresh, but \
             their dead rows are never reclaimed; turn autovacuum on (or vacuum on a schedule)"
        ),
        Ok(false) => {}
        Err(e) => warn!(error = %format!("{e:#}"), "could not read PostgreSQL's autovacuum setting"),
    }
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        match store.refresh_planner_stats().await {
            Ok(tables) if !tables.is_empty() => debug!(?tables, "planner statistics refreshed"),
            Ok(_) => {}
            Err(e) => warn!(error = %format!("{e:#}"), "could not refresh the planner statistics"),
        }
    }
}
