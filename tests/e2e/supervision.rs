//! Nothing fails silently, end to end: a message whose handling panics (a test hook, over real IMAP) is counted,
//! retried with backoff, quarantined after its allowed attempts and never holds up the next one; a job whose
//! delivery panics is recorded and retried with the outbox's backoff; a worker that fails is restarted, counted, and its error shown in readiness.
//! Needs scripts/mailserver.sh; a missing server fails loudly.

use crate::support;
use connect311::store::Disposition;

use std::sync::Arc;
use std::time::Duration;

use mail::outbound::{MailSender, OutgoingMail, SendError};
use mail::testkit;
use support::http::get;
use support::observe::{
    failing, imap_settings, metric, metric_until, ready_until, serve, wall_clock_desk, HTTP, WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_panics_is_counted_retried_with_backoff_and_holds_up_nothing() {
    testkit::require_tls_mail_servers();
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
    let desk = wall_clock_desk(dir.path(), &imap_settings(&inbox, testkit::IMAPS_PORT)).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    ready_until(addr, "the service ready", |code, _| code == 200).await;

    let sent = tokio::time::Instant::now();
    let header = format!(
        "{}: boom in the desk\r\n",
        connect311::test_hooks::PANIC_HEADER
    );
    let poison = support::email(
        "Ana <ana@example.test>",
        &inbox,
        "Pothole",
        "poison@example.test",
        &header,
        "Pothole at 1 Main St.",
    );
    testkit::smtp_send_raw("ana@example.test", &[&inbox], &poison)
        .await
        .unwrap();
    let later = support::email(
        "Luis <luis@example.test>",
        &inbox,
        "Graffiti",
        "later@example.test",
        "",
        "Graffiti on the library wall at 200 Oak Ave.",
    );
    testkit::smtp_send_raw("luis@example.test", &[&inbox], &later)
        .await
        .unwrap();

    // The later mail becomes a request although the first one keeps failing.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let f = connect311::store::RequestFilter {
            requester: Some("luis@example.test".into()),
            ..Default::default()
        };
        if !desk.store().list_requests(&f).await.unwrap().is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the later mail was never processed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The poison message panics at each of its `max_processing_attempts` (3) tries, then is quarantined with
    // the panic's text: kept for a human, never retried for ever.
    let quarantined = testkit::wait_for_messages(&inbox, "Quarantine", 1, WAIT).await;
    assert!(String::from_utf8_lossy(&quarantined[0]).contains("poison@example.test"));
    let panics = metric(
        addr,
        "connect311_panics_total{component=\"inbox\",unit=\"message\"}",
    )
    .await;
    assert_eq!(panics, 3.0, "one panic per allowed attempt");
    let elapsed = sent.elapsed().as_secs_f64();
    assert!(panics >= 1.0, "the panic is counted");
    // Retries back off from 1 s, doubling: at most 2 + log2(elapsed + 1) attempts, never a tight loop.
    assert!(
        panics <= 2.0 + (elapsed + 1.0).log2(),
        "{panics} attempts in {elapsed:.1} s"
    );
    let errors = metric(
        addr,
        "connect311_ingested_messages_total{outcome=\"error\"}",
    )
    .await;
    assert!(
        errors >= panics,
        "every panic is also an error outcome: {errors} < {panics}"
    );
    assert_eq!(
        metric(
            addr,
            "connect311_ingested_messages_total{outcome=\"created\"}"
        )
        .await,
        1.0
    );
    assert!(metric(addr, "connect311_ingest_commit_seconds_count").await >= 1.0);
    assert_eq!(
        metric(
            addr,
            "connect311_panics_total{component=\"inbox\",unit=\"worker\"}"
        )
        .await,
        0.0
    );
    // Nothing lost: the message is kept with the reason, and no request was made of it.
    assert!(testkit::imap_fetch_all(&inbox, "INBOX").await.is_empty());
    assert_eq!(
        desk.store()
            .count_inbound(Disposition::Quarantined)
            .await
            .unwrap(),
        1
    );
    let f = connect311::store::RequestFilter {
        requester: Some("ana@example.test".into()),
        ..Default::default()
    };
    assert!(desk.store().list_requests(&f).await.unwrap().is_empty());
    ready_until(
        addr,
        "still ready: one bad message is not an outage",
        |code, _| code == 200,
    )
    .await;
    svc.shutdown().await;
}

/// A mail sender with a bug: it panics on every message.
struct PanickingSender;

#[async_trait::async_trait]
impl MailSender for PanickingSender {
    async fn send(&self, _: &OutgoingMail) -> Result<(), SendError> {
        panic!("test: the mail sender panicked")
    }
}

fn mail_to(rows: &[connect311::store::OutboxRow], to: &str) -> connect311::store::OutboxRow {
    let row = rows
        .iter()
        .find(|r| r.kind == "email" && r.recipient.as_deref() == Some(to));
    row.unwrap_or_else(|| panic!("no mail to {to} in {rows:?}"))
        .clone()
}

#[tokio::test]
async fn a_job_that_panics_is_recorded_and_retried_with_the_outbox_backoff() {
    const RETRIES: &str = "connect311_deliveries_total{kind=\"mail\",outcome=\"retry\"}";
    const PANICS: &str = "connect311_panics_total{component=\"outbox\",unit=\"job\"}";
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::desk(dir.path(), HTTP).await;
    let svc = serve(desk, Some(Arc::new(PanickingSender)));
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    support::report(
        &desk,
        "Ana <ana@example.test>",
        "Pothole",
        "p1@example.test",
        "Pothole at 1 Main St.",
    )
    .await;
    metric_until(addr, RETRIES, 1.0).await;

    // A later request's work order is posted and its acknowledgement tried: the panicking job neither blocked
    // the worker nor was retried meanwhile.
    let r = support::report(
        &desk,
        "Luis <luis@example.test>",
        "Graffiti",
        "g1@example.test",
        "Graffiti on the library wall at 200 Oak Ave.",
    )
    .await;
    let chat = dir.path().join("chat/graffiti.jsonl");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !std::fs::read_to_string(&chat).is_ok_and(|t| t.contains(&r.to_string())) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the later work order was never posted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    metric_until(addr, RETRIES, 2.0).await;
    let rows = desk.store().outbox_rows(false).await.unwrap();
    let ana = mail_to(&rows, "ana@example.test");
    assert_eq!(
        ana.attempts, 1,
        "tried once, then waits for its backoff (the desk's clock stands still)"
    );
    let error = ana.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("delivery panicked: test: the mail sender panicked"),
        "{error}"
    );
    assert!(
        ana.done_at.is_none() && ana.failed_at.is_none(),
        "kept for a retry"
    );
    assert_eq!(metric(addr, PANICS).await, 2.0);
    assert_eq!(metric(addr, RETRIES).await, 2.0);
    assert!(
        metric(
            addr,
            "connect311_deliveries_total{kind=\"chat\",outcome=\"sent\"}"
        )
        .await
            >= 2.0
    );
    let v = get(addr, "/health/ready").await.json();
    let smtp = &v["components"]["smtp"];
    assert_eq!(smtp["ok"], true, "failing for less than 5 minutes: {v}");
    assert!(
        smtp["last_error"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("panicked"),
        "{v}"
    );

    // Past the first backoff (2 s by default) each is tried once more, and waits again.
    clock.advance_ms(2_000);
    metric_until(addr, RETRIES, 4.0).await;
    assert_eq!(metric(addr, PANICS).await, 4.0);
    let rows = desk.store().outbox_rows(false).await.unwrap();
    for to in ["ana@example.test", "luis@example.test"] {
        assert_eq!(mail_to(&rows, to).attempts, 2, "{to}");
    }
    svc.shutdown().await;
}

#[tokio::test]
async fn a_worker_that_fails_is_restarted_counted_and_its_error_shown() {
    let dir = tempfile::tempdir().unwrap();
    let fast =
        format!("{HTTP}[health]\nrestart_backoff_min_ms = 20\nrestart_backoff_max_ms = 200\n");
    let (desk, _clock) = support::desk(dir.path(), &fast).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    ready_until(addr, "the service ready", |code, _| code == 200).await;
    assert_eq!(
        metric(
            addr,
            "connect311_worker_restarts_total{component=\"inbox\"}"
        )
        .await,
        0.0
    );

    // The Maildir's new/ turns into a file: the watcher cannot read it, and cannot recreate it on restart.
    let new = dir.path().join("inbox/new");
    std::fs::remove_dir_all(&new).unwrap();
    std::fs::write(&new, "not a directory").unwrap();
    let v = ready_until(addr, "the inbox failing after restarts", |code, v| {
        code == 503
            && v["components"]["inbox"]["restarts"]
                .as_u64()
                .is_some_and(|n| n >= 2)
    })
    .await;
    assert_eq!(failing(&v), ["inbox"], "{v}");
    let reason = v["components"]["inbox"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("worker stopped, restarting: ") && reason.contains("inbox/new"),
        "{reason}"
    );
    assert!(
        metric(
            addr,
            "connect311_worker_restarts_total{component=\"inbox\"}"
        )
        .await
            >= 2.0
    );

    std::fs::remove_file(&new).unwrap();
    let v = ready_until(addr, "ready again once new/ can be made", |code, _| {
        code == 200
    })
    .await;
    let last = v["components"]["inbox"]["last_error"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        last.contains("inbox/new"),
        "the last error stays visible: {v}"
    );
    std::fs::write(
        dir.path().join("inbox/tmp-1"),
        support::email(
            "Ana <ana@example.test>",
            support::INBOX,
            "Pothole",
            "after@example.test",
            "",
            "Pothole at 1 Main St.",
        ),
    )
    .unwrap();
    std::fs::rename(dir.path().join("inbox/tmp-1"), new.join("1.eml")).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while metric(
        addr,
        "connect311_ingested_messages_total{outcome=\"created\"}",
    )
    .await
        < 1.0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the restarted watcher never took the message"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        desk.store()
            .list_requests(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
    svc.shutdown().await;
}
