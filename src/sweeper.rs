//! The SLA sweeper: overdue reminders to the department and escalation to supervisors (one digest message per
//! channel, edited in place), re-paging dispatch for
//! unacknowledged emergencies, "Was it fixed?" follow-ups, and the weekly scorecard. Every decision is computed
//! from events by the pure policy in `routing`, every effect is an event plus outbox rows, so a restart neither
//! loses nor repeats anything.

use std::time::Duration;

use anyhow::{Context, Result};
use routing::policy::{SweepAction, Target};
use routing::sweep::{due_actions, sweep_facts, RequestFacts};
use routing::sweep_next::next_look;
use routing::{DepartmentId, EventKind, RequestRef, Source};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::desk::sla::event_facts;
use crate::desk::Desk;
use crate::effect::{ChatNote, DepartmentMailKind, Effect};
use crate::store::{Change, NewEvent, NewOutbox, NextSweep, Request, Store};

mod digest;
mod followups;
use digest::Digests;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    /// Channel digests of overdue work queued (one per channel the sweep reminded or escalated in).
    pub digests: usize,
    pub reminders: usize,
    pub escalations: usize,
    pub repages: usize,
    pub followups: usize,
    pub scorecards: usize,
}

impl std::fmt::Display for SweepSummary {
    /// `2 reminders, 1 escalation, 0 re-pages, 0 follow-ups, 1 digest, 0 scorecards`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} reminder(s), {} escalation(s), {} re-page(s), {} follow-up(s), {} digest(s), {} scorecard(s)",
            self.reminders, self.escalations, self.repages, self.followups, self.digests, self.scorecards
        )
    }
}

/// Sweeps every `every` until cancelled. A failed sweep ends the run with its error, so that the supervisor
/// records it (readiness shows it), backs off and starts again; the new run sweeps at once.
pub async fn run(desk: Desk, every: Duration, cancel: CancellationToken) -> Result<()> {
    loop {
        let s = sweep_once(&desk).await.context("SLA sweep failed")?;
        if s != SweepSummary::default() {
            info!(
                digests = s.digests,
                reminders = s.reminders,
                escalations = s.escalations,
                repages = s.repages,
                followups = s.followups,
                scorecards = s.scorecards,
                "sweep: {s}"
            );
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// How many requests one sweep reads at a time (with their events, in one query), and decides in one group
/// transaction (one durable commit for all the batch's changes, each in its own savepoint).
const SWEEP_BATCH: usize = 500;

/// At most this many due requests decided per pass, and this many "Was it fixed?" emails (see [`PassLimits`]).
pub const REQUESTS_PER_PASS: usize = 2_000;
pub const FOLLOWUPS_PER_PASS: usize = 500;

/// How much one pass may do; what is left waits for the next pass (a minute later), first in line. A city
/// catching up after an import or an outage gets its backlog worked over a few passes, each short, instead of
/// one pass that holds the database for minutes; the emergencies are read first and are never held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassLimits {
    /// Due requests (other than emergencies) decided per pass, most overdue first.
    pub requests: usize,
    /// "Was it fixed?" emails queued per pass, oldest closure first. Not urgent, and a mail provider limits
    /// how many a city may send per minute anyway.
    pub followups: usize,
}

impl Default for PassLimits {
    fn default() -> Self {
        PassLimits {
            requests: REQUESTS_PER_PASS,
            followups: FOLLOWUPS_PER_PASS,
        }
    }
}

/// One pass over the requests owed something now (see `requests.next_sweep_at`) and recent closures.
pub async fn sweep_once(desk: &Desk) -> Result<SweepSummary> {
    sweep_within(desk, PassLimits::default()).await
}

/// [`sweep_once`] within `limits`.
pub async fn sweep_within(desk: &Desk, limits: PassLimits) -> Result<SweepSummary> {
    let now = desk.now();
    let mut summary = SweepSummary::default();
    let mut digests = Digests::default();
    let acc = (&mut summary, &mut digests);
    sweep_due(desk, now, Due::Emergencies, usize::MAX, acc).await?;
    let acc = (&mut summary, &mut digests);
    sweep_due(desk, now, Due::All, limits.requests, acc).await?;
    summary.digests = digests.enqueue(desk, now).await?;
    summary.followups = followups::followups(desk, now, limits.followups).await?;
    summary.scorecards = scorecard(desk, now).await?;
    Ok(summary)
}

/// Which due requests a scan reads.
#[derive(Debug, Clone, Copy)]
enum Due {
    Emergencies,
    All,
}

/// Decides up to `limit` of the requests due now, batch by batch in `(next_sweep_at, id)` order.
async fn sweep_due(
    desk: &Desk,
    now: i64,
    which: Due,
    limit: usize,
    (summary, digests): (&mut SweepSummary, &mut Digests),
) -> Result<()> {
    let (mut cursor, mut read) = (None, 0);
    while read < limit {
        let want = (limit - read).min(SWEEP_BATCH) as i64;
        let store = desk.store();
        let batch = match which {
            Due::Emergencies => store.sweep_due_emergencies(now, cursor, want).await?,
            Due::All => store.sweep_due(now, cursor, want).await?,
        };
        let Some(&(last, _)) = batch.last() else {
            break;
        };
        cursor = Some(last);
        read += batch.len();
        sweep_batch(desk, &batch, now, (&mut *summary, &mut *digests)).await?;
        if batch.len() < want as usize {
            break;
        }
    }
    Ok(())
}

/// Decides one batch of due requests and writes what they are owed, and when to look at each next, in one
/// group transaction. If that fails nothing of the batch is written (the sweep fails; the next decides again).
async fn sweep_batch(
    desk: &Desk,
    batch: &[(crate::store::SweepCursor, Request)],
    now: i64,
    (summary, digests): (&mut SweepSummary, &mut Digests),
) -> Result<()> {
    let refs: Vec<_> = batch.iter().map(|(_, r)| r.reference).collect();
    let mut events = desk.store().events_of(&refs).await?;
    let group = desk.store().hold_group().await?;
    let mut looks = Vec::with_capacity(batch.len());
    for (_, req) in batch {
        let events = events.remove(&req.reference).unwrap_or_default();
        let acc = (&mut *summary, &mut *digests);
        if let Some(look) = sweep_request(desk, &group, req, &events, now, acc).await? {
            looks.push(look);
        }
    }
    group.schedule_sweeps(&looks).await?;
    group.commit_group().await?;
    Ok(())
}

/// Decides and records (on `store`, the batch's group) what one request is owed now. Returns when to look at
/// it next if nothing was owed (when something was, the change itself records that).
async fn sweep_request(
    desk: &Desk,
    store: &Store,
    req: &Request,
    events: &[crate::store::Event],
    now: i64,
    (summary, digests): (&mut SweepSummary, &mut Digests),
) -> Result<Option<(RequestRef, i64, Option<i64>)>> {
    let city = &desk.city();
    let (calendar, policy) = (&city.calendar, &city.accountability);
    let row_facts = facts(req)?;
    let mut history: Vec<_> = event_facts(events).collect();
    let actions = due_actions(&row_facts, history.iter().copied(), now, calendar, policy);
    let seen = sweep_facts(&row_facts, history.iter().copied(), now);
    if actions.is_empty() {
        digests.note(desk, req, &seen, &[]);
        let next = next_look(&row_facts, history.iter().copied(), now, calendar, policy);
        return Ok(Some((req.reference, req.updated_at, next)));
    }
    let mut change = Change {
        expect_status: Some(req.status),
        expect_updated_at: Some(req.updated_at),
        ..Change::default()
    };
    for &action in &actions {
        record_action(desk, req, action, &mut change);
    }
    history.extend(change.events.iter().map(|e| (e.kind, now)));
    change.next_sweep = match next_look(&row_facts, history.iter().copied(), now, calendar, policy)
    {
        Some(t) => NextSweep::At(t),
        None => NextSweep::Never,
    };
    match store.apply_change(req.reference, &change, now).await {
        // Someone (staff, another sweeper) changed it meanwhile: the next sweep decides on fresh facts.
        Err(crate::store::StoreError::Conflict(_)) => return Ok(None),
        other => other?,
    }
    digests.note(desk, req, &seen, &actions);
    for action in actions {
        match action {
            SweepAction::Remind { .. } => summary.reminders += 1,
            SweepAction::Escalate => summary.escalations += 1,
            SweepAction::Repage => summary.repages += 1,
        }
    }
    Ok(None)
}

/// Writes one due action into `change`: its event and the note or page it sends.
fn record_action(desk: &Desk, req: &Request, action: SweepAction, change: &mut Change) {
    let event = |kind, payload| NewEvent::new(kind, "system", Source::Sweeper, payload);
    match action {
        // The department hears of it in its channel's digest (see `digest`), not one message per request;
        // one working by email, in the work order's conversation.
        SweepAction::Remind { which } => {
            let (what, due) = match which {
                Target::Response => ("acknowledgement", req.response_due_at),
                Target::Resolution => ("resolution", req.resolution_due_at),
            };
            change.events.push(event(
                EventKind::OverdueReminder,
                json!({ "target": what, "due": due }),
            ));
            let text = format!(
                "Reminder: the {what} target passed at {}.",
                desk.human_time(due)
            );
            change.outbox.extend(
                desk.department_email_job(&req.department, DepartmentMailKind::Note { text }),
            );
        }
        SweepAction::Escalate => {
            change.events.push(event(
                EventKind::Escalated,
                json!({ "department": req.department }),
            ));
            // A department working by email has no digest to read it in: it is told by email.
            change
                .outbox
                .extend(desk.department_email_job(&req.department, DepartmentMailKind::Escalated));
        }
        SweepAction::Repage => {
            change.events.push(event(EventKind::Repaged, json!({})));
            change
                .outbox
                .extend(desk.work_order_job(&req.department, true));
        }
    }
}

/// The request's row as the sweep decision reads it.
fn facts(req: &Request) -> Result<RequestFacts> {
    Ok(RequestFacts {
        priority: req.priority,
        emergency: req.emergency.is_some(),
        status: req.status,
        created_ms: req.created_at,
        acknowledged_ms: req.acknowledged_at,
        response_due_ms: req.response_due_at,
        resolution_due_ms: req.resolution_due_at,
    })
}

/// The weekly scorecard, posted once per ISO week on the configured weekday.
async fn scorecard(desk: &Desk, now: i64) -> Result<usize> {
    use chrono::Datelike;
    let policy = &desk.city().accountability;
    let Some(channel) = policy.scorecard_channel.clone() else {
        return Ok(0);
    };
    let local = desk.city().calendar.local(now);
    if local.weekday() != policy.scorecard_weekday {
        return Ok(0);
    }
    let week = local.iso_week();
    let key = format!("{}-W{:02}", week.year(), week.week());
    if !desk
        .store()
        .claim_period("weekly_scorecard", &key, now)
        .await?
    {
        return Ok(0);
    }
    let report = crate::report::build(desk, now - 7 * 86_400_000, now, None).await?;
    let internal = crate::report::internal_table(desk, now - 7 * 86_400_000, now, None).await?;
    let mut text = format!(
        "📊 Weekly 311 scorecard ({key})\n{}",
        crate::report::scorecard_text(&report)
    );
    if !internal.pairs.is_empty() {
        text.push_str(&internal.to_text());
    }
    // Not about one request: an outbox row without a request.
    desk.store().enqueue(&note_to(&channel, text), now).await?;
    Ok(1)
}

fn department_channel(desk: &Desk, department: &DepartmentId) -> Option<String> {
    desk.city()
        .departments
        .iter()
        .find(|d| &d.id == department)
        .and_then(|d| d.card_channel().map(String::from))
}

fn note_to(channel: &str, text: String) -> NewOutbox {
    Effect::ChatNote(ChatNote {
        channel: Some(channel.to_string()),
        text,
    })
    .into()
}
