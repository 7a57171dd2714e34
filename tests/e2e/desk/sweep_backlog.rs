//! A sweep's catch-up after a bulk import: backlogs larger than a pass's share (overdue requests, beyond one
//! group-committed batch; "Was it fixed?" follow-ups) are worked over successive passes, first in line first,
//! each request reminded or asked exactly once, and an emergency's re-page never waits behind them.

use std::collections::HashMap;

use connect311::clock::ManualClock;
use connect311::desk::Desk;
use connect311::store::{ImportedRequest, Request};
use connect311::sweeper::{sweep_within, PassLimits};
use routing::{CloseReason, EmergencyKind, EventKind, Language, RequestRef, Source, Status};
use serde_json::json;

use crate::support::Backend;

on_both_stores!(
    a_followup_backlog_is_worked_over_passes_once_each,
    an_overdue_backlog_is_worked_over_passes_emergencies_first,
);

const DAY: i64 = 86_400_000;

/// A request from email of the city's first category, created `age` ago; closed as resolved `closed_ago` ago
/// when given, else still open (and long overdue).
fn imported(desk: &Desk, n: usize, age: i64, closed_ago: Option<i64>) -> ImportedRequest {
    let now = desk.now();
    let cat = &desk.city().categories[0];
    let created = now - age;
    let closed = closed_ago.map(|c| now - c);
    let mut events = vec![(EventKind::Created, created)];
    events.extend(closed.map(|c| (EventKind::Closed, c)));
    let request = Request {
        reference: RequestRef::new(1).unwrap(),
        status: if closed.is_some() {
            Status::Closed
        } else {
            Status::Open
        },
        close_reason: closed.map(|_| CloseReason::Resolved),
        department: cat.department.clone(),
        category: Some(cat.id.clone()),
        language: Language::En,
        priority: cat.priority,
        emergency: None,
        location_text: None,
        location_norm: None,
        lat: None,
        lon: None,
        source: Source::Email,
        requester: format!("resident{n}@example.test"),
        requester_name: None,
        subject: format!("Backlog request {n}"),
        description: "Imported from the old system.".into(),
        decision: json!({}),
        linked_to: None,
        created_at: created,
        updated_at: closed.unwrap_or(created),
        acknowledged_at: None,
        closed_at: closed,
        response_due_at: created + DAY,
        resolution_due_at: created + 2 * DAY,
    };
    ImportedRequest { request, events }
}

/// Moves the clock into the city's working hours (ordinary reminders wait for the morning).
fn to_working_hours(desk: &Desk, clock: &ManualClock) {
    let now = desk.now();
    clock.advance_ms(desk.city().calendar.next_open(now) - now + 60_000);
}

/// How many events of `kind` each of `refs` has.
async fn counts(desk: &Desk, refs: &[RequestRef], kind: EventKind) -> Vec<usize> {
    let events = desk.store().events_of(refs).await.unwrap();
    refs.iter()
        .map(|r| {
            events
                .get(r)
                .map_or(0, |e| e.iter().filter(|e| e.kind == kind).count())
        })
        .collect()
}

/// Email outbox rows per request.
async fn emails_per_request(desk: &Desk) -> HashMap<RequestRef, usize> {
    let mut out = HashMap::new();
    for row in desk.store().outbox_rows(false).await.unwrap() {
        if let (Some(r), "email") = (row.reference, row.kind.as_str()) {
            *out.entry(r).or_default() += 1;
        }
    }
    out
}

async fn a_followup_backlog_is_worked_over_passes_once_each(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store.desk(dir.path(), "").await;
    to_working_hours(&desk, &clock);
    // Seven closed 13 to 7 days ago, oldest first (due: the city asks 3 days after a close, within the 14-day
    // reopen window); one closed an hour ago (not due yet).
    let mut batch: Vec<_> = (0..7)
        .map(|n| imported(&desk, n, 20 * DAY, Some((13 - n as i64) * DAY)))
        .collect();
    batch.push(imported(&desk, 7, 2 * DAY, Some(3_600_000)));
    let refs = desk.store().import_requests(&batch).await.unwrap();
    let limits = PassLimits {
        followups: 3,
        ..PassLimits::default()
    };
    let mut per_pass = Vec::new();
    for _ in 0..4 {
        per_pass.push(sweep_within(&desk, limits).await.unwrap().followups);
        clock.advance_ms(60_000);
        // Oldest closure first: after each pass, the asked ones are a prefix of the backlog.
        let asked = counts(&desk, &refs[..7], EventKind::FollowupSent).await;
        let first_unasked = asked.iter().position(|&c| c == 0).unwrap_or(7);
        assert!(asked[first_unasked..].iter().all(|&c| c == 0), "{asked:?}");
    }
    assert_eq!(per_pass, [3, 3, 1, 0]);
    assert_eq!(
        counts(&desk, &refs, EventKind::FollowupSent).await,
        [1, 1, 1, 1, 1, 1, 1, 0]
    );
    let emails = emails_per_request(&desk).await;
    for (i, r) in refs.iter().enumerate() {
        let want = usize::from(i < 7);
        assert_eq!(emails.get(r).copied().unwrap_or(0), want, "request {r}");
    }
}

async fn an_overdue_backlog_is_worked_over_passes_emergencies_first(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store.desk(dir.path(), "").await;
    to_working_hours(&desk, &clock);
    // More than two of the sweep's batches (500 each), all past their acknowledgement target days ago; and
    // behind them in the sweep's order, an unacknowledged emergency from 30 minutes ago (owed a re-page).
    let n = 1_203;
    let mut batch: Vec<_> = (0..n).map(|i| imported(&desk, i, 5 * DAY, None)).collect();
    let mut emergency = imported(&desk, n, 30 * 60_000, None);
    emergency.request.emergency = Some(EmergencyKind::GasLeak);
    batch.push(emergency);
    let refs = desk.store().import_requests(&batch).await.unwrap();
    let (backlog, emergency) = (&refs[..n], refs[n]);
    let limits = PassLimits {
        requests: 450,
        ..PassLimits::default()
    };
    let mut per_pass = Vec::new();
    for _ in 0..4 {
        let s = sweep_within(&desk, limits).await.unwrap();
        if per_pass.is_empty() {
            assert_eq!(s.repages, 1, "the emergency is not held back: {s:?}");
        }
        let reminded = counts(&desk, backlog, EventKind::OverdueReminder).await;
        per_pass.push(reminded.iter().filter(|&&c| c > 0).count());
        // Most overdue first (here: in import order), so the reminded ones are a prefix of the backlog.
        let first_unreminded = reminded.iter().position(|&c| c == 0).unwrap_or(n);
        assert!(reminded[first_unreminded..].iter().all(|&c| c == 0));
        clock.advance_ms(60_000);
    }
    assert_eq!(per_pass, [450, 900, n, n]);
    let reminded = counts(&desk, backlog, EventKind::OverdueReminder).await;
    let escalated = counts(&desk, backlog, EventKind::Escalated).await;
    assert!(reminded.iter().all(|&c| c == 1), "{:?}", &reminded[..10]);
    assert!(escalated.iter().all(|&c| c <= 1));
    assert_eq!(counts(&desk, &[emergency], EventKind::Repaged).await, [1]);
    // Once caught up, a pass decides nothing again: every request was written once.
    let again = sweep_within(&desk, limits).await.unwrap();
    assert_eq!((again.reminders, again.escalations), (0, 0), "{again:?}");
    assert_eq!(
        counts(&desk, backlog, EventKind::Escalated).await,
        escalated
    );
}
