//! Replies through the desk: threading by signed address, In-Reply-To, References and subject tag; status
//! questions; replies after closure reopening within the window and starting a linked request after it.
//! (A stranger quoting a reference is part of the whole life in `lifecycle.rs`.)

use connect311::desk::{IngestOutcome, ReplyAction};
use connect311::store::{Change, NewEvent, StatusChange};
use serde_json::json;

use super::count_events;
use crate::support::{created, email, emails_to, report, Backend, INBOX};
use routing::{CloseReason, EventKind, Source, Status};

on_both_stores!(
    replies_thread_by_signed_address_in_reply_to_references_and_subject_tag,
    status_questions_get_a_status_reply_in_the_request_language,
    replies_after_closure_reopen_within_the_window_and_start_a_linked_request_after_it,
);

async fn replies_thread_by_signed_address_in_reply_to_references_and_subject_tag(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let jane = |to: &str, subject: &str, id: &str, headers: &str, body: &str| {
        let raw = email("jane@example.test", to, subject, id, headers, body);
        let desk = &desk;
        async move { desk.ingest_email(&raw).await.unwrap() }
    };
    let r = created(
        &jane(
            INBOX,
            "Pothole",
            "t0@example.test",
            "",
            "Pothole at 5th and Main",
        )
        .await,
    );
    let ack = emails_to(&desk, "jane@example.test").await.remove(0);
    let ack_id = ack.payload["message_id"].as_str().unwrap().to_string();
    let signed = ack.payload["reply_to"].as_str().unwrap().to_string();

    // Signed plus-address alone (the client dropped every threading header).
    let o = jane(&signed, "photos", "t1@example.test", "", "It got bigger").await;
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r,
            action: ReplyAction::Comment
        }
    );
    // In-Reply-To our acknowledgement.
    let in_reply_to = format!("In-Reply-To: <{ack_id}>\r\n");
    let o = jane(
        INBOX,
        "Re: x",
        "t2@example.test",
        &in_reply_to,
        "Another detail",
    )
    .await;
    assert_eq!(o.reference(), Some(r));
    // References only (right-most known id wins).
    let references = format!("References: <unknown@x> <{ack_id}>\r\n");
    let o = jane(INBOX, "Re: y", "t3@example.test", &references, "More").await;
    assert_eq!(o.reference(), Some(r));
    // Subject tag only.
    let tagged = format!("Re: [{r}] hello");
    let o = jane(INBOX, &tagged, "t4@example.test", "", "Still there").await;
    assert_eq!(o.reference(), Some(r));
    assert_eq!(count_events(&desk, r, EventKind::Comment).await, 4);
    // Each comment is also a note for the department's work-order thread.
    let notes = desk
        .store()
        .outbox_rows(false)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == "chat_note")
        .count();
    assert_eq!(notes, 4);

    // A forged signature threads nothing.
    let forged = signed.replacen(&signed[signed.len() - 18..signed.len() - 10], "00000000", 1);
    let body = "Graffiti on the wall at 9 Oak Ave";
    let o = jane(&forged, "new thing", "t5@example.test", "", body).await;
    assert_ne!(o.reference(), Some(r), "{forged}");
}

async fn status_questions_get_a_status_reply_in_the_request_language(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let r = report(
        &desk,
        "ana@example.test",
        "Basura",
        "st0@example.test",
        "No pasaron a recoger la basura en la calle Hidalgo 12",
    )
    .await;
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
            action: ReplyAction::Status
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

async fn replies_after_closure_reopen_within_the_window_and_start_a_linked_request_after_it(
    store: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store.desk(dir.path(), "").await; // the example city reopens within 14 days
    let (kim, body) = ("kim@example.test", "Pothole at 5th and Main");
    let r = report(&desk, kim, "Pothole", "c0@example.test", body).await;
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
    desk.store()
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
            action: ReplyAction::Reopened
        }
    );
    assert_eq!(
        desk.store().request(r).await.unwrap().unwrap().status,
        Status::Reopened
    );

    desk.store()
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
        desk.store().request(r2).await.unwrap().unwrap().linked_to,
        Some(r)
    );
    assert_eq!(
        desk.store().request(r).await.unwrap().unwrap().status,
        Status::Closed
    );
}
