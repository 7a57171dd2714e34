//! Request ids reserved ahead for a group's new requests on PostgreSQL: one `nextval` round trip for many, so
//! that each new request and all its rows can then be written with ONE statement (its acknowledgement quotes
//! the reference, which must be known before that statement is built). A group reserves only as many as it
//! expects to create; an id reserved and not used is skipped, as an id of a rolled-back insert is.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use sqlx::{Database, Postgres};

use super::held::Db;

/// Most ids reserved with one round trip.
const MOST_AT_ONCE: usize = 100;

const RESERVE: &str =
    "SELECT nextval(pg_get_serial_sequence('requests', 'id')) FROM generate_series(1, $1)";

/// A group's reserved ids, and how many more new requests it still expects.
#[derive(Debug, Default)]
pub struct Reserve {
    ids: VecDeque<i64>,
    expected: usize,
}

fn locked(reserve: &Mutex<Reserve>) -> MutexGuard<'_, Reserve> {
    // A panic elsewhere cannot leave the ids inconsistent: each is taken whole or not at all.
    reserve
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<DB: Database> Db<DB> {
    /// Tells a held group how many new requests it may create (a no-op on a pool): ids for up to that many
    /// are reserved as the first one is needed.
    pub fn expect_creations(&self, n: usize) {
        if let Some(h) = self.held() {
            locked(&h.reserve).expected = n;
        }
    }
}

/// An id reserved for a new request of the group `db` holds; `None` on a pool, or once the group has been
/// given as many ids as it expected (that request then takes its id from its own insert).
pub async fn next_id(db: &Db<Postgres>) -> Result<Option<i64>, sqlx::Error> {
    let Some(h) = db.held() else { return Ok(None) };
    let wanted = {
        let mut reserve = locked(&h.reserve);
        if let Some(id) = reserve.ids.pop_front() {
            return Ok(Some(id));
        }
        let wanted = reserve.expected.min(MOST_AT_ONCE);
        reserve.expected -= wanted;
        wanted
    };
    if wanted == 0 {
        return Ok(None);
    }
    let ids: Vec<i64> = sqlx::query_scalar(RESERVE)
        .bind(wanted as i64)
        .fetch_all(db)
        .await?;
    let mut reserve = locked(&h.reserve);
    reserve.ids.extend(ids);
    Ok(reserve.ids.pop_front())
}
