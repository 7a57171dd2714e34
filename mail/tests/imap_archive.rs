//! Processed mail archived by month against the real Dovecot (scripts/mailserver.sh): mails the server received
//! in two months end in two folders under Processed (created and subscribed on demand), quarantined mail still
//! goes to Quarantine, and every mail is in exactly one place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use futures::TryStreamExt;
use mail::imap::{self, Disposition, ImapConfig, InboxHandler};
use mail::testkit::{
    imap_fetch_all, mail_home, maildir_count, require_no_idle_listener, unique_local, IMAP_PORT,
    NO_IDLE_HOST, PASSWORD,
};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(60);

/// Files each mail as processed, except `Subject: junk` (quarantined); counts how often each was seen.
#[derive(Default)]
struct Filer {
    seen: Mutex<HashMap<String, usize>>,
}

#[async_trait::async_trait]
impl InboxHandler for Filer {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let text = String::from_utf8_lossy(raw).to_string();
        *self.seen.lock().unwrap().entry(text.clone()).or_default() += 1;
        if text.contains("Subject: junk") {
            return Ok(Disposition::Quarantine("junk".into()));
        }
        Ok(Disposition::Processed)
    }
}

/// Delivers `raw` into the inbox's Maildir as received at `received` (Dovecot's INTERNALDATE of a Maildir
/// file is its modification time, read when it first indexes the file).
fn deliver_at(inbox: &str, n: usize, raw: &[u8], received: SystemTime) -> anyhow::Result<()> {
    let maildir = mail_home(inbox).join("Maildir");
    let stamp = received.duration_since(UNIX_EPOCH)?.as_secs();
    let name = format!(
        "{stamp}.M{n}P{}.connect311-archive,S={}",
        std::process::id(),
        raw.len()
    );
    let tmp = maildir.join("tmp").join(&name);
    std::fs::write(&tmp, raw).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::File::options()
        .write(true)
        .open(&tmp)?
        .set_modified(received)?;
    std::os::unix::fs::chown(&tmp, Some(8), Some(8))?;
    std::fs::rename(&tmp, maildir.join("new").join(&name))?;
    Ok(())
}

fn mid_month(days_since_epoch: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(days_since_epoch * 86_400 + 12 * 3600)
}

#[tokio::test]
async fn mail_received_in_two_months_ends_in_two_month_folders() {
    require_no_idle_listener();
    let inbox = format!("{}@city.test", unique_local("archive"));
    // Make the mailbox exist (Dovecot creates it on first login) before writing into it.
    assert!(imap_fetch_all(&inbox, "INBOX").await.is_empty());
    // 2026-10-15 and 2026-11-15 (days since 1970-01-01).
    let (october, november) = (mid_month(20_741), mid_month(20_772));
    let subjects = ["ok", "ok", "junk", "ok", "ok", "ok"];
    let mails: Vec<Vec<u8>> = subjects
        .iter()
        .enumerate()
        .map(|(n, s)| {
            format!("From: <r{n}@example.test>\r\nTo: <{inbox}>\r\nSubject: {s} {n}\r\nMessage-ID: <archive-{n}@example.test>\r\n\r\nBody {n}\r\n")
                .into_bytes()
        })
        .collect();
    for (n, raw) in mails.iter().enumerate() {
        deliver_at(&inbox, n, raw, if n < 3 { october } else { november }).unwrap();
    }
    let mut cfg = ImapConfig::new(NO_IDLE_HOST, 143, &inbox, "test");
    cfg.processed_by_month = true;
    cfg.poll_interval = Duration::from_millis(200);
    let handler = Arc::new(Filer::default());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(imap::run(cfg, handler.clone(), cancel.clone()));
    let deadline = tokio::time::Instant::now() + WAIT;
    while maildir_count(&inbox, "INBOX") > 0 || handler.seen.lock().unwrap().len() < mails.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the inbox never emptied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    task.await.unwrap().unwrap();

    // Dovecot's Maildir++ hierarchy delimiter is `.`.
    let oct = imap_fetch_all(&inbox, "Processed.2026-10").await;
    let nov = imap_fetch_all(&inbox, "Processed.2026-11").await;
    let quarantined = imap_fetch_all(&inbox, "Quarantine").await;
    assert_eq!((oct.len(), nov.len(), quarantined.len()), (2, 3, 1));
    assert_eq!(
        maildir_count(&inbox, "Processed"),
        0,
        "nothing lands in the flat folder"
    );
    let text = |m: &Vec<u8>| String::from_utf8_lossy(m).to_string();
    assert!(oct.iter().all(|m| !text(m).contains("Subject: junk")));
    // Every mail is in exactly one folder, and was handled once.
    let mut everywhere: Vec<String> = oct
        .iter()
        .chain(&nov)
        .chain(&quarantined)
        .map(text)
        .collect();
    everywhere.sort();
    everywhere.dedup();
    assert_eq!(everywhere.len(), mails.len());
    assert!(handler.seen.lock().unwrap().values().all(|n| *n == 1));
    let subscribed = subscribed(&inbox).await.unwrap();
    for folder in ["Processed.2026-10", "Processed.2026-11"] {
        assert!(
            subscribed.iter().any(|f| f == folder),
            "{folder} not subscribed: {subscribed:?}"
        );
    }
}

/// The folders `user` is subscribed to, as the server's LSUB says.
async fn subscribed(user: &str) -> anyhow::Result<Vec<String>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", IMAP_PORT)).await?;
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await?.context("no IMAP greeting")?;
    let mut session = client.login(user, PASSWORD).await.map_err(|(e, _)| e)?;
    let names: Vec<_> = session
        .lsub(Some(""), Some("*"))
        .await?
        .try_collect()
        .await?;
    session.logout().await?;
    Ok(names.iter().map(|n| n.name().to_string()).collect())
}
