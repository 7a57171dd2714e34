//! Against the real loopback Postfix + Dovecot from scripts/mailserver.sh. Each test uses fresh mailboxes; if the
//! servers are down every test fails with instructions (never skips).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mail::guard::{automated, OwnAddresses};
use mail::imap::{self, Disposition, ImapConfig, ImapSecurity, InboxHandler, IntakeObserver};
use mail::outbound::{AutoSubmitted, MailSender, OutgoingMail, SmtpSender};
use mail::testkit::{
    dovecot_logins, enable_rawlog, imap_capabilities, imap_fetch_all, imap_folder_exists,
    install_vacation, rawlog_commands, require_mail_servers, require_no_idle_listener,
    require_tls_mail_servers, smtp_send_raw, unique_local, wait_for_messages, IMAPS_PORT,
    IMAP_PORT, NO_IDLE_HOST, TEST_CA,
};
use mail::{inbound, Address, Limits};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);

type Script = dyn Fn(usize, &[u8]) -> anyhow::Result<Disposition> + Send + Sync;

/// Records every call (raw bytes) and answers from a script keyed by call number.
struct Scripted {
    calls: AtomicUsize,
    seen: mpsc::UnboundedSender<Vec<u8>>,
    script: Box<Script>,
}

#[async_trait::async_trait]
impl InboxHandler for Scripted {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let _ = self.seen.send(raw.to_vec());
        (self.script)(n, raw)
    }
}

fn scripted(
    script: impl Fn(usize, &[u8]) -> anyhow::Result<Disposition> + Send + Sync + 'static,
) -> (Arc<Scripted>, mpsc::UnboundedReceiver<Vec<u8>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let h = Arc::new(Scripted {
        calls: AtomicUsize::new(0),
        seen: tx,
        script: Box::new(script),
    });
    (h, rx)
}

fn config(user: &str) -> ImapConfig {
    let mut cfg = ImapConfig::new("127.0.0.1", 143, user, "test");
    cfg.backoff_min = Duration::from_millis(200);
    cfg.backoff_max = Duration::from_secs(2);
    cfg.command_timeout = Duration::from_secs(10);
    cfg
}

fn city(prefix: &str) -> String {
    format!("{}@city.test", unique_local(prefix))
}

fn resident() -> String {
    format!("{}@example.test", unique_local("res"))
}

fn raw_mail(from: &str, to: &str, subject: &str, message_id: &str) -> Vec<u8> {
    format!(
        "From: Resident <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Mon, 3 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         There is a pothole on Main Street.\r\n"
    )
    .into_bytes()
}

/// Counts what the worker reports (IDLE entered, looks at the mailbox, failures) for tests to wait on.
#[derive(Debug)]
struct Counters {
    idles: watch::Sender<u64>,
    polls: watch::Sender<u64>,
    failures: watch::Sender<u64>,
}

impl IntakeObserver for Counters {
    fn connected(&self) {}
    fn polled(&self, _next_within: Duration) {
        self.polls.send_modify(|n| *n += 1);
    }
    fn idling(&self) {
        self.idles.send_modify(|n| *n += 1);
    }
    fn failed(&self, _error: &str) {
        self.failures.send_modify(|n| *n += 1);
    }
}

/// The receiving side of [`Counters`].
struct Signals {
    idles: watch::Receiver<u64>,
    polls: watch::Receiver<u64>,
    failures: watch::Receiver<u64>,
}

impl Signals {
    /// Waits until the worker has entered IDLE `n` times in all: anything delivered now wakes it.
    async fn idled(&mut self, n: u64) {
        until(&mut self.idles, n, "IDLE entries").await;
    }

    /// The IDLE entries so far.
    fn idles(&self) -> u64 {
        *self.idles.borrow()
    }
}

/// Waits until the counter reaches `n`.
async fn until(rx: &mut watch::Receiver<u64>, n: u64, what: &str) {
    let reached = tokio::time::timeout(WAIT, rx.wait_for(|v| *v >= n))
        .await
        .map(|r| r.map(|v| *v));
    assert!(
        matches!(reached, Ok(Ok(_))),
        "the worker never reported {n} {what} (saw {})",
        *rx.borrow()
    );
}

/// `cfg` reporting to fresh counters.
fn watched(cfg: ImapConfig) -> (ImapConfig, Signals) {
    let (idles, idles_rx) = watch::channel(0);
    let (polls, polls_rx) = watch::channel(0);
    let (failures, failures_rx) = watch::channel(0);
    let counters = Counters {
        idles,
        polls,
        failures,
    };
    let signals = Signals {
        idles: idles_rx,
        polls: polls_rx,
        failures: failures_rx,
    };
    (cfg.with_observer(Arc::new(counters)), signals)
}

async fn start_worker(
    cfg: ImapConfig,
    handler: Arc<dyn InboxHandler>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    let user = cfg.username.clone();
    let task = tokio::spawn(imap::run(cfg, handler, cancel));
    // The worker creates its folders once logged in: then it is about to IDLE.
    let deadline = tokio::time::Instant::now() + WAIT;
    while !imap_folder_exists(&user, "Quarantine").await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "worker never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Vec<u8> {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("handler not called in time")
        .expect("handler dropped")
}

async fn stop(cancel: CancellationToken, task: tokio::task::JoinHandle<anyhow::Result<()>>) {
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("worker did not stop promptly on cancel")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn idle_wakes_worker_and_message_moves_to_processed() {
    require_mail_servers();
    let inbox = city("inbox");
    let from = resident();
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let (cfg, mut signals) = watched(config(&inbox));
    let task = start_worker(cfg, handler.clone(), cancel.clone()).await;
    // Only once the worker is in IDLE: then only IDLE (not the first pass) can see the message.
    signals.idled(1).await;

    // Plus-addressed mail lands in the base mailbox.
    let to = inbox.replacen('@', "+311-000123-deadbeef@", 1);
    let raw = raw_mail(&from, &to, "Pothole", "idle-1@example.test");
    let started = std::time::Instant::now();
    smtp_send_raw(&from, &[&to], &raw).await.unwrap();
    let got = next(&mut rx).await;
    eprintln!("IDLE wake-up after submit: {:?}", started.elapsed());
    let parsed = inbound::parse(&got, &Limits::default()).unwrap();
    assert_eq!(parsed.message_id.as_deref(), Some("idle-1@example.test"));
    assert_eq!(parsed.delivered_to, vec![to.clone()]);

    let processed = wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    assert_eq!(processed.len(), 1);
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    stop(cancel, task).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn idle_is_renewed_and_keeps_waking() {
    require_mail_servers();
    let inbox = city("inbox");
    let from = resident();
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let mut cfg = config(&inbox);
    cfg.idle_timeout = Duration::from_millis(300);
    // Hot mode off: after the first message the worker must go back to IDLE (and its renewals) at once.
    cfg.busy_window = Duration::ZERO;
    let (cfg, mut signals) = watched(cfg);
    let task = start_worker(cfg, handler, cancel.clone()).await;
    for i in 0..2 {
        // Several IDLE renewals pass before each message.
        signals.idled(signals.idles() + 3).await;
        let id = format!("renew-{i}@example.test");
        smtp_send_raw(&from, &[&inbox], &raw_mail(&from, &inbox, "Renew", &id))
            .await
            .unwrap();
        let got = inbound::parse(&next(&mut rx).await, &Limits::default()).unwrap();
        assert_eq!(got.message_id.as_deref(), Some(id.as_str()));
    }
    wait_for_messages(&inbox, "Processed", 2, WAIT).await;
    stop(cancel, task).await;
}

#[tokio::test]
async fn worker_reconnects_after_the_server_drops_it() {
    require_mail_servers();
    reconnect_after_kick(config(&city("inbox"))).await;
}

#[tokio::test]
async fn worker_over_tls_reconnects_after_the_server_drops_it() {
    require_tls_mail_servers();
    let inbox = city("tlskick");
    let cfg = tls_config(&inbox, "127.0.0.1", IMAPS_PORT, ImapSecurity::Tls).with_ca_file(TEST_CA);
    reconnect_after_kick(cfg).await;
    let tls_logins = dovecot_logins(&inbox)
        .iter()
        .filter(|l| l.contains(", TLS,"))
        .count();
    assert!(
        tls_logins >= 2,
        "expected a TLS login before and after the kick, saw {tls_logins}"
    );
}

async fn reconnect_after_kick(cfg: ImapConfig) {
    let inbox = cfg.username.clone();
    let from = resident();
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let (cfg, mut signals) = watched(cfg);
    let task = start_worker(cfg, handler, cancel.clone()).await;
    // Kicked while in IDLE, the state the worker spends its life in.
    signals.idled(1).await;
    let kick = std::process::Command::new("doveadm")
        .args(["kick", &inbox])
        .output()
        .expect("doveadm (from scripts/mailserver.sh) must be installed");
    assert!(
        kick.status.success(),
        "doveadm kick: {}",
        String::from_utf8_lossy(&kick.stderr)
    );
    smtp_send_raw(
        &from,
        &[&inbox],
        &raw_mail(&from, &inbox, "After kick", "kick-1@example.test"),
    )
    .await
    .unwrap();
    let got = inbound::parse(&next(&mut rx).await, &Limits::default()).unwrap();
    assert_eq!(got.message_id.as_deref(), Some("kick-1@example.test"));
    wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    stop(cancel, task).await;
}

#[tokio::test]
async fn handler_error_leaves_message_and_retries_with_backoff() {
    require_mail_servers();
    let inbox = city("inbox");
    let from = resident();
    let (handler, mut rx) = scripted(|n, _| {
        if n < 2 {
            anyhow::bail!("database unavailable (attempt {n})")
        }
        Ok(Disposition::Processed)
    });
    let cancel = CancellationToken::new();
    let task = start_worker(config(&inbox), handler.clone(), cancel.clone()).await;
    smtp_send_raw(
        &from,
        &[&inbox],
        &raw_mail(&from, &inbox, "Retry me", "retry-1@example.test"),
    )
    .await
    .unwrap();

    let first = next(&mut rx).await;
    // After a failure the message is still in INBOX, untouched.
    let inbox_now = imap_fetch_all(&inbox, "INBOX").await;
    assert_eq!(inbox_now.len(), 1);
    let second = next(&mut rx).await;
    let third = next(&mut rx).await;
    assert_eq!(first, second);
    assert_eq!(second, third);
    wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    stop(cancel, task).await;
    assert_eq!(
        handler.calls.load(Ordering::SeqCst),
        3,
        "no tight loop, no extra calls"
    );
}

#[tokio::test]
async fn quarantine_disposition_moves_to_quarantine() {
    require_mail_servers();
    let inbox = city("inbox");
    let from = resident();
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Quarantine("looks like spam".into())));
    let cancel = CancellationToken::new();
    let task = start_worker(config(&inbox), handler, cancel.clone()).await;
    smtp_send_raw(
        &from,
        &[&inbox],
        &raw_mail(&from, &inbox, "Spam", "q-1@example.test"),
    )
    .await
    .unwrap();
    next(&mut rx).await;
    wait_for_messages(&inbox, "Quarantine", 1, WAIT).await;
    assert!(imap_fetch_all(&inbox, "Processed").await.is_empty());
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    stop(cancel, task).await;
}

#[tokio::test]
async fn cancel_right_after_handle_leaves_message_for_next_run() {
    require_mail_servers();
    let inbox = city("inbox");
    let from = resident();
    smtp_send_raw(
        &from,
        &[&inbox],
        &raw_mail(&from, &inbox, "Shutdown", "cancel-1@example.test"),
    )
    .await
    .unwrap();
    wait_for_messages(&inbox, "INBOX", 1, WAIT).await;

    // First run: the handler "commits" and then shutdown begins before the move.
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let (handler, mut rx) = scripted(move |_, _| {
        c2.cancel();
        Ok(Disposition::Processed)
    });
    let task = tokio::spawn(imap::run(config(&inbox), handler, cancel.clone()));
    next(&mut rx).await;
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("worker did not stop after cancel")
        .unwrap()
        .unwrap();
    assert_eq!(imap_fetch_all(&inbox, "INBOX").await.len(), 1);
    assert!(imap_fetch_all(&inbox, "Processed").await.is_empty());

    // Second run sees the same message again (the service dedupes on Message-ID) and finishes it.
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(imap::run(config(&inbox), handler, cancel.clone()));
    let again = inbound::parse(&next(&mut rx).await, &Limits::default()).unwrap();
    assert_eq!(again.message_id.as_deref(), Some("cancel-1@example.test"));
    wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    stop(cancel, task).await;
}

fn outgoing(from: &str, to: &str) -> OutgoingMail {
    OutgoingMail {
        from: Address::with_name("City 311", from),
        to: Address::with_name("Resident", to),
        reply_to: Some(from.replacen('@', "+311-000123-deadbeef@", 1)),
        subject: "Su solicitud [311-000123]".into(),
        text: "Gracias por su reporte. Número: 311-000123.\n".into(),
        message_id: format!("{}@city.test", unique_local("ack")),
        in_reply_to: Some("orig-1@example.test".into()),
        references: vec!["orig-1@example.test".into()],
        auto_submitted: AutoSubmitted::AutoReplied,
        language: Some("es".into()),
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn smtp_sender_delivers_with_loop_headers() {
    require_mail_servers();
    let city_inbox = city("inbox");
    let to = resident();
    let sender = SmtpSender::new("127.0.0.1", 25, &city_inbox);
    let mail = outgoing(&city_inbox, &to);
    sender.send(&mail).await.unwrap();

    let got = wait_for_messages(&to, "INBOX", 1, WAIT).await;
    let raw = String::from_utf8_lossy(&got[0]).to_string();
    for h in [
        "Auto-Submitted: auto-replied",
        "X-Auto-Response-Suppress: All",
        &format!("X-Connect311-Loop: {city_inbox}"),
        "Content-Language: es",
        &format!("Message-ID: <{}>", mail.message_id),
        "In-Reply-To: <orig-1@example.test>",
    ] {
        assert!(raw.contains(h), "missing {h:?} in\n{raw}");
    }
    let inb = inbound::parse(&got[0], &Limits::default()).unwrap();
    assert_eq!(inb.text, "Gracias por su reporte. Número: 311-000123.");
    assert_eq!(inb.return_path.as_deref(), Some(city_inbox.as_str()));
    let own = OwnAddresses {
        addresses: vec![city_inbox.clone()],
        domains: vec![],
    };
    assert!(automated(&inb, &own).is_some());
}

#[tokio::test]
async fn smtp_sender_reports_relay_refusal_as_permanent() {
    require_mail_servers();
    let sender = SmtpSender::new("127.0.0.1", 2525, "311@city.test");
    let err = sender
        .send(&outgoing("311@city.test", "someone@elsewhere.invalid"))
        .await
        .unwrap_err();
    assert!(
        err.is_permanent(),
        "relay denied (554) should be permanent: {err:?}"
    );
}

#[tokio::test]
async fn sieve_vacation_reply_is_flagged_and_our_mail_gets_none() {
    require_mail_servers();
    let res = resident();
    install_vacation(&res, "Out of office", "I am away until Monday.").unwrap();
    let city_inbox = city("inbox");

    // Our own acknowledgement carries Auto-Submitted: vacation must stay silent.
    SmtpSender::new("127.0.0.1", 25, &city_inbox)
        .send(&outgoing(&city_inbox, &res))
        .await
        .unwrap();
    wait_for_messages(&res, "INBOX", 1, WAIT).await;
    // Then, from the same sender, a person-like mail (no auto headers): it gets the vacation answer. Sieve
    // answers at delivery, so a reply to the first mail would have been on its way before this one was sent.
    let raw = raw_mail(&city_inbox, &res, "About your report", "human-1@city.test");
    smtp_send_raw(&city_inbox, &[&res], &raw).await.unwrap();

    let replies = wait_for_messages(&city_inbox, "INBOX", 1, WAIT).await;
    let reply = inbound::parse(&replies[0], &Limits::default()).unwrap();
    assert_eq!(reply.in_reply_to, vec!["human-1@city.test".to_string()]);
    let own = OwnAddresses {
        addresses: vec![city_inbox.clone()],
        domains: vec!["city.test".into()],
    };
    let reason = automated(&reply, &own).expect("vacation reply must be flagged");
    assert!(reason.contains("Auto-Submitted"), "{reason}");

    // Both mails reached the resident; only the human one was answered.
    assert_eq!(wait_for_messages(&res, "INBOX", 2, WAIT).await.len(), 2);
    assert_eq!(
        imap_fetch_all(&city_inbox, "INBOX").await.len(),
        1,
        "one vacation reply, to the human mail"
    );
}

// ---- IMAP over TLS (993 implicit, 143 STARTTLS), certificate from the test CA of scripts/mailserver.sh ----

fn tls_config(user: &str, host: &str, port: u16, security: ImapSecurity) -> ImapConfig {
    let mut cfg = config(user);
    cfg.host = host.to_string();
    cfg.port = port;
    cfg.with_security(security)
}

/// The full worker cycle (IDLE wake-up, handle, move after commit) over the given transport, and proof from
/// Dovecot's log that the worker's own login was over TLS.
async fn worker_cycle_over_tls(cfg: ImapConfig) {
    let inbox = cfg.username.clone();
    let from = resident();
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let (cfg, mut signals) = watched(cfg);
    let task = start_worker(cfg, handler.clone(), cancel.clone()).await;
    // Only once the worker is in IDLE, so only IDLE can see the message.
    signals.idled(1).await;
    let raw = raw_mail(&from, &inbox, "Pothole over TLS", "tls-1@example.test");
    let started = std::time::Instant::now();
    smtp_send_raw(&from, &[&inbox], &raw).await.unwrap();
    let got = inbound::parse(&next(&mut rx).await, &Limits::default()).unwrap();
    eprintln!(
        "IDLE wake-up over TLS after submit: {:?}",
        started.elapsed()
    );
    assert_eq!(got.message_id.as_deref(), Some("tls-1@example.test"));
    wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    stop(cancel, task).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
    let logins = dovecot_logins(&inbox);
    assert!(
        logins.iter().any(|l| l.contains(", TLS,")),
        "no TLS login for {inbox} in Dovecot's log: {logins:#?}"
    );
}

#[tokio::test]
async fn worker_over_implicit_tls_idles_and_moves() {
    require_tls_mail_servers();
    let inbox = city("tls");
    let cfg = tls_config(&inbox, "127.0.0.1", IMAPS_PORT, ImapSecurity::Tls).with_ca_file(TEST_CA);
    imap::check_connection(&cfg).await.unwrap();
    worker_cycle_over_tls(cfg).await;
}

#[tokio::test]
async fn worker_over_starttls_idles_and_moves() {
    require_tls_mail_servers();
    let inbox = city("starttls");
    // By DNS name this time: the certificate carries both localhost and 127.0.0.1.
    let cfg =
        tls_config(&inbox, "localhost", IMAP_PORT, ImapSecurity::StartTls).with_ca_file(TEST_CA);
    imap::check_connection(&cfg).await.unwrap();
    worker_cycle_over_tls(cfg).await;
}

#[tokio::test]
async fn untrusted_certificate_is_refused_and_nothing_moves() {
    require_tls_mail_servers();
    let inbox = city("badca");
    let from = resident();
    smtp_send_raw(
        &from,
        &[&inbox],
        &raw_mail(&from, &inbox, "Must stay", "badca-1@example.test"),
    )
    .await
    .unwrap();
    wait_for_messages(&inbox, "INBOX", 1, WAIT).await;

    // No ca_file: only the Mozilla roots, which do not include the private test CA.
    for cfg in [
        tls_config(&inbox, "127.0.0.1", IMAPS_PORT, ImapSecurity::Tls),
        tls_config(&inbox, "localhost", IMAP_PORT, ImapSecurity::StartTls),
    ] {
        let err = format!("{:#}", imap::check_connection(&cfg).await.unwrap_err());
        eprintln!("{:?}: {err}", cfg.security);
        assert!(
            err.contains("certificate") && err.contains("UnknownIssuer"),
            "unclear error: {err}"
        );
        assert!(err.contains("ca_file"), "should hint at ca_file: {err}");
    }

    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let (cfg, mut signals) = watched(tls_config(
        &inbox,
        "127.0.0.1",
        IMAPS_PORT,
        ImapSecurity::Tls,
    ));
    let task = tokio::spawn(imap::run(cfg, handler.clone(), cancel.clone()));
    // Several refused attempts (backoff 200 ms … 2 s).
    until(&mut signals.failures, 3, "failed connections").await;
    assert!(
        !task.is_finished(),
        "the worker keeps retrying, it does not give up"
    );
    assert!(rx.try_recv().is_err(), "handler must never be called");
    stop(cancel, task).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 0);
    assert_eq!(imap_fetch_all(&inbox, "INBOX").await.len(), 1);
    assert!(!imap_folder_exists(&inbox, "Processed").await);
    assert!(
        !dovecot_logins(&inbox).iter().any(|l| l.contains(", TLS,")),
        "no login may have happened over the untrusted connection"
    );
}

#[tokio::test]
async fn unreadable_ca_file_is_a_configuration_error() {
    let cfg = ImapConfig::new("127.0.0.1", IMAPS_PORT, "x@city.test", "test")
        .with_security(ImapSecurity::Tls)
        .with_ca_file("/nonexistent/connect311-ca.pem");
    let (handler, _rx) = scripted(|_, _| Ok(Disposition::Processed));
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        imap::run(cfg, handler, CancellationToken::new()),
    )
    .await
    .expect("a bad ca_file must fail at once, not retry")
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("/nonexistent/connect311-ca.pem"),
        "{err:#}"
    );
}

// ---- Polling fallback: the no-IDLE listener (127.0.0.2:143) of scripts/mailserver.sh ----

/// The command of a client line from the rawlog, upper-cased, with `UID` joined to its subcommand:
/// `"A0007 uid search ALL"` → `"UID SEARCH"`. An untagged line (an IDLE `DONE`) is returned whole.
fn command_of(line: &str) -> String {
    let words: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    match words.as_slice() {
        [only] => only.clone(),
        [_tag, uid, sub, ..] if uid == "UID" => format!("UID {sub}"),
        [_tag, cmd, ..] => cmd.clone(),
        [] => String::new(),
    }
}

/// The no-IDLE listener really withholds IDLE, and only IDLE, while the normal one offers it: a test there cannot
/// pass through the IDLE path by accident, and nothing else about the session differs.
async fn assert_only_idle_is_withheld(inbox: &str) {
    let normal = imap_capabilities("127.0.0.1", inbox).await.unwrap();
    let no_idle = imap_capabilities(NO_IDLE_HOST, inbox).await.unwrap();
    let is_idle = |c: &String| c.eq_ignore_ascii_case("IDLE");
    assert!(
        normal.iter().any(is_idle),
        "127.0.0.1 should offer IDLE: {normal:?}"
    );
    assert!(
        !no_idle.iter().any(is_idle),
        "{NO_IDLE_HOST} advertises IDLE: {no_idle:?}"
    );
    let expected: BTreeSet<&String> = normal.iter().filter(|c| !is_idle(c)).collect();
    assert_eq!(
        no_idle.iter().collect::<BTreeSet<_>>(),
        expected,
        "{NO_IDLE_HOST} should advertise the normal capabilities minus IDLE; update NO_IDLE_CAPABILITY in \
         scripts/mailserver.sh"
    );
}

#[tokio::test]
async fn without_idle_the_worker_polls_and_moves() {
    require_no_idle_listener();
    let inbox = city("poll");
    let from = resident();

    assert_only_idle_is_withheld(&inbox).await;

    // From here on Dovecot records what the worker sends on the no-IDLE listener.
    enable_rawlog(&inbox).unwrap();
    let mut cfg = config(&inbox);
    cfg.host = NO_IDLE_HOST.to_string();
    cfg.poll_interval = Duration::from_millis(300);
    // Were IDLE used after all, its renewal timer would not be what finds the message.
    cfg.idle_timeout = Duration::from_secs(3600);
    let (handler, mut rx) = scripted(|_, _| Ok(Disposition::Processed));
    let cancel = CancellationToken::new();
    let (cfg, mut signals) = watched(cfg);
    let task = start_worker(cfg, handler.clone(), cancel.clone()).await;
    // Several empty polls first (the first look, then three NOOP polls), so only a later poll can find it.
    until(&mut signals.polls, 4, "looks at the mailbox").await;
    assert_eq!(signals.idles(), 0, "IDLE entered on {NO_IDLE_HOST}");

    let raw = raw_mail(&from, &inbox, "Pothole, polled", "poll-1@example.test");
    let started = std::time::Instant::now();
    smtp_send_raw(&from, &[&inbox], &raw).await.unwrap();
    let got = inbound::parse(&next(&mut rx).await, &Limits::default()).unwrap();
    eprintln!(
        "poll (300 ms) pick-up after submit: {:?}",
        started.elapsed()
    );
    assert_eq!(got.message_id.as_deref(), Some("poll-1@example.test"));
    wait_for_messages(&inbox, "Processed", 1, WAIT).await;
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    stop(cancel, task).await;
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);

    // The worker logged in on the no-IDLE listener…
    let logins = dovecot_logins(&inbox);
    assert!(
        logins.iter().any(|l| l.contains("lip=127.0.0.2,")),
        "no login on {NO_IDLE_HOST} for {inbox} in Dovecot's log: {logins:#?}"
    );
    // …and, per Dovecot's own record of its session, polled (SEARCH, NOOP, SEARCH, …) and never sent IDLE.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let commands = loop {
        let lines = rawlog_commands(&inbox).unwrap();
        let names: Vec<String> = lines.iter().map(|l| command_of(l)).collect();
        if names.iter().any(|c| c == "LOGOUT") || tokio::time::Instant::now() >= deadline {
            break names;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let count = |name: &str| commands.iter().filter(|c| *c == name).count();
    assert_eq!(count("IDLE") + count("DONE"), 0, "IDLE sent: {commands:?}");
    assert_eq!(count("SELECT"), 1, "one session expected: {commands:?}");
    assert!(count("NOOP") >= 3, "expected several polls: {commands:?}");
    assert!(
        count("UID SEARCH") > count("NOOP"),
        "a search after every poll: {commands:?}"
    );
    assert_eq!(count("UID MOVE"), 1, "{commands:?}");
    assert_eq!(count("LOGOUT"), 1, "{commands:?}");
    eprintln!(
        "worker commands on {NO_IDLE_HOST}: {} NOOP, {} UID SEARCH, no IDLE",
        count("NOOP"),
        count("UID SEARCH")
    );
}

/// Takes `delay` per message (a busy desk) and reports when each Message-ID started and finished.
struct Busy {
    delay: Duration,
    events: mpsc::UnboundedSender<(bool, String, std::time::Instant)>,
}

#[async_trait::async_trait]
impl InboxHandler for Busy {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let id = inbound::parse(raw, &Limits::default())?
            .message_id
            .unwrap_or_default();
        let _ = self
            .events
            .send((false, id.clone(), std::time::Instant::now()));
        tokio::time::sleep(self.delay).await;
        let _ = self.events.send((true, id, std::time::Instant::now()));
        Ok(Disposition::Processed)
    }
}

/// The reliability issue's lost wake-up: mail delivered while the worker is busy with earlier mail used to sit
/// in the inbox until the next IDLE timeout, because the EXISTS notices of the busy pass were thrown away. With
/// IDLE renewed only hourly here, a late report picked up at all (within `WAIT`) was not left for the renewal.
#[tokio::test]
async fn mail_arriving_while_busy_is_picked_up_before_the_idle_renewal() {
    require_mail_servers();
    let inbox = city("busy");
    let from = resident();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handler = Arc::new(Busy {
        delay: Duration::from_millis(250),
        events: tx,
    });
    let cancel = CancellationToken::new();
    let mut cfg = config(&inbox);
    cfg.idle_timeout = Duration::from_secs(3600);
    let task = start_worker(cfg, handler, cancel.clone()).await;
    let mut late_latencies = Vec::new();
    for trial in 0..20 {
        for b in 0..4 {
            let raw = raw_mail(
                &from,
                &inbox,
                "Busy",
                &format!("busy-{trial}-{b}@example.test"),
            );
            smtp_send_raw(&from, &[&inbox], &raw).await.unwrap();
        }
        // Wait until the worker is busy with this trial's mail, then deliver the late report.
        loop {
            let (done, id, _) = tokio::time::timeout(WAIT, rx.recv())
                .await
                .unwrap()
                .unwrap();
            if !done && id.starts_with(&format!("busy-{trial}-")) {
                break;
            }
        }
        let late_id = format!("late-{trial}@example.test");
        smtp_send_raw(&from, &[&inbox], &raw_mail(&from, &inbox, "Late", &late_id))
            .await
            .unwrap();
        let sent = std::time::Instant::now();
        let picked = loop {
            let Ok(Some((done, id, at))) = tokio::time::timeout(WAIT, rx.recv()).await else {
                panic!("trial {trial}: the late report waits for the IDLE renewal");
            };
            if !done && id == late_id {
                break at;
            }
        };
        late_latencies.push(picked - sent);
        // Let this trial's mail finish before the next trial starts.
        while let Ok(Some((done, id, _))) =
            tokio::time::timeout(Duration::from_secs(5), rx.recv()).await
        {
            if done && id == late_id {
                break;
            }
        }
    }
    stop(cancel, task).await;
    eprintln!("late report picked up after {late_latencies:?}");
}
