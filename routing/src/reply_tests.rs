use super::*;

/// The shipped English and Spanish lists (config/templates.toml `[words]`).
pub(crate) fn words() -> ReplyWords {
    let list = |s: &str| s.split_whitespace().map(String::from).collect();
    ReplyWords {
        yes: list("yes y yeah yep si sí fixed arreglado resuelto"),
        no: list("no n nope not"),
        status: list("status estado estatus"),
        progress: list("update progress avance novedades"),
    }
}

const DAY: i64 = 86_400_000;

fn facts(status: Status, sender: Sender, pending: bool, days_since_close: i64) -> ReplyFacts {
    ReplyFacts {
        status,
        closed_ms: 10 * DAY,
        reopen_window_ms: 14 * DAY,
        followup_pending: pending,
        sender,
        now_ms: 10 * DAY + days_since_close * DAY,
    }
}

#[test]
fn replies_are_planned_from_status_sender_followup_and_text() {
    use ReplyPlan::*;
    use Sender::*;
    use Status::{Acknowledged, Closed, Open, Reopened};
    let cases = [
        // (status, sender, follow-up pending, days since close, text, plan)
        (
            Closed,
            Requester,
            true,
            4,
            "Yes, thanks",
            FollowUpAnswer { fixed: true },
        ),
        (
            Closed,
            Requester,
            true,
            4,
            "no, still there",
            FollowUpAnswer { fixed: false },
        ),
        (
            Closed,
            Requester,
            true,
            4,
            "Sí",
            FollowUpAnswer { fixed: true },
        ),
        // Pending but neither yes nor no: an ordinary reopen.
        (Closed, Requester, true, 4, "The hole came back", Reopen),
        // A yes without a pending question reopens too: nobody asked.
        (Closed, Requester, false, 4, "yes it is back", Reopen),
        (Closed, Requester, false, 14, "still broken", Reopen),
        (
            Closed,
            Requester,
            false,
            15,
            "still broken",
            TooLateNewRequest,
        ),
        // Only the requester may reopen or answer: others comment (or ask for status).
        (Closed, Other, true, 4, "no", Comment),
        (Closed, Other, false, 4, "status", StatusQuestion),
        (Open, Requester, false, 0, "status", StatusQuestion),
        (
            Acknowledged,
            Requester,
            false,
            0,
            "any update?",
            StatusQuestion,
        ),
        (Reopened, Requester, false, 0, "any update", Comment),
        (Open, Requester, true, 0, "yes", Comment),
        (Open, Other, false, 0, "Crew on site now", Comment),
    ];
    for (status, sender, pending, days, text, want) in cases {
        let f = facts(status, sender, pending, days);
        assert_eq!(
            plan_reply(&f, text, &words()),
            want,
            "{status:?} {sender:?} pending={pending} +{days}d {text:?}"
        );
    }
}

#[test]
fn a_followup_is_pending_until_answered_after_the_close() {
    type History = &'static [(EventKind, i64)];
    let cases: [(History, bool); 6] = [
        (&[], false),
        (&[(EventKind::FollowupSent, 100)], true),
        (
            &[
                (EventKind::FollowupSent, 100),
                (EventKind::FollowupConfirmed, 200),
            ],
            false,
        ),
        (
            &[
                (EventKind::FollowupSent, 100),
                (EventKind::FollowupNotFixed, 200),
            ],
            false,
        ),
        // Asked before this close (an earlier round): not pending now.
        (&[(EventKind::FollowupSent, 50)], false),
        // Answered in an earlier round, asked again since: pending.
        (
            &[
                (EventKind::FollowupConfirmed, 60),
                (EventKind::FollowupSent, 150),
            ],
            true,
        ),
    ];
    for (events, want) in cases {
        assert_eq!(
            followup_pending(100, events.iter().copied()),
            want,
            "{events:?}"
        );
    }
}

#[test]
fn yes_or_no_reads_the_first_word() {
    let cases = [
        ("yes", Some(true)),
        ("Yes, it was fixed", Some(true)),
        ("  FIXED!", Some(true)),
        ("sí, gracias", Some(true)),
        ("arreglado", Some(true)),
        ("no", Some(false)),
        ("Nope.", Some(false)),
        ("not fixed at all", Some(false)),
        ("n", Some(false)),
        ("", None),
        ("...", None),
        ("thanks, yes", None),
        ("maybe", None),
    ];
    for (text, want) in cases {
        assert_eq!(yes_or_no(text, &words()), want, "{text:?}");
    }
}

#[test]
fn status_questions() {
    let long = format!("status {}", "x".repeat(80));
    let cases = [
        ("status", true),
        ("STATUS", true),
        ("Estado", true),
        ("what's the status?", true),
        ("¿Cuál es el estado?", true),
        ("any update?", true),
        ("¿novedades?", true),
        // Progress words only in a question.
        ("any update", false),
        ("", false),
        ("The pothole is now bigger and a car hit it", false),
        ("gracias", false),
        // Long messages are comments even when they mention the status.
        (long.as_str(), false),
    ];
    for (text, want) in cases {
        assert_eq!(is_status_question(text, &words()), want, "{text:?}");
    }
}
