//! An IMAP batch at the desk: counted and parsed together, then decided and committed one message at a time in
//! order, so a reply in the same batch as the mail it answers still threads; and a batch whose count was taken
//! before without being settled (the process died on one of its messages) goes one message at a time, so its
//! innocent batch-mates are never quarantined for the killer. A batch is first decided at once (no savepoints);
//! when one of its messages fails, all of that is undone and the batch decided again one savepoint a message, so
//! only the failing one is undone and nothing of the first try remains.

use connect311::desk::IngestOutcome;
use connect311::monitor::Monitor;
use connect311::serve::DeskInbox;
use mail::imap::{Disposition, InboxHandler, InboxMessage};

use crate::support::{email, Backend, INBOX};

on_both_stores!(
    a_batch_is_decided_in_order_and_settled,
    a_batch_that_died_before_goes_one_at_a_time,
    a_message_that_panics_in_a_batch_is_undone_alone_and_the_rest_decided_once,
);

/// The mails as one IMAP batch, UIDs 1, 2, ….
pub(super) fn batch(raws: &[Vec<u8>]) -> Vec<InboxMessage> {
    raws.iter()
        .enumerate()
        .map(|(n, raw)| InboxMessage::new(n as u32 + 1, raw.clone()))
        .collect()
}

async fn a_batch_is_decided_in_order_and_settled(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let raws = vec![
        email(
            "ana@example.test",
            INBOX,
            "Pothole",
            "b-1@example.test",
            "",
            "Deep pothole at 12 Oak Ave",
        ),
        // Ana again, answering her own first mail of this very batch: it threads to that request.
        email(
            "ana@example.test",
            INBOX,
            "Re: Pothole",
            "b-2@example.test",
            "In-Reply-To: <b-1@example.test>\r\n",
            "It is getting bigger",
        ),
        b"no headers at all".to_vec(),
        email(
            "ben@example.test",
            INBOX,
            "Streetlight",
            "b-4@example.test",
            "",
            "The streetlight at 5 Elm St is out",
        ),
    ];
    let inbox = DeskInbox {
        desk: desk.clone(),
        monitor: Monitor::default(),
    };
    let got = inbox.handle_batch(&batch(&raws)).await;
    let dispositions: Vec<_> = got.into_iter().map(|r| r.unwrap()).collect();
    assert!(
        matches!(dispositions[2], Disposition::Quarantine(_)),
        "{dispositions:?}"
    );
    for n in [0, 1, 3] {
        assert_eq!(dispositions[n], Disposition::Processed);
    }
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    assert_eq!(requests.len(), 2, "the reply joined Ana's request");
    // Everything handled is settled: counting again starts from one.
    for raw in &raws {
        assert_eq!(desk.store().begin_attempt(&key(raw), 0).await.unwrap().0, 1);
    }
    // Delivered again (say the move failed), the batch changes nothing.
    let again = desk.ingest_email(&raws[0]).await.unwrap();
    assert!(
        matches!(again, IngestOutcome::Duplicate { .. }),
        "{again:?}"
    );
}

/// The requesters of every request, sorted.
pub(super) async fn requesters(desk: &connect311::desk::Desk) -> Vec<String> {
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    let mut out: Vec<String> = requests.into_iter().map(|r| r.requester).collect();
    out.sort();
    out
}

/// A message's attempt key (the hash of its bytes).
pub(super) fn key(raw: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(raw)))
}

async fn a_batch_that_died_before_goes_one_at_a_time(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store
        .desk(dir.path(), "[mail]\nmax_processing_attempts = 2\n")
        .await;
    let raws: Vec<Vec<u8>> = (0..3)
        .map(|n| {
            email(
                "cy@example.test",
                INBOX,
                "Graffiti",
                &format!("d-{n}@example.test"),
                "",
                &format!("Graffiti on {n} Mill Rd"),
            )
        })
        .collect();
    let slices: Vec<&[u8]> = raws.iter().map(Vec::as_slice).collect();
    // Three starts that counted the batch and died before handling any of it.
    for _ in 0..3 {
        let _ = desk.prepare_emails(&slices).await.unwrap();
    }
    let inbox = DeskInbox {
        desk: desk.clone(),
        monitor: Monitor::default(),
    };
    let got = inbox.handle_batch(&batch(&raws)).await;
    for d in got {
        assert_eq!(
            d.unwrap(),
            Disposition::Processed,
            "a batch-mate was quarantined for a death not its own"
        );
    }
    assert_eq!(
        desk.store()
            .list_requests(&Default::default())
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn a_message_that_panics_in_a_batch_is_undone_alone_and_the_rest_decided_once(
    store: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let panics = format!("{}: boom\r\n", connect311::test_hooks::PANIC_HEADER);
    let raws = vec![
        email(
            "ana@example.test",
            INBOX,
            "Pothole",
            "p-1@example.test",
            "",
            "Deep pothole at 12 Oak Ave",
        ),
        email(
            "cy@example.test",
            INBOX,
            "Graffiti",
            "p-2@example.test",
            &panics,
            "Graffiti on 3 Mill Rd",
        ),
        email(
            "ana@example.test",
            INBOX,
            "Re: Pothole",
            "p-3@example.test",
            "In-Reply-To: <p-1@example.test>\r\n",
            "It is getting bigger",
        ),
        email(
            "ben@example.test",
            INBOX,
            "Streetlight",
            "p-4@example.test",
            "",
            "The streetlight at 5 Elm St is out",
        ),
    ];
    let inbox = DeskInbox {
        desk: desk.clone(),
        monitor: Monitor::default(),
    };
    let got: Vec<_> = inbox.handle_batch(&batch(&raws)).await;
    for n in [0, 2, 3] {
        assert_eq!(
            got[n].as_ref().unwrap(),
            &Disposition::Processed,
            "{n}: {got:?}"
        );
    }
    assert!(
        !matches!(got[1], Ok(Disposition::Processed)),
        "the panicking message stays: {got:?}"
    );
    assert_eq!(
        requesters(&desk).await,
        ["ana@example.test", "ben@example.test"],
        "each kept message decided once; the panicking one left nothing"
    );
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    let ana = requests
        .iter()
        .find(|r| r.requester == "ana@example.test")
        .unwrap();
    let events = desk.store().events(ana.reference).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == routing::EventKind::Created)
            .count(),
        1
    );
    assert!(
        events.iter().any(|e| e.kind == routing::EventKind::Comment),
        "the reply still threads to the request of its batch: {events:?}"
    );
    // The same mails without the poison, in a batch of their own, leave the same outbox: nothing of the
    // undone try remains.
    let clean_dir = tempfile::tempdir().unwrap();
    let (clean, _) = store.desk(clean_dir.path(), "").await;
    let clean_inbox = DeskInbox {
        desk: clean.clone(),
        monitor: Monitor::default(),
    };
    let without: Vec<Vec<u8>> = [0, 2, 3].iter().map(|&n| raws[n].clone()).collect();
    clean_inbox.handle_batch(&batch(&without)).await;
    let kinds = |rows: Vec<connect311::store::OutboxRow>| {
        let mut k: Vec<_> = rows.into_iter().map(|r| (r.kind, r.recipient)).collect();
        k.sort();
        k
    };
    assert_eq!(
        kinds(desk.store().outbox_rows(false).await.unwrap()),
        kinds(clean.store().outbox_rows(false).await.unwrap())
    );
    // The panic is the poison's last error, its attempt still counted; its batch-mates are settled.
    let (count, error) = desk.store().begin_attempt(&key(&raws[1]), 0).await.unwrap();
    assert_eq!(count, 2);
    assert!(error.is_some_and(|e| e.contains("panicked")));
    assert_eq!(
        desk.store()
            .begin_attempt(&key(&raws[3]), 0)
            .await
            .unwrap()
            .0,
        1
    );
}
