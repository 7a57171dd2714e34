//! `next_look` against the sweep it schedules: a simulated sweeper that looks at a request only when its next
//! look is due must take exactly the actions of one that looks at it at every tick.

use super::*;
use crate::calendar::tests::{ms, riverton};
use crate::lifecycle::Status;
use crate::policy::SweepAction;
use crate::sweep::due_actions;
use crate::types::Priority;

const TICK: i64 = 5 * 60_000;

fn record(history: &mut Vec<(EventKind, i64)>, actions: &[SweepAction], now: i64) {
    for a in actions {
        let kind = match a {
            SweepAction::Remind { .. } => EventKind::OverdueReminder,
            SweepAction::Escalate => EventKind::Escalated,
            SweepAction::Repage => EventKind::Repaged,
        };
        history.push((kind, now));
    }
}

/// Every action a sweep each `TICK` from `start` to `end` takes: (time, actions). When `scheduled`, a tick
/// looks only once the previous look's `next_look` has come (a change at `change_at` asks for a look).
fn simulate(
    req: &RequestFacts,
    history: &[(EventKind, i64)],
    (start, end): (i64, i64),
    policy: &Accountability,
    scheduled: bool,
) -> Vec<(i64, Vec<SweepAction>)> {
    let cal = riverton();
    let mut history = history.to_vec();
    let mut next = Some(start);
    let mut taken = Vec::new();
    let mut now = start;
    while now <= end {
        if !scheduled || next.is_some_and(|t| t <= now) {
            let actions = due_actions(req, history.iter().copied(), now, &cal, policy);
            record(&mut history, &actions, now);
            if !actions.is_empty() {
                taken.push((now, actions));
            }
            next = next_look(req, history.iter().copied(), now, &cal, policy);
            assert!(
                next.is_none_or(|t| t >= now),
                "a look is never due in the past"
            );
        }
        now += TICK;
    }
    taken
}

fn pothole(priority: Priority, emergency: bool, status: Status) -> RequestFacts {
    RequestFacts {
        priority,
        emergency,
        status,
        created_ms: ms("2026-06-08 09:00"),
        acknowledged_ms: (status == Status::Acknowledged).then(|| ms("2026-06-08 11:00")),
        response_due_ms: ms("2026-06-09 15:00"),
        resolution_due_ms: ms("2026-06-12 12:00"),
    }
}

#[test]
fn scheduled_looks_take_the_same_actions_as_looking_every_tick() {
    let window = (ms("2026-06-08 09:00"), ms("2026-06-20 09:00"));
    let remind_once = Accountability {
        reminder_every_hours: 0,
        ..Accountability::default()
    };
    let slow = Accountability {
        reminder_after_overdue_hours: 3,
        reminder_every_hours: 5,
        escalate_after_hours: 20,
        emergency_repage_minutes: 0,
        ..Accountability::default()
    };
    let paused = [(EventKind::SlaPaused, ms("2026-06-08 10:00"))];
    let reminded = [(EventKind::OverdueReminder, ms("2026-06-05 10:00"))];
    let mut cases = 0;
    for priority in [Priority::Normal, Priority::High, Priority::Urgent] {
        for emergency in [false, true] {
            for status in [Status::Open, Status::Acknowledged, Status::Reopened] {
                for policy in [Accountability::default(), remind_once.clone(), slow.clone()] {
                    for history in [&[][..], &paused[..], &reminded[..]] {
                        let req = pothole(priority, emergency, status);
                        let every = simulate(&req, history, window, &policy, false);
                        let scheduled = simulate(&req, history, window, &policy, true);
                        assert_eq!(scheduled, every, "{req:?} {history:?} {policy:?}");
                        cases += usize::from(!every.is_empty());
                    }
                }
            }
        }
    }
    assert!(cases > 50, "most cases act at least once ({cases})");
}

#[test]
fn nothing_to_look_at() {
    let cal = riverton();
    let policy = Accountability::default();
    let now = ms("2026-06-10 10:00");
    let closed = pothole(Priority::Normal, false, Status::Closed);
    assert_eq!(next_look(&closed, [], now, &cal, &policy), None);
    let open = pothole(Priority::Normal, false, Status::Open);
    let paused = [(EventKind::SlaPaused, ms("2026-06-08 10:00"))];
    assert_eq!(next_look(&open, paused, now, &cal, &policy), None);
    // Reminded once, no repeats, already escalated: nothing more until something changes.
    let once = Accountability {
        reminder_every_hours: 0,
        ..Accountability::default()
    };
    let done = [
        (EventKind::OverdueReminder, ms("2026-06-09 15:00")),
        (EventKind::Escalated, ms("2026-06-10 09:00")),
    ];
    assert_eq!(next_look(&open, done, now, &cal, &once), None);
    // Not due yet: the first reminder, at the response due time (a working hour).
    let early = ms("2026-06-08 12:00");
    assert_eq!(
        next_look(&open, [], early, &cal, &policy),
        Some(ms("2026-06-09 15:00"))
    );
}
