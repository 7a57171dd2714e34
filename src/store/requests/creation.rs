//! Steps of a new request's transaction, each on the transaction of either store: the idempotency claim
//! taken before the insert and bound to the request after it, and the request's own rows in one statement.

use sqlx::{Database, Encode, Executor, IntoArguments, Type};

use super::super::held::Tx;
use super::super::idempotency::IdempotencyClaim;
use super::super::{fresh_rows, inbound, Creation, InboundRecord, StoreError};

/// A new request's columns, and their values: `$1`–`$16` its fields from department to link, `$17` now (also
/// its `updated_at` and first sweep), `$18`/`$19` its due times, `$20` its status, `$21` its place key (bound
/// by [`bind_new_request!`]).
macro_rules! request_row {
    (columns) => {
        "status, department, category, language, priority, emergency, location_text, location_norm, lat, lon, \
         source, requester, requester_name, subject, description, decision, linked_to, created_at, updated_at, \
         response_due_at, resolution_due_at, place_key, next_sweep_at"
    };
    (values) => {
        "$20, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $21, $17"
    };
}
pub(super) use request_row;

/// Binds `$1`–`$21` of [`request_row!`] to `$query`: the request `$new` created at `$now`.
macro_rules! bind_new_request {
    ($query:expr, $new:expr, $now:expr) => {{
        let new: &NewRequest = $new;
        $query
            .bind(&new.department)
            .bind(&new.category)
            .bind(new.language)
            .bind(new.priority)
            .bind(new.emergency)
            .bind(&new.location_text)
            .bind(&new.location_norm)
            .bind(new.lat)
            .bind(new.lon)
            .bind(new.source)
            .bind(&new.requester)
            .bind(&new.requester_name)
            .bind(&new.subject)
            .bind(&new.description)
            .bind(new.decision.to_string())
            .bind(new.linked_to.map(ref_id))
            .bind($now)
            .bind(new.response_due_at)
            .bind(new.resolution_due_at)
            .bind(Status::Open)
            .bind($crate::store::place_keys::place_key(
                new.location_norm.as_deref(),
            ))
    }};
}
pub(super) use bind_new_request;

/// What a new request's insert answers: its id, and the automatic mail sent to `$22` since `$23`.
macro_rules! returning_count {
    () => {
        " RETURNING id, (SELECT COUNT(*) FROM outbox WHERE kind = 'email' AND recipient = $22 \
         AND created_at >= $23) AS mail_counted"
    };
}

/// A new request's row ([`request_row!`]), its id from the sequence ([`returning_count!`]).
pub(super) const INSERT_REQUEST: &str = concat!(
    "INSERT INTO requests (",
    request_row!(columns),
    ") VALUES (",
    request_row!(values),
    ")",
    returning_count!()
);

/// [`INSERT_REQUEST`] with the id `$24`, reserved ahead.
pub(super) const INSERT_REQUEST_AS: &str = concat!(
    "INSERT INTO requests (id, ",
    request_row!(columns),
    ") VALUES ($24, ",
    request_row!(values),
    ")",
    returning_count!()
);

/// Whether committing `creation` queued outbox rows (then the outbox workers are woken).
pub(super) fn queues_outbox(creation: &Creation) -> bool {
    !creation.change.outbox.is_empty()
        || creation.related.iter().any(|r| !r.change.outbox.is_empty())
}

/// Takes `claim` after dropping expired claims: `false` when another request already holds it.
pub(super) async fn take_claim<DB>(
    tx: &mut Tx<DB>,
    claim: &IdempotencyClaim,
    now: i64,
) -> Result<bool, StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
{
    sqlx::query("DELETE FROM open311_idempotency WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    // RETURNING answers a row only when the claim was inserted (the generic result has no row count).
    let inserted = sqlx::query(
        "INSERT INTO open311_idempotency (application, idem_key, fingerprint, request_id, created_at, \
         expires_at) VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT DO NOTHING RETURNING created_at",
    )
    .bind(claim.application.as_str())
    .bind(claim.key.as_str())
    .bind(claim.fingerprint.as_str())
    .bind(now)
    .bind(claim.expires_at)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(inserted.is_some())
}

/// Points the claim taken by [`take_claim`] at the request created under it.
pub(super) async fn bind_claim<DB>(
    tx: &mut Tx<DB>,
    claim: &IdempotencyClaim,
    request_id: i64,
) -> Result<(), StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> &'t str: Encode<'t, DB> + Type<DB>,
{
    sqlx::query(
        "UPDATE open311_idempotency SET request_id = $3 WHERE application = $1 AND idem_key = $2",
    )
    .bind(claim.application.as_str())
    .bind(claim.key.as_str())
    .bind(request_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes request `id`'s own rows with [`fresh_rows::statement`] and its `binds`; a mail already recorded
/// is [`StoreError::Duplicate`].
pub(super) async fn write_fresh_rows<DB>(
    tx: &mut Tx<DB>,
    id: i64,
    now: i64,
    [inbound_row, events, threads, outbox]: [Option<String>; 4],
    mail: Option<&InboundRecord>,
) -> Result<(), StoreError>
where
    DB: Database,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB> + Type<DB>,
    for<'t> Option<&'t [u8]>: Encode<'t, DB> + Type<DB>,
{
    let written = sqlx::query(fresh_rows::statement(tx))
        .bind(id)
        .bind(now)
        .bind(inbound_row)
        .bind(events)
        .bind(threads)
        .bind(outbox)
        .bind(mail.map(|m| m.raw.as_slice()))
        .execute(&mut **tx)
        .await;
    match (written, mail) {
        (Ok(_), _) => Ok(()),
        (Err(e), Some(m)) => Err(inbound::map_unique(e, &m.external_id)),
        (Err(e), None) => Err(e.into()),
    }
}
