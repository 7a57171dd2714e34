//! What the SLA sweeper owes one request now, from the request's stored facts and its `(EventKind, at)`
//! history: reminders, escalation and re-pages ([`due_actions`]) and the "Was it fixed?" follow-up
//! ([`followup_due`]). Pure: the desk loads the facts and records what it did as events.

use crate::calendar::Calendar;
use crate::events::EventKind;
use crate::lifecycle::{CloseReason, Status};
use crate::policy::{self, Accountability, SweepAction, SweepFacts};
use crate::sla::paused_since;
use crate::types::Priority;

/// A request's row, as the sweeper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFacts {
    pub priority: Priority,
    pub emergency: bool,
    pub status: Status,
    pub created_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub response_due_ms: i64,
    pub resolution_due_ms: i64,
}

/// The reminders, escalation and re-page due now. Nothing while the city waits on the resident (a pause),
/// except for emergencies, which always page.
pub fn due_actions(
    req: &RequestFacts,
    events: impl IntoIterator<Item = (EventKind, i64)> + Clone,
    now_ms: i64,
    cal: &Calendar,
    accountability: &Accountability,
) -> Vec<SweepAction> {
    if !req.emergency && paused_since(events.clone()).is_some() {
        return Vec::new();
    }
    policy::sweep_decision(&sweep_facts(req, events, now_ms), cal, accountability)
}

/// The facts the sweep policy decides on. A reassignment, reopening or acknowledgement starts a new round: a
/// new acknowledgement (or resolution) is owed and may escalate again.
pub fn sweep_facts(
    req: &RequestFacts,
    events: impl IntoIterator<Item = (EventKind, i64)> + Clone,
    now_ms: i64,
) -> SweepFacts {
    let last = |kinds: &[EventKind]| {
        events
            .clone()
            .into_iter()
            .filter(|(kind, _)| kinds.contains(kind))
            .map(|(_, at)| at)
            .max()
    };
    let round_start = last(&[
        EventKind::Reassigned,
        EventKind::Reopened,
        EventKind::Acknowledged,
    ]);
    let escalated =
        last(&[EventKind::Escalated]).is_some_and(|at| round_start.is_none_or(|r| at >= r));
    SweepFacts {
        priority: req.priority,
        emergency: req.emergency,
        status: req.status,
        created_ms: req.created_ms,
        acknowledged_ms: req
            .acknowledged_ms
            .filter(|_| req.status == Status::Acknowledged),
        response_due_ms: req.response_due_ms,
        resolution_due_ms: req.resolution_due_ms,
        last_reminder_ms: last(&[EventKind::OverdueReminder]),
        escalated,
        last_repage_ms: last(&[EventKind::Repaged]),
        now_ms,
    }
}

/// Whether to ask "Was it fixed?" now about a request closed at `closed_ms` for `reason`: not yet asked since
/// that close, and due by the policy.
pub fn followup_due(
    closed_ms: i64,
    reason: CloseReason,
    events: impl IntoIterator<Item = (EventKind, i64)>,
    now_ms: i64,
    cal: &Calendar,
    accountability: &Accountability,
) -> bool {
    let asked = events
        .into_iter()
        .any(|(kind, at)| kind == EventKind::FollowupSent && at >= closed_ms);
    policy::followup_due(closed_ms, reason, asked, now_ms, cal, accountability)
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
