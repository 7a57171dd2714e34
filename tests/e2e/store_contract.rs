//! The store contract: the same behaviour on SQLite and PostgreSQL (a real server; never skipped).

use crate::support;
use routing::{CloseReason, EventKind, Language, Priority, Source, Status};

use connect311::effect::Effect;
use connect311::store::{
    Change, Disposition, InboundRecord, MailDirection, NewEvent, NewRequest, RequestFilter,
    StoreError, WorkOrderRow,
};
use mail::inbound::Address;
use mail::outbound::{AutoSubmitted, OutgoingMail};
use serde_json::json;
use support::unique;

pub(crate) fn new_request(requester: &str) -> NewRequest {
    NewRequest {
        department: "streets".into(),
        category: Some("pothole".into()),
        language: Language::En,
        priority: Priority::Normal,
        emergency: None,
        location_text: Some("5th and Main".into()),
        location_norm: Some("5th and main".into()),
        lat: None,
        lon: None,
        source: Source::Email,
        requester: requester.into(),
        requester_name: None,
        subject: "Pothole".into(),
        description: "A pothole".into(),
        decision: json!({"department": "streets"}),
        linked_to: None,
        response_due_at: 2_000,
        resolution_due_at: 3_000,
    }
}

/// `n` requests from `n` different requesters, written in one group transaction (one commit).
pub(crate) async fn many_requests(store: &connect311::store::Store, n: usize) {
    let group = store.hold_group().await.unwrap();
    for i in 0..n {
        let new = new_request(&format!("r{i}@example.test"));
        group
            .create_request(&new, 1_000, |_| Change::default())
            .await
            .unwrap();
    }
    group.commit_group().await.unwrap();
}

fn inbound(id: &str) -> InboundRecord {
    InboundRecord {
        source: Source::Email,
        external_id: id.into(),
        sender: Some("a@example.test".into()),
        subject: Some("s".into()),
        disposition: Disposition::Created,
        reason: None,
        raw: b"raw bytes".to_vec(),
    }
}

fn mail_to(to: &str) -> OutgoingMail {
    OutgoingMail {
        from: Address::new("311@city.test"),
        to: Address::new(to),
        reply_to: None,
        subject: "Received".into(),
        text: "Thank you.".into(),
        message_id: unique("ack"),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: AutoSubmitted::AutoReplied,
        language: Some("en".into()),
        attachments: Vec::new(),
    }
}

fn change_with(id: &str) -> Change {
    Change {
        events: vec![NewEvent::new(
            EventKind::Created,
            "a@example.test",
            Source::Email,
            json!({"x": 1}),
        )],
        outbox: vec![Effect::Email(mail_to("a@example.test")).into()],
        inbound: Some(inbound(id)),
        thread_ids: vec![(format!("{id}-in"), MailDirection::In)],
        ..Change::default()
    }
}

#[tokio::test]
async fn creating_a_request_writes_everything_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let r = store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("m1"))
            .await
            .unwrap();
        assert_eq!(r.to_string(), "311-000001", "{d}");
        let req = store.request(r).await.unwrap().unwrap();
        assert_eq!(
            (req.status.as_str(), req.department.as_str(), req.created_at),
            ("open", "streets", 1_000),
            "{d}"
        );
        let events = store.events(r).await.unwrap();
        assert_eq!(events.len(), 1, "{d}");
        assert_eq!(events[0].payload, json!({"x": 1}), "{d}");
        assert_eq!(
            store.request_for_message_id("m1-in").await.unwrap(),
            Some(r),
            "{d}"
        );
        let seen = store
            .inbound_seen(Source::Email, "m1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.reference, Some(r), "{d}");
        assert_eq!(store.outbox_rows(true).await.unwrap().len(), 1, "{d}");

        // The same Message-ID again: refused as a duplicate, and nothing of the second attempt remains.
        let err = store
            .create_request(&new_request("a@example.test"), 1_100, |_| change_with("m1"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{d}: {err:?}");
        let all = store
            .list_requests(&RequestFilter::default())
            .await
            .unwrap();
        assert_eq!(
            all.len(),
            1,
            "{d}: the failed transaction left a request behind"
        );
        assert_eq!(store.outbox_rows(false).await.unwrap().len(), 1, "{d}");
    }
}

#[tokio::test]
async fn outbox_claims_are_leased_retried_with_backoff_and_completed() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("m2"))
            .await
            .unwrap();
        let job = store
            .claim_outbox(1_000, 60_000)
            .await
            .unwrap()
            .expect("due job");
        assert_eq!(job.attempts, 1, "{d}");
        let Ok(Effect::Email(mail)) = &job.effect else {
            panic!("{d}: {:?}", job.effect)
        };
        assert_eq!(
            (mail.to.email.as_str(), job.recipient.as_deref()),
            ("a@example.test", Some("a@example.test")),
            "{d}: the effect comes back as it went in, with its recipient"
        );
        assert!(
            store.claim_outbox(1_001, 60_000).await.unwrap().is_none(),
            "{d}: leased job claimed twice"
        );
        store
            .retry_outbox(job.id, "smtp down", 5_000, false, 1_002)
            .await
            .unwrap();
        assert!(
            store.claim_outbox(4_999, 60_000).await.unwrap().is_none(),
            "{d}: retried before its time"
        );
        let again = store
            .claim_outbox(5_000, 60_000)
            .await
            .unwrap()
            .expect("retry due");
        assert_eq!((again.id, again.attempts), (job.id, 2), "{d}");
        store.complete_outbox(again.id, 5_001).await.unwrap();
        assert!(store.outbox_rows(true).await.unwrap().is_empty(), "{d}");
        let rows = store.outbox_rows(false).await.unwrap();
        assert_eq!(rows[0].done_at, Some(5_001), "{d}");

        // An expired lease (crashed worker) makes the job claimable again.
        store
            .create_request(&new_request("b@example.test"), 6_000, |_| change_with("m3"))
            .await
            .unwrap();
        let j = store.claim_outbox(6_000, 100).await.unwrap().unwrap();
        let j2 = store
            .claim_outbox(6_200, 100)
            .await
            .unwrap()
            .expect("lease expired");
        assert_eq!(j.id, j2.id, "{d}");
        // Giving up records the failure and stops retries.
        store
            .retry_outbox(j2.id, "550 no such user", 7_000, true, 6_300)
            .await
            .unwrap();
        assert!(
            store.claim_outbox(100_000, 100).await.unwrap().is_none(),
            "{d}"
        );
        let failed = store
            .outbox_rows(false)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.id == j2.id)
            .unwrap();
        assert_eq!(failed.failed_at, Some(6_300), "{d}");
        assert_eq!(
            failed.last_error.as_deref(),
            Some("550 no such user"),
            "{d}"
        );
        assert_eq!(
            store.count_mail_to("a@example.test", 0).await.unwrap(),
            2,
            "{d}"
        );
        assert_eq!(
            store.count_mail_to("a@example.test", 6_001).await.unwrap(),
            0,
            "{d}"
        );
        assert_eq!(
            store.count_mail_to("b@example.test", 0).await.unwrap(),
            0,
            "{d}"
        );
    }
}

#[tokio::test]
async fn concurrent_claims_never_hand_out_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        for i in 0..20 {
            store
                .create_request(&new_request("c@example.test"), 1_000, |_| {
                    change_with(&format!("c{i}"))
                })
                .await
                .unwrap();
        }
        let mut handles = Vec::new();
        for _ in 0..4 {
            let s = store.clone();
            handles.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(j) = s.claim_outbox(2_000, 60_000).await.unwrap() {
                    got.push(j.id);
                }
                got
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort();
        let n = all.len();
        all.dedup();
        assert_eq!((n, all.len()), (20, 20), "{d}: duplicate or missing claims");
    }
}

#[tokio::test]
async fn changes_update_status_and_work_orders_are_found_by_thread() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let r = store
            .create_request(&new_request("a@example.test"), 1_000, |_| Change::default())
            .await
            .unwrap();
        let close = Change {
            events: vec![NewEvent::new(
                EventKind::Closed,
                "staff",
                Source::Chat,
                json!({"note": "filled"}),
            )],
            status: Some(connect311::store::StatusChange::Closed {
                reason: CloseReason::Resolved,
            }),
            ..Change::default()
        };
        store.apply_change(r, &close, 2_000).await.unwrap();
        let req = store.request(r).await.unwrap().unwrap();
        assert_eq!(
            (
                req.status.as_str(),
                req.close_reason.map(CloseReason::as_str),
                req.closed_at
            ),
            ("closed", Some("resolved"), Some(2_000)),
            "{d}"
        );
        let closed = store
            .list_requests(&RequestFilter {
                status: Some(Status::Closed),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(closed.len(), 1, "{d}");
        let missing = routing::RequestRef::new(999).unwrap();
        assert!(
            matches!(
                store.apply_change(missing, &close, 1).await,
                Err(StoreError::NotFound(_))
            ),
            "{d}"
        );

        let wo = WorkOrderRow {
            reference: r,
            channel_id: "c1".into(),
            message_id: "m1".into(),
            thread_id: Some("t1".into()),
            department: "streets".into(),
            active: true,
        };
        store.record_work_order(&wo, 1_500).await.unwrap();
        assert_eq!(
            store.work_order_by_chat("t1").await.unwrap(),
            Some(wo.clone()),
            "{d}"
        );
        let moved = WorkOrderRow {
            channel_id: "c2".into(),
            message_id: "m2".into(),
            thread_id: Some("t2".into()),
            department: "parks".into(),
            ..wo
        };
        store.record_work_order(&moved, 1_600).await.unwrap();
        assert_eq!(
            store.work_order_for(r).await.unwrap(),
            Some(moved),
            "{d}: reassigned post is the active one"
        );
    }
}

#[tokio::test]
async fn stale_decisions_conflict_and_periodic_jobs_claim_each_period_once() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let r = store
            .create_request(&new_request("a@example.test"), 1_000, |_| Change::default())
            .await
            .unwrap();
        // Decided on "open" but someone acknowledged it first: refused, nothing written.
        let ack = Change {
            status: Some(connect311::store::StatusChange::Acknowledged),
            ..Change::default()
        };
        store.apply_change(r, &ack, 2_000).await.unwrap();
        let stale = Change {
            events: vec![NewEvent::new(
                EventKind::Closed,
                "x",
                Source::Chat,
                json!({}),
            )],
            status: Some(connect311::store::StatusChange::Closed {
                reason: CloseReason::Resolved,
            }),
            expect_status: Some(Status::Open),
            ..Change::default()
        };
        assert!(
            matches!(
                store.apply_change(r, &stale, 3_000).await,
                Err(StoreError::Conflict(_))
            ),
            "{d}"
        );
        assert_eq!(
            store.request(r).await.unwrap().unwrap().status,
            Status::Acknowledged,
            "{d}"
        );
        assert!(
            store.events(r).await.unwrap().is_empty(),
            "{d}: the refused change wrote an event"
        );
        // Same for a sweeper that read an older version of the row.
        let sweep = Change {
            expect_updated_at: Some(1_000),
            ..Change::default()
        };
        assert!(
            matches!(
                store.apply_change(r, &sweep, 3_000).await,
                Err(StoreError::Conflict(_))
            ),
            "{d}"
        );
        let fresh = Change {
            expect_updated_at: Some(2_000),
            ..Change::default()
        };
        store.apply_change(r, &fresh, 3_000).await.unwrap();

        assert!(
            store
                .claim_period("scorecard", "2026-W48", 1)
                .await
                .unwrap(),
            "{d}"
        );
        assert!(
            !store
                .claim_period("scorecard", "2026-W48", 2)
                .await
                .unwrap(),
            "{d}: claimed twice"
        );
        assert!(
            store
                .claim_period("scorecard", "2026-W49", 3)
                .await
                .unwrap(),
            "{d}"
        );
    }
}

/// Runs one statement on the database at `url` behind the store's back (what a bad manual edit or an old
/// release could leave behind).
async fn raw_sql(url: &str, sql: &'static str) {
    use sqlx::Connection;
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}

#[tokio::test]
async fn a_stored_value_that_does_not_parse_is_an_error_naming_its_row() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        support::fresh_sqlite_url(dir.path()),
        support::fresh_pg_url().await,
    ] {
        let store = connect311::store::Store::connect(&url).await.unwrap();
        let d = store.dialect();
        let r = store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("m1"))
            .await
            .unwrap();
        raw_sql(&url, "UPDATE requests SET priority = 'sometimes'").await;
        raw_sql(&url, "UPDATE events SET kind = 'exploded'").await;

        let err = store.request(r).await.unwrap_err();
        let StoreError::BadRow { row, reason } = &err else {
            panic!("{d}: {err:?}");
        };
        assert_eq!(row, "request 311-000001", "{d}");
        assert!(
            reason.contains("unknown priority `sometimes`"),
            "{d}: {reason}"
        );
        assert!(
            err.to_string().starts_with("request 311-000001: "),
            "{d}: {err}"
        );
        // Lists fail the same way rather than skip or patch the row.
        let err = store
            .list_requests(&RequestFilter::default())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::BadRow { row, .. } if row == "request 311-000001"),
            "{d}: {err:?}"
        );

        let err = store.events(r).await.unwrap_err();
        let StoreError::BadRow { row, reason } = &err else {
            panic!("{d}: {err:?}");
        };
        assert!(
            row.starts_with("event ") && row.ends_with(" of request 311-000001"),
            "{d}: {row}"
        );
        assert!(
            reason.contains("unknown event kind `exploded`"),
            "{d}: {reason}"
        );

        raw_sql(
            &url,
            "UPDATE requests SET priority = 'normal', status = 'pending'",
        )
        .await;
        let err = store
            .public_requests(&connect311::store::PublicFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::BadRow { row, reason }
                if row == "request 311-000001" && reason.contains("unknown status `pending`")),
            "{d}: {err:?}"
        );

        raw_sql(&url, "UPDATE mail_threads SET direction = 'sideways'").await;
        let err = store.thread_message_ids(r).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::BadRow { row, reason }
                if row == "mail thread m1-in of request 311-000001"
                    && reason.contains("unknown mail direction `sideways`")),
            "{d}: {err:?}"
        );
        store.close().await;
    }
}

mod backfill;
mod card_source;
mod duplicates;
mod intake_statements;
mod outbox_batch;
mod planner_stats;
mod scale;
