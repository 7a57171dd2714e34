//! The store contract for the queries that must not read the backlog: duplicate candidates, the sweep's due
//! selection and its schedule, batched events, the first overdue requests and the maintained facts behind
//! reports (both stores).

use connect311::store::{
    CandidateQuery, Change, NewEvent, NewRequest, NextSweep, StatusChange, Store,
};
use routing::{CloseReason, EventKind, RequestRef, Source, Status};
use serde_json::json;

use super::new_request;
use crate::support;

const HOUR: i64 = 3_600_000;

fn at(place: &str, category: &str, point: Option<(f64, f64)>) -> NewRequest {
    NewRequest {
        category: Some(category.into()),
        location_norm: Some(place.into()),
        lat: point.map(|p| p.0),
        lon: point.map(|p| p.1),
        ..new_request("a@example.test")
    }
}

async fn create(store: &Store, new: &NewRequest, now: i64) -> RequestRef {
    store
        .create_request(new, now, |_| Change::default())
        .await
        .unwrap()
}

fn event(kind: EventKind) -> NewEvent {
    NewEvent::new(kind, "staff@city.test", Source::Chat, json!({}))
}

async fn apply(store: &Store, r: RequestRef, change: Change, now: i64) {
    store.apply_change(r, &change, now).await.unwrap();
}

async fn close(store: &Store, r: RequestRef, reason: CloseReason, now: i64) {
    let change = Change {
        events: vec![event(EventKind::Closed)],
        status: Some(StatusChange::Closed { reason }),
        ..Change::default()
    };
    apply(store, r, change, now).await;
}

#[tokio::test]
async fn duplicate_candidates_are_same_category_same_place_or_nearby_recent_and_open() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let here = Some((40.7128, -74.0060));
        let old = create(&store, &at("main and 5th", "pothole", None), 1_000).await;
        let same = create(&store, &at("5th & main", "pothole", None), 10 * HOUR).await;
        let near = create(
            &store,
            &at("12 oak", "pothole", Some((40.7130, -74.0061))),
            11 * HOUR,
        )
        .await;
        let far = create(
            &store,
            &at("99 elm", "pothole", Some((40.80, -74.0060))),
            12 * HOUR,
        )
        .await;
        let other = create(&store, &at("5th & main", "graffiti", here), 13 * HOUR).await;
        let closed = create(&store, &at("5th & main", "pothole", here), 14 * HOUR).await;
        close(&store, closed, CloseReason::Resolved, 15 * HOUR).await;
        let q = CandidateQuery {
            category: "pothole".into(),
            place_key: Some(routing::duplicates::canonical_place(
                "corner of main street and 5th",
            )),
            bbox: Some([40.712, -74.007, 40.714, -74.005]),
            since: 2 * HOUR,
            until: 20 * HOUR,
            limit: 10,
        };
        let found: Vec<RequestRef> = store
            .duplicate_candidates(&q)
            .await
            .unwrap()
            .iter()
            .map(|c| c.reference)
            .collect();
        // `old` is outside the window, `far` outside the box, `other` another category, `closed` closed.
        assert_eq!(found, vec![same, near], "{d}");
        let wider = CandidateQuery {
            since: 0,
            limit: 1,
            ..q.clone()
        };
        let first = store.duplicate_candidates(&wider).await.unwrap();
        assert_eq!(
            first.iter().map(|c| c.reference).collect::<Vec<_>>(),
            vec![old],
            "{d}: oldest first, limited"
        );
        assert_eq!(
            first[0].location_norm.as_deref(),
            Some("main and 5th"),
            "{d}"
        );
        let nowhere = CandidateQuery {
            place_key: None,
            bbox: None,
            ..q
        };
        assert!(
            store
                .duplicate_candidates(&nowhere)
                .await
                .unwrap()
                .is_empty(),
            "{d}"
        );
        let _ = (far, other);
        // A closed request reopened is a candidate again.
        let reopen = Change {
            events: vec![event(EventKind::Reopened)],
            status: Some(StatusChange::Reopened),
            ..Change::default()
        };
        apply(&store, closed, reopen, 16 * HOUR).await;
        let found = store
            .duplicate_candidates(&wider_window(&wider))
            .await
            .unwrap();
        assert!(found.iter().any(|c| c.reference == closed), "{d}");
    }
}

fn wider_window(q: &CandidateQuery) -> CandidateQuery {
    CandidateQuery {
        limit: 100,
        ..q.clone()
    }
}

async fn due_refs(store: &Store, now: i64, batch: i64) -> Vec<RequestRef> {
    let mut cursor = None;
    let mut out = Vec::new();
    loop {
        let page = store.sweep_due(now, cursor, batch).await.unwrap();
        let Some(&(last, _)) = page.last() else {
            return out;
        };
        cursor = Some(last);
        out.extend(page.into_iter().map(|(_, r)| r.reference));
    }
}

#[tokio::test]
async fn the_sweep_reads_only_what_is_due_and_every_change_asks_for_a_look() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let mut refs = Vec::new();
        for n in 0..5 {
            refs.push(create(&store, &new_request("a@example.test"), 1_000 + n).await);
        }
        // A new request is looked at by the next sweep; pages of two read each exactly once.
        assert_eq!(due_refs(&store, 2_000, 2).await, refs, "{d}");
        assert!(
            due_refs(&store, 999, 2).await.is_empty(),
            "{d}: not before its creation"
        );
        // The sweep schedules each: later, never (paused), or not at all when the request changed meanwhile.
        let reqs: Vec<_> = store.sweep_due(2_000, None, 10).await.unwrap();
        let updated = |i: usize| reqs[i].1.updated_at;
        let looks = vec![
            (refs[0], updated(0), Some(50 * HOUR)),
            (refs[1], updated(1), None),
            (refs[2], updated(2) - 1, Some(50 * HOUR)),
            (refs[3], updated(3), Some(60 * HOUR)),
            (refs[4], updated(4), Some(60 * HOUR)),
        ];
        store.schedule_sweeps(&looks).await.unwrap();
        assert_eq!(
            due_refs(&store, 2_000, 2).await,
            vec![refs[2]],
            "{d}: stale schedule ignored"
        );
        assert_eq!(
            due_refs(&store, 50 * HOUR, 2).await,
            vec![refs[2], refs[0]],
            "{d}"
        );
        // A change (reassigned: due times move) asks for a look at its time; a close takes it out for good;
        // the sweeper's own change says when.
        let reassign = Change {
            events: vec![event(EventKind::Reassigned)],
            status: Some(StatusChange::Reassigned),
            department: Some("parks".into()),
            due: Some((70 * HOUR, 80 * HOUR)),
            ..Change::default()
        };
        apply(&store, refs[1], reassign, 3_000).await;
        close(&store, refs[3], CloseReason::Resolved, 3_000).await;
        let own = Change {
            events: vec![NewEvent::new(
                EventKind::OverdueReminder,
                "system",
                Source::Sweeper,
                json!({}),
            )],
            next_sweep: NextSweep::At(90 * HOUR),
            ..Change::default()
        };
        apply(&store, refs[4], own, 3_000).await;
        assert_eq!(
            due_refs(&store, 3_000, 2).await,
            vec![refs[2], refs[1]],
            "{d}"
        );
        assert_eq!(
            due_refs(&store, 100 * HOUR, 2).await,
            vec![refs[2], refs[1], refs[0], refs[4]],
            "{d}: ordered by due look, the closed one never"
        );
        // Events of a batch in one query, each request's oldest first.
        let events = store.events_of(&[refs[1], refs[3], refs[0]]).await.unwrap();
        let kinds = |r: RequestRef| {
            events
                .get(&r)
                .map(|e| e.iter().map(|e| e.kind).collect::<Vec<_>>())
        };
        assert_eq!(kinds(refs[1]), Some(vec![EventKind::Reassigned]), "{d}");
        assert_eq!(kinds(refs[3]), Some(vec![EventKind::Closed]), "{d}");
        assert_eq!(kinds(refs[0]), None, "{d}: no events, no entry");
    }
}

#[tokio::test]
async fn the_first_overdue_requests_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let due = |response, resolution| NewRequest {
            response_due_at: response,
            resolution_due_at: resolution,
            ..new_request("a@example.test")
        };
        let late_ack = create(&store, &due(2_000, 9_000), 1_000).await;
        let acked = create(&store, &due(2_000, 9_000), 1_001).await;
        let late = create(
            &store,
            &NewRequest {
                department: "parks".into(),
                ..due(9_000, 4_000)
            },
            1_002,
        )
        .await;
        let fine = create(&store, &due(8_000, 9_000), 1_003).await;
        let closed = create(&store, &due(2_000, 3_000), 1_004).await;
        let ack = Change {
            status: Some(StatusChange::Acknowledged),
            ..Change::default()
        };
        apply(&store, acked, ack, 1_500).await;
        close(&store, closed, CloseReason::Resolved, 1_600).await;
        let refs = |v: Vec<connect311::store::Request>| {
            v.into_iter().map(|r| r.reference).collect::<Vec<_>>()
        };
        let first = store.overdue_first(5_000, None, 10).await.unwrap();
        assert_eq!(
            refs(first),
            vec![late_ack, late],
            "{d}: acknowledged in time is not overdue"
        );
        assert_eq!(
            refs(store.overdue_first(5_000, None, 1).await.unwrap()),
            vec![late_ack],
            "{d}"
        );
        let parks = store
            .overdue_first(5_000, Some(&"parks".into()), 10)
            .await
            .unwrap();
        assert_eq!(refs(parks), vec![late], "{d}");
        assert_eq!(
            store.overdue_requests(5_000, None).await.unwrap().len(),
            2,
            "{d}"
        );
        let _ = fine;
    }
}

#[tokio::test]
async fn report_rows_carry_reopens_and_duplicates_and_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let original = create(&store, &new_request("a@example.test"), 1_000).await;
        let copy = create(
            &store,
            &NewRequest {
                linked_to: Some(original),
                ..new_request("b@example.test")
            },
            2_000,
        )
        .await;
        close(&store, copy, CloseReason::Duplicate, 2_100).await;
        close(&store, original, CloseReason::Resolved, 3_000).await;
        for t in [4_000, 6_000] {
            let reopen = Change {
                events: vec![event(EventKind::Reopened)],
                status: Some(StatusChange::Reopened),
                ..Change::default()
            };
            apply(&store, original, reopen, t).await;
            close(&store, original, CloseReason::Resolved, t + 500).await;
        }
        let older = create(&store, &new_request("c@example.test"), 500).await;
        let mut rows = Vec::new();
        store
            .each_report_row(900, 10_000, None, |r| rows.push(r))
            .await
            .unwrap();
        rows.sort_by_key(|r| r.reference);
        let facts: Vec<_> = rows
            .iter()
            .map(|r| (r.reference, r.reopened_count, r.duplicate_of))
            .collect();
        // `older` was created before the period but is open: read once, for the backlog.
        assert_eq!(
            facts,
            vec![
                (original, 2, None),
                (copy, 0, Some(original)),
                (older, 0, None)
            ],
            "{d}"
        );
        assert_eq!(
            store
                .reopen_counts()
                .await
                .unwrap()
                .get(&(original.number() as i64)),
            Some(&2),
            "{d}"
        );
        let dups = store.duplicates_of(original).await.unwrap();
        assert_eq!(
            dups.iter().map(|r| r.reference).collect::<Vec<_>>(),
            vec![copy],
            "{d}"
        );
        let mut parks = 0;
        store
            .each_report_row(900, 10_000, Some(&"parks".into()), |_| parks += 1)
            .await
            .unwrap();
        assert_eq!(parks, 0, "{d}");
        assert_eq!(rows[0].status, Status::Closed, "{d}");
    }
}
