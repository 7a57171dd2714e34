//! The SLA sweeper: overdue reminders to the department and escalation to supervisors (one digest message per
//! channel, edited in place), re-paging dispatch for
//! unacknowledged emergencies, "Was it fixed?" follow-ups, and the weekly scorecard. Every decision is computed
//! from events by the pure policy in `routing`, every effect is an event plus outbox rows, so a restart neither
//! loses nor repeats anything.

use crate::store::MailDirection;
use std::time::Duration;

use anyhow::{Context, Result};
use mail::outbound::AutoSubmitted;
use routing::lifecycle::CloseReason;
use routing::policy::{SweepAction, Target};
use routing::sweep::{due_actions, followup_due, sweep_facts, RequestFacts};
use routing::sweep_next::next_look;
use routing::{DepartmentId, EventKind, RequestRef, Source};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::desk::sla::event_facts;
use crate::desk::Desk;
use crate::effect::{ChatNote, DepartmentMailKind, Effect};
use crate::store::{Change, NewEvent, NewOutbox, NextSweep, Request};

mod digest;
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

/// How many requests one sweep reads at a time (with their events, in one query).
const SWEEP_BATCH: i64 = 500;

/// One pass over the requests owed something now (see `requests.next_sweep_at`) and recent closures.
pub async fn sweep_once(desk: &Desk) -> Result<SweepSummary> {
    let now = desk.now();
    let mut summary = SweepSummary::default();
    let mut digests = Digests::default();
    let mut cursor = None;
    loop {
        let batch = desk.store().sweep_due(now, cursor, SWEEP_BATCH).await?;
        let Some(&(last, _)) = batch.last() else {
            break;
        };
        cursor = Some(last);
        let refs: Vec<_> = batch.iter().map(|(_, r)| r.reference).collect();
        let mut events = desk.store().events_of(&refs).await?;
        let mut looks = Vec::with_capacity(batch.len());
        for (_, req) in &batch {
            let events = events.remove(&req.reference).unwrap_or_default();
            if let Some(look) =
                sweep_request(desk, req, &events, now, (&mut summary, &mut digests)).await?
            {
                looks.push(look);
            }
        }
        desk.store().schedule_sweeps(&looks).await?;
    }
    summary.digests = digests.enqueue(desk, now).await?;
    summary.followups = followups(desk, now).await?;
    summary.scorecards = scorecard(desk, now).await?;
    Ok(summary)
}

/// Decides and records what one request is owed now. Returns when to look at it next if nothing was owed
/// (when something was, the change itself records that).
async fn sweep_request(
    desk: &Desk,
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
    match desk.store().apply_change(req.reference, &change, now).await {
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

/// "Was it fixed?" to residents whose request was closed as resolved a few days ago.
async fn followups(desk: &Desk, now: i64) -> Result<usize> {
    let policy = &desk.city().accountability;
    if policy.followup_after_days == 0 {
        return Ok(0);
    }
    let since = now - i64::from(policy.reopen_window_days) * 86_400_000;
    let mut sent = 0;
    let until = now - i64::from(policy.followup_after_days) * 86_400_000;
    let closed = desk.store().followup_candidates(since, until).await?;
    for chunk in closed.chunks(SWEEP_BATCH as usize) {
        let refs: Vec<_> = chunk.iter().map(|r| r.reference).collect();
        let mut events = desk.store().events_of(&refs).await?;
        for req in chunk {
            let Some(closed) = req.closed_at else {
                continue;
            };
            let events = events.remove(&req.reference).unwrap_or_default();
            let cal = &desk.city().calendar;
            let history = event_facts(&events);
            if !followup_due(closed, CloseReason::Resolved, history, now, cal, policy) {
                continue;
            }
            let change = followup_change(desk, req).await?;
            match desk.store().apply_change(req.reference, &change, now).await {
                Err(crate::store::StoreError::Conflict(_)) => continue,
                other => other?,
            }
            sent += 1;
        }
    }
    Ok(sent)
}

/// The "Was it fixed?" email, recorded as asked: applied only if the request did not change meanwhile.
async fn followup_change(desk: &Desk, req: &Request) -> Result<Change> {
    let lang = req.language;
    let vars = [
        ("reference", req.reference.to_string()),
        ("city", desk.city().city.name.clone()),
        ("category", desk.category_name(req.category.as_ref(), lang)),
    ];
    let thread = desk.reply_thread(req).await?;
    let (job, mid) = desk.email_job(
        req.reference,
        lang,
        "followup",
        &vars,
        &req.requester,
        &thread,
        AutoSubmitted::AutoGenerated,
    );
    Ok(Change {
        events: vec![NewEvent::new(
            EventKind::FollowupSent,
            "system",
            Source::Sweeper,
            json!({ "message_id": mid }),
        )],
        outbox: vec![job],
        thread_ids: vec![(mid, MailDirection::Out)],
        expect_status: Some(req.status),
        expect_updated_at: Some(req.updated_at),
        ..Change::default()
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
