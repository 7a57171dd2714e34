//! The IMAP worker's batches against the real Dovecot (scripts/mailserver.sh): one `UID FETCH` and one handler
//! batch per `batch_size` messages, one `UID MOVE` per destination folder and batch, and a message whose
//! handling failed stays in the inbox (and is retried) while the rest of its batch moves on.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail::imap::{self, Disposition, ImapConfig, InboxHandler, InboxMessage};
use mail::testkit::{
    enable_rawlog, maildir_count, preload_inbox, rawlog_commands, require_no_idle_listener,
    unique_local, NO_IDLE_HOST,
};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(60);

/// Answers by subject (`ok`, `junk` → quarantine, `fail` → error) and records each batch's size and how often
/// each failing message was tried.
#[derive(Default)]
struct BySubject {
    batches: Mutex<Vec<usize>>,
    failed_tries: Mutex<usize>,
}

#[async_trait::async_trait]
impl InboxHandler for BySubject {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let text = String::from_utf8_lossy(raw);
        if text.contains("Subject: fail") {
            *self.failed_tries.lock().unwrap() += 1;
            anyhow::bail!("the database is down for this one");
        }
        if text.contains("Subject: junk") {
            return Ok(Disposition::Quarantine("junk".into()));
        }
        Ok(Disposition::Processed)
    }

    async fn handle_batch(&self, batch: &[InboxMessage]) -> Vec<anyhow::Result<Disposition>> {
        self.batches.lock().unwrap().push(batch.len());
        let mut out = Vec::new();
        for m in batch {
            out.push(self.handle(&m.raw).await);
        }
        out
    }
}

fn subject(n: usize) -> &'static str {
    match n % 25 {
        0 => "fail",
        7 => "junk",
        _ => "ok",
    }
}

#[tokio::test]
async fn a_backlog_moves_in_batches_and_a_failed_message_stays() {
    require_no_idle_listener();
    let inbox = format!("{}@city.test", unique_local("batch"));
    let mails: Vec<Vec<u8>> = (0..250)
        .map(|n| {
            format!(
                "From: <r{n}@example.test>\r\nTo: <{inbox}>\r\nSubject: {} {n}\r\nMessage-ID: <batch-{n}@example.test>\r\n\r\nBody {n}\r\n",
                subject(n)
            )
            .into_bytes()
        })
        .collect();
    preload_inbox(&inbox, &mails).await.unwrap();
    enable_rawlog(&inbox).unwrap();
    let mut cfg = ImapConfig::new(NO_IDLE_HOST, 143, &inbox, "test");
    cfg.batch_size = 100;
    cfg.poll_interval = Duration::from_millis(200);
    cfg.backoff_min = Duration::from_millis(100);
    cfg.backoff_max = Duration::from_millis(200);
    let handler = Arc::new(BySubject::default());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(imap::run(cfg, handler.clone(), cancel.clone()));

    let failing = (0..250).filter(|n| subject(*n) == "fail").count();
    let junk = (0..250).filter(|n| subject(*n) == "junk").count();
    let deadline = tokio::time::Instant::now() + WAIT;
    // Done once everything else moved and each failing message was tried again at least once.
    while maildir_count(&inbox, "Processed") < 250 - failing - junk
        || maildir_count(&inbox, "Quarantine") < junk
        || *handler.failed_tries.lock().unwrap() < 2 * failing
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backlog never drained"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    task.await.unwrap().unwrap();

    assert_eq!(maildir_count(&inbox, "Processed"), 250 - failing - junk);
    assert_eq!(maildir_count(&inbox, "Quarantine"), junk);
    assert_eq!(
        maildir_count(&inbox, "INBOX"),
        failing,
        "failed messages stay for their retry"
    );
    let batches = handler.batches.lock().unwrap().clone();
    assert_eq!(batches[..3], [100, 100, 50], "batches: {batches:?}");
    // Later batches are the failing ones retried: never more than there are.
    assert!(batches[3..].iter().all(|b| *b <= failing), "{batches:?}");
    let commands = rawlog_commands(&inbox).unwrap();
    let moves: Vec<&String> = commands.iter().filter(|c| c.contains("UID MOVE")).collect();
    // Three batches, each with something for Processed and for Quarantine; the failing ones never moved.
    assert_eq!(moves.len(), 6, "{moves:?}");
    let fetches: Vec<&String> = commands
        .iter()
        .filter(|c| c.contains("UID FETCH"))
        .collect();
    // One fetch per batch: the three of the backlog, then one per retry pass of the failing ones.
    assert_eq!(fetches.len(), batches.len(), "{fetches:?}");
}
