//! A new request's own rows (its mail, events, Message-IDs and outbox rows) written with ONE statement after
//! the request's insert: a batch of statements in one call on SQLite (one hop to its worker thread), one
//! statement of data-modifying CTEs on PostgreSQL (one round trip). Changes of any other shape are written
//! row by row (`write_change!`).

use routing::EventKind;
use serde_json::{json, Value};

use super::{Change, NextSweep};

/// The SQLite batch: `$1` request id, `$2` now, `$3` the mail (`[source, external_id, sender, subject,
/// disposition, reason]` or NULL), `$4` events, `$5` Message-IDs, `$6` outbox rows (JSON lists), `$7` raw.
const SQLITE: &str = "\
INSERT INTO inbound_messages (source, external_id, request_id, sender, subject, disposition, reason, received_at, raw) \
 SELECT json_extract($3, '$[0]'), json_extract($3, '$[1]'), $1, json_extract($3, '$[2]'), json_extract($3, '$[3]'), \
 json_extract($3, '$[4]'), json_extract($3, '$[5]'), $2, $7 WHERE $3 IS NOT NULL; \
INSERT INTO events (request_id, kind, actor, source, at, payload) \
 SELECT $1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2, \
 json_extract(value, '$[3]') FROM json_each($4) ORDER BY key; \
INSERT INTO mail_threads (message_id, request_id, direction) \
 SELECT json_extract(value, '$[0]'), $1, json_extract(value, '$[1]') FROM json_each($5) WHERE true \
 ON CONFLICT (message_id) DO NOTHING; \
INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
 SELECT json_extract(value, '$[0]'), $1, json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2, $2, \
 json_extract(value, '$[3]') FROM json_each($6) ORDER BY key";

/// A new request's rows as data-modifying CTEs on PostgreSQL (`m`, `ib`, `ev`, `th`, `ob`): `id` the request
/// id, `now`, `mail` the mail's JSON (or NULL), `raw` its bytes, and the JSON lists of events, Message-IDs
/// and outbox rows, each read `FROM` what `from` names first (a list chosen by another CTE, or nothing).
macro_rules! pg_fresh_rows {
    (id: $id:literal, now: $now:literal, mail: $mail:literal, raw: $raw:literal, from: $from:literal,
     events: $events:literal, threads: $threads:literal, outbox: $outbox:literal) => {
        concat!(
            "m AS (SELECT ", $mail, "::jsonb AS v), \
ib AS (INSERT INTO inbound_messages (source, external_id, request_id, sender, subject, disposition, reason, received_at, raw) \
 SELECT v->>0, v->>1, ", $id, ", v->>2, v->>3, v->>4, v->>5, ", $now, ", ", $raw, " FROM m WHERE v IS NOT NULL), \
ev AS (INSERT INTO events (request_id, kind, actor, source, at, payload) \
 SELECT ", $id, ", e.v->>0, e.v->>1, e.v->>2, ", $now, ", e.v->>3 FROM ", $from, "jsonb_array_elements(", $events, ") \
 WITH ORDINALITY AS e(v, n) ORDER BY e.n), \
th AS (INSERT INTO mail_threads (message_id, request_id, direction) \
 SELECT t.v->>0, ", $id, ", t.v->>1 FROM ", $from, "jsonb_array_elements(", $threads, ") AS t(v) \
 ON CONFLICT (message_id) DO NOTHING), \
ob AS (INSERT INTO outbox (kind, request_id, recipient, payload, created_at, next_attempt_at, lane) \
 SELECT o.v->>0, ", $id, ", o.v->>1, o.v->>2, ", $now, ", ", $now, ", o.v->>3 FROM ", $from, "jsonb_array_elements(", $outbox, ") \
 WITH ORDINALITY AS o(v, n) ORDER BY o.n)"
        )
    };
}
pub(super) use pg_fresh_rows;

/// The PostgreSQL statement, with the same binds.
const POSTGRES: &str = concat!(
    "WITH ",
    pg_fresh_rows!(id: "$1", now: "$2", mail: "$3", raw: "$7", from: "",
        events: "$4::jsonb", threads: "$5::jsonb", outbox: "$6::jsonb"),
    " SELECT 1"
);

/// The statement for the backend of `_on`.
pub(super) fn statement<DB: sqlx::Database>(_on: &super::held::Tx<DB>) -> &'static str {
    if DB::NAME == "SQLite" {
        SQLITE
    } else {
        POSTGRES
    }
}

/// The binds `$3`–`$6` of a new request's change, when it has only rows [`statement`] writes: a mail, events
/// (none a reopening), Message-IDs and outbox rows each with its own lane; no status, due times, department,
/// link, internal origin or attachments, and swept next pass (as inserted). `None` otherwise.
pub(super) fn binds(change: &Change, request_id: i64) -> Option<[Option<String>; 4]> {
    let plain = change.attachments.is_empty()
        && change.internal.is_none()
        && change.status.is_none()
        && change.due.is_none()
        && change.department.is_none()
        && change.linked_to.is_none()
        && change.next_sweep == NextSweep::Now
        && change.events.iter().all(|e| e.kind != EventKind::Reopened);
    if !plain {
        return None;
    }
    let outbox = super::outbox::outbox_list(&change.outbox, request_id)?;
    let inbound = change.inbound.as_ref().map(|i| {
        json!([
            i.source.as_str(),
            i.external_id,
            i.sender,
            i.subject,
            i.disposition.as_str(),
            i.reason
        ])
        .to_string()
    });
    let events: Vec<Value> = change
        .events
        .iter()
        .map(|e| {
            json!([
                e.kind.as_str(),
                e.actor,
                e.source.as_str(),
                e.payload.to_string()
            ])
        })
        .collect();
    let threads: Vec<Value> = change
        .thread_ids
        .iter()
        .map(|(id, dir)| json!([id, dir.as_str()]))
        .collect();
    Some([
        inbound,
        Some(Value::from(events).to_string()),
        Some(Value::from(threads).to_string()),
        Some(Value::from(outbox).to_string()),
    ])
}
