//! The IMAP worker's pace and pipeline against the real Dovecot and Postfix (scripts/mailserver.sh): while mail
//! flows it looks again by short NOOP polls instead of IDLE (which Dovecot answers ~500 ms late), it returns
//! to IDLE once the inbox has been quiet for its busy window, and the next batch is fetched while the handler
//! works on the current one — with batches still handled in UID order, moved only after their answers, and a
//! cancellation between "handled" and "moved" leaving the batch for the next run. Proven by the worker's own
//! reports and Dovecot's record of the session, never by timing.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail::imap::{self, Disposition, ImapConfig, InboxHandler, InboxMessage, IntakeObserver};
use mail::testkit::{
    enable_rawlog, imap_fetch_all, maildir_count, preload_inbox, rawlog_commands,
    require_mail_servers, require_no_idle_listener, smtp_send_raw, unique_local, NO_IDLE_HOST,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(30);

/// What the worker did, in order: entered IDLE, was about to poll hot, or handed a message to the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Idle,
    Busy,
    Handled(String),
}

/// The worker's observer and handler at once, recording [`Event`]s in one ordered log.
#[derive(Debug)]
struct Log {
    events: Mutex<Vec<Event>>,
    changed: watch::Sender<usize>,
}

impl Log {
    fn new() -> Arc<Log> {
        Arc::new(Log {
            events: Mutex::new(Vec::new()),
            changed: watch::channel(0).0,
        })
    }

    fn push(&self, e: Event) {
        let mut events = self.events.lock().unwrap();
        events.push(e);
        self.changed.send_replace(events.len());
    }

    fn snapshot(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the log; the log then.
    async fn until(&self, what: &str, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
        let mut rx = self.changed.subscribe();
        let reached = tokio::time::timeout(WAIT, async {
            loop {
                let now = self.snapshot();
                if done(&now) {
                    return now;
                }
                rx.changed().await.expect("log dropped");
            }
        })
        .await;
        reached.unwrap_or_else(|_| panic!("never saw {what}; log: {:?}", self.snapshot()))
    }
}

/// Where `e` first occurs in `events`, at or after `from`.
fn position(events: &[Event], from: usize, e: &Event) -> Option<usize> {
    events[from..].iter().position(|x| x == e).map(|i| i + from)
}

impl IntakeObserver for Log {
    fn connected(&self) {}
    fn polled(&self, _next_within: Duration) {}
    fn idling(&self) {
        self.push(Event::Idle);
    }
    fn busy_polling(&self) {
        self.push(Event::Busy);
    }
    fn failed(&self, _error: &str) {}
}

#[async_trait::async_trait]
impl InboxHandler for Log {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let text = String::from_utf8_lossy(raw);
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default();
        self.push(Event::Handled(subject.to_string()));
        Ok(Disposition::Processed)
    }
}

fn mail(inbox: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: <resident@example.test>\r\nTo: <{inbox}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@example.test>\r\n\r\nA pothole.\r\n"
    )
    .into_bytes()
}

async fn send(inbox: &str, subject: &str) {
    smtp_send_raw("resident@example.test", &[inbox], &mail(inbox, subject))
        .await
        .unwrap();
}

type Worker = tokio::task::JoinHandle<anyhow::Result<()>>;

/// A worker on a fresh inbox polling hot every 20 ms for `window` after handled mail, once it has entered IDLE
/// on the still empty inbox (quiet at first: an empty inbox costs an IDLE, not polls).
async fn start_idling(
    prefix: &str,
    window: Duration,
) -> (String, Arc<Log>, CancellationToken, Worker) {
    require_mail_servers();
    let inbox = format!("{}@city.test", unique_local(prefix));
    let log = Log::new();
    let mut cfg = ImapConfig::new("127.0.0.1", 143, &inbox, "test").with_observer(log.clone());
    cfg.busy_poll = Duration::from_millis(20);
    cfg.busy_window = window;
    let cancel = CancellationToken::new();
    let task = tokio::spawn(imap::run(cfg, log.clone(), cancel.clone()));
    log.until("the first IDLE", |e| e.contains(&Event::Idle))
        .await;
    (inbox, log, cancel, task)
}

async fn stop(cancel: CancellationToken, task: Worker) {
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("worker did not stop on cancel")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn while_mail_flows_the_next_mail_is_picked_up_without_entering_idle() {
    // A window longer than the test: once mail has been handled, the worker must not IDLE again.
    let (inbox, log, cancel, task) = start_idling("hot", Duration::from_secs(600)).await;

    send(&inbox, "first").await;
    let first = Event::Handled("first".into());
    // Two hot polls after the first mail: at least one NOOP came back with nothing, so only a later look can
    // find the second mail — and the worker is polling, not idling.
    let events = log
        .until("two hot polls after the first mail", |e| {
            position(e, 0, &first)
                .is_some_and(|at| e[at..].iter().filter(|x| **x == Event::Busy).count() >= 2)
        })
        .await;
    let at_first = position(&events, 0, &first).unwrap();
    assert!(
        !events[..at_first].contains(&Event::Busy),
        "no hot polls before any mail was handled: {events:?}"
    );

    send(&inbox, "second").await;
    let second = Event::Handled("second".into());
    let events = log
        .until("the second mail handled", |e| e.contains(&second))
        .await;
    let at_second = position(&events, at_first, &second).unwrap();
    assert!(
        !events[at_first..at_second].contains(&Event::Idle),
        "the worker entered IDLE between the two mails: {events:?}"
    );
    stop(cancel, task).await;
    assert_eq!(maildir_count(&inbox, "Processed"), 2);
    assert_eq!(maildir_count(&inbox, "INBOX"), 0);
}

#[tokio::test]
async fn after_the_busy_window_the_worker_idles_again_and_idle_still_wakes_it() {
    let (inbox, log, cancel, task) = start_idling("cool", Duration::from_millis(300)).await;

    send(&inbox, "first").await;
    let first = Event::Handled("first".into());
    // Hot polls after the mail, then IDLE again once the window has passed with nothing new.
    let events = log
        .until("IDLE after the first mail", |e| {
            position(e, 0, &first).is_some_and(|at| position(e, at, &Event::Idle).is_some())
        })
        .await;
    let at_first = position(&events, 0, &first).unwrap();
    let cooled = position(&events, at_first, &Event::Idle).unwrap();
    assert!(
        events[at_first..cooled].contains(&Event::Busy),
        "the window was spent polling hot: {events:?}"
    );

    // Quiet now: the next mail is found by IDLE itself, with no poll in between.
    send(&inbox, "second").await;
    let second = Event::Handled("second".into());
    let events = log
        .until("the second mail handled", |e| e.contains(&second))
        .await;
    let at_second = position(&events, cooled, &second).unwrap();
    assert!(
        !events[cooled..at_second].contains(&Event::Busy),
        "a quiet inbox was polled: {events:?}"
    );
    stop(cancel, task).await;
    assert_eq!(maildir_count(&inbox, "Processed"), 2);
}

/// Records each batch's UIDs; on the `hold`-th batch waits until Dovecot has seen the next batch's `UID FETCH`
/// (so the fetch overlapped this handling), and on the `cancel_on`-th batch starts a shutdown before answering.
struct Pipelined {
    inbox: String,
    batches: Mutex<Vec<Vec<u32>>>,
    hold: usize,
    cancel_on: Option<(usize, CancellationToken)>,
}

impl Pipelined {
    async fn fetches_seen(&self) -> usize {
        rawlog_commands(&self.inbox)
            .unwrap_or_default()
            .iter()
            .filter(|c| c.contains("UID FETCH"))
            .count()
    }
}

#[async_trait::async_trait]
impl InboxHandler for Pipelined {
    async fn handle(&self, _raw: &[u8]) -> anyhow::Result<Disposition> {
        Ok(Disposition::Processed)
    }

    async fn handle_batch(&self, batch: &[InboxMessage]) -> Vec<anyhow::Result<Disposition>> {
        let n = {
            let mut b = self.batches.lock().unwrap();
            b.push(batch.iter().map(|m| m.uid).collect());
            b.len()
        };
        if n == self.hold {
            let deadline = tokio::time::Instant::now() + WAIT;
            while self.fetches_seen().await <= n {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "batch {} was not fetched while batch {n} was being handled",
                    n + 1
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        if let Some((at, cancel)) = &self.cancel_on {
            if n == *at {
                cancel.cancel();
            }
        }
        batch.iter().map(|_| Ok(Disposition::Processed)).collect()
    }
}

#[tokio::test]
async fn the_next_batch_is_fetched_during_handling_and_a_cancelled_batch_stays_for_the_next_run() {
    require_no_idle_listener();
    let inbox = format!("{}@city.test", unique_local("pipe"));
    let mails: Vec<Vec<u8>> = (0..250)
        .map(|n| mail(&inbox, &format!("pipe-{n}")))
        .collect();
    preload_inbox(&inbox, &mails).await.unwrap();
    enable_rawlog(&inbox).unwrap();
    let cfg = || {
        let mut c = ImapConfig::new(NO_IDLE_HOST, 143, &inbox, "test");
        c.batch_size = 100;
        c
    };

    // First run: batch 1 holds until batch 2's fetch reached Dovecot; batch 2 is "committed" and then the
    // shutdown begins before its move.
    let cancel = CancellationToken::new();
    let first = Arc::new(Pipelined {
        inbox: inbox.clone(),
        batches: Mutex::new(Vec::new()),
        hold: 1,
        cancel_on: Some((2, cancel.clone())),
    });
    let task = tokio::spawn(imap::run(cfg(), first.clone(), cancel.clone()));
    // Longer than the handler's own wait, so its report of a missing overlap is the one seen.
    tokio::time::timeout(2 * WAIT, task)
        .await
        .expect("worker did not stop after the cancel")
        .unwrap()
        .unwrap();
    let seen = first.batches.lock().unwrap().clone();
    assert_eq!(seen.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100]);
    assert_eq!(
        maildir_count(&inbox, "Processed"),
        100,
        "batch 1 moved after its answers"
    );
    assert_eq!(
        maildir_count(&inbox, "INBOX"),
        150,
        "the cancelled batch and the rest stay"
    );

    // Second run: the cancelled batch comes again (the service dedupes it on Message-ID), then the rest.
    let cancel = CancellationToken::new();
    let second = Arc::new(Pipelined {
        inbox: inbox.clone(),
        batches: Mutex::new(Vec::new()),
        hold: 0,
        cancel_on: None,
    });
    let task = tokio::spawn(imap::run(cfg(), second.clone(), cancel.clone()));
    let deadline = tokio::time::Instant::now() + WAIT;
    while maildir_count(&inbox, "Processed") < 250 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the rest never moved"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(cancel, task).await;
    let again = second.batches.lock().unwrap().clone();
    assert_eq!(
        again.first(),
        seen.get(1),
        "the cancelled batch is handled again first"
    );

    // Every run handed its messages over in UID order, and only the cancelled batch twice.
    for run in [&seen, &again] {
        let uids: Vec<u32> = run.iter().flatten().copied().collect();
        assert!(
            uids.windows(2).all(|w| w[0] < w[1]),
            "out of UID order: {uids:?}"
        );
    }
    let twice: HashSet<u32> = seen[1].iter().copied().collect();
    let all: Vec<u32> = seen.iter().chain(&again).flatten().copied().collect();
    let distinct: HashSet<u32> = all.iter().copied().collect();
    assert_eq!(distinct.len(), 250);
    assert_eq!(all.len(), 250 + twice.len());
    // Nothing doubled or lost in the mailbox: each mail once in Processed, none left.
    let processed: Vec<String> = imap_fetch_all(&inbox, "Processed")
        .await
        .iter()
        .map(|raw| {
            String::from_utf8_lossy(raw)
                .lines()
                .find(|l| l.starts_with("Subject: "))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let unique: HashSet<&String> = processed.iter().collect();
    assert_eq!((processed.len(), unique.len()), (250, 250));
    assert_eq!(maildir_count(&inbox, "INBOX"), 0);
}

/// A handler that stages: counting is its durable step (noted at once), parsing its staged work (noted when it
/// runs). Batch 1's handling waits until batch 2's staged work has run, which only a pipeline that runs it
/// beside batch 1's handling can give.
#[derive(Default)]
struct Staging {
    log: Arc<StagingLog>,
}

#[derive(Default)]
struct StagingLog {
    lines: Mutex<Vec<String>>,
    parsed: tokio::sync::Notify,
}

impl StagingLog {
    fn note(&self, what: String) {
        self.lines.lock().unwrap().push(what);
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl InboxHandler for Staging {
    async fn handle(&self, _raw: &[u8]) -> anyhow::Result<Disposition> {
        Ok(Disposition::Processed)
    }

    async fn stage(&self, batch: &[InboxMessage]) -> Option<imap::StagedWork> {
        let first = batch[0].uid;
        self.log.note(format!("counted {first}"));
        let log = self.log.clone();
        Some(Box::pin(async move {
            log.note(format!("parsed {first}"));
            log.parsed.notify_waiters();
            let staged: imap::Staged = Box::new(first);
            staged
        }))
    }

    async fn handle_staged(
        &self,
        batch: &[InboxMessage],
        staged: Option<imap::Staged>,
    ) -> Vec<anyhow::Result<Disposition>> {
        let first = batch[0].uid;
        let got = staged.and_then(|s| s.downcast::<u32>().ok()).map(|b| *b);
        assert_eq!(got, Some(first), "a batch gets what its own staging gave");
        let handled_before = self.log.lines().iter().any(|l| l.starts_with("handled"));
        self.log.note(format!("handling {first}"));
        if !handled_before {
            let parsed = || {
                self.log
                    .lines()
                    .iter()
                    .filter(|l| l.starts_with("parsed"))
                    .count()
            };
            let wait = async {
                while parsed() < 2 {
                    let woken = self.log.parsed.notified();
                    tokio::pin!(woken);
                    woken.as_mut().enable();
                    if parsed() < 2 {
                        woken.await;
                    }
                }
            };
            // A bound on a hang, not on speed.
            tokio::time::timeout(WAIT, wait)
                .await
                .expect("batch 2 was not parsed while batch 1 was being handled");
        }
        self.log.note(format!("handled {first}"));
        batch.iter().map(|_| Ok(Disposition::Processed)).collect()
    }
}

#[tokio::test]
async fn the_next_batch_is_counted_before_and_parsed_during_the_handling_of_the_one_before() {
    require_no_idle_listener();
    let inbox = format!("{}@city.test", unique_local("stage"));
    let mails: Vec<Vec<u8>> = (0..250)
        .map(|n| mail(&inbox, &format!("stage-{n}")))
        .collect();
    preload_inbox(&inbox, &mails).await.unwrap();
    let mut cfg = ImapConfig::new(NO_IDLE_HOST, 143, &inbox, "test");
    cfg.batch_size = 100;
    let handler = Arc::new(Staging::default());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(imap::run(cfg, handler.clone(), cancel.clone()));
    let deadline = tokio::time::Instant::now() + WAIT;
    while maildir_count(&inbox, "Processed") < 250 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the inbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(cancel, task).await;
    let lines = handler.log.lines();
    let at = |what: &str| {
        lines
            .iter()
            .position(|l| l == what)
            .unwrap_or_else(|| panic!("no {what:?} in {lines:?}"))
    };
    let first = |k: usize| mails_first_uid(&lines, k);
    let (b1, b2, b3) = (first(0), first(1), first(2));
    assert!(
        at(&format!("counted {b2}")) < at(&format!("handling {b1}")),
        "{lines:?}"
    );
    assert!(
        at(&format!("parsed {b2}")) < at(&format!("handled {b1}")),
        "{lines:?}"
    );
    assert!(
        at(&format!("counted {b3}")) < at(&format!("handling {b2}")),
        "{lines:?}"
    );
    assert!(
        at(&format!("handled {b1}")) < at(&format!("handling {b2}")),
        "batches one at a time, in order"
    );
    assert!(
        at(&format!("handled {b2}")) < at(&format!("handling {b3}")),
        "{lines:?}"
    );
}

/// The first UID of the `k`-th batch counted.
fn mails_first_uid(lines: &[String], k: usize) -> u32 {
    let counted: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("counted ")?.parse().ok())
        .collect();
    counted[k]
}
