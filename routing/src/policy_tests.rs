//! Sweeper decision tables: reminders, escalation and re-pages at chosen moments, idempotence, follow-ups and
//! `[accountability]` loading.

use super::*;
use crate::calendar::tests::{ms, riverton};

/// A normal request created Monday 2026-06-08 09:00: response due Wednesday 15:00 (24 business hours),
/// resolution due Friday 2026-06-19 15:00.
fn pothole(now: &str) -> SweepFacts {
    SweepFacts {
        priority: Priority::Normal,
        emergency: false,
        status: Status::Open,
        created_ms: ms("2026-06-08 09:00"),
        acknowledged_ms: None,
        response_due_ms: ms("2026-06-10 15:00"),
        resolution_due_ms: ms("2026-06-19 15:00"),
        last_reminder_ms: None,
        escalated: false,
        last_repage_ms: None,
        now_ms: ms(now),
    }
}

/// A gas leak reported Saturday 2026-06-06 02:00: urgent, response due an hour later on the wall clock.
fn gas_leak(now: &str) -> SweepFacts {
    SweepFacts {
        priority: Priority::Urgent,
        emergency: true,
        created_ms: ms("2026-06-06 02:00"),
        response_due_ms: ms("2026-06-06 03:00"),
        resolution_due_ms: ms("2026-06-06 06:00"),
        ..pothole(now)
    }
}

fn acked(mut f: SweepFacts, at: &str) -> SweepFacts {
    f.acknowledged_ms = Some(ms(at));
    f.status = Status::Acknowledged;
    f
}

fn reminded(mut f: SweepFacts, at: &str) -> SweepFacts {
    f.last_reminder_ms = Some(ms(at));
    f
}

fn escalated(mut f: SweepFacts) -> SweepFacts {
    f.escalated = true;
    f
}

fn repaged(mut f: SweepFacts, at: &str) -> SweepFacts {
    f.last_repage_ms = Some(ms(at));
    f
}

#[test]
fn sweep_decisions_table() {
    use SweepAction::*;
    use Target::*;
    let cal = riverton();
    let policy = Accountability::default();
    let cases: Vec<(&str, SweepFacts, Vec<SweepAction>)> = vec![
        ("not yet overdue", pothole("2026-06-10 14:59"), vec![]),
        (
            "overdue: first reminder",
            pothole("2026-06-10 15:00"),
            vec![Remind { which: Response }],
        ),
        (
            "already reminded",
            reminded(pothole("2026-06-10 15:00"), "2026-06-10 15:00"),
            vec![],
        ),
        (
            "overdue at night waits",
            pothole("2026-06-10 17:30"),
            vec![],
        ),
        (
            "night reminder comes next morning",
            pothole("2026-06-11 08:00"),
            vec![Remind { which: Response }],
        ),
        // Escalation: first reminder time + 8 business hours = Thursday 14:00.
        (
            "escalate",
            reminded(pothole("2026-06-11 14:00"), "2026-06-10 15:00"),
            vec![Escalate],
        ),
        (
            "escalated once",
            escalated(reminded(pothole("2026-06-11 14:00"), "2026-06-10 15:00")),
            vec![],
        ),
        // Repeat 24 business hours after Wednesday 15:00 = Monday 2026-06-15 12:00.
        (
            "not repeated early",
            escalated(reminded(pothole("2026-06-15 11:59"), "2026-06-10 15:00")),
            vec![],
        ),
        (
            "repeated",
            escalated(reminded(pothole("2026-06-15 12:00"), "2026-06-10 15:00")),
            vec![Remind { which: Response }],
        ),
        (
            "both after a long outage",
            pothole("2026-06-12 10:00"),
            vec![Remind { which: Response }, Escalate],
        ),
        // Acknowledged: the resolution clock. The old reminder belongs to the response target.
        (
            "acknowledged, not yet due",
            acked(
                reminded(pothole("2026-06-19 14:00"), "2026-06-15 12:00"),
                "2026-06-15 13:00",
            ),
            vec![],
        ),
        (
            "resolution overdue",
            acked(
                reminded(pothole("2026-06-19 15:00"), "2026-06-15 12:00"),
                "2026-06-15 13:00",
            ),
            vec![Remind { which: Resolution }],
        ),
        (
            "resolution escalates",
            acked(
                reminded(pothole("2026-06-22 14:00"), "2026-06-19 15:00"),
                "2026-06-15 13:00",
            ),
            vec![Escalate],
        ),
        (
            "reassigned: awaits a new acknowledgement",
            SweepFacts {
                status: Status::Open,
                ..acked(pothole("2026-06-10 15:00"), "2026-06-09 10:00")
            },
            vec![Remind { which: Response }],
        ),
        (
            "closed",
            SweepFacts {
                status: Status::Closed,
                ..pothole("2026-07-10 10:00")
            },
            vec![],
        ),
        // Emergencies: re-page every 10 minutes until acknowledged, reminders day and night.
        ("first repage", gas_leak("2026-06-06 02:10"), vec![Repage]),
        ("too soon", gas_leak("2026-06-06 02:09"), vec![]),
        (
            "just repaged",
            repaged(gas_leak("2026-06-06 02:10"), "2026-06-06 02:10"),
            vec![],
        ),
        (
            "second repage",
            repaged(gas_leak("2026-06-06 02:20"), "2026-06-06 02:10"),
            vec![Repage],
        ),
        (
            "overdue at night, wall clock",
            repaged(gas_leak("2026-06-06 03:00"), "2026-06-06 02:55"),
            vec![Remind { which: Response }],
        ),
        (
            "escalates 8 wall hours later",
            reminded(
                repaged(gas_leak("2026-06-06 11:00"), "2026-06-06 10:55"),
                "2026-06-06 03:00",
            ),
            vec![Escalate],
        ),
        (
            "acknowledged: no repage",
            acked(gas_leak("2026-06-06 02:30"), "2026-06-06 02:05"),
            vec![],
        ),
    ];
    for (why, facts, want) in cases {
        assert_eq!(sweep_decision(&facts, &cal, &policy), want, "{why}");
    }
}

#[test]
fn sweeping_twice_at_the_same_moment_does_nothing_new() {
    let cal = riverton();
    let policy = Accountability::default();
    let mut facts = gas_leak("2026-06-06 02:00");
    let (mut pothole_facts, mut seen) = (pothole("2026-06-08 09:00"), 0);
    // Walk both requests through two weeks in 5-minute steps, doing what the sweeper asks.
    for step in 0..(14 * 24 * 12) {
        for f in [&mut facts, &mut pothole_facts] {
            f.now_ms = ms("2026-06-06 02:00") + step * 300_000;
            let actions = sweep_decision(f, &cal, &policy);
            seen += actions.len();
            for a in actions {
                match a {
                    SweepAction::Remind { .. } => f.last_reminder_ms = Some(f.now_ms),
                    SweepAction::Escalate => f.escalated = true,
                    SweepAction::Repage => f.last_repage_ms = Some(f.now_ms),
                }
            }
            assert_eq!(sweep_decision(f, &cal, &policy), vec![], "at step {step}");
        }
    }
    assert!(seen > 10, "the walk did fire actions ({seen})");
}

#[test]
fn followups() {
    let cal = riverton();
    let policy = Accountability::default();
    use CloseReason::*;
    let cases = [
        (
            "2026-06-08 10:00",
            Resolved,
            false,
            "2026-06-11 10:00",
            true,
            "three days later",
        ),
        (
            "2026-06-08 10:00",
            Resolved,
            false,
            "2026-06-11 09:59",
            false,
            "too early",
        ),
        (
            "2026-06-08 10:00",
            Resolved,
            true,
            "2026-06-11 10:00",
            false,
            "already asked",
        ),
        (
            "2026-06-08 10:00",
            Duplicate,
            false,
            "2026-06-11 10:00",
            false,
            "only resolved closes",
        ),
        (
            "2026-06-08 10:00",
            NotCity,
            false,
            "2026-06-11 10:00",
            false,
            "only resolved closes",
        ),
        (
            "2026-06-05 18:00",
            Resolved,
            false,
            "2026-06-08 20:00",
            false,
            "held overnight",
        ),
        (
            "2026-06-05 18:00",
            Resolved,
            false,
            "2026-06-09 08:00",
            true,
            "sent at opening",
        ),
        (
            "2026-06-08 10:00",
            Resolved,
            false,
            "2026-06-22 10:00",
            false,
            "reopen window over",
        ),
        (
            "2026-06-08 10:00",
            Resolved,
            false,
            "2026-06-22 09:59",
            true,
            "last chance",
        ),
    ];
    for (closed, reason, asked, now, want, why) in cases {
        assert_eq!(
            followup_due(ms(closed), reason, asked, ms(now), &cal, &policy),
            want,
            "{why}"
        );
    }
    let off = Accountability {
        followup_after_days: 0,
        ..policy
    };
    assert!(!followup_due(
        ms("2026-06-08 10:00"),
        Resolved,
        false,
        ms("2026-06-11 10:00"),
        &cal,
        &off
    ));
}

#[test]
fn accountability_section_loads_and_validates() {
    let defaults: Accountability = toml::from_str("").unwrap();
    assert_eq!(defaults, Accountability::default());
    assert_eq!(defaults.duplicate_window_ms(), 14 * DAY_MS);

    let set: Accountability = toml::from_str(
        "supervisor_channel = \"1000000000000000199\"\nscorecard_weekday = \"fri\"\nduplicate_radius_m = 75.5\n",
    )
    .unwrap();
    assert_eq!(set.scorecard_weekday, Weekday::Fri);
    assert_eq!(set.duplicate_radius_m, 75.5);
    assert!(set.validate().is_ok());

    let cases = [
        (
            Accountability {
                supervisor_channel: Some("#supervisors".into()),
                ..defaults.clone()
            },
            "accountability.supervisor_channel",
        ),
        (
            Accountability {
                scorecard_channel: Some(String::new()),
                ..defaults.clone()
            },
            "accountability.scorecard_channel",
        ),
        (
            Accountability {
                duplicate_radius_m: -1.0,
                ..defaults.clone()
            },
            "accountability.duplicate_radius_m",
        ),
        (
            Accountability {
                duplicate_radius_m: f64::NAN,
                ..defaults.clone()
            },
            "accountability.duplicate_radius_m",
        ),
        (
            Accountability {
                followup_after_days: 14,
                ..defaults.clone()
            },
            "accountability.followup_after_days",
        ),
    ];
    for (policy, key) in cases {
        let err = policy.validate().unwrap_err().to_string();
        assert!(err.starts_with(&format!("{key}:")), "{err}");
    }
    assert!(
        toml::from_str::<Accountability>("remind_every = 3").is_err(),
        "unknown keys are refused"
    );
    assert!(toml::from_str::<Accountability>("scorecard_weekday = \"someday\"").is_err());
}

#[test]
fn shipped_city_accountability() {
    let cfg = crate::CityConfig::from_toml_str(include_str!("../../config/city.toml")).unwrap();
    let a = &cfg.accountability;
    assert_eq!(a.supervisor_channel.as_deref(), Some("1000000000000000199"));
    assert_eq!(a.scorecard_channel.as_deref(), Some("1000000000000000198"));
    assert_eq!(a.scorecard_weekday, Weekday::Mon);
    assert_eq!(
        (
            a.reminder_every_hours,
            a.escalate_after_hours,
            a.emergency_repage_minutes
        ),
        (24, 8, 10)
    );
}
