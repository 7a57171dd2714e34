//! Limits at the desk: replies per sender per hour, poison messages (timing out, or stopping the process) and
//! sizes cut at the edge.

use connect311::config::Settings;
use connect311::desk::{Desk, IngestOutcome};
use connect311::store::Disposition;
use mail::imap::InboxHandler;

use crate::support::{self, created, email, emails_to, report, Backend, INBOX};
use routing::Source;

on_both_stores!(
    replies_to_one_sender_are_rate_limited,
    replies_to_one_sender_are_rate_limited_within_one_batch,
    a_message_that_keeps_timing_out_is_quarantined_with_the_reason,
    a_large_message_earns_more_time_by_its_size,
    a_message_that_stopped_the_process_three_times_is_quarantined_at_the_next_start,
    a_huge_body_and_name_are_cut_at_the_edge,
);

async fn replies_to_one_sender_are_rate_limited(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store
        .desk(dir.path(), "[mail]\nreplies_per_sender_per_hour = 3\n")
        .await;
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
    report(
        &desk,
        "loop@example.test",
        "Graffiti",
        "rl9@example.test",
        "Graffiti again at 3 River Rd",
    )
    .await;
    assert_eq!(
        emails_to(&desk, "loop@example.test").await.len(),
        4,
        "the cap is per hour"
    );
}

async fn replies_to_one_sender_are_rate_limited_within_one_batch(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _) = store
        .desk(dir.path(), "[mail]\nreplies_per_sender_per_hour = 3\n")
        .await;
    let raws: Vec<Vec<u8>> = (0..5)
        .map(|i| {
            email(
                "Loop <LOOP@example.test>",
                INBOX,
                "Graffiti",
                &format!("rb{i}@example.test"),
                "",
                &format!("Graffiti on the bridge at {i} River Rd"),
            )
        })
        .collect();
    let inbox = connect311::serve::DeskInbox {
        desk: desk.clone(),
        monitor: connect311::monitor::Monitor::default(),
    };
    let got = inbox.handle_batch(&super::batch::batch(&raws)).await;
    assert!(
        got.iter()
            .all(|d| matches!(d, Ok(mail::imap::Disposition::Processed))),
        "{got:?}"
    );
    let requests = desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap();
    assert_eq!(requests.len(), 5, "every report is filed");
    assert_eq!(
        emails_to(&desk, "loop@example.test").await.len(),
        3,
        "each mail of the batch counts the replies its batch-mates queued before it"
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
async fn a_message_that_keeps_timing_out_is_quarantined_with_the_reason(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    // A flat 1 ms deadline (no per-MiB allowance), whatever the message's size.
    let extra = "[mail]\nprocessing_timeout_ms = 1\nprocessing_timeout_per_mib_ms = 0\nmax_processing_attempts = 3\n";
    let (desk, _) = store.desk(dir.path(), extra).await;
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
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        1
    );
    // A normal message is unaffected by the other's history.
    let ok = email(
        "ann@example.test",
        INBOX,
        "Pothole",
        "ok@example.test",
        "",
        "Pothole at 9 Elm St",
    );
    let mut settings = Settings::clone(desk.settings());
    settings.mail.processing_timeout_ms = 4_000;
    let fast = Desk::new(settings, desk.store().clone(), desk.clock().clone()).unwrap();
    created(&fast.ingest_email(&ok).await.unwrap());
}

/// The same ~12 MB message that overruns a flat 1 ms deadline is parsed when the per-MiB allowance gives it
/// time: the deadline follows the message's size, not only the base.
async fn a_large_message_earns_more_time_by_its_size(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[mail]\nprocessing_timeout_ms = 1\nprocessing_timeout_per_mib_ms = 60000\n";
    let (desk, _) = store.desk(dir.path(), extra).await;
    let raw = heavy_email("roomy@example.test", 9 * 1024 * 1024);
    created(&desk.ingest_email(&raw).await.unwrap());
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        0
    );
}

/// A message that killed the process (an abort cannot be caught) was counted before it was processed: after
/// three such starts the next start quarantines it instead of taking it first again.
async fn a_message_that_stopped_the_process_three_times_is_quarantined_at_the_next_start(
    store: Backend,
) {
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
        let (desk, _) = store.desk(dir.path(), "").await;
        for _ in 0..3 {
            // What each dying start left behind: the attempt counted, never settled.
            desk.store().begin_attempt(&key, 0).await.unwrap();
        }
        desk.store().close().await;
        desk.settings().database_url()
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
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        1
    );
    let again = desk.ingest_email(&raw).await.unwrap();
    assert!(
        matches!(again, IngestOutcome::Quarantined { .. }),
        "{again:?}"
    );
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        1
    );
    assert!(desk
        .store()
        .list_requests(&Default::default())
        .await
        .unwrap()
        .is_empty());
}

/// Sizes are capped at the edge: a 20 MB single-line body becomes a description of at most the text cap (with a
/// marker saying how much was cut), and the raw copy kept is cut the same way; a 100 KB display name is cut too.
async fn a_huge_body_and_name_are_cut_at_the_edge(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
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
    // What is checked is the cutting, not the parse deadline: a 20 MB parse on a loaded two-core machine can
    // pass the default 4 s, so this desk allows longer.
    let (desk, _) = store
        .desk(dir.path(), "[mail]\nprocessing_timeout_ms = 60000\n")
        .await;
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert!(
        req.description.len() <= 300 * 1024,
        "{}",
        req.description.len()
    );
    assert!(req.description.contains("message cut"), "marker kept");
    assert!(req.requester_name.unwrap_or_default().chars().count() <= 200);
    let kept = desk
        .store()
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
