//! New mail through the desk (a plain report's routing and acknowledgement are in `lifecycle.rs`): duplicates by
//! place, language, emergencies, automated mail, bounces, junk and oversize attachments, staff comments by email.

use connect311::desk::IngestOutcome;
use connect311::store::Disposition;

use crate::support::{created, email, emails_to, report, Backend, INBOX};
use routing::emergency::EmergencyKind;
use routing::{CloseReason, EventKind, Language, Priority};

on_both_stores!(
    the_same_place_written_another_way_or_a_few_doors_down_is_a_duplicate,
    spanish_reports_are_answered_in_spanish,
    emergencies_go_to_dispatch_with_a_call_911_reply_and_a_page,
    automated_mail_is_never_answered_but_is_attached,
    bounces_attach_to_the_request_whose_mail_bounced,
    junk_is_quarantined_and_kept_and_oversize_attachments_get_a_polite_reply,
    staff_comments_by_email_say_whether_the_sender_was_verified,
);

async fn the_same_place_written_another_way_or_a_few_doors_down_is_a_duplicate(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = store.desk(dir.path(), "").await;
    let request = |r| {
        let desk = &desk;
        async move { desk.store().request(r).await.unwrap().unwrap() }
    };
    let duplicate_of = |req: &connect311::store::Request| {
        (req.close_reason == Some(CloseReason::Duplicate))
            .then_some(req.linked_to)
            .flatten()
    };
    // The example city's streets snap the typo and place the corner.
    let corner = report(
        &desk,
        "ann@example.test",
        "Pothole",
        "c1@example.test",
        "Big pothole at Mian St and 3rd",
    )
    .await;
    let first = request(corner).await;
    assert_eq!(first.location_norm.as_deref(), Some("3rd st & n main st"));
    assert!(first.lat.is_some() && first.lon.is_some(), "{first:?}");
    // Same corner, other order, other language, other suffixes.
    let again = report(
        &desk,
        "beto@example.test",
        "Bache",
        "c2@example.test",
        "Hay un bache enorme en la esquina de 3rd y Main St",
    )
    .await;
    assert_eq!(duplicate_of(&request(again).await), Some(corner));
    // Four doors down the same block: a different address, a few metres away by the interpolated points.
    let door = report(
        &desk,
        "cy@example.test",
        "Pothole",
        "a1@example.test",
        "Pothole in front of 210 S. Mill St.",
    )
    .await;
    let near = report(
        &desk,
        "dee@example.test",
        "Pothole",
        "a2@example.test",
        "Deep pothole outside 214 S Mill St",
    )
    .await;
    let near = request(near).await;
    assert_eq!(duplicate_of(&near), Some(door));
    let event_note = desk.store().events(near.reference).await.unwrap();
    assert!(
        event_note
            .iter()
            .any(|e| e.payload.to_string().contains(" m away (within 50 m)")),
        "{event_note:?}"
    );
    // Another corner of the same street is new work.
    let other = report(
        &desk,
        "eve@example.test",
        "Pothole",
        "c3@example.test",
        "Pothole at 7th and Main",
    )
    .await;
    assert_eq!(duplicate_of(&request(other).await), None);
}

async fn spanish_reports_are_answered_in_spanish(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let raw = email(
        "María <maria@example.test>",
        INBOX,
        "Bache",
        "es1@example.test",
        "",
        "Hay un bache enorme en la calle Juárez 45, ya se cayó un ciclista.",
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(req.language, Language::Es);
    let ack = &emails_to(&desk, "maria@example.test").await[0];
    assert!(
        ack.payload["text"]
            .as_str()
            .unwrap()
            .contains("Gracias por comunicarse"),
        "{}",
        ack.payload["text"]
    );
    assert_eq!(ack.payload["language"], "es");
}

async fn emergencies_go_to_dispatch_with_a_call_911_reply_and_a_page(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let raw = email(
        "sam@example.test",
        INBOX,
        "help",
        "em1@example.test",
        "",
        "Strong smell of gas in the hallway of 45 Elm Street",
    );
    let out = desk.ingest_email(&raw).await.unwrap();
    assert!(
        matches!(
            out,
            IngestOutcome::Created {
                emergency: true,
                ..
            }
        ),
        "{out:?}"
    );
    let r = created(&out);
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(req.department.as_str(), "dispatch");
    assert_eq!(req.emergency, Some(EmergencyKind::GasLeak));
    assert_eq!(req.priority, Priority::Urgent);
    let wo = desk
        .store()
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "chat_work_order")
        .unwrap();
    assert_eq!(wo.payload["department"], "dispatch");
    assert!(
        wo.payload["page_role"].is_string(),
        "dispatch is paged: {}",
        wo.payload
    );
    let reply = &emails_to(&desk, "sam@example.test").await[0];
    assert!(reply.payload["text"].as_str().unwrap().contains("CALL 911"));
}

async fn automated_mail_is_never_answered_but_is_attached(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let r = report(
        &desk,
        "bob@example.test",
        "Streetlight out",
        "a0@example.test",
        "The streetlight at 10 Pine St is out",
    )
    .await;
    let before = desk.store().outbox_rows(false).await.unwrap().len();
    let ooo = email(
        "bob@example.test",
        INBOX,
        &format!("Automatic reply: [{r}]"),
        "a1@example.test",
        "Auto-Submitted: auto-replied\r\n",
        "I am out of the office",
    );
    let o = desk.ingest_email(&ooo).await.unwrap();
    assert!(
        matches!(o, IngestOutcome::Automated { reference: Some(x), .. } if x == r),
        "{o:?}"
    );
    let list = email(
        "news@lists.example.test",
        INBOX,
        "Newsletter",
        "a2@example.test",
        "List-Id: <news.example.test>\r\nPrecedence: list\r\n",
        "Weekly news",
    );
    assert!(matches!(
        desk.ingest_email(&list).await.unwrap(),
        IngestOutcome::Automated {
            reference: None,
            ..
        }
    ));
    let own = email(
        "streets@city.test",
        INBOX,
        "Pothole",
        "a3@city.test",
        "",
        "Our own mail coming back",
    );
    assert!(matches!(
        desk.ingest_email(&own).await.unwrap(),
        IngestOutcome::Automated { .. }
    ));
    assert_eq!(
        desk.store().outbox_rows(false).await.unwrap().len(),
        before,
        "nothing sent to automated mail"
    );
    assert!(desk
        .store()
        .events(r)
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == EventKind::AutomatedMail));
}

async fn bounces_attach_to_the_request_whose_mail_bounced(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let r = report(
        &desk,
        "gone@example.test",
        "Noise",
        "b0@example.test",
        "Loud music every night at 7 Elm St",
    )
    .await;
    let ack_id = emails_to(&desk, "gone@example.test").await[0].payload["message_id"]
        .as_str()
        .unwrap()
        .to_string();
    let dsn = format!(
        "From: MAILER-DAEMON@mx.example.test\r\nTo: 311@city.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <dsn1@mx.example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\r\n\r\n\
         --BB\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n\
         Final-Recipient: rfc822; gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n\
         --BB\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: 311@city.test\r\nTo: gone@example.test\r\n\
         Message-ID: <{ack_id}>\r\nSubject: ack\r\n\r\n--BB--\r\n"
    );
    let o = desk.ingest_email(dsn.as_bytes()).await.unwrap();
    assert_eq!(
        o,
        IngestOutcome::Bounce {
            reference: Some(r),
            permanent: true
        }
    );
    let ev = desk
        .store()
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Bounce)
        .expect("bounce event");
    assert_eq!(ev.payload["status"], "5.1.1");
}

async fn junk_is_quarantined_and_kept_and_oversize_attachments_get_a_polite_reply(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store
        .desk(
            dir.path(),
            "[mail]\nmax_attachment_bytes = 1000\nmax_total_attachment_bytes = 1500\n",
        )
        .await;
    let junk = b"\x00\x01\x02 not a message at all \xff\xfe";
    let o = desk.ingest_email(junk).await.unwrap();
    assert!(matches!(o, IngestOutcome::Quarantined { .. }), "{o:?}");
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        1
    );

    let big = "QUJD".repeat(1000); // 3000 bytes once decoded
    let raw = format!(
        "From: pat@example.test\r\nTo: 311@city.test\r\nSubject: Dumping\r\nMessage-ID: <big1@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nMattress dumped in the alley behind 44 Oak Ave\r\n\
         --XX\r\nContent-Type: image/jpeg; name=\"huge.jpg\"\r\nContent-Disposition: attachment; filename=\"huge.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{big}\r\n--XX--\r\n"
    );
    let r = created(&desk.ingest_email(raw.as_bytes()).await.unwrap());
    let mails = emails_to(&desk, "pat@example.test").await;
    assert_eq!(mails.len(), 2, "acknowledgement and the oversize note");
    assert!(mails[1].payload["text"]
        .as_str()
        .unwrap()
        .contains("huge.jpg"));
    assert!(desk
        .store()
        .events(r)
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == EventKind::AttachmentsRefused));
}

async fn staff_comments_by_email_say_whether_the_sender_was_verified(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store
        .desk(
            dir.path(),
            "[mail]\nstaff_domains = [\"city.test\"]\nauthserv_ids = [\"mx.city.test\"]\n",
        )
        .await;
    let r = report(
        &desk,
        "jo@example.test",
        "Pothole",
        "v0@example.test",
        "Pothole at 5th and Main",
    )
    .await;
    let subject = format!("Re: [{r}]");
    let forged = email(
        "crew@city.test",
        INBOX,
        &subject,
        "v1@city.test",
        "",
        "crew is on the way",
    );
    desk.ingest_email(&forged).await.unwrap();
    let stamped = email(
        "crew@city.test",
        INBOX,
        &subject,
        "v2@city.test",
        // Stamped by our receiving server above the Received line it added.
        "Authentication-Results: mx.city.test; dmarc=pass header.from=city.test\r\n\
         Received: from crew-laptop by mx.city.test with ESMTPS id 1\r\n",
        "crew arrived",
    );
    desk.ingest_email(&stamped).await.unwrap();
    let comments: Vec<_> = desk
        .store()
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Comment)
        .collect();
    assert_eq!(comments.len(), 2);
    assert_eq!(
        (
            comments[0].payload["staff"].as_bool(),
            comments[0].payload["verified"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(
        (
            comments[1].payload["staff"].as_bool(),
            comments[1].payload["verified"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let notes: Vec<String> = desk
        .store()
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == "chat_note")
        .map(|o| o.payload["text"].to_string())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("NOT verified") && n.contains("on the way")),
        "{notes:?}"
    );
}
