//! One request's whole life through the desk: reported (routed, acknowledged, posted, deduplicated), threaded,
//! quoted by a stranger, closed by staff with a completion email, reopened by the resident's reply.

use connect311::desk::{Desk, IngestOutcome, ReplyAction};
use routing::{CategoryId, CloseReason, EventKind, Language, RequestRef, Status};

use super::{close_action, count_events, staff};
use connect311::clock::ManualClock;

use crate::support::{created, email, emails_to, Backend, INBOX};

on_both_stores!(a_request_lives_its_whole_life);

async fn a_request_lives_its_whole_life(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store.desk(dir.path(), "").await;
    let (r, ack_id) = reported(&desk).await;
    replied_to(&desk, r, &ack_id).await;
    quoted_by_a_stranger(&desk, r).await;
    closed_by_staff(&desk, r).await;
    reopened_by_a_reply(&desk, &clock, r).await;
    desk.store().close().await;
}

/// The report and its exact repeat; the request and the acknowledgement's Message-ID.
async fn reported(desk: &Desk) -> (RequestRef, String) {
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
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(
        (
            req.department.as_str(),
            req.category.as_ref().map(CategoryId::as_str),
            req.status.as_str(),
            req.requester.as_str()
        ),
        ("streets", Some("pothole"), "open", "jane@example.test")
    );
    assert_eq!(req.language, Language::En);
    assert!(
        req.location_text
            .as_deref()
            .unwrap_or_default()
            .starts_with("120 Main St"),
        "{:?}",
        req.location_text
    );
    let ack_id = acknowledged_and_posted(desk, r).await;
    assert_eq!(count_events(desk, r, EventKind::Created).await, 1);

    // The same Message-ID again (a crash before the inbox flag was set): nothing done twice.
    let before = desk.store().outbox_rows(false).await.unwrap().len();
    assert_eq!(
        desk.ingest_email(&raw).await.unwrap(),
        IngestOutcome::Duplicate { reference: Some(r) }
    );
    assert_eq!(desk.store().outbox_rows(false).await.unwrap().len(), before);
    assert_eq!(count_events(desk, r, EventKind::Created).await, 1);

    (r, ack_id)
}

/// One work order for the department (no page: only emergencies page) and one acknowledgement threaded under
/// the report, signed for replies and marked automatic; the acknowledgement's Message-ID.
async fn acknowledged_and_posted(desk: &Desk, r: RequestRef) -> String {
    let rows = desk.store().outbox_rows(false).await.unwrap();
    let wo: Vec<_> = rows
        .iter()
        .filter(|o| o.kind == "chat_work_order")
        .collect();
    assert_eq!(wo.len(), 1, "one work order");
    assert_eq!(wo[0].reference, Some(r));
    assert_eq!(wo[0].payload["department"], "streets");
    assert!(
        wo[0].payload["page_role"].is_null(),
        "only emergencies page"
    );
    let acks = emails_to(desk, "jane@example.test").await;
    assert_eq!(acks.len(), 1, "one acknowledgement");
    assert_eq!(acks[0].reference, Some(r));
    let p = &acks[0].payload;
    assert_eq!(p["in_reply_to"], "pg1@example.test");
    assert!(p["subject"].as_str().unwrap().contains(&format!("[{r}]")));
    assert!(p["text"].as_str().unwrap().contains("Streets"));
    let reply_to = p["reply_to"].as_str().unwrap();
    assert!(
        reply_to.starts_with(&format!("311+{r}-")) && reply_to.ends_with("@city.test"),
        "{reply_to}"
    );
    assert_eq!(
        p["auto_submitted"],
        serde_json::to_value(mail::outbound::AutoSubmitted::AutoReplied).unwrap()
    );
    p["message_id"].as_str().unwrap().to_string()
}

async fn replied_to(desk: &Desk, r: RequestRef, ack_id: &str) {
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
            action: ReplyAction::Comment
        }
    );
    let comment = desk
        .store()
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Comment)
        .expect("comment event");
    assert_eq!(comment.actor, "jane@example.test");
    assert!(comment.payload["text"].as_str().unwrap().contains("hubcap"));
}

async fn quoted_by_a_stranger(desk: &Desk, r: RequestRef) {
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
    let linked = desk.store().request(r2).await.unwrap().unwrap();
    assert_eq!(
        (linked.linked_to, linked.requester.as_str()),
        (Some(r), "mallory@evil.test")
    );
    assert!(desk
        .store()
        .events(r)
        .await
        .unwrap()
        .iter()
        .all(|e| e.actor != "mallory@evil.test"));
    assert_eq!(
        desk.store().request(r).await.unwrap().unwrap().status,
        Status::Open
    );
}

async fn closed_by_staff(desk: &Desk, r: RequestRef) {
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
    let mails = emails_to(desk, "jane@example.test").await;
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
    assert_eq!(count_events(desk, r, EventKind::Closed).await, 1);
}

async fn reopened_by_a_reply(desk: &Desk, clock: &ManualClock, r: RequestRef) {
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
            action: ReplyAction::Reopened
        }
    );
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(
        (req.status.as_str(), req.close_reason, req.closed_at),
        ("reopened", None, None)
    );
    assert_eq!(count_events(desk, r, EventKind::Reopened).await, 1);
    assert_eq!(desk.store().reopen_counts().await.unwrap().len(), 1);
    let mails = emails_to(desk, "jane@example.test").await;
    assert_eq!(mails.len(), 3, "…and a reopened notice");
    assert!(mails[2].payload["subject"]
        .as_str()
        .unwrap()
        .contains("reopened"));
}
