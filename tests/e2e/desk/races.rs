//! Races on one store: two workers handed the same message, two staff members closing the same request at once.
//! Both are meaningful on SQLite too: its single writer serialises the transactions, and each must still see
//! the other's commit (the Message-ID already recorded, the request already closed).

use std::sync::Arc;

use connect311::desk::{ActionError, IngestOutcome, StaffAction};
use routing::{EventKind, RequestRef, Status};

use super::{close_action, count_events, staff};
use crate::support::{email, emails_to, report, Backend, INBOX};

on_both_stores!(
    two_workers_with_the_same_message_make_one_request,
    two_staff_closing_at_once_close_it_once,
);

async fn two_workers_with_the_same_message_make_one_request(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
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
    let all = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    desk.store().close().await;
}

async fn two_staff_closing_at_once_close_it_once(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    for round in 0..5 {
        let who = format!("resident{round}@example.test");
        let r = report(
            &desk,
            &who,
            "Streetlight",
            &format!("close{round}@example.test"),
            &format!("The streetlight at {} Pine St is out", 10 + round),
        )
        .await;
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
    desk.store().close().await;
}
