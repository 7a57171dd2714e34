//! SLA pauses: while the city waits on the resident (a question sent with `/311 public`), the clock stops;
//! the resident's answer restarts it and pushes the due times back by the business time that passed.

use routing::sla::{runs_on_wall_clock, shift_due};
use routing::{EventKind, Source};
use serde_json::json;

use super::Desk;
use crate::store::{Change, Event, NewEvent, Request, StoreError};

/// When the current pause began, if the request is paused now.
pub fn paused_since(events: &[Event]) -> Option<i64> {
    let mut since = None;
    for e in events {
        match e.kind {
            EventKind::SlaPaused => since = Some(e.at),
            EventKind::SlaResumed | EventKind::Closed | EventKind::Reopened => since = None,
            _ => {}
        }
    }
    since
}

impl Desk {
    /// Ends a pause (if any) in `change`: records it and moves both due times later by the paused time.
    pub(crate) async fn resume_sla(
        &self,
        req: &Request,
        change: &mut Change,
        now: i64,
    ) -> Result<(), StoreError> {
        let events = self.store.events(req.reference).await?;
        let Some(from) = paused_since(&events) else {
            return Ok(());
        };
        let priority = req.priority;
        let cal = &self.city.calendar;
        let shift = |due: i64| {
            if runs_on_wall_clock(priority) {
                due + (now - from)
            } else {
                shift_due(cal, due, from, now)
            }
        };
        let due = (shift(req.response_due_at), shift(req.resolution_due_at));
        change.events.push(NewEvent::new(
            EventKind::SlaResumed,
            &req.requester,
            Source::Email,
            json!({ "paused_ms": now - from, "response_due": due.0, "resolution_due": due.1 }),
        ));
        change.due = Some(due);
        Ok(())
    }
}
