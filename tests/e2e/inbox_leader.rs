//! Scale-out on PostgreSQL: two `connect311 serve` processes on one database and one real Dovecot inbox. Only
//! the holder of the inbox lock watches (the other reports `standby`); the holder is killed (SIGKILL) in the
//! middle of draining a backlog, the other takes over, and every mail becomes exactly one request with exactly
//! one acknowledgement.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use connect311::store::{Disposition, Store};
use mail::testkit;
use serde_json::Value;

use crate::support::http::get;

const MAILS: usize = 400;
const WAIT: Duration = Duration::from_secs(180);

/// One `connect311 serve` process and where it answers HTTP.
struct Instance {
    child: Child,
    http: SocketAddr,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `connect311 serve` on the shared database and inbox, with its own data dir (mail out as .eml files,
/// chat to the local log) and HTTP port.
fn start(dir: &Path, name: &str, db: &str, inbox: &str) -> Instance {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let port = free_port();
    let config = data.join("connect311.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{db}\"\n[http]\nbind = \"127.0.0.1:{port}\"\n\
             [mail]\naddress = \"{inbox}\"\nreplies_per_sender_per_hour = 1000000\n\
             [mail.imap]\nhost = \"127.0.0.1\"\nport = 143\nsecurity = \"plain\"\nusername = \"{inbox}\"\npassword = \"test\"\n",
            data.display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(data.join("serve.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("connect311 serve starts");
    Instance {
        child,
        http: SocketAddr::from(([127, 0, 0, 1], port)),
    }
}

/// The inbox's readiness `state` ("watching" / "standby") once the instance answers with one.
async fn inbox_state(i: &Instance) -> Option<String> {
    let r = tokio::time::timeout(Duration::from_secs(5), async {
        tokio::net::TcpStream::connect(i.http).await.ok()?;
        Some(get(i.http, "/health/ready").await)
    })
    .await
    .ok()??;
    let v: Value = serde_json::from_str(&r.body).ok()?;
    v["components"]["inbox"]["state"]
        .as_str()
        .map(str::to_string)
}

async fn until_state(i: &Instance, want: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let got = inbox_state(i).await;
        if got.as_deref() == Some(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "inbox never became {want}; last {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn mail(n: usize, inbox: &str, run: &str) -> Vec<u8> {
    let streets = ["Main St", "Oak Ave", "Elm St", "Pine Rd", "Lake Dr"];
    format!(
        "From: <resident{n}-{run}@example.test>\r\nTo: <{inbox}>\r\nSubject: Pothole report {n}\r\n\
         Message-ID: <leader-{n}-{run}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         There is a deep pothole in front of {} {}.\r\n",
        100 + n,
        streets[n % streets.len()]
    )
    .into_bytes()
}

async fn created(store: &Store) -> usize {
    store.count_inbound(Disposition::Created).await.unwrap() as usize
}

/// The acknowledgement rows per resident Message-ID they answer.
async fn acks(store: &Store) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for row in store.outbox_rows(false).await.unwrap() {
        if row.kind != "email" {
            continue;
        }
        let answers = row.payload["in_reply_to"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        *out.entry(answers).or_insert(0) += 1;
    }
    out
}

fn outgoing_files(dirs: &[PathBuf]) -> usize {
    dirs.iter()
        .filter_map(|d| std::fs::read_dir(d.join("outgoing-mail")).ok())
        .map(|e| e.count())
        .sum()
}

#[tokio::test]
async fn killing_the_inbox_holder_mid_drain_loses_and_doubles_nothing() {
    testkit::require_mail_servers();
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::fresh_pg_url().await;
    let inbox = format!("{}@city.test", testkit::unique_local("leader"));
    let run = testkit::unique_local("r");
    let store = Store::connect(&db).await.unwrap();

    let a = start(dir.path(), "a", &db, &inbox);
    until_state(&a, "watching").await;
    let b = start(dir.path(), "b", &db, &inbox);
    until_state(&b, "standby").await;

    let mails: Vec<Vec<u8>> = (0..MAILS).map(|n| mail(n, &inbox, &run)).collect();
    testkit::preload_inbox(&inbox, &mails).await.unwrap();
    // Mid-drain: some committed, not all.
    let deadline = tokio::time::Instant::now() + WAIT;
    while created(&store).await < MAILS / 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the holder never started draining"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut a = a;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let at_kill = created(&store).await;
    assert!(
        at_kill < MAILS,
        "the holder drained everything before it was killed; nothing was taken over"
    );

    until_state(&b, "watching").await;
    while created(&store).await < MAILS {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stuck at {} of {MAILS}",
            created(&store).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Exactly once: one request per mail (none of them a second time), one acknowledgement per mail.
    let requests = store
        .list_requests(&connect311::store::RequestFilter {
            limit: Some(10_000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(requests.len(), MAILS, "killed at {at_kill}");
    let mut subjects: Vec<_> = requests.iter().map(|r| r.subject.clone()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), MAILS);
    let acks = acks(&store).await;
    for n in 0..MAILS {
        let id = format!("<leader-{n}-{run}@example.test>");
        let got = acks
            .get(&id)
            .or_else(|| acks.get(id.trim_matches(['<', '>'])));
        assert_eq!(got, Some(&1), "acknowledgements answering mail {n}");
    }
    // The inbox empties into Processed, each mail there once.
    while testkit::maildir_count(&inbox, "INBOX") > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "mail left in the inbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(testkit::maildir_count(&inbox, "Processed"), MAILS);
    // B delivers what is left of the outbox too (the standby instance always worked it).
    let dirs = [dir.path().join("a"), dir.path().join("b")];
    while store
        .outbox_rows(true)
        .await
        .unwrap()
        .iter()
        .any(|r| r.kind == "email")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "acknowledgements never all sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(outgoing_files(&dirs) >= MAILS);
    drop(b);
}
