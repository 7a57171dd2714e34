//! An IMAP batch at the desk: counted and parsed together, then decided and committed one message at a time in
//! order, so a reply in the same batch as the mail it answers still threads; and a batch whose count was taken
//! before without being settled (the process died on one of its messages) goes one message at a time, so its
//! innocent batch-mates are never quarantined for the killer.

use connect311::desk::IngestOutcome;
use connect311::monitor::Monitor;
use connect311::serve::DeskInbox;
use mail::imap::{Disposition, InboxHandler, InboxMessage};

use crate::support::{email, Backend, INBOX};

on_both_stores!(
    a_batch_is_decided_in_order_and_settled,
    a_batch_that_died_before_goes_one_at_a_time,
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
