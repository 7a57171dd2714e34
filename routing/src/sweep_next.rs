//! When the SLA sweeper next needs to look at an active request: the earliest instant at which
//! [`crate::sweep::due_actions`] could ask for something, given the request's facts and history (with what the
//! sweeper just did recorded in it). The store keeps this time on the request, so a sweep reads only the
//! requests owed something now instead of every open one. Pure.

use crate::calendar::Calendar;
use crate::events::EventKind;
use crate::policy::{Accountability, Target};
use crate::sla::{due_at, paused_since, runs_on_wall_clock};
use crate::sweep::{sweep_facts, RequestFacts};

/// The earliest instant (never before `now_ms`) at which a sweep could owe `req` an action, or `None` when no
/// sweep ever will without a change to the request first: closed, paused (a resumption is a change), or every
/// reminder, escalation and page already done. Any change to a request must ask for a look again.
pub fn next_look(
    req: &RequestFacts,
    events: impl IntoIterator<Item = (EventKind, i64)> + Clone,
    now_ms: i64,
    cal: &Calendar,
    policy: &Accountability,
) -> Option<i64> {
    if !req.emergency && paused_since(events.clone()).is_some() {
        return None;
    }
    let f = sweep_facts(req, events, now_ms);
    let (which, due) = f.current_target()?;
    let mut times: Vec<i64> = Vec::with_capacity(3);
    if f.emergency && which == Target::Response && policy.emergency_repage_minutes > 0 {
        let every = i64::from(policy.emergency_repage_minutes) * 60_000;
        times.push(f.last_repage_ms.unwrap_or(f.created_ms).max(f.created_ms) + every);
    }
    let after = |t: i64, hours: u32| due_at(cal, t, hours, f.priority);
    let first_reminder = after(due, policy.reminder_after_overdue_hours);
    let mut chases = Vec::with_capacity(2);
    match f.last_reminder_ms {
        Some(last) if last >= first_reminder => {
            if policy.reminder_every_hours > 0 {
                chases.push(after(last, policy.reminder_every_hours));
            }
        }
        _ => chases.push(first_reminder),
    }
    if !f.escalated {
        chases.push(after(first_reminder, policy.escalate_after_hours));
    }
    // Reminders and escalations of ordinary work wait for the city to open.
    let wall = runs_on_wall_clock(f.priority);
    times.extend(chases.into_iter().map(|t| {
        let t = t.max(now_ms);
        if wall {
            t
        } else {
            cal.next_open(t)
        }
    }));
    times.into_iter().map(|t| t.max(now_ms)).min()
}

#[cfg(test)]
#[path = "sweep_next_tests.rs"]
mod tests;
