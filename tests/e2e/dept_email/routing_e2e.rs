//! Where work orders go: a department reassigns by email to another email department, which receives the
//! work order while the first is told it moved, and closes it; a department with both chat and email gets the
//! card and the email (an emergency's marked as one); what someone else does (a comment, a close, a reopening)
//! reaches the department in the work order's conversation.

use routing::{EventKind, Status};

use super::{department_mails, email_town, pothole_reported, reply_verified};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reassignment_by_email_sends_the_order_to_the_new_department_and_tells_the_old() {
    let (town, boxes) = email_town(&[("streets", "[\"email\"]"), ("parks", "")], None).await;
    let (streets, parks) = (&boxes[0], &boxes[1]);
    let (res, req, order) = pothole_reported(&town, streets).await;
    let r = req.reference.to_string();

    reply_verified(streets, &order, "reassign: parks").await;
    let moved = town.wait_event(req.reference, EventKind::Reassigned).await;
    assert_eq!(
        (moved.actor.as_str(), moved.payload["to"].as_str()),
        (streets.as_str(), Some("parks"))
    );
    let (parks_order, _) = department_mails(parks, 1).await.remove(0);
    assert!(
        parks_order.subject.contains(&format!("[{r}]")),
        "{}",
        parks_order.subject
    );
    assert!(
        parks_order.text.contains("New work order"),
        "{}",
        parks_order.text
    );
    assert!(
        parks_order.text.contains("Department:  Parks and Forestry"),
        "{}",
        parks_order.text
    );
    let told = department_mails(streets, 2).await;
    let notice = &told[1].0;
    assert!(
        notice.text.contains("reassigned to Parks and Forestry")
            && notice.subject.starts_with("Re: "),
        "{} / {}",
        notice.subject,
        notice.text
    );
    assert_eq!(
        notice.references, order.references,
        "one conversation in the old department's mailbox"
    );

    // The new department works it from its own mailbox; the old one no longer may.
    reply_verified(streets, &parks_order, "close: done by streets").await;
    town.wait_event(req.reference, EventKind::StaffCommandRefused)
        .await;
    reply_verified(parks, &parks_order, "close: filled it with gravel").await;
    town.wait_status(req.reference, Status::Closed).await;
    let closed = town.wait_event(req.reference, EventKind::Closed).await;
    assert_eq!(closed.actor, *parks);
    let mails = town.resident_mails(&res, 2).await;
    assert!(
        mails[1].text.contains("filled it with gravel"),
        "{}",
        mails[1].text
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_with_chat_and_email_gets_both() {
    let (town, boxes) = email_town(&[("streets", "[\"chat\", \"email\"]")], None).await;
    let (_, req, order) = pothole_reported(&town, &boxes[0]).await;
    let r = req.reference.to_string();
    let card = town.card("streets", &r).await;
    assert!(card["embeds"].to_string().contains(&r), "{card}");
    // Its mailbox works it as well as its channel would.
    reply_verified(&boxes[0], &order, "ack").await;
    town.wait_status(req.reference, Status::Acknowledged).await;
    town.outbox_drained().await;
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_reaches_dispatch_by_chat_and_by_an_email_marked_emergency() {
    let (town, boxes) = email_town(&[("dispatch", "[\"chat\", \"email\"]")], None).await;
    let res = crate::support::town::resident();
    let text = "Flames and thick smoke coming from the garage at 12 Birch Rd";
    crate::support::town::send(&res, &town.inbox, "fire", text).await;
    let req = town.request_from(&res).await;
    assert_eq!(req.department.as_str(), "dispatch");
    let r = req.reference.to_string();
    town.card("dispatch", &r).await;
    let (order, _) = department_mails(&boxes[0], 1).await.remove(0);
    assert!(order.subject.starts_with("EMERGENCY "), "{}", order.subject);
    assert!(
        order.text.starts_with("EMERGENCY — new work order"),
        "{}",
        order.text
    );
    assert!(order.text.contains(" — EMERGENCY"), "{}", order.text);
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_someone_else_does_to_the_order_reaches_the_department_in_its_conversation() {
    use connect311::desk::StaffAction;
    let (town, boxes) = email_town(&[("streets", "")], None).await;
    let streets = &boxes[0];
    let (_, req, order) = pothole_reported(&town, streets).await;
    let desk = town.desk();
    let who = crate::support::operator();
    let comment = StaffAction::Comment {
        text: "Crew 4 has the cold patch".into(),
    };
    desk.act(req.reference, &who, comment).await.unwrap();
    crate::support::close(desk, req.reference, "patched from the depot").await;
    let why = "the patch sank".to_string();
    desk.act(req.reference, &who, StaffAction::Reopen { why })
        .await
        .unwrap();
    let mails = department_mails(streets, 4).await;
    let texts: Vec<&str> = mails[1..].iter().map(|(m, _)| m.text.as_str()).collect();
    assert!(
        texts[0].contains("Operator wrote: Crew 4 has the cold patch"),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains("Closed by Operator: patched from the depot"),
        "{}",
        texts[1]
    );
    assert!(
        texts[2].contains("REOPENED") && texts[2].contains("Reopened by Operator: the patch sank"),
        "{}",
        texts[2]
    );
    assert!(mails[1..]
        .iter()
        .all(|(m, _)| m.references == order.references));
    town.svc.shutdown().await;
}
