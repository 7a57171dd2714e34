//! An email-only department's whole journey, on SQLite and PostgreSQL: a resident mails a phone photo; the
//! work order arrives in the department's Dovecot mailbox with the photo attached (metadata removed), its due
//! dates in city time and a signed reply address; the department replies `ack`, then `close: …`, from its
//! verified mailbox; the resident reads the completion in their language; no chat card was ever posted.

use mail::photo::fixture::SECRET;
use mail::photo::{gps_position, strip_metadata};
use mail::testkit;
use routing::{EventKind, Language, Status};

use super::{department_mails, email_town, reply_verified};
use crate::photos::{contains, mail_with_files, phone_photo};
use crate::support::town::{resident, send, Town};
use crate::support::{self, fresh_pg_url, Backend};
use connect311::store::Request;

on_both_stores!(an_email_only_department_works_its_order_by_replying);

async fn an_email_only_department_works_its_order_by_replying(backend: Backend) {
    let db = match backend {
        Backend::Postgres => Some(fresh_pg_url().await),
        Backend::Sqlite => None,
    };
    let (town, boxes) = email_town(&[("streets", "")], db).await;
    let streets = &boxes[0];
    let (res, photo) = (resident(), phone_photo());
    let raw = mail_with_files(
        &res,
        &town.inbox,
        "Bache enorme",
        &support::unique("bache"),
        "Hay un bache enorme frente al 210 de la calle Elm, casi me caigo con la bicicleta. Les mando una foto.",
        &[("IMG 4512.jpeg", "image/jpeg", &photo)],
    );
    testkit::smtp_send_raw_on(testkit::SMTP_PORT, &res, &[&town.inbox], &raw)
        .await
        .unwrap();
    let req = town.request_from(&res).await;
    assert_eq!(
        (req.department.as_str(), req.language),
        ("streets", Language::Es)
    );
    let r = req.reference.to_string();

    let order = the_work_order_arrives(&town, &req, streets, &res, &photo).await;

    reply_verified(streets, &order, "ack").await;
    town.wait_status(req.reference, Status::Acknowledged).await;
    reply_verified(streets, &order, "close: filled the pothole").await;
    town.wait_status(req.reference, Status::Closed).await;
    let closed = town.wait_event(req.reference, EventKind::Closed).await;
    assert_eq!(closed.actor, *streets);
    assert_eq!(closed.payload["note"], "filled the pothole");
    let acked = town
        .wait_event(req.reference, EventKind::Acknowledged)
        .await;
    assert_eq!(acked.actor, *streets);

    let mails = town.resident_mails(&res, 2).await;
    let completion = &mails[1];
    assert!(
        completion.text.contains("fue cerrada"),
        "in Spanish: {}",
        completion.text
    );
    assert!(
        completion.text.contains("filled the pothole"),
        "{}",
        completion.text
    );

    // The resident says it is not fixed: the department reads that it is back. Its own ack and close were not
    // echoed to it, or this would not be the next message in its mailbox.
    let back = &completion.reply_to.as_ref().unwrap().email;
    let again = format!("Re: {}", completion.subject);
    send(&res, back, &again, "Sigue roto, el bache volvió a abrirse.").await;
    town.wait_status(req.reference, Status::Reopened).await;
    let told = department_mails(streets, 2).await;
    let (reopened, _) = &told[1];
    assert!(reopened.text.contains("REOPENED"), "{}", reopened.text);
    assert!(
        reopened.text.contains("volvió a abrirse"),
        "{}",
        reopened.text
    );
    assert!(reopened.subject.starts_with("Re: ") && reopened.subject.contains(&r));
    assert_eq!(reopened.references, order.references, "one conversation");
    town.outbox_drained().await;
    // Everything was delivered; no card was ever posted for a department without a channel.
    let channel = &town.channels["streets"];
    assert!(
        !town
            .standin
            .messages(channel)
            .iter()
            .any(|m| m.to_string().contains(&r)),
        "no chat card for an email-only department"
    );
    let failed = town.desk().store().events(req.reference).await.unwrap();
    assert!(
        failed.iter().all(|e| e.kind != EventKind::DeliveryFailed),
        "{failed:?}"
    );
    town.svc.shutdown().await;
}

/// The work order in the department's mailbox: tagged, auto-generated, threaded, with a signed reply address,
/// the due times in city time, the resident's words (their address masked) and the stripped photo attached.
async fn the_work_order_arrives(
    town: &Town,
    req: &Request,
    streets: &str,
    res: &str,
    photo: &[u8],
) -> mail::Inbound {
    let r = req.reference.to_string();
    let (order, raw_order) = department_mails(streets, 1).await.remove(0);
    assert!(
        order.subject.contains(&format!("[{r}]")),
        "{}",
        order.subject
    );
    let head = String::from_utf8_lossy(&raw_order);
    assert!(
        head.contains("Auto-Submitted: auto-generated\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("References: <{r}.work-order.streets@")),
        "{head}"
    );
    let reply_to = order.reply_to.as_ref().unwrap().email.clone();
    let inbox_local = town.inbox.split('@').next().unwrap();
    assert!(
        reply_to.starts_with(&format!("{inbox_local}+{r}-")) && reply_to.ends_with("@city.test"),
        "signed per-request reply address: {reply_to}"
    );
    let city = town.desk().city().clone();
    for due in [req.response_due_at, req.resolution_due_at] {
        let local = connect311::clock::human(&city.calendar, due);
        assert!(local.ends_with("EST"), "city time, not UTC: {local}");
        assert!(order.text.contains(&local), "{local} in\n{}", order.text);
    }
    for shown in [
        "Hay un bache enorme",
        "Category:    Pothole",
        "ack",
        "close: <what was done>",
    ] {
        assert!(order.text.contains(shown), "{shown:?} in\n{}", order.text);
    }
    assert!(
        !order.text.contains(res),
        "the resident's address is masked"
    );
    assert_eq!(order.attachments.len(), 1, "{:?}", order.attachments);
    let sent = &order.attachments[0];
    assert_eq!(
        (sent.filename.as_str(), sent.content_type.as_str()),
        ("IMG 4512.jpeg", "image/jpeg")
    );
    assert_eq!(
        sent.data,
        strip_metadata(photo).unwrap(),
        "the stored, stripped photo"
    );
    assert!(sent.data.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(gps_position(&sent.data).is_none() && !contains(&sent.data, SECRET.as_bytes()));
    order
}
