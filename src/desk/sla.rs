//! SLA pauses: while the city waits on the resident (a question sent with `/311 public`), the clock stops;
//! the resident's answer restarts it and pushes the due times back by the business time that passed. The
//! pause state and the new due times are decided in `routing::sla`; this records them.

use routing::{Calendar, EventKind, Source};
use serde_json::json;

use crate::store::{Change, Event, NewEvent, Request};

/// A request's events as the `(kind, at)` facts routing decides on.
pub fn event_facts(events: &[Event]) -> impl Iterator<Item = (EventKind, i64)> + Clone + '_ {
    events.iter().map(|e| (e.kind, e.at))
}

/// When the current pause began, if the request is paused now.
pub fn paused_since(events: &[Event]) -> Option<i64> {
    routing::sla::paused_since(event_facts(events))
}

/// Ends a pause (if any) in `change`: records it and moves both due times later by the paused time.
pub(crate) fn resume(
    cal: &Calendar,
    req: &Request,
    events: &[Event],
    change: &mut Change,
    now: i64,
) {
    let Some(from) = paused_since(events) else {
        return;
    };
    let priority = req.priority;
    let due = (req.response_due_at, req.resolution_due_at);
    let due = routing::sla::resumed_due(cal, priority, due, from, now);
    change.events.push(NewEvent::new(
        EventKind::SlaResumed,
        &req.requester,
        Source::Email,
        json!({ "paused_ms": now - from, "response_due": due.0, "resolution_due": due.1 }),
    ));
    change.due = Some(due);
}
