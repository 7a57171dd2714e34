use super::*;

const NOW: i64 = 1_800_000_000_000;
const S: i64 = 1000;

fn facts() -> Facts {
    Facts {
        database: Ok(()),
        outbox_oldest_age_ms: Ok(None),
    }
}

fn running() -> Worker {
    Worker {
        running: true,
        ..Worker::default()
    }
}

fn connected(seen_s_ago: i64, next_within_s: u64) -> Link {
    Link {
        connected: true,
        since_ms: Some(NOW - 3600 * S),
        seen_ms: Some(NOW - seen_s_ago * S),
        next_within: Some(Duration::from_secs(next_within_s)),
        ..Link::default()
    }
}

fn with_inbox(link: Link) -> Snapshot {
    let mut s = Snapshot::default();
    s.workers.insert(Component::Inbox, running());
    s.inbox = link;
    s
}

fn inbox(s: &Snapshot, limits: &HealthSettings) -> Verdict {
    assess(s, &facts(), limits, NOW)["inbox"].clone()
}

#[test]
fn the_inbox_is_ready_while_it_looks_as_often_as_it_promised() {
    let d = HealthSettings::default();
    // (seen s ago, promised next look within s, configured max silence s, ok)
    for (seen, next, max, ok) in [
        (10, 60, None, true),
        (179, 60, None, true), // 2 × 60 + 60 slack
        (181, 60, None, false),
        (3000, 1500, None, true), // IDLE renewed every 25 minutes: quiet for 50 minutes is fine
        (3700, 1500, None, false),
        (31, 1500, Some(30), false),
    ] {
        let limits = HealthSettings {
            inbox_silence_max: max.map(Duration::from_secs),
            ..d.clone()
        };
        let v = inbox(&with_inbox(connected(seen, next)), &limits);
        assert_eq!(
            v.ok, ok,
            "seen {seen} s ago, next within {next} s, max {max:?}: {v:?}"
        );
        if !ok {
            assert!(v.reason.unwrap().contains("no successful look"));
        }
    }
}

#[test]
fn a_refused_inbox_names_its_error_and_first_failure() {
    let link = Link {
        connected: false,
        since_ms: Some(NOW - 5 * S),
        last_error: Some(Stamped {
            text: "IMAP connect: Connection refused".into(),
            at_ms: NOW - S,
        }),
        ..Link::default()
    };
    let v = inbox(&with_inbox(link), &HealthSettings::default());
    assert!(!v.ok);
    assert_eq!(
        v.reason.as_deref(),
        Some("IMAP connect: Connection refused")
    );
    assert_eq!(v.since_ms, Some(NOW - 5 * S));
    let v = inbox(&with_inbox(Link::default()), &HealthSettings::default());
    assert_eq!(v.reason.as_deref(), Some("inbox not connected yet"));
}

#[test]
fn a_worker_waiting_for_its_restart_fails_with_its_error_and_counts_restarts() {
    let mut s = with_inbox(connected(1, 60));
    s.workers.insert(
        Component::Sweeper,
        Worker {
            running: false,
            restarts: 3,
            panics: 1,
            last_error: Some(Stamped {
                text: "panicked: boom".into(),
                at_ms: NOW - S,
            }),
        },
    );
    let all = assess(&s, &facts(), &HealthSettings::default(), NOW);
    let v = &all["sweeper"];
    assert!(!v.ok);
    assert_eq!(
        v.reason.as_deref(),
        Some("worker stopped, restarting: panicked: boom")
    );
    assert_eq!(v.restarts, Some(3));
    assert!(all["inbox"].ok && all["database"].ok && all["smtp"].ok);
    assert!(!all.contains_key("chat"), "no gateway, no chat component");
}

#[test]
fn a_refused_login_makes_smtp_unready_at_once() {
    let s = Snapshot {
        mail_failing: Some((
            NOW,
            Stamped {
                text: "transient delivery failure: sending m to r: authentication failed: no OAuth2 token for 311@city.test: microsoft token endpoint refused: invalid_client (AADSTS7000215: Invalid client secret provided.)".into(),
                at_ms: NOW,
            },
        )),
        mail_auth_failing: true,
        ..Snapshot::default()
    };
    let v = assess(&s, &facts(), &HealthSettings::default(), NOW)["smtp"].clone();
    assert!(!v.ok, "{v:?}");
    let reason = v.reason.unwrap();
    assert!(reason.starts_with("authentication failed: "), "{reason}");
    assert!(reason.contains("invalid_client (AADSTS7000215"), "{reason}");
}

#[test]
fn smtp_may_fail_for_a_while_before_it_counts() {
    let limits = HealthSettings::default(); // 5 minutes
    for (failing_s, ok) in [(0, true), (299, true), (301, false)] {
        let s = Snapshot {
            mail_failing: Some((
                NOW - failing_s * S,
                Stamped {
                    text: "connection refused".into(),
                    at_ms: NOW,
                },
            )),
            ..Snapshot::default()
        };
        let v = assess(&s, &facts(), &limits, NOW)["smtp"].clone();
        assert_eq!(v.ok, ok, "{failing_s} s: {v:?}");
        assert_eq!(v.last_error.unwrap().text, "connection refused");
        if !ok {
            assert!(v.reason.unwrap().contains("connection refused"));
            assert_eq!(v.since_ms, Some(NOW - failing_s * S));
        }
    }
}

#[test]
fn the_outbox_and_the_database_report_what_the_store_said() {
    let mut s = Snapshot::default();
    s.workers.insert(Component::Outbox, running());
    let limits = HealthSettings::default(); // 15 minutes
    for (age, ok) in [
        (Ok(None), true),
        (Ok(Some(899 * S)), true),
        (Ok(Some(901 * S)), false),
        (Err("gone".to_string()), false),
    ] {
        let f = Facts {
            database: Err("no answer within 3 s".into()),
            outbox_oldest_age_ms: age.clone(),
        };
        let all = assess(&s, &f, &limits, NOW);
        assert_eq!(all["outbox"].ok, ok, "{age:?}");
        assert_eq!(
            all["database"].reason.as_deref(),
            Some("no answer within 3 s")
        );
    }
}

#[test]
fn a_chat_gateway_must_be_connected() {
    let mut s = Snapshot::default();
    s.workers.insert(Component::Chat, running());
    s.chat = Some(Link::default());
    let v = assess(&s, &facts(), &HealthSettings::default(), NOW)["chat"].clone();
    assert_eq!(v.reason.as_deref(), Some("chat gateway not connected yet"));
    s.chat = Some(connected(86_400, 60));
    assert!(
        assess(&s, &facts(), &HealthSettings::default(), NOW)["chat"].ok,
        "a gateway does not poll"
    );
}

#[test]
fn a_standby_inbox_is_ready_and_says_so_and_a_leader_says_watching() {
    use crate::monitor::{wall_ms, Monitor};
    let d = HealthSettings::default();
    let m = Monitor::default();
    let probe = m.inbox_probe();
    m.inbox_standby(true);
    let mut s = m.snapshot();
    s.workers.insert(Component::Inbox, running());
    // Long silent (it never looks while another instance watches) and not connected: still its job done.
    let v = assess(&s, &facts(), &d, wall_ms() + 3_600_000)["inbox"].clone();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.state, Some("standby"));
    m.inbox_standby(false);
    let mut s = m.snapshot();
    s.workers.insert(Component::Inbox, running());
    let v = inbox(&s, &d);
    assert!(
        !v.ok,
        "a new leader that has not connected yet is not ready: {v:?}"
    );
    assert_eq!(v.state, None);
    probe.connected();
    probe.polled(Duration::from_secs(60));
    let mut s = m.snapshot();
    s.workers.insert(Component::Inbox, running());
    let v = assess(&s, &facts(), &d, wall_ms())["inbox"].clone();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.state, Some("watching"));
}
