//! A new request from a mail written with ONE statement on PostgreSQL, its id reserved ahead by its group
//! ([`super::super::reserved_ids`]): the request, its mail, events, Message-IDs and outbox rows, and the
//! per-sender count that decides whether its replies go out, in one round trip instead of two.
//!
//! Both versions of its rows are bound, the one within the sender's cap on automatic mail and the one over it
//! (replies suppressed); the statement counts the sender's recent mail and writes the version that applies.

use routing::{RequestRef, Status};
use sqlx::{Postgres, Row};

use super::super::held::Db;
use super::super::{fresh_rows, inbound, reserved_ids, Backend, InboundRecord};
use super::creation::{self, bind_new_request, request_row};
use super::StoreError;
use super::{created, ref_id, to_ref, Creation, Insert, MailCount, NewRequest, Store};

/// `$1`–`$21` the request ([`request_row!`]), `$22` the sender whose automatic mail is counted since `$23`,
/// `$24` the cap, `$25` the reserved id, `$26` the mail, `$27`–`$29` the events, Message-IDs and outbox rows
/// as `[within the cap, over it]`, `$30` the raw mail. Answers 1 when the version over the cap was written.
pub(super) const CREATE: &str = concat!(
    "WITH rq AS (INSERT INTO requests (id, ",
    request_row!(columns),
    ") VALUES ($25, ",
    request_row!(values),
    ")), \
k AS (SELECT CASE WHEN (SELECT COUNT(*) FROM outbox WHERE kind = 'email' AND recipient = $22::text \
 AND created_at >= $23) >= $24 THEN 1 ELSE 0 END AS k), ",
    fresh_rows::pg_fresh_rows!(id: "$25", now: "$17", mail: "$26", raw: "$30", from: "k, ",
        events: "$27::jsonb -> k.k", threads: "$28::jsonb -> k.k", outbox: "$29::jsonb -> k.k"),
    " SELECT k FROM k"
);

/// The binds `$26`–`$29` of [`CREATE`]: `within`'s mail, and both versions' events, Message-IDs and outbox
/// rows; `None` unless both are plain new requests ([`fresh_rows::binds`]) that touch no other request.
pub(super) fn binds(within: &Creation, over: &Creation, id: i64) -> Option<[Option<String>; 4]> {
    if !(within.related.is_empty() && over.related.is_empty()) {
        return None;
    }
    let [mail, events, threads, outbox] = fresh_rows::binds(&within.change, id)?;
    let [_, over_events, over_threads, over_outbox] = fresh_rows::binds(&over.change, id)?;
    let both = |a: Option<String>, b: Option<String>| {
        Some(format!("[{},{}]", a.as_deref()?, b.as_deref()?))
    };
    Some([
        mail,
        both(events, over_events),
        both(threads, over_threads),
        both(outbox, over_outbox),
    ])
}

impl Store {
    /// Creates a request from a mail (`mail` recorded with it) as [`Store::create_request_with`] does, and
    /// counts the automatic mail sent to `count.recipient` since `count.since` as it inserts the request:
    /// `creation` is told whether that reached `count.cap` (its replies are then suppressed). In a group on
    /// PostgreSQL with an id reserved, a plain new request is written whole with [`CREATE`], one round trip.
    pub async fn create_request_counting(
        &self,
        new: &NewRequest,
        now: i64,
        count: MailCount<'_>,
        mail: InboundRecord,
        creation: impl Fn(RequestRef, bool) -> Creation,
    ) -> Result<RequestRef, StoreError> {
        let with_mail = |mut c: Creation, mail| {
            c.change.inbound = Some(mail);
            c
        };
        let reserved = match &self.backend {
            Backend::Postgres(db) => reserved_ids::next_id(db).await?.map(|id| (db, id)),
            Backend::Sqlite(_) => None,
        };
        let Some((db, id)) = reserved else {
            let first = Insert::counting(count, None);
            let made = |r, sent| with_mail(creation(r, sent >= count.cap), mail);
            return created(self.create_request_inner(new, now, first, made).await?);
        };
        let reference = to_ref(id)?;
        let mut within = with_mail(creation(reference, false), mail);
        let mut over = creation(reference, true);
        if let Some(binds) = binds(&within, &over, id) {
            let raw = within.change.inbound.as_ref();
            let over_cap = write(db, id, new, now, count, binds, raw).await?;
            if creation::queues_outbox(if over_cap { &over } else { &within }) {
                self.outbox_committed();
            }
            return Ok(reference);
        }
        let made = move |_, sent| {
            if sent < count.cap {
                return within;
            }
            over.change.inbound = within.change.inbound.take();
            over
        };
        let first = Insert::counting(count, Some(id));
        created(self.create_request_inner(new, now, first, made).await?)
    }
}

/// Runs [`CREATE`] in its own unit of `db`'s group; `true` when the version over the cap was written.
async fn write(
    db: &Db<Postgres>,
    id: i64,
    new: &NewRequest,
    now: i64,
    count: MailCount<'_>,
    [mail, events, threads, outbox]: [Option<String>; 4],
    raw: Option<&InboundRecord>,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let query = bind_new_request!(sqlx::query(CREATE), new, now)
        .bind(count.recipient)
        .bind(count.since)
        .bind(count.cap)
        .bind(id)
        .bind(mail)
        .bind(events)
        .bind(threads)
        .bind(outbox)
        .bind(raw.map(|m| m.raw.as_slice()));
    let over_cap: i32 = match (query.fetch_one(&mut *tx).await, raw) {
        (Ok(row), _) => row.try_get(0)?,
        (Err(e), Some(m)) => return Err(inbound::map_unique(e, &m.external_id)),
        (Err(e), None) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(over_cap == 1)
}
