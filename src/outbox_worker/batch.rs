//! The claim–deliver–record loop: due lane heads claimed in batches, delivered concurrently by a bounded pool
//! of senders, every outcome of a batch recorded in one transaction; woken by the commits that queue rows.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use anyhow::{anyhow, Result};
use futures::{FutureExt, StreamExt};
use routing::{EventKind, Source};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{deliver, Deliverers, Failure};
use crate::desk::Desk;
use crate::monitor::{Component, Monitor};
use crate::store::{Change, DeliveryRecord, NewEvent, OutboxJob, OutboxOutcome};
use crate::supervise::panic_text;

const LEASE_MS: i64 = 60_000;
/// One delivery's result: what it leaves to remember, or why it failed.
type Attempted = Result<Option<DeliveryRecord>, Failure>;
/// The least a rate-limited row waits, whatever `retry_after` said, so a zero never makes a tight loop.
const MIN_RATE_LIMIT_WAIT: Duration = Duration::from_millis(50);
/// Lane heads claimed at once (one row per lane, so a batch never reorders a lane).
const BATCH: i64 = 32;
/// Jobs of a batch in flight at once: mails share the SMTP transport's pool, chat posts go out in parallel
/// across channels (a channel is a lane: serial within it).
const SENDERS: usize = 8;
/// The shortest idle wait, so a clock skew between instances never makes a tight loop.
const MIN_IDLE: Duration = Duration::from_millis(20);

/// Runs until cancelled, delivering due rows in batches and reporting to `monitor`. Between batches it waits
/// for a commit that queued rows (in-process signal; on PostgreSQL also `LISTEN`, whichever instance wrote
/// them), for the earliest scheduled retry, or at most `poll_ms` (a safety net for rows queued by another
/// process on SQLite, or a notification lost with its connection).
pub async fn run(desk: Desk, d: Deliverers, monitor: Monitor, cancel: CancellationToken) {
    let store = desk.store().clone();
    let stop_listening = cancel.child_token();
    let work = async {
        deliver_until_cancelled(&desk, &d, &monitor, &cancel).await;
        stop_listening.cancel();
    };
    tokio::join!(
        store.forward_outbox_notifications(stop_listening.clone()),
        work
    );
}

async fn deliver_until_cancelled(
    desk: &Desk,
    d: &Deliverers,
    monitor: &Monitor,
    cancel: &CancellationToken,
) {
    let signal = desk.store().outbox_signal();
    let safety_net = Duration::from_millis(desk.settings().outbox.poll_ms);
    while !cancel.is_cancelled() {
        // Armed before looking, so a commit between the look and the wait still wakes us.
        let woken = signal.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let pause = match deliver_batch(desk, d, monitor, BATCH).await {
            Ok(0) => until_next_due(desk, safety_net).await,
            Ok(_) => continue,
            Err(e) => {
                warn!(error = format!("{e:#}"), "outbox worker error");
                safety_net.min(Duration::from_secs(1))
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = &mut woken => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// How long to wait for the earliest scheduled row (a backoff, a rate-limit wait, another worker's lease),
/// at most `safety_net`.
async fn until_next_due(desk: &Desk, safety_net: Duration) -> Duration {
    match desk.store().next_outbox_due().await {
        Ok(Some(at)) => {
            let ms = u64::try_from(at.saturating_sub(desk.now())).unwrap_or(0);
            Duration::from_millis(ms).max(MIN_IDLE).min(safety_net)
        }
        Ok(None) => safety_net,
        Err(e) => {
            warn!(error = format!("{e:#}"), "outbox: no next due time");
            safety_net
        }
    }
}

/// Delivers every due row now (used by one-shot commands and tests); returns how many were attempted.
pub async fn drain(desk: &Desk, d: &Deliverers) -> Result<usize> {
    let monitor = Monitor::default();
    let mut n = 0;
    loop {
        match deliver_batch(desk, d, &monitor, BATCH).await? {
            0 => return Ok(n),
            k => n += k,
        }
    }
}

/// Claims and delivers one due row; false when none is due.
pub async fn deliver_next(desk: &Desk, d: &Deliverers) -> Result<bool> {
    Ok(deliver_batch(desk, d, &Monitor::default(), 1).await? > 0)
}

/// Claims up to `limit` due lane heads, delivers them concurrently (at most [`SENDERS`] at once) and records
/// every outcome in ONE transaction; returns how many were attempted. One job's failure (or panic) is its own
/// outcome and changes nobody else's. A crash after a send and before the record leaves the row leased: it
/// is claimed again when the lease ends and sent again (at least once, never lost).
async fn deliver_batch(
    desk: &Desk,
    d: &Deliverers,
    monitor: &Monitor,
    limit: i64,
) -> Result<usize> {
    let jobs = desk
        .store()
        .claim_outbox_batch(desk.now(), LEASE_MS, limit)
        .await?;
    if jobs.is_empty() {
        return Ok(0);
    }
    let attempted: Vec<(OutboxJob, Attempted)> = futures::stream::iter(jobs)
        .map(|job| async move {
            let result = attempt(desk, d, &job, monitor).await;
            (job, result)
        })
        .buffer_unordered(SENDERS)
        .collect()
        .await;
    let now = desk.now();
    let outcomes: Vec<OutboxOutcome> = attempted
        .iter()
        .map(|(job, result)| outcome_of(desk, job, result, now))
        .collect();
    let unrecorded = match desk.store().record_outbox_outcomes(&outcomes).await {
        Ok(()) => None,
        Err(u) => {
            warn!(jobs = ?u.jobs, error = %u, "outcomes not recorded; their jobs are tried again when the lease ends");
            Some(u)
        }
    };
    let recorded = |id: i64| unrecorded.as_ref().is_none_or(|u| !u.jobs.contains(&id));
    for ((job, result), outcome) in attempted.iter().zip(&outcomes) {
        // What was attempted is counted whatever its record; a give-up is told only once it is recorded
        // (an unrecorded one is attempted again, and given up then).
        report(monitor, job, result, outcome);
        if recorded(job.id) {
            note_if_given_up(desk, job, outcome, now).await;
        }
    }
    match unrecorded {
        Some(u) if u.jobs.len() == attempted.len() => Err(u.into()),
        _ => Ok(attempted.len()),
    }
}

/// Notes a given-up delivery on its request's events (a failure to note it is logged, not raised: the row's
/// own record already says it failed).
async fn note_if_given_up(desk: &Desk, job: &OutboxJob, outcome: &OutboxOutcome, now: i64) {
    let OutboxOutcome::Failed {
        error,
        give_up: true,
        ..
    } = outcome
    else {
        return;
    };
    if let Err(e) = note_given_up(desk, job, error, now).await {
        warn!(
            job = job.id,
            error = format!("{e:#}"),
            "delivery failure not noted on its request"
        );
    }
}

/// One delivery; a job whose delivery panics fails like any other (its panic text recorded as the row's last
/// error) and is retried with the same backoff.
async fn attempt(desk: &Desk, d: &Deliverers, job: &OutboxJob, monitor: &Monitor) -> Attempted {
    match AssertUnwindSafe(deliver(desk, d, job)).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            monitor.count_unit_panic(Component::Outbox);
            Err(Failure::Transient(anyhow!(
                "delivery panicked: {}",
                panic_text(payload.as_ref())
            )))
        }
    }
}

/// What to record for one attempt: delivered; rate-limited (back when told, not counted); or failed, retried
/// with exponential backoff or given up after the last attempt or a permanent error.
fn outcome_of(desk: &Desk, job: &OutboxJob, result: &Attempted, now: i64) -> OutboxOutcome {
    let f = match result {
        Ok(record) => {
            return OutboxOutcome::Delivered {
                id: job.id,
                at: now,
                record: record.clone(),
            }
        }
        Err(f) => f,
    };
    if let Failure::RateLimited(e, wait) = f {
        let wait = i64::try_from(wait.max(&MIN_RATE_LIMIT_WAIT).as_millis()).unwrap_or(i64::MAX);
        info!(
            job = job.id,
            kind = job.kind(),
            wait_ms = wait,
            "rate limited; waiting as told"
        );
        return OutboxOutcome::Deferred {
            id: job.id,
            error: format!("{e:#}"),
            next_attempt_at: now.saturating_add(wait),
        };
    }
    let s = &desk.settings().outbox;
    let give_up = f.is_permanent() || job.attempts >= i64::from(s.max_attempts);
    let error = format!("{:#}", f.error());
    warn!(job = job.id, kind = job.kind(), attempts = job.attempts, give_up, error = %error, "delivery failed");
    OutboxOutcome::Failed {
        id: job.id,
        error,
        next_attempt_at: now.saturating_add(s.retry_delay_ms(job.attempts)),
        give_up,
        now,
    }
}

/// Counts the outcome (and reports mail trouble) to `monitor`.
fn report(monitor: &Monitor, job: &OutboxJob, result: &Attempted, outcome: &OutboxOutcome) {
    let kind = if matches!(job.kind(), "email" | "department_email") {
        "mail"
    } else {
        "chat"
    };
    match (result, outcome) {
        (Ok(_), _) => {
            info!(job = job.id, kind = job.kind(), request_ref = %job.reference.map_or_else(String::new, |r| r.to_string()), "delivered");
            monitor.count_delivery(kind, "sent");
            if kind == "mail" {
                monitor.mail_sent();
            }
        }
        (Err(f), outcome) => {
            let give_up = matches!(outcome, OutboxOutcome::Failed { give_up: true, .. });
            monitor.count_delivery(kind, if give_up { "failed" } else { "retry" });
            if kind == "mail" && !f.is_permanent() {
                let auth = f
                    .error()
                    .downcast_ref::<mail::outbound::SendError>()
                    .is_some_and(|e| e.is_auth_failure());
                monitor.mail_failed(&format!("{:#}", f.error()), auth);
            }
        }
    }
}

/// Says in the request's events that its delivery was given up.
async fn note_given_up(desk: &Desk, job: &OutboxJob, error: &str, now: i64) -> Result<()> {
    let Some(r) = job.reference else {
        return Ok(());
    };
    let change = Change {
        events: vec![NewEvent::new(
            EventKind::DeliveryFailed,
            "system",
            Source::Outbox,
            json!({ "kind": job.kind(), "recipient": job.recipient, "error": error, "attempts": job.attempts }),
        )],
        ..Change::default()
    };
    desk.store().apply_change(r, &change, now).await?;
    Ok(())
}
