//! Only the department's own verified mail works its order: a reply that merely claims the department's
//! address (no Authentication-Results from the city's MX) stays a comment and the mailbox is told why; a verified
//! reply from another department's mailbox is refused too. A later verified `ack` is the marker that the
//! refused mails were processed and changed nothing.

use routing::{EventKind, Status};

use super::{department_mails, email_town, pothole_reported, reply_verified};
use crate::support::town::{send, send_verified};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_or_foreign_department_reply_changes_nothing() {
    let (town, boxes) = email_town(&[("streets", ""), ("parks", "[\"email\"]")], None).await;
    let (streets, parks) = (&boxes[0], &boxes[1]);
    let (_, req, order) = pothole_reported(&town, streets).await;
    let to = order.reply_to.as_ref().unwrap().email.clone();
    let subject = format!("Re: {}", order.subject);

    // Anyone can type the department's address in From: port 25 vouches for nobody.
    send(streets, &to, &subject, "close: nothing to do").await;
    town.wait_event(req.reference, EventKind::StaffCommandRefused)
        .await;
    // Verified, but parks' mailbox: parks works its own requests, not streets'.
    send_verified(parks, &to, &subject, "close: not ours either").await;
    let deadline = tokio::time::Instant::now() + crate::support::town::WAIT;
    while refusals(&town, req.reference).await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the second refusal");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // The marker: the department's own verified reply is applied after them.
    reply_verified(streets, &order, "ack").await;
    town.wait_status(req.reference, Status::Acknowledged).await;
    let events = town.desk().store().events(req.reference).await.unwrap();
    assert!(
        events.iter().all(|e| e.kind != EventKind::Closed),
        "{events:?}"
    );
    let refused: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::StaffCommandRefused)
        .collect();
    assert_eq!(refused[0].actor, *streets);
    assert_eq!(refused[1].actor, *parks);
    assert!(
        refused[1].payload["reason"]
            .as_str()
            .is_some_and(|r| r.contains("only members of Streets and Transportation")),
        "{refused:?}"
    );
    let kept = events
        .iter()
        .filter(|e| e.kind == EventKind::Comment && e.payload["verified"] == false)
        .count();
    assert_eq!(kept, 2, "both kept as unverified comments: {events:?}");

    // The real mailbox hears that a close was tried in its name and not applied.
    let told = department_mails(streets, 2).await;
    assert!(told[1].0.text.contains("not applied"), "{}", told[1].0.text);
    let told_parks = department_mails(parks, 1).await;
    assert!(
        told_parks[0].0.text.contains("only members of"),
        "{}",
        told_parks[0].0.text
    );
    town.svc.shutdown().await;
}

async fn refusals(town: &crate::support::town::Town, r: routing::RequestRef) -> usize {
    let events = town.desk().store().events(r).await.unwrap();
    events
        .iter()
        .filter(|e| e.kind == EventKind::StaffCommandRefused)
        .count()
}
