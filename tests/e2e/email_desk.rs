//! The email path through the desk on a real SQLite database: guard, threading, classification, one
//! transaction, outbox rows. (The same path with real Dovecot/Postfix is in `email_e2e.rs`.)

use crate::support;
use routing::{CategoryId, CloseReason, EventKind, Language, Priority, Source, Status};

use connect311::desk::IngestOutcome;
use connect311::store::{Change, NewEvent, StatusChange};
use serde_json::json;
use support::{created, email, emails_to, report, INBOX};

#[tokio::test]
async fn a_report_becomes_a_routed_request_with_acknowledgement_and_work_order() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), "").await;
    let raw = email(
        "Jane <jane@example.test>",
        INBOX,
        "Pothole",
        "r1@example.test",
        "",
        "Huge pothole in front of 120 Main St.",
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store.request(r).await.unwrap().unwrap();
    assert_eq!(
        (
            req.department.as_str(),
            req.category.as_ref().map(CategoryId::as_str),
            req.language.as_str()
        ),
        ("streets", Some("pothole"), "en")
    );
    assert!(
        req.location_text
            .as_deref()
            .unwrap_or_default()
            .starts_with("120 Main St"),
        "{:?}",
        req.location_text
    );
    let rows = desk.store.outbox_rows(false).await.unwrap();
    let wo = rows
        .iter()
        .find(|r| r.kind == "chat_work_order")
        .expect("work order queued");
    assert_eq!(wo.payload["department"], "streets");
    assert!(wo.payload["page_role"].is_null(), "only emergencies page");
    let ack = &emails_to(&desk, "jane@example.test").await[0];
    let p = &ack.payload;
    assert_eq!(p["in_reply_to"], "r1@example.test");
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

    // The same message again (a crash before the inbox flag was set): nothing new.
    assert_eq!(
        desk.ingest_email(&raw).await.unwrap(),
        IngestOutcome::Duplicate { reference: Some(r) }
    );
    assert_eq!(
        desk.store.outbox_rows(false).await.unwrap().len(),
        rows.len()
    );
}

#[tokio::test]
async fn the_same_place_written_another_way_or_a_few_doors_down_is_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), "").await;
    let request = |r| {
        let desk = &desk;
        async move { desk.store.request(r).await.unwrap().unwrap() }
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
    let event_note = desk.store.events(near.reference).await.unwrap();
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

#[tokio::test]
async fn spanish_reports_are_answered_in_spanish() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let raw = email(
        "María <maria@example.test>",
        INBOX,
        "Bache",
        "es1@example.test",
        "",
        "Hay un bache enorme en la calle Juárez 45, ya se cayó un ciclista.",
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store.request(r).await.unwrap().unwrap();
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

#[tokio::test]
async fn emergencies_go_to_dispatch_with_a_call_911_reply_and_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
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
    let req = desk.store.request(r).await.unwrap().unwrap();
    assert_eq!(req.department.as_str(), "dispatch");
    assert_eq!(req.emergency.as_deref(), Some("gas_leak"));
    assert_eq!(req.priority, Priority::Urgent);
    let wo = desk
        .store
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

#[tokio::test]
async fn replies_thread_by_signed_address_in_reply_to_references_and_subject_tag() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let r = created(
        &desk
            .ingest_email(&email(
                "jane@example.test",
                INBOX,
                "Pothole",
                "t0@example.test",
                "",
                "Pothole at 5th and Main",
            ))
            .await
            .unwrap(),
    );
    let ack = emails_to(&desk, "jane@example.test").await.remove(0);
    let ack_id = ack.payload["message_id"].as_str().unwrap().to_string();
    let signed = ack.payload["reply_to"].as_str().unwrap().to_string();

    // Signed plus-address alone (the client dropped every threading header).
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            &signed,
            "photos",
            "t1@example.test",
            "",
            "It got bigger",
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
    // In-Reply-To our acknowledgement.
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            INBOX,
            "Re: x",
            "t2@example.test",
            &format!("In-Reply-To: <{ack_id}>\r\n"),
            "Another detail",
        ))
        .await
        .unwrap();
    assert_eq!(o.reference(), Some(r));
    // References only (right-most known id wins).
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            INBOX,
            "Re: y",
            "t3@example.test",
            &format!("References: <unknown@x> <{ack_id}>\r\n"),
            "More",
        ))
        .await
        .unwrap();
    assert_eq!(o.reference(), Some(r));
    // Subject tag only.
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            INBOX,
            &format!("Re: [{r}] hello"),
            "t4@example.test",
            "",
            "Still there",
        ))
        .await
        .unwrap();
    assert_eq!(o.reference(), Some(r));
    let comments = desk
        .store
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Comment)
        .count();
    assert_eq!(comments, 4);
    // Each comment is also a note for the department's work-order thread.
    let notes = desk
        .store
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == "chat_note")
        .count();
    assert_eq!(notes, 4);

    // A forged signature threads nothing.
    let forged = signed.replacen(&signed[signed.len() - 18..signed.len() - 10], "00000000", 1);
    let o = desk
        .ingest_email(&email(
            "jane@example.test",
            &forged,
            "new thing",
            "t5@example.test",
            "",
            "Graffiti on the wall at 9 Oak Ave",
        ))
        .await
        .unwrap();
    assert_ne!(o.reference(), Some(r), "{forged}");
}

#[tokio::test]
async fn a_stranger_who_knows_a_reference_gets_a_new_request() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let r = created(
        &desk
            .ingest_email(&email(
                "jane@example.test",
                INBOX,
                "Pothole",
                "s0@example.test",
                "",
                "Pothole at 5th and Main",
            ))
            .await
            .unwrap(),
    );
    let o = desk
        .ingest_email(&email(
            "mallory@evil.test",
            INBOX,
            &format!("Re: [{r}]"),
            "s1@evil.test",
            "",
            "close this, it is fixed",
        ))
        .await
        .unwrap();
    let r2 = created(&o);
    assert_ne!(r, r2);
    assert_eq!(
        desk.store.request(r2).await.unwrap().unwrap().linked_to,
        Some(r)
    );
    assert!(desk
        .store
        .events(r)
        .await
        .unwrap()
        .iter()
        .all(|e| e.actor != "mallory@evil.test"));
}

#[tokio::test]
async fn status_questions_get_a_status_reply_in_the_request_language() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let r = created(
        &desk
            .ingest_email(&email(
                "ana@example.test",
                INBOX,
                "Basura",
                "st0@example.test",
                "",
                "No pasaron a recoger la basura en la calle Hidalgo 12",
            ))
            .await
            .unwrap(),
    );
    let o = desk
        .ingest_email(&email(
            "ana@example.test",
            INBOX,
            &format!("Re: [{r}]"),
            "st1@example.test",
            "",
            "estado\n\nEl jue, 26 nov 2026 a las 9:00, 311 escribió:\n> Gracias",
        ))
        .await
        .unwrap();
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r,
            action: "status".into()
        }
    );
    let mails = emails_to(&desk, "ana@example.test").await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].payload["text"]
            .as_str()
            .unwrap()
            .contains("está abierta"),
        "{}",
        mails[1].payload["text"]
    );
}

#[tokio::test]
async fn automated_mail_is_never_answered_but_is_attached() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let r = created(
        &desk
            .ingest_email(&email(
                "bob@example.test",
                INBOX,
                "Streetlight out",
                "a0@example.test",
                "",
                "The streetlight at 10 Pine St is out",
            ))
            .await
            .unwrap(),
    );
    let before = desk.store.outbox_rows(false).await.unwrap().len();
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
        desk.store.outbox_rows(false).await.unwrap().len(),
        before,
        "nothing sent to automated mail"
    );
    assert!(desk
        .store
        .events(r)
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == EventKind::AutomatedMail));
}

#[tokio::test]
async fn replies_to_one_sender_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) =
        support::desk(dir.path(), "[mail]\nreplies_per_sender_per_hour = 3\n").await;
    for i in 0..5 {
        let raw = email(
            "loop@example.test",
            INBOX,
            "Graffiti",
            &format!("rl{i}@example.test"),
            "",
            "Graffiti on the bridge at 3 River Rd",
        );
        created(&desk.ingest_email(&raw).await.unwrap());
    }
    assert_eq!(
        emails_to(&desk, "loop@example.test").await.len(),
        3,
        "capped at 3 per hour"
    );
    clock.advance_ms(3_600_001);
    created(
        &desk
            .ingest_email(&email(
                "loop@example.test",
                INBOX,
                "Graffiti",
                "rl9@example.test",
                "",
                "Graffiti again at 3 River Rd",
            ))
            .await
            .unwrap(),
    );
    assert_eq!(
        emails_to(&desk, "loop@example.test").await.len(),
        4,
        "the cap is per hour"
    );
}

#[tokio::test]
async fn replies_after_closure_reopen_within_the_window_and_start_a_linked_request_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::desk(dir.path(), "").await; // the example city reopens within 14 days
    let r = created(
        &desk
            .ingest_email(&email(
                "kim@example.test",
                INBOX,
                "Pothole",
                "c0@example.test",
                "",
                "Pothole at 5th and Main",
            ))
            .await
            .unwrap(),
    );
    let close = |note: &str| Change {
        events: vec![NewEvent::new(
            EventKind::Closed,
            "crew-7",
            Source::Chat,
            json!({ "note": note }),
        )],
        status: Some(StatusChange::Closed {
            reason: CloseReason::Resolved,
        }),
        ..Change::default()
    };
    desk.store
        .apply_change(r, &close("filled"), desk.now())
        .await
        .unwrap();
    clock.advance_ms(3 * 86_400_000);
    let o = desk
        .ingest_email(&email(
            "kim@example.test",
            INBOX,
            &format!("Re: [{r}]"),
            "c1@example.test",
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
    assert_eq!(
        desk.store.request(r).await.unwrap().unwrap().status,
        Status::Reopened
    );

    desk.store
        .apply_change(r, &close("filled again"), desk.now())
        .await
        .unwrap();
    clock.advance_ms(15 * 86_400_000);
    let o = desk
        .ingest_email(&email(
            "kim@example.test",
            INBOX,
            &format!("Re: [{r}]"),
            "c2@example.test",
            "",
            "The pothole is back again at 5th and Main",
        ))
        .await
        .unwrap();
    let r2 = created(&o);
    assert_eq!(
        desk.store.request(r2).await.unwrap().unwrap().linked_to,
        Some(r)
    );
    assert_eq!(
        desk.store.request(r).await.unwrap().unwrap().status,
        Status::Closed
    );
}

#[tokio::test]
async fn bounces_attach_to_the_request_whose_mail_bounced() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(dir.path(), "").await;
    let r = created(
        &desk
            .ingest_email(&email(
                "gone@example.test",
                INBOX,
                "Noise",
                "b0@example.test",
                "",
                "Loud music every night at 7 Elm St",
            ))
            .await
            .unwrap(),
    );
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
        .store
        .events(r)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Bounce)
        .expect("bounce event");
    assert_eq!(ev.payload["status"], "5.1.1");
}

#[tokio::test]
async fn junk_is_quarantined_and_kept_and_oversize_attachments_get_a_polite_reply() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(
        dir.path(),
        "[mail]\nmax_attachment_bytes = 1000\nmax_total_attachment_bytes = 1500\n",
    )
    .await;
    let junk = b"\x00\x01\x02 not a message at all \xff\xfe";
    let o = desk.ingest_email(junk).await.unwrap();
    assert!(matches!(o, IngestOutcome::Quarantined { .. }), "{o:?}");
    assert_eq!(desk.store.count_inbound("quarantined").await.unwrap(), 1);

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
        .store
        .events(r)
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == EventKind::AttachmentsRefused));
}

#[tokio::test]
async fn staff_comments_by_email_say_whether_the_sender_was_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = support::desk(
        dir.path(),
        "[mail]\nstaff_domains = [\"city.test\"]\nauthserv_ids = [\"mx.city.test\"]\n",
    )
    .await;
    let r = created(
        &desk
            .ingest_email(&email(
                "jo@example.test",
                INBOX,
                "Pothole",
                "v0@example.test",
                "",
                "Pothole at 5th and Main",
            ))
            .await
            .unwrap(),
    );
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
        .store
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
        .store
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

/// A message with a `size`-byte attachment (base64), to make parsing take a while.
fn heavy_email(message_id: &str, size: usize) -> Vec<u8> {
    let data = "QUJD".repeat(size / 3);
    let mut wrapped = String::with_capacity(data.len() + data.len() / 38);
    for chunk in data.as_bytes().chunks(76) {
        wrapped.push_str(std::str::from_utf8(chunk).unwrap());
        wrapped.push_str("\r\n");
    }
    format!(
        "From: jane@example.test\r\nTo: {INBOX}\r\nSubject: Photo\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nPothole at 5 Main St.\r\n\
         --XX\r\nContent-Type: image/jpeg; name=\"p.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{wrapped}--XX--\r\n"
    )
    .into_bytes()
}

/// The reliability issue's poison message: each attempt is counted before processing, a parse that overruns its
/// deadline fails the attempt, and after `max_processing_attempts` the message is quarantined with the reason.
#[tokio::test]
async fn a_message_that_keeps_timing_out_is_quarantined_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[mail]\nprocessing_timeout_ms = 1\nmax_processing_attempts = 3\n";
    let pg_dir = tempfile::tempdir().unwrap();
    for (desk, _) in [
        support::desk(dir.path(), extra).await,
        support::pg_desk(pg_dir.path(), extra).await,
    ] {
        // ~12 MB to decode: far more than 1 ms.
        let raw = heavy_email("slow@example.test", 9 * 1024 * 1024);
        for attempt in 1..=3 {
            let err = desk.ingest_email(&raw).await.unwrap_err();
            assert!(
                err.to_string().contains("longer than"),
                "attempt {attempt}: {err}"
            );
        }
        let out = desk.ingest_email(&raw).await.unwrap();
        let IngestOutcome::Quarantined { reason } = out else {
            panic!("{out:?}");
        };
        assert!(
            reason.contains("3 failed attempts") && reason.contains("longer than"),
            "{reason}"
        );
        assert_eq!(desk.store.count_inbound("quarantined").await.unwrap(), 1);
        // A normal message is unaffected by the other's history.
        let ok = email(
            "ann@example.test",
            INBOX,
            "Pothole",
            "ok@example.test",
            "",
            "Pothole at 9 Elm St",
        );
        let mut fast = desk.clone();
        let mut settings = (*desk.settings).clone();
        settings.mail.processing_timeout_ms = 4_000;
        fast.settings = std::sync::Arc::new(settings);
        created(&fast.ingest_email(&ok).await.unwrap());
    }
}

/// A message that killed the process (an abort cannot be caught) was counted before it was processed: after
/// three such starts the next start quarantines it instead of taking it first again.
#[tokio::test]
async fn a_message_that_stopped_the_process_three_times_is_quarantined_at_the_next_start() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let raw = email(
        "jane@example.test",
        INBOX,
        "Pothole",
        "killer@example.test",
        "",
        "Pothole at 1 Main St",
    );
    let key = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&raw)));
    let url = {
        let (desk, _) = support::desk(dir.path(), "").await;
        for _ in 0..3 {
            // What each dying start left behind: the attempt counted, never settled.
            desk.store.begin_attempt(&key, 0).await.unwrap();
        }
        desk.store.close().await;
        desk.settings.database_url()
    };
    let mut s = support::settings(dir.path(), "");
    s.database.url = Some(url);
    let desk = connect311::app::open_with(s, std::sync::Arc::new(connect311::clock::SystemClock))
        .await
        .unwrap();
    let out = desk.ingest_email(&raw).await.unwrap();
    assert!(
        matches!(&out, IngestOutcome::Quarantined { reason } if reason.contains("the process stopped")),
        "{out:?}"
    );
    // Recorded once; delivered again (say the move to Quarantine failed), the same bytes go straight back.
    assert_eq!(desk.store.count_inbound("quarantined").await.unwrap(), 1);
    let again = desk.ingest_email(&raw).await.unwrap();
    assert!(
        matches!(again, IngestOutcome::Quarantined { .. }),
        "{again:?}"
    );
    assert_eq!(desk.store.count_inbound("quarantined").await.unwrap(), 1);
    assert!(desk
        .store
        .list_requests(&Default::default())
        .await
        .unwrap()
        .is_empty());
}

/// Sizes are capped at the edge: a 20 MB single-line body becomes a description of at most the text cap (with a
/// marker saying how much was cut), and the raw copy kept is cut the same way; a 100 KB display name is cut too.
#[tokio::test]
async fn a_huge_body_and_name_are_cut_at_the_edge_on_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let body = format!("Pothole at 5 Main St {}", "a".repeat(20 * 1024 * 1024));
    let name = "N".repeat(100 * 1024);
    let raw = email(
        &format!("{name} <jane@example.test>"),
        INBOX,
        "Pothole",
        "huge@example.test",
        "",
        &body,
    );
    for (desk, _) in [
        support::desk(dir.path(), "").await,
        support::pg_desk(pg_dir.path(), "").await,
    ] {
        let r = created(&desk.ingest_email(&raw).await.unwrap());
        let req = desk.store.request(r).await.unwrap().unwrap();
        assert!(
            req.description.len() <= 300 * 1024,
            "{}",
            req.description.len()
        );
        assert!(req.description.contains("message cut"), "marker kept");
        assert!(req.requester_name.unwrap_or_default().chars().count() <= 200);
        let kept = desk
            .store
            .inbound_raw(Source::Email, "huge@example.test")
            .await
            .unwrap()
            .expect("raw kept");
        assert!(
            kept.len() < 1024 * 1024,
            "kept {} bytes of {}",
            kept.len(),
            raw.len()
        );
        assert!(mail::inbound::parse(&kept, &Default::default()).is_ok());
    }
}
