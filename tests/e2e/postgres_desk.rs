//! The desk on PostgreSQL: the email path and staff actions end to end on a fresh database, including two
//! workers racing on the same message and two staff members closing the same request at once.

use crate::support;
use routing::{CategoryId, EventKind, Source, Status};

use std::sync::Arc;

use connect311::desk::{ActionError, Actor, Desk, IngestOutcome, StaffAction};
use routing::lifecycle::CloseReason;
use routing::RequestRef;
use support::{created, email, emails_to, INBOX};

async fn count_events(desk: &Desk, r: RequestRef, kind: EventKind) -> usize {
    desk.store
        .events(r)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

fn staff(name: &str) -> Actor {
    Actor {
        id: format!("cli:{name}"),
        name: name.into(),
        source: Source::Cli,
        roles: Vec::new(),
        trusted_staff: true,
    }
}

fn close_action(note: &str) -> StaffAction {
    StaffAction::Close {
        reason: CloseReason::Resolved,
        note: note.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_lives_its_whole_life_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::pg_desk(dir.path(), "").await;

    // A report becomes a routed request, acknowledged and posted as a work order, in one transaction.
    let raw = email(
        "Jane <jane@example.test>",
        INBOX,
        "Pothole",
        "pg1@example.test",
        "",
        "Huge pothole in front of 120 Main St.",
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store.request(r).await.unwrap().unwrap();
    assert_eq!(
        (
            req.department.as_str(),
            req.category.as_ref().map(CategoryId::as_str),
            req.status.as_str(),
            req.requester.as_str()
        ),
        ("streets", Some("pothole"), "open", "jane@example.test")
    );
    let rows = desk.store.outbox_rows(false).await.unwrap();
    let wo: Vec<_> = rows
        .iter()
        .filter(|o| o.kind == "chat_work_order")
        .collect();
    assert_eq!(wo.len(), 1, "one work order");
    assert_eq!(wo[0].reference, Some(r));
    assert_eq!(wo[0].payload["department"], "streets");
    let acks = emails_to(&desk, "jane@example.test").await;
    assert_eq!(acks.len(), 1, "one acknowledgement");
    assert_eq!(acks[0].reference, Some(r));
    assert_eq!(acks[0].payload["in_reply_to"], "pg1@example.test");
    assert!(acks[0].payload["subject"]
        .as_str()
        .unwrap()
        .contains(&format!("[{r}]")));
    let ack_id = acks[0].payload["message_id"].as_str().unwrap().to_string();
    assert_eq!(count_events(&desk, r, EventKind::Created).await, 1);

    // The same Message-ID again: nothing done twice.
    let before = desk.store.outbox_rows(false).await.unwrap().len();
    assert_eq!(
        desk.ingest_email(&raw).await.unwrap(),
        IngestOutcome::Duplicate { reference: Some(r) }
    );
    assert_eq!(desk.store.outbox_rows(false).await.unwrap().len(), before);
    assert_eq!(count_events(&desk, r, EventKind::Created).await, 1);

    // A reply In-Reply-To our acknowledgement threads onto the request as a comment.
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            INBOX,
            "Re: your report",
            "pg2@example.test",
            &format!("In-Reply-To: <{ack_id}>\r\n"),
            "It is getting bigger, a car lost a hubcap.",
        ))
        .await
        .unwrap();
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r,
            action: "comment".into()
        }
    );
    let comment = desk
        .store
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Comment)
        .expect("comment event");
    assert_eq!(comment.actor, "jane@example.test");
    assert!(comment.payload["text"].as_str().unwrap().contains("hubcap"));

    // A stranger quoting the reference gets a request of their own, linked, and writes nothing into Jane's.
    let o = desk
        .ingest_email(&email(
            "mallory@evil.test",
            INBOX,
            &format!("Re: [{r}]"),
            "pg3@evil.test",
            "",
            "close this, it is fixed",
        ))
        .await
        .unwrap();
    let r2 = created(&o);
    assert_ne!(r2, r);
    let linked = desk.store.request(r2).await.unwrap().unwrap();
    assert_eq!(
        (linked.linked_to, linked.requester.as_str()),
        (Some(r), "mallory@evil.test")
    );
    assert!(desk
        .store
        .events(r)
        .await
        .unwrap()
        .iter()
        .all(|e| e.actor != "mallory@evil.test"));
    assert_eq!(
        desk.store.request(r).await.unwrap().unwrap().status,
        Status::Open
    );

    // Staff close: the resident gets the completion email, threaded under their first message.
    let closed = desk
        .act(r, &staff("Lee"), close_action("Filled the hole"))
        .await
        .unwrap();
    assert_eq!(
        (
            closed.status.as_str(),
            closed.close_reason.map(CloseReason::as_str)
        ),
        ("closed", Some("resolved"))
    );
    assert_eq!(closed.closed_at, Some(desk.now()));
    let mails = emails_to(&desk, "jane@example.test").await;
    assert_eq!(mails.len(), 2, "acknowledgement + completion");
    let done = &mails[1].payload;
    assert!(
        done["subject"]
            .as_str()
            .unwrap()
            .contains("Your request is closed"),
        "{done}"
    );
    assert!(done["text"].as_str().unwrap().contains("Filled the hole"));
    assert_eq!(done["in_reply_to"], "pg1@example.test");
    assert_eq!(count_events(&desk, r, EventKind::Closed).await, 1);

    // A reply within the reopen window (14 days) reopens it.
    clock.advance_ms(3 * 86_400_000);
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            INBOX,
            &format!("Re: [{r}] Your request is closed"),
            "pg4@example.test",
            "",
            "It is not fixed, the hole is back",
        ))
        .await
        .unwrap();
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r,
            action: "reopened".into()
        }
    );
    let req = desk.store.request(r).await.unwrap().unwrap();
    assert_eq!(
        (req.status.as_str(), req.close_reason, req.closed_at),
        ("reopened", None, None)
    );
    assert_eq!(count_events(&desk, r, EventKind::Reopened).await, 1);
    assert_eq!(desk.store.reopen_counts().await.unwrap().len(), 1);
    let mails = emails_to(&desk, "jane@example.test").await;
    assert_eq!(mails.len(), 3, "…and a reopened notice");
    assert!(mails[2].payload["subject"]
        .as_str()
        .unwrap()
        .contains("reopened"));
    desk.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_with_the_same_message_make_one_request() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::pg_desk(dir.path(), "").await;
    for round in 0..5 {
        let raw = Arc::new(email(
            "sam@example.test",
            INBOX,
            "Graffiti",
            &format!("race{round}@example.test"),
            "",
            &format!("Graffiti on the wall at {} Oak Ave", 10 + round),
        ));
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (desk, raw, barrier) = (desk.clone(), raw.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    desk.ingest_email(&raw).await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.expect("no panic").expect("no error"));
        }
        let made: Vec<RequestRef> = outcomes
            .iter()
            .filter_map(|o| match o {
                IngestOutcome::Created { reference, .. } => Some(*reference),
                _ => None,
            })
            .collect();
        assert_eq!(made.len(), 1, "round {round}: {outcomes:?}");
        assert!(
            outcomes.contains(&IngestOutcome::Duplicate {
                reference: Some(made[0])
            }),
            "round {round}: {outcomes:?}"
        );
    }
    let all = desk.store.list_requests(&Default::default()).await.unwrap();
    assert_eq!(all.len(), 5);
    desk.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_staff_closing_at_once_close_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::pg_desk(dir.path(), "").await;
    for round in 0..5 {
        let who = format!("resident{round}@example.test");
        let r = created(
            &desk
                .ingest_email(&email(
                    &who,
                    INBOX,
                    "Streetlight",
                    &format!("close{round}@example.test"),
                    "",
                    &format!("The streetlight at {} Pine St is out", 10 + round),
                ))
                .await
                .unwrap(),
        );
        if round % 2 == 1 {
            desk.act(r, &staff("Ada"), StaffAction::Acknowledge)
                .await
                .unwrap();
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = ["Ada", "Bo"]
            .into_iter()
            .map(|name| {
                let (desk, barrier) = (desk.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    desk.act(r, &staff(name), close_action(&format!("Fixed by {name}")))
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        let mut refusals = Vec::new();
        for t in tasks {
            match t.await.expect("no panic") {
                Ok(req) => {
                    ok += 1;
                    assert_eq!(req.status, Status::Closed);
                }
                Err(ActionError::Refused(msg)) => refusals.push(msg),
                Err(other) => panic!("round {round}: unexpected error {other:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}: exactly one close succeeds");
        assert_eq!(refusals.len(), 1, "round {round}");
        assert!(
            refusals[0].contains("already closed"),
            "round {round}: {}",
            refusals[0]
        );
        assert_eq!(
            count_events(&desk, r, EventKind::Closed).await,
            1,
            "round {round}: exactly one closed event"
        );
        let completions = emails_to(&desk, &who)
            .await
            .into_iter()
            .filter(|m| {
                m.payload["subject"]
                    .as_str()
                    .unwrap()
                    .contains("Your request is closed")
            })
            .count();
        assert_eq!(completions, 1, "round {round}: one completion email");
    }
    desk.store.close().await;
}
