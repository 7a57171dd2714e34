//! Requests and their events: creation and every later change, each in one transaction.

use super::MailDirection;
use anyhow::Context;
use routing::{DepartmentId, EventKind, RequestRef, Status};
use sqlx::Row;

use super::idempotency::IdempotencyClaim;

mod creation;
mod one_statement;
use super::{
    on_pool, Change, Creation, Event, NewRequest, Request, RequestFilter, StatusChange, Store,
    StoreError,
};

/// What became of a creation under an idempotency claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    Created(RequestRef),
    /// Another request holds the claim: nothing was written.
    Taken,
}

/// A request is overdue when it is still open past its resolution target, or unacknowledged past its response
/// target. `$1` is now. The one definition used by chat, the CLI and the metrics.
pub(super) const OVERDUE: &str = "status <> 'closed' AND (resolution_due_at < $1 OR (acknowledged_at IS NULL AND response_due_at < $1))";

pub(super) const REQUEST_COLUMNS: &str = "id, status, close_reason, department, category, language, priority, emergency, \
    location_text, location_norm, lat, lon, source, requester, requester_name, subject, description, decision, \
    linked_to, created_at, updated_at, acknowledged_at, closed_at, response_due_at, resolution_due_at";

/// Decodes one row of `REQUEST_COLUMNS`; a value that does not read back as its type is `StoreError::BadRow`
/// naming the request.
macro_rules! request_from_row {
    ($row:expr) => {{
        let row = $row;
        let reference = to_ref(row.try_get("id")?)?;
        let decode = || -> anyhow::Result<Request> {
            let linked: Option<i64> = row.try_get("linked_to")?;
            let decision: String = row.try_get("decision")?;
            Ok(Request {
                reference,
                status: row.try_get("status")?,
                close_reason: row.try_get("close_reason")?,
                department: row.try_get("department")?,
                category: row.try_get("category")?,
                language: row.try_get("language")?,
                priority: row.try_get("priority")?,
                emergency: row.try_get("emergency")?,
                location_text: row.try_get("location_text")?,
                location_norm: row.try_get("location_norm")?,
                lat: row.try_get("lat")?,
                lon: row.try_get("lon")?,
                source: row.try_get("source")?,
                requester: row.try_get("requester")?,
                requester_name: row.try_get("requester_name")?,
                subject: row.try_get("subject")?,
                description: row.try_get("description")?,
                decision: serde_json::from_str(&decision)
                    .map_err(|e| anyhow::anyhow!("bad decision JSON: {e}"))?,
                linked_to: linked.map(to_ref).transpose()?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                acknowledged_at: row.try_get("acknowledged_at")?,
                closed_at: row.try_get("closed_at")?,
                response_due_at: row.try_get("response_due_at")?,
                resolution_due_at: row.try_get("resolution_due_at")?,
            })
        };
        decode().map_err(|e| StoreError::bad_row(format!("request {reference}"), e))?
    }};
}

pub(super) use request_from_row;

/// Decodes one row of `id, kind, actor, source, at, payload` of request `$reference` as an `Event`; a value
/// that does not read back is `StoreError::BadRow` naming the event.
macro_rules! event_from_row {
    ($row:expr, $reference:expr) => {{
        let (row, reference) = ($row, $reference);
        let id: i64 = row.try_get("id")?;
        let decode = || -> anyhow::Result<Event> {
            let payload: String = row.try_get("payload")?;
            Ok(Event {
                id,
                reference,
                kind: row.try_get("kind")?,
                actor: row.try_get("actor")?,
                source: row.try_get("source")?,
                at: row.try_get("at")?,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| anyhow::anyhow!("bad payload JSON: {e}"))?,
            })
        };
        decode()
            .map_err(|e| StoreError::bad_row(format!("event {id} of request {reference}"), e))?
    }};
}
pub(super) use event_from_row;

/// Runs a SELECT of `REQUEST_COLUMNS` with the given binds and decodes every row.
macro_rules! fetch_requests {
    ($store:expr, $sql:expr $(, $bind:expr)* $(,)?) => {{
        let sql: String = $sql;
        on_pool!($store, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))$(.bind($bind))*.fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(request_from_row!(row));
            }
            Ok(out)
        })
    }};
}
pub(super) use fetch_requests;

/// Writes a change's rows inside an open transaction `$tx` for request `$id` at `$now`; `$fresh` when the
/// request was inserted by this transaction (with `updated_at` and `next_sweep_at` at `$now` already).
macro_rules! write_change {
    ($tx:expr, $id:expr, $change:expr, $now:expr, $fresh:expr) => {{
        let (id, now): (i64, i64) = ($id, $now);
        let change: &Change = $change;
        if let Some(inb) = &change.inbound {
            let res = sqlx::query(
                "INSERT INTO inbound_messages (source, external_id, request_id, sender, subject, disposition, reason, received_at, raw) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&inb.source)
            .bind(&inb.external_id)
            .bind(id)
            .bind(&inb.sender)
            .bind(&inb.subject)
            .bind(inb.disposition.as_str())
            .bind(&inb.reason)
            .bind(now)
            .bind(&inb.raw)
            .execute(&mut *$tx)
            .await;
            if let Err(e) = res {
                return Err(super::inbound::map_unique(e, &inb.external_id));
            }
        }
        if let Some(o) = &change.internal {
            sqlx::query("INSERT INTO internal_origins (request_id, department, person, person_name, notify_chat, notify_email) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(&o.department).bind(&o.person).bind(&o.person_name).bind(&o.notify_chat).bind(&o.notify_email)
                .execute(&mut *$tx).await?;
        }
        for ev in &change.events {
            sqlx::query("INSERT INTO events (request_id, kind, actor, source, at, payload) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(ev.kind)
                .bind(&ev.actor)
                .bind(ev.source)
                .bind(now)
                .bind(ev.payload.to_string())
                .execute(&mut *$tx)
                .await?;
            if ev.kind == EventKind::Reopened {
                sqlx::query("UPDATE requests SET reopened_count = reopened_count + 1 WHERE id = $1")
                    .bind(id).execute(&mut *$tx).await?;
            }
        }
        for (mid, dir) in &change.thread_ids {
            sqlx::query("INSERT INTO mail_threads (message_id, request_id, direction) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING").bind(mid).bind(id).bind(dir.as_str()).execute(&mut *$tx).await?;
        }
        for a in &change.attachments {
            sqlx::query("INSERT INTO attachments (request_id, filename, content_type, size, data, image) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(&a.filename)
                .bind(&a.content_type)
                .bind(a.data.len() as i64)
                .bind(&a.data)
                .bind(a.image.map(|f| f.as_str()))
                .execute(&mut *$tx)
                .await?;
        }
        match super::outbox::outbox_rows(&change.outbox, id) {
            Some(rows) => {
                sqlx::query(super::outbox::insert_outbox_rows(&$tx))
                    .bind(id)
                    .bind(now)
                    .bind(rows)
                    .execute(&mut *$tx)
                    .await?;
            }
            None => {
                for o in &change.outbox {
                    sqlx::query(super::outbox::INSERT_OUTBOX)
                        .bind(o.effect.kind())
                        .bind(id)
                        .bind(o.effect.recipient())
                        .bind(o.effect.payload())
                        .bind(now)
                        .bind(o.effect.lane(Some(id)))
                        .execute(&mut *$tx)
                        .await?;
                }
            }
        }
        match &change.status {
            None => {}
            Some(StatusChange::Acknowledged) => {
                sqlx::query("UPDATE requests SET status = $2, acknowledged_at = COALESCE(acknowledged_at, $3) WHERE id = $1")
                    .bind(id).bind(Status::Acknowledged).bind(now).execute(&mut *$tx).await?;
            }
            Some(StatusChange::Closed { reason }) => {
                sqlx::query("UPDATE requests SET status = $2, close_reason = $3, closed_at = $4, acknowledged_at = COALESCE(acknowledged_at, $4) WHERE id = $1")
                    .bind(id).bind(Status::Closed).bind(reason).bind(now).execute(&mut *$tx).await?;
            }
            Some(StatusChange::Reassigned) => {
                sqlx::query("UPDATE requests SET status = $2 WHERE id = $1")
                    .bind(id).bind(Status::Open).execute(&mut *$tx).await?;
            }
            Some(StatusChange::Reopened) => {
                sqlx::query("UPDATE requests SET status = $2, close_reason = NULL, closed_at = NULL WHERE id = $1")
                    .bind(id).bind(Status::Reopened).execute(&mut *$tx).await?;
            }
        }
        if let Some((response, resolution)) = change.due {
            sqlx::query("UPDATE requests SET response_due_at = $2, resolution_due_at = $3 WHERE id = $1")
                .bind(id).bind(response).bind(resolution).execute(&mut *$tx).await?;
        }
        if let Some(dept) = &change.department {
            sqlx::query("UPDATE requests SET department = $2 WHERE id = $1")
                .bind(id).bind(dept).execute(&mut *$tx).await?;
        }
        if let Some(original) = change.linked_to {
            sqlx::query("UPDATE requests SET linked_to = $2 WHERE id = $1")
                .bind(id).bind(ref_id(original)).execute(&mut *$tx).await?;
        }
        // Any change may change what the sweeper owes: it looks again at its next pass, unless this change
        // is the sweeper's own and says when. A request inserted just now with what this would write (not
        // closed, swept next pass) needs no second write.
        let closed = matches!(change.status, Some(StatusChange::Closed { .. }));
        if !($fresh && !closed && change.next_sweep.at(now) == Some(now)) {
            sqlx::query("UPDATE requests SET updated_at = $2, next_sweep_at = CASE WHEN status = 'closed' THEN NULL ELSE $3 END WHERE id = $1")
                .bind(id)
                .bind(now)
                .bind(change.next_sweep.at(now))
                .execute(&mut *$tx)
                .await?;
        }
    }};
}

pub(super) fn to_ref(id: i64) -> anyhow::Result<RequestRef> {
    u64::try_from(id)
        .ok()
        .and_then(RequestRef::new)
        .with_context(|| format!("bad request id {id}"))
}

pub(super) fn ref_id(r: RequestRef) -> i64 {
    r.number() as i64
}

/// Writes a change to an existing request inside an open transaction `$tx`, first checking that it exists and
/// still has the status (and `updated_at`) the decision was made on.
macro_rules! write_guarded_change {
    ($tx:expr, $reference:expr, $change:expr, $now:expr) => {{
        let (reference, now): (RequestRef, i64) = ($reference, $now);
        let change: &Change = $change;
        let id = ref_id(reference);
        // Writing first takes the write lock at once (SQLite would otherwise fail a read-then-write
        // transaction that raced another writer), and checks the status the decision was based on.
        let touched = sqlx::query("UPDATE requests SET updated_at = $2 WHERE id = $1 AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR updated_at = $4)")
            .bind(id)
            .bind(now)
            .bind(&change.expect_status)
            .bind(change.expect_updated_at)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if touched == 0 {
            let exists = sqlx::query("SELECT id FROM requests WHERE id = $1").bind(id).fetch_optional(&mut *$tx).await?;
            return Err(match exists {
                None => StoreError::NotFound(reference),
                Some(_) => StoreError::Conflict(reference),
            });
        }
        write_change!($tx, id, change, now, false);
    }};
}

/// Whose automatic mail to count, since when, and how much is the most, as a request is created from a mail
/// ([`Store::create_request_counting`]).
#[derive(Debug, Clone, Copy)]
pub struct MailCount<'a> {
    pub recipient: &'a str,
    pub since: i64,
    pub cap: i64,
}

/// How a new request's insert begins: under an idempotency claim, counting a sender's mail, with an id
/// reserved ahead.
#[derive(Debug, Clone, Copy)]
struct Insert<'a> {
    claim: Option<&'a IdempotencyClaim>,
    count: Option<MailCount<'a>>,
    id: Option<i64>,
}

impl<'a> Insert<'a> {
    /// An insert counting `count`'s mail, with no claim.
    fn counting(count: MailCount<'a>, id: Option<i64>) -> Self {
        Insert {
            claim: None,
            count: Some(count),
            id,
        }
    }
}

/// The reference of a creation made without an idempotency claim.
fn created(claimed: Claimed) -> Result<RequestRef, StoreError> {
    match claimed {
        Claimed::Created(reference) => Ok(reference),
        Claimed::Taken => Err(StoreError::Unexpected(anyhow::anyhow!(
            "a creation without a claim found its claim taken"
        ))),
    }
}

impl Store {
    /// Creates a request and everything that goes with it (events, inbound message, outbox rows...) in ONE
    /// transaction. `change` is built from the new reference, since acknowledgements quote it.
    pub async fn create_request(
        &self,
        new: &NewRequest,
        now: i64,
        change: impl FnOnce(RequestRef) -> Change,
    ) -> Result<RequestRef, StoreError> {
        self.create_request_with(new, now, |reference| Creation {
            change: change(reference),
            related: Vec::new(),
        })
        .await
    }

    /// Creates a request as [`Store::create_request`] does, and in the SAME transaction applies the changes it
    /// makes to other requests (the original of a duplicate hears of it): if any of them fails, nothing is
    /// written, so a retry decides and writes everything again.
    pub async fn create_request_with(
        &self,
        new: &NewRequest,
        now: i64,
        creation: impl FnOnce(RequestRef) -> Creation,
    ) -> Result<RequestRef, StoreError> {
        created(
            self.create_request_claimed(new, now, None, creation)
                .await?,
        )
    }

    /// [`Store::create_request_with`] under an idempotency claim: the claim is written first, in the same
    /// transaction, and when another request already holds it (a retried POST racing the first) nothing is
    /// written and the answer is [`Claimed::Taken`]. Expired claims are dropped on the way.
    pub async fn create_request_claimed(
        &self,
        new: &NewRequest,
        now: i64,
        claim: Option<&IdempotencyClaim>,
        creation: impl FnOnce(RequestRef) -> Creation,
    ) -> Result<Claimed, StoreError> {
        let first = Insert {
            claim,
            count: None,
            id: None,
        };
        self.create_request_inner(new, now, first, |reference, _| creation(reference))
            .await
    }

    /// Creates a request: `first.claim` taken, the request inserted (with `first.id` when its id was
    /// reserved), `first.count` counted, then `creation`'s rows written, all in one transaction.
    async fn create_request_inner(
        &self,
        new: &NewRequest,
        now: i64,
        first: Insert<'_>,
        creation: impl FnOnce(RequestRef, i64) -> Creation,
    ) -> Result<Claimed, StoreError> {
        let Insert { claim, count, id } = first;
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            if let Some(c) = claim {
                if !creation::take_claim(&mut tx, c, now).await? {
                    return Ok(Claimed::Taken);
                }
            }
            let statement = match id {
                Some(_) => creation::INSERT_REQUEST_AS,
                None => creation::INSERT_REQUEST,
            };
            let query = creation::bind_new_request!(sqlx::query(statement), new, now)
                .bind(count.map(|c| c.recipient))
                .bind(count.map(|c| c.since));
            let query = match id {
                Some(id) => query.bind(id),
                None => query,
            };
            let row = query.fetch_one(&mut *tx).await?;
            let id: i64 = row.try_get("id")?;
            let reference = to_ref(id)?;
            let creation = creation(reference, row.try_get("mail_counted")?);
            match super::fresh_rows::binds(&creation.change, id) {
                Some(binds) => {
                    let mail = creation.change.inbound.as_ref();
                    creation::write_fresh_rows(&mut tx, id, now, binds, mail).await?;
                }
                None => write_change!(tx, id, &creation.change, now, true),
            }
            for related in &creation.related {
                write_guarded_change!(tx, related.reference, &related.change, now);
            }
            if let Some(c) = claim {
                creation::bind_claim(&mut tx, c, id).await?;
            }
            tx.commit().await?;
            if creation::queues_outbox(&creation) {
                self.outbox_committed();
            }
            Ok(Claimed::Created(reference))
        })
    }

    /// Applies a change to an existing request in one transaction.
    pub async fn apply_change(
        &self,
        reference: RequestRef,
        change: &Change,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            write_guarded_change!(tx, reference, change, now);
            tx.commit().await?;
            if !change.outbox.is_empty() {
                self.outbox_committed();
            }
            Ok(())
        })
    }

    /// Applies changes to several existing requests in ONE transaction (each guarded like
    /// [`Store::apply_change`]): all of them or none.
    pub async fn apply_changes(
        &self,
        changes: &[(RequestRef, Change)],
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for (reference, change) in changes {
                write_guarded_change!(tx, *reference, change, now);
            }
            tx.commit().await?;
            if changes.iter().any(|(_, c)| !c.outbox.is_empty()) {
                self.outbox_committed();
            }
            Ok(())
        })
    }

    /// One request by reference.
    pub async fn request(&self, reference: RequestRef) -> Result<Option<Request>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1");
        on_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ref_id(reference)).fetch_optional(p).await?;
            match row {
                Some(row) => Ok(Some(request_from_row!(&row))),
                None => Ok(None),
            }
        })
    }

    /// Requests matching a filter, newest first.
    pub async fn list_requests(&self, f: &RequestFilter) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR department = $2) \
             AND ($3 IS NULL OR requester = $3) ORDER BY id DESC LIMIT $4"
        );
        fetch_requests!(
            self,
            sql,
            f.status,
            &f.department,
            &f.requester,
            f.limit.unwrap_or(1000)
        )
    }

    /// A request's events, oldest first.
    pub async fn events(&self, reference: RequestRef) -> Result<Vec<Event>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query("SELECT id, kind, actor, source, at, payload FROM events WHERE request_id = $1 ORDER BY id")
                .bind(ref_id(reference))
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(event_from_row!(row, reference));
            }
            Ok(out)
        })
    }

    /// The Message-IDs remembered for a request, in the order they were recorded, with their direction.
    pub async fn thread_message_ids(
        &self,
        reference: RequestRef,
    ) -> Result<Vec<(String, MailDirection)>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query("SELECT message_id, direction FROM mail_threads WHERE request_id = $1 ORDER BY id")
                .bind(ref_id(reference))
                .fetch_all(p)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let message_id: String = r.try_get("message_id")?;
                let direction: String = r.try_get("direction")?;
                let direction = direction.parse().map_err(|e| {
                    StoreError::bad_row(format!("mail thread {message_id} of request {reference}"), e)
                })?;
                out.push((message_id, direction));
            }
            Ok(out)
        })
    }

    /// Requests whose subject, text or location contains `query` (case-insensitive), newest first.
    pub async fn search_requests(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let pattern = format!("%{}%", query.to_lowercase().replace(['%', '_'], ""));
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE LOWER(subject) LIKE $1 OR LOWER(description) LIKE $1 \
             OR LOWER(COALESCE(location_text, '')) LIKE $1 OR LOWER(COALESCE(location_norm, '')) LIKE $1 ORDER BY id DESC LIMIT $2"
        );
        fetch_requests!(self, sql, &pattern, limit)
    }

    /// Overdue requests (see `OVERDUE`), optionally of one department, oldest first.
    pub async fn overdue_requests(
        &self,
        now: i64,
        department: Option<&DepartmentId>,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE {OVERDUE} AND ($2 IS NULL OR department = $2) ORDER BY created_at, id"
        );
        fetch_requests!(self, sql, now, department)
    }

    /// Requests closed as duplicates of `reference` (their requesters hear when it closes).
    pub async fn duplicates_of(&self, reference: RequestRef) -> Result<Vec<Request>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE linked_to = $1 AND close_reason = 'duplicate' ORDER BY id");
        fetch_requests!(self, sql, ref_id(reference))
    }

    /// Requests not closed, oldest first.
    pub async fn active_requests(&self) -> Result<Vec<Request>, StoreError> {
        fetch_requests!(
            self,
            format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE status <> 'closed' ORDER BY id")
        )
    }

    /// Requests closed at or after `since`, oldest first.
    pub async fn closed_since(&self, since: i64) -> Result<Vec<Request>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE status = 'closed' AND closed_at >= $1 ORDER BY id");
        fetch_requests!(self, sql, since)
    }

    /// Every request created in `[from, to)` plus every request still open (for reports).
    pub async fn requests_for_report(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM requests WHERE (created_at >= $1 AND created_at < $2) OR status <> 'closed' ORDER BY id"
        );
        fetch_requests!(self, sql, from, to)
    }

    /// How many times each request was reopened.
    pub async fn reopen_counts(&self) -> Result<std::collections::HashMap<i64, u32>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query("SELECT request_id, COUNT(*) AS n FROM events WHERE kind = 'reopened' GROUP BY request_id")
                .fetch_all(p)
                .await?;
            let mut out = std::collections::HashMap::new();
            for r in &rows {
                let n: i64 = r.try_get("n")?;
                out.insert(r.try_get::<i64, _>("request_id")?, n as u32);
            }
            Ok(out)
        })
    }

    /// The request a Message-ID belongs to (ours or the resident's), if any.
    pub async fn request_for_message_id(
        &self,
        message_id: &str,
    ) -> Result<Option<RequestRef>, StoreError> {
        on_pool!(self, p => {
            let row = sqlx::query("SELECT request_id FROM mail_threads WHERE message_id = $1")
                .bind(message_id)
                .fetch_optional(p)
                .await?;
            match row {
                Some(r) => Ok(Some(to_ref(r.try_get("request_id")?)?)),
                None => Ok(None),
            }
        })
    }
}
