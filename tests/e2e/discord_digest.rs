//! The sweeper's digests through the whole service and the Discord stand-in: one message per department
//! channel listing its overdue work (cut to fit, with "…and N more"), edited in place by later sweeps; the
//! supervisors get their own digest of escalated work; events are still recorded per request.

use std::time::Duration;

use crate::support;
use connect311::clock::{Clock, ManualClock, SystemClock};
use connect311::sweeper::sweep_once;
use routing::EventKind;
use serde_json::Value;
use support::set_clock;
use support::town::{resident, Town, WAIT};

const MINUTE: i64 = 60_000;

fn raw(from: &str, to: &str, text: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {text}\r\nMessage-ID: <{}@example.test>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{text}.\r\n",
        support::unique("digest")
    )
    .into_bytes()
}

/// The digests (embeds titled `heading`) in `channel`.
fn digests(town: &Town, channel: &str, heading: &str) -> Vec<Value> {
    town.standin
        .messages(channel)
        .into_iter()
        .filter(|m| {
            m["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.starts_with(heading))
        })
        .collect()
}

/// Waits until the outbox has delivered everything queued so far.
async fn drained(town: &Town) {
    let store = town.desk().store().clone();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !store.outbox_rows(true).await.unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_digest_per_channel_per_sweep_edited_in_place_on_the_next() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let town = Town::start_with(Some(clock.clone()), "").await;
    for n in 0..60 {
        let text = format!("Deep pothole number {n} in the road, cars swerve around it");
        town.desk()
            .ingest_email(&raw(&resident(), &town.inbox, &text))
            .await
            .unwrap();
    }
    for n in 0..3 {
        let text = format!("Graffiti spray painted on the wall, tag {n}");
        town.desk()
            .ingest_email(&raw(&resident(), &town.inbox, &text))
            .await
            .unwrap();
    }
    drained(&town).await;
    let all = town.desk().store().active_requests().await.unwrap();
    let streets: Vec<_> = all
        .iter()
        .filter(|r| r.department.as_str() == "streets")
        .collect();
    let graffiti: Vec<_> = all
        .iter()
        .filter(|r| r.department.as_str() == "graffiti")
        .collect();
    assert_eq!(
        (streets.len(), graffiti.len()),
        (60, 3),
        "routing of the fixtures"
    );
    let (cal, policy) = (
        &town.desk().city().calendar,
        &town.desk().city().accountability,
    );
    let last_due = all.iter().map(|r| r.response_due_at).max().unwrap();
    let first = cal
        .next_open(cal.add_business_hours(last_due, policy.reminder_after_overdue_hours))
        + MINUTE;
    set_clock(&clock, first);
    let s = sweep_once(town.desk()).await.unwrap();
    // Streets' target may be shorter than graffiti's, and be past escalation already: then the supervisors
    // get their digest too.
    let supervisors = usize::from(s.escalations > 0);
    assert_eq!((s.reminders, s.digests), (63, 2 + supervisors), "{s:?}");
    drained(&town).await;
    let (st, gr) = (&town.channels["streets"], &town.channels["graffiti"]);
    let one = digests(&town, st, "Overdue work: ");
    assert_eq!(one.len(), 1, "one digest for 60 overdue requests");
    let embed = &one[0]["embeds"][0];
    assert!(
        embed["title"].as_str().unwrap().ends_with("(60)"),
        "{embed}"
    );
    let description = embed["description"].as_str().unwrap();
    assert!(description.chars().count() <= 4096);
    let listed = description
        .lines()
        .filter(|l| l.starts_with("**311-"))
        .count();
    assert!(
        listed == 60 || description.ends_with(&format!("…and {} more", 60 - listed)),
        "{description}"
    );
    assert!(description.contains("⏰ not acknowledged"), "{description}");
    assert_eq!(
        digests(&town, gr, "Overdue work: ").len(),
        1,
        "graffiti has its own"
    );
    for r in &streets {
        let events = town.desk().store().events(r.reference).await.unwrap();
        assert!(
            events.iter().any(|e| e.kind == EventKind::OverdueReminder),
            "{}",
            r.reference
        );
    }

    // The next round of reminders (and, by then, the escalation): the same message, edited.
    let later = cal.add_business_hours(
        first,
        policy.reminder_every_hours.max(policy.escalate_after_hours),
    ) + MINUTE;
    set_clock(&clock, cal.next_open(later) + MINUTE);
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!(s.reminders, 63, "{s:?}");
    let escalated: usize = s.escalations;
    assert!(escalated > 0, "{s:?}");
    assert_eq!(s.digests, 3, "streets, graffiti and the supervisors: {s:?}");
    drained(&town).await;
    let again = digests(&town, st, "Overdue work: ");
    assert_eq!(again.len(), 1, "edited, not posted again");
    assert_eq!(again[0]["id"], one[0]["id"]);
    assert!(!again[0]["edited_timestamp"].is_null(), "{}", again[0]);
    assert!(again[0].to_string().contains("⚠️ escalated"));
    let sup = digests(&town, &town.supervisors, "Escalated work");
    assert_eq!(sup.len(), 1, "{sup:?}");
    assert!(sup[0]["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .ends_with("(63)"));
    // Nothing new is owed: the third sweep posts and edits nothing.
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!(s.digests, 0, "{s:?}");
    town.svc.shutdown().await;
}

/// The digest titled `heading` in `channel`, once its text mentions `needle`.
async fn digest_with(town: &Town, channel: &str, heading: &str, needle: &str) -> Value {
    let (ch, h, n) = (channel.to_string(), heading.to_string(), needle.to_string());
    town.standin
        .wait_for_value(
            move |s| {
                s.messages(&ch).into_iter().find(|m| {
                    m["embeds"][0]["title"]
                        .as_str()
                        .is_some_and(|t| t.starts_with(&h))
                        && m["embeds"][0]["description"]
                            .as_str()
                            .is_some_and(|d| d.contains(&n))
                })
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no {heading:?} digest mentioning {needle} in {channel}: {e}"))
}

/// Sweeps are scheduled: a request reminded in one sweep is not looked at again until its next reminder or
/// escalation. The department's digest, edited by a later sweep that reminded only another request, still
/// lists the first one: it is filled from the overdue query, not from what that sweep happened to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_sweeps_digest_still_lists_work_reminded_earlier() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let town = Town::start_with(Some(clock.clone()), "").await;
    let cal = town.desk().city().calendar.clone();
    // 09:00 and 10:00 on the next working day: their targets fall an hour apart.
    let mut day = cal.local_date(clock.now_ms()).succ_opt().unwrap();
    while cal.working_interval(day).is_none() {
        day = day.succ_opt().unwrap();
    }
    let opens = cal.working_interval(day).unwrap().0;
    let mut refs = Vec::new();
    for (n, at) in [(1, opens + 60 * MINUTE), (2, opens + 120 * MINUTE)] {
        set_clock(&clock, at);
        let text = format!("Deep pothole number {n} in the road, cars swerve around it");
        let outcome = town
            .desk()
            .ingest_email(&raw(&resident(), &town.inbox, &text))
            .await
            .unwrap();
        refs.push(support::created(&outcome));
    }
    let store = town.desk().store().clone();
    let (a, b) = (
        store.request(refs[0]).await.unwrap().unwrap(),
        store.request(refs[1]).await.unwrap().unwrap(),
    );
    assert_eq!(
        (a.department.as_str(), b.department.as_str()),
        ("streets", "streets")
    );
    assert!(a.response_due_at < b.response_due_at, "{a:?} {b:?}");
    drained(&town).await;
    let streets = town.channels["streets"].clone();

    // First sweep: only A is overdue, and is reminded.
    set_clock(&clock, cal.next_open(a.response_due_at) + MINUTE);
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!((s.reminders, s.escalations, s.digests), (1, 0, 1), "{s:?}");
    drained(&town).await;
    let first = digest_with(&town, &streets, "Overdue work: ", &a.reference.to_string()).await;

    // Second sweep: B is overdue and reminded; A is still overdue but owed nothing new, so this sweep does not
    // look at it.
    set_clock(&clock, cal.next_open(b.response_due_at) + MINUTE);
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!((s.reminders, s.escalations, s.digests), (1, 0, 1), "{s:?}");
    drained(&town).await;
    let edited = digest_with(&town, &streets, "Overdue work: ", &b.reference.to_string()).await;
    assert_eq!(edited["id"], first["id"], "the same message, edited");
    assert!(!edited["edited_timestamp"].is_null(), "{edited}");
    let embed = &edited["embeds"][0];
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.contains(&a.reference.to_string()),
        "the request reminded earlier is gone from the edited digest:\n{description}"
    );
    assert!(embed["title"].as_str().unwrap().ends_with("(2)"), "{embed}");
    let reminders = store
        .events(a.reference)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::OverdueReminder)
        .count();
    assert_eq!(reminders, 1, "A was reminded once, in the first sweep");
    town.svc.shutdown().await;
}
