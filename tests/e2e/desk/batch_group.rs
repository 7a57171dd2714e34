//! Group commit of an IMAP batch at the desk: decided in order in ONE transaction, so a duplicate of a
//! batch-mate is linked to it, a poison message in the middle is undone alone while the rest commit (the batch
//! is first decided at once with no savepoints; the poison undoes all of that and the batch is decided again
//! one savepoint a message, leaving nothing of the first try), and a
//! batch that dies before its commit leaves nothing written (all stay in the inbox) and its rerun files each
//! mail exactly once.

use std::panic::AssertUnwindSafe;

use connect311::monitor::Monitor;
use connect311::serve::DeskInbox;
use connect311::test_hooks::{CRASH_BEFORE_COMMIT_HEADER, PANIC_HEADER};
use futures::FutureExt;
use mail::imap::{Disposition, InboxHandler};
use routing::CloseReason;

use super::batch::{batch, key};
use crate::support::{email, Backend, INBOX};

on_both_stores!(
    a_duplicate_of_a_batch_mate_is_linked_to_it,
    a_poison_message_in_the_middle_does_not_stop_the_others,
    a_batch_that_dies_before_its_commit_leaves_all_and_its_rerun_files_each_once,
);

fn inbox(desk: &connect311::desk::Desk) -> DeskInbox {
    DeskInbox {
        desk: desk.clone(),
        monitor: Monitor::default(),
    }
}

/// The requesters of every request, sorted.
async fn requesters(desk: &connect311::desk::Desk) -> Vec<String> {
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    let mut out: Vec<String> = requests.into_iter().map(|r| r.requester).collect();
    out.sort();
    out
}

fn report(from: &str, id: &str, extra: &str, body: &str) -> Vec<u8> {
    email(from, INBOX, "Pothole", id, extra, body)
}

async fn a_duplicate_of_a_batch_mate_is_linked_to_it(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let raws = vec![
        report(
            "ann@example.test",
            "g-1@example.test",
            "",
            "Pothole in front of 210 S. Mill St.",
        ),
        report(
            "ben@example.test",
            "g-2@example.test",
            "",
            "Streetlight out at 5 Elm St",
        ),
        // Another resident, two doors down the same block: a duplicate of the first mail of this batch.
        report(
            "cal@example.test",
            "g-3@example.test",
            "",
            "Deep pothole outside 214 S Mill St",
        ),
    ];
    let got = inbox(&desk).handle_batch(&batch(&raws)).await;
    assert!(
        got.iter().all(|d| matches!(d, Ok(Disposition::Processed))),
        "{got:?}"
    );
    let mut requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    requests.sort_by_key(|r| r.reference);
    assert_eq!(requests.len(), 3, "{requests:?}");
    let (first, dup) = (&requests[0], &requests[2]);
    assert_eq!(first.requester, "ann@example.test");
    assert_eq!(dup.requester, "cal@example.test");
    assert_eq!(dup.linked_to, Some(first.reference), "{dup:?}");
    assert_eq!(dup.close_reason, Some(CloseReason::Duplicate));
    assert_eq!(requests[1].linked_to, None);
}

async fn a_poison_message_in_the_middle_does_not_stop_the_others(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let poison = format!("{PANIC_HEADER}: a bug deep in the desk\r\n");
    let raws = vec![
        report(
            "dee@example.test",
            "p-1@example.test",
            "",
            "Pothole at 12 Oak Ave",
        ),
        // Answers the first one, after the poison: threading still sees the first (the poison's work is
        // undone, not the batch's).
        report(
            "eve@example.test",
            "p-2@example.test",
            &poison,
            "Pothole at 40 Pine St",
        ),
        report(
            "dee@example.test",
            "p-3@example.test",
            "In-Reply-To: <p-1@example.test>\r\n",
            "It is getting bigger",
        ),
        report(
            "fay@example.test",
            "p-4@example.test",
            "",
            "Graffiti on 7 Mill Rd",
        ),
    ];
    let got = inbox(&desk).handle_batch(&batch(&raws)).await;
    for n in [0, 2, 3] {
        assert!(matches!(got[n], Ok(Disposition::Processed)), "{n}: {got:?}");
    }
    let err = got[1].as_ref().expect_err("the poison message failed");
    assert!(format!("{err:#}").contains("panicked"), "{err:#}");
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    let requesters: Vec<&str> = requests.iter().map(|r| r.requester.as_str()).collect();
    assert_eq!(
        requests.len(),
        2,
        "the reply joined Dee's request: {requesters:?}"
    );
    assert!(!requesters.contains(&"eve@example.test"), "{requesters:?}");
    let dee = requests
        .iter()
        .find(|r| r.requester == "dee@example.test")
        .unwrap();
    let events = desk.store().events(dee.reference).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == routing::EventKind::Created)
            .count(),
        1,
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.kind == routing::EventKind::Comment),
        "the reply threads to its batch-mate's request: {events:?}"
    );
    // The same mails without the poison, in a batch of their own, leave the same outbox: nothing of the
    // undone first try remains.
    let clean_dir = tempfile::tempdir().unwrap();
    let (clean, _) = store.desk(clean_dir.path(), "").await;
    let without: Vec<Vec<u8>> = [0, 2, 3].iter().map(|&n| raws[n].clone()).collect();
    inbox(&clean).handle_batch(&batch(&without)).await;
    let kinds = |rows: Vec<connect311::store::OutboxRow>| {
        let mut k: Vec<_> = rows.into_iter().map(|r| (r.kind, r.recipient)).collect();
        k.sort();
        k
    };
    assert_eq!(
        kinds(desk.store().outbox_rows(false).await.unwrap()),
        kinds(clean.store().outbox_rows(false).await.unwrap())
    );
    // The poison's attempt stays counted, with the panic as its last error (written after the commit).
    let (count, last) = desk.store().begin_attempt(&key(&raws[1]), 0).await.unwrap();
    assert_eq!(count, 2);
    assert!(last.unwrap_or_default().contains("panicked"));
    // The others are settled: counting again starts from one.
    assert_eq!(
        desk.store()
            .begin_attempt(&key(&raws[3]), 0)
            .await
            .unwrap()
            .0,
        1
    );
}

async fn a_batch_that_dies_before_its_commit_leaves_all_and_its_rerun_files_each_once(
    store: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store.desk(dir.path(), "").await;
    let crash = format!("{CRASH_BEFORE_COMMIT_HEADER}: killed\r\n");
    let raws = vec![
        report(
            "gus@example.test",
            "k-1@example.test",
            "",
            "Pothole at 9 Birch Rd",
        ),
        report(
            "gus@example.test",
            "k-2@example.test",
            "In-Reply-To: <k-1@example.test>\r\n",
            "It is getting bigger",
        ),
        report(
            "hal@example.test",
            "k-3@example.test",
            &crash,
            "Streetlight out at 2 Ash St",
        ),
        report(
            "ida@example.test",
            "k-4@example.test",
            "",
            "Graffiti on 3 Cedar Ln",
        ),
    ];
    let handler = inbox(&desk);
    let died = AssertUnwindSafe(handler.handle_batch(&batch(&raws)))
        .catch_unwind()
        .await;
    assert!(
        died.is_err(),
        "the batch was meant to die before its commit"
    );
    // Nothing of it was written: every mail is still to be filed (the worker moves nothing it was not told).
    assert!(desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap()
        .is_empty());
    // The rerun (the next pass over the same inbox) files each mail exactly once, the reply threaded.
    let got = handler.handle_batch(&batch(&raws)).await;
    assert!(
        got.iter().all(|d| matches!(d, Ok(Disposition::Processed))),
        "{got:?}"
    );
    assert_eq!(
        requesters(&desk).await,
        ["gus@example.test", "hal@example.test", "ida@example.test"]
    );
    // And once more (say the move failed after the commit), the hook's mail left out so that the batch is
    // group-committed again: nothing new.
    let others: Vec<Vec<u8>> = [0, 1, 3].iter().map(|&n| raws[n].clone()).collect();
    let again = handler.handle_batch(&batch(&others)).await;
    assert!(
        again
            .iter()
            .all(|d| matches!(d, Ok(Disposition::Processed))),
        "{again:?}"
    );
    assert_eq!(
        desk.store()
            .list_requests(&Default::default())
            .await
            .unwrap()
            .len(),
        3
    );
}
