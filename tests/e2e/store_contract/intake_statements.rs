//! The store contract for intake's batched statements (both stores): a batch's attempts counted with one
//! statement (a key given twice counted twice, in order), which messages of a batch were seen looked up at
//! once, a new request's outbox rows written in order with one statement, a unit of a group whose step
//! failed after writing undone whole while the group goes on, a group decided at once (no savepoints)
//! refusing to keep a failed step or to commit a transaction PostgreSQL has aborted, and a group's new
//! requests from mail written whole (ids reserved ahead on PostgreSQL) within a sender's cap and over it.

use std::collections::HashSet;

use connect311::effect::Effect;
use connect311::store::{
    Change, Creation, MailCount, MailDirection, NewAttachment, NewEvent, StatusChange, StoreError,
};
use routing::{CloseReason, EventKind, Source};
use serde_json::json;

use super::{change_with, inbound, mail_to, new_request};
use crate::support;

#[tokio::test]
async fn a_batch_s_attempts_are_counted_in_order_with_repeats_and_past_errors() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let counts = store
            .begin_attempts(&keys(&["a", "b", "a"]), 1_000)
            .await
            .unwrap();
        assert_eq!(
            counts,
            vec![(1, None), (1, None), (2, None)],
            "{d}: a key given twice is counted twice, its second place after its first"
        );
        store.fail_attempt("a", "boom").await.unwrap();
        let counts = store
            .begin_attempts(&keys(&["c", "a"]), 2_000)
            .await
            .unwrap();
        assert_eq!(
            counts,
            vec![(1, None), (3, Some("boom".to_string()))],
            "{d}: counts go on from the stored ones, with the last error"
        );
        assert!(store.begin_attempts(&[], 3_000).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_batch_looks_up_which_of_its_messages_were_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("s1"))
            .await
            .unwrap();
        let ids = ["s1", "s2", "s1"].map(String::from);
        let seen = store.inbound_seen_among(Source::Email, &ids).await.unwrap();
        assert_eq!(seen, HashSet::from(["s1".to_string()]), "{d}");
        let web = store.inbound_seen_among(Source::Web, &ids).await.unwrap();
        assert!(web.is_empty(), "{d}: another source's ids are its own");
    }
}

#[tokio::test]
async fn a_new_request_s_outbox_rows_are_written_in_order_and_it_is_swept_unless_closed() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let to = [
            "first@example.test",
            "second@example.test",
            "third@example.test",
        ];
        let open = store
            .create_request(&new_request("a@example.test"), 1_000, |_| Change {
                outbox: to
                    .iter()
                    .map(|t| Effect::Email(mail_to(t)).into())
                    .collect(),
                ..change_with("o1")
            })
            .await
            .unwrap();
        let rows = store.outbox_rows(false).await.unwrap();
        let got: Vec<_> = rows.iter().map(|r| r.recipient.as_deref()).collect();
        assert_eq!(got, to.map(Some).to_vec(), "{d}: in the change's order");
        assert!(rows
            .iter()
            .all(|r| r.reference == Some(open) && r.kind == "email"));
        for (row, t) in rows.iter().zip(to) {
            let Ok(Effect::Email(m)) = Effect::decode(row.id, &row.kind, &row.payload.to_string())
            else {
                panic!("{d}: row {} does not read back as the mail queued", row.id);
            };
            assert_eq!(
                (m.to.email.as_str(), m.subject.as_str()),
                (t, "Received"),
                "{d}"
            );
        }
        let closed = store
            .create_request(&new_request("a@example.test"), 1_000, |_| Change {
                status: Some(StatusChange::Closed {
                    reason: CloseReason::Duplicate,
                }),
                ..change_with("o2")
            })
            .await
            .unwrap();
        let due = store.sweep_due(1_000, None, 10).await.unwrap();
        let due: Vec<_> = due.iter().map(|(_, r)| r.reference).collect();
        assert_eq!(
            due,
            vec![open],
            "{d}: the open one is swept next pass, not {closed}"
        );
    }
}

#[tokio::test]
async fn a_unit_whose_step_failed_after_writing_is_undone_and_its_group_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("u1"))
            .await
            .unwrap();
        let group = store.hold_group().await.unwrap();
        group.begin_unit().await.unwrap();
        group
            .create_request(&new_request("b@example.test"), 1_100, |_| change_with("u2"))
            .await
            .unwrap();
        group.end_unit(true).await.unwrap();
        group.begin_unit().await.unwrap();
        // Its request row is written before its Message-ID is refused as a duplicate.
        let err = group
            .create_request(&new_request("c@example.test"), 1_200, |_| change_with("u1"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{d}: {err:?}");
        assert!(
            group.end_unit(true).await.is_err(),
            "{d}: a unit whose step failed cannot be kept"
        );
        group.end_unit(false).await.unwrap();
        group.commit_group().await.unwrap();
        let all = store.list_requests(&Default::default()).await.unwrap();
        let requesters: Vec<_> = all.iter().map(|r| r.requester.as_str()).collect();
        assert_eq!(
            requesters,
            vec!["b@example.test", "a@example.test"],
            "{d}: the kept unit is committed, the failed one left nothing"
        );
        assert_eq!(store.outbox_rows(false).await.unwrap().len(), 2, "{d}");
    }
}

#[tokio::test]
async fn a_group_decided_at_once_cannot_keep_a_failed_step_nor_commit_an_aborted_transaction() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        store
            .create_request(&new_request("a@example.test"), 1_000, |_| change_with("w1"))
            .await
            .unwrap();
        let group = store.hold_group().await.unwrap();
        group.join_unit();
        group
            .create_request(&new_request("b@example.test"), 1_100, |_| change_with("w2"))
            .await
            .unwrap();
        group.leave_unit().unwrap();
        group.group_is_sound().await.unwrap();
        group.join_unit();
        // Its request row is written before its Message-ID is refused as a duplicate.
        let err = group
            .create_request(&new_request("c@example.test"), 1_200, |_| change_with("w1"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate(_)), "{d}: {err:?}");
        assert!(
            group.leave_unit().is_err(),
            "{d}: a step that failed after writing spoils a unit with no savepoint"
        );
        group.rollback_group().await.unwrap();
        let all = store.list_requests(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "{d}: the rolled-back group left nothing");

        // A refused statement answered anyway (no step of the store's own): PostgreSQL aborts the whole
        // transaction, and the group must not be committed as if it were whole; SQLite goes on.
        let group = store.hold_group().await.unwrap();
        group.join_unit();
        group
            .create_request(&new_request("e@example.test"), 1_300, |_| Change::default())
            .await
            .unwrap();
        group.leave_unit().unwrap();
        let refused = group
            .record_inbound(&super::inbound("w1"), 1_300)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, StoreError::Duplicate(_)),
            "{d}: {refused:?}"
        );
        let sound = group.group_is_sound().await;
        match d {
            "postgres" => assert!(sound.is_err(), "{d}: an aborted transaction is not sound"),
            _ => sound.unwrap(),
        }
    }
}

/// A mail's new request as intake makes it: its `created` event and Message-ID; within the sender's cap a
/// reply (and its Message-ID), over it a `reply_suppressed` event instead; with a file when `file`.
fn new_from_mail(id: &str, over: bool, file: bool) -> Creation {
    let mut change = Change {
        events: vec![NewEvent::new(
            EventKind::Created,
            "a@example.test",
            Source::Email,
            json!({ "mail": id }),
        )],
        thread_ids: vec![(format!("{id}-in"), MailDirection::In)],
        ..Change::default()
    };
    if file {
        change.attachments.push(NewAttachment {
            filename: "notes.txt".into(),
            content_type: "text/plain".into(),
            data: b"notes".to_vec(),
            image: None,
        });
    }
    if over {
        let kind = EventKind::ReplySuppressed;
        let suppressed = NewEvent::new(kind, "system", Source::Email, json!({}));
        change.events.push(suppressed);
    } else {
        let ack = Effect::Email(mail_to("a@example.test")).into();
        change.send_email((ack, format!("{id}-ack")));
    }
    Creation {
        change,
        related: Vec::new(),
    }
}

#[tokio::test]
async fn a_group_s_new_requests_from_mail_are_written_whole_within_the_sender_s_cap_and_over_it() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let group = store.hold_group().await.unwrap();
        // Three expected (ids reserved for them on PostgreSQL), the fourth beyond; the second has a file.
        group.expect_creations(3);
        let count = MailCount {
            recipient: "a@example.test",
            since: 0,
            cap: 2,
        };
        let mut made = Vec::new();
        for (i, file) in [(1, false), (2, true), (3, false), (4, false)] {
            let id = format!("g{i}");
            let new = new_request("a@example.test");
            let created = group
                .create_request_counting(&new, 1_000 + i, count, inbound(&id), |_, over| {
                    new_from_mail(&id, over, file)
                })
                .await;
            made.push((id, created.unwrap()));
        }
        group.commit_group().await.unwrap();
        let numbers: Vec<String> = made.iter().map(|(_, r)| r.to_string()).collect();
        assert_eq!(
            numbers,
            ["311-000001", "311-000002", "311-000003", "311-000004"],
            "{d}: reserved ids, all used, leave no gap and keep the order"
        );
        let outbox = store.outbox_rows(false).await.unwrap();
        for (n, (id, reference)) in made.iter().enumerate() {
            let over = n >= 2;
            let kinds: Vec<EventKind> = store
                .events(*reference)
                .await
                .unwrap()
                .iter()
                .map(|e| e.kind)
                .collect();
            let mut want = vec![EventKind::Created];
            want.extend(over.then_some(EventKind::ReplySuppressed));
            assert_eq!(
                kinds, want,
                "{d} {id}: the cap counts the group's earlier replies"
            );
            let mails = outbox
                .iter()
                .filter(|o| o.reference == Some(*reference))
                .count();
            assert_eq!(
                mails,
                usize::from(!over),
                "{d} {id}: its reply, unless over the cap"
            );
            let mut threads = vec![(format!("{id}-in"), MailDirection::In)];
            threads.extend((!over).then(|| (format!("{id}-ack"), MailDirection::Out)));
            assert_eq!(
                store.thread_message_ids(*reference).await.unwrap(),
                threads,
                "{d} {id}"
            );
            let seen = store
                .inbound_seen(Source::Email, id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                seen.reference,
                Some(*reference),
                "{d} {id}: the mail is recorded with it"
            );
        }
        let again = store.hold_group().await.unwrap();
        again.expect_creations(1);
        let twice = again
            .create_request_counting(
                &new_request("a@example.test"),
                2_000,
                count,
                inbound("g1"),
                |_, over| new_from_mail("g1", over, false),
            )
            .await;
        assert!(
            matches!(twice, Err(StoreError::Duplicate(_))),
            "{d}: {twice:?}"
        );
        again.rollback_group().await.unwrap();
    }
}
