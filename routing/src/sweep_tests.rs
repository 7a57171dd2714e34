//! Sweeper facts from a request's history: rounds, escalation, pauses and follow-ups, as tables.

use super::*;
use crate::calendar::tests::{ms, riverton};
use crate::policy::Target;

/// A normal request created Monday 2026-06-08 09:00, response due Wednesday 15:00.
fn pothole() -> RequestFacts {
    RequestFacts {
        priority: Priority::Normal,
        emergency: false,
        status: Status::Open,
        created_ms: ms("2026-06-08 09:00"),
        acknowledged_ms: None,
        response_due_ms: ms("2026-06-10 15:00"),
        resolution_due_ms: ms("2026-06-19 15:00"),
    }
}

fn at(events: &[(EventKind, &str)]) -> Vec<(EventKind, i64)> {
    events.iter().map(|&(k, t)| (k, ms(t))).collect()
}

#[test]
fn facts_from_the_history() {
    let acked = RequestFacts {
        status: Status::Acknowledged,
        acknowledged_ms: Some(ms("2026-06-09 10:00")),
        ..pothole()
    };
    // A stale acknowledgement time on a reopened request is not an acknowledgement of this round.
    let reopened = RequestFacts {
        status: Status::Reopened,
        acknowledged_ms: Some(ms("2026-06-09 10:00")),
        ..pothole()
    };
    let cases = [
        // (request, history, acknowledged, escalated, last reminder, last re-page)
        (pothole(), at(&[]), None, false, None, None),
        (
            pothole(),
            at(&[
                (EventKind::OverdueReminder, "2026-06-10 15:00"),
                (EventKind::OverdueReminder, "2026-06-11 15:00"),
                (EventKind::Escalated, "2026-06-11 16:00"),
                (EventKind::Repaged, "2026-06-08 09:10"),
            ]),
            None,
            true,
            Some(ms("2026-06-11 15:00")),
            Some(ms("2026-06-08 09:10")),
        ),
        (
            acked,
            at(&[
                (EventKind::Escalated, "2026-06-09 09:00"),
                (EventKind::Acknowledged, "2026-06-09 10:00"),
            ]),
            Some(ms("2026-06-09 10:00")),
            false,
            None,
            None,
        ),
        (
            reopened,
            at(&[
                (EventKind::Escalated, "2026-06-09 09:00"),
                (EventKind::Reopened, "2026-06-12 10:00"),
                (EventKind::Escalated, "2026-06-15 10:00"),
            ]),
            None,
            true,
            None,
            None,
        ),
    ];
    for (req, events, acknowledged, escalated, reminder, repage) in cases {
        let f = sweep_facts(&req, events.iter().copied(), ms("2026-06-16 10:00"));
        assert_eq!(
            (
                f.acknowledged_ms,
                f.escalated,
                f.last_reminder_ms,
                f.last_repage_ms
            ),
            (acknowledged, escalated, reminder, repage),
            "{events:?}"
        );
        assert_eq!(f.now_ms, ms("2026-06-16 10:00"));
    }
}

#[test]
fn what_is_due_now() {
    use SweepAction::*;
    let cal = riverton();
    let policy = Accountability::default();
    let emergency = RequestFacts {
        priority: Priority::Urgent,
        emergency: true,
        ..pothole()
    };
    let remind = Remind {
        which: Target::Response,
    };
    let cases = [
        // (request, history, now, due)
        (pothole(), at(&[]), "2026-06-10 14:00", vec![]),
        (pothole(), at(&[]), "2026-06-10 15:00", vec![remind]),
        // Waiting on the resident: the department is not late.
        (
            pothole(),
            at(&[(EventKind::SlaPaused, "2026-06-09 10:00")]),
            "2026-06-10 15:00",
            vec![],
        ),
        (
            pothole(),
            at(&[
                (EventKind::SlaPaused, "2026-06-09 10:00"),
                (EventKind::SlaResumed, "2026-06-09 11:00"),
            ]),
            "2026-06-10 15:00",
            vec![remind],
        ),
        // Emergencies page even while paused.
        (
            emergency,
            at(&[(EventKind::SlaPaused, "2026-06-08 09:05")]),
            "2026-06-08 09:10",
            vec![Repage],
        ),
        (
            emergency,
            at(&[(EventKind::Repaged, "2026-06-08 09:10")]),
            "2026-06-08 09:15",
            vec![],
        ),
    ];
    for (req, events, now, want) in cases {
        assert_eq!(
            due_actions(&req, events.iter().copied(), ms(now), &cal, &policy),
            want,
            "{now} {events:?}"
        );
    }
}

#[test]
fn followups_are_asked_once_per_close() {
    let cal = riverton();
    let policy = Accountability::default();
    let closed = ms("2026-06-08 10:00");
    let cases = [
        // (reason, history, now, due)
        (CloseReason::Resolved, at(&[]), "2026-06-10 10:00", false),
        (CloseReason::Resolved, at(&[]), "2026-06-11 10:00", true),
        (
            CloseReason::Resolved,
            at(&[(EventKind::FollowupSent, "2026-06-11 10:00")]),
            "2026-06-12 10:00",
            false,
        ),
        // Asked after an earlier close: this close is asked again.
        (
            CloseReason::Resolved,
            at(&[(EventKind::FollowupSent, "2026-06-01 10:00")]),
            "2026-06-11 10:00",
            true,
        ),
        (CloseReason::Duplicate, at(&[]), "2026-06-11 10:00", false),
        // Past the reopen window: a "no" could not reopen.
        (CloseReason::Resolved, at(&[]), "2026-06-23 10:00", false),
    ];
    for (reason, events, now, want) in cases {
        assert_eq!(
            followup_due(
                closed,
                reason,
                events.iter().copied(),
                ms(now),
                &cal,
                &policy
            ),
            want,
            "{reason:?} {now} {events:?}"
        );
    }
}
