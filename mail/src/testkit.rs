//! Test helpers against the loopback Postfix (127.0.0.1:25) and Dovecot (127.0.0.1:143, STARTTLS; 127.0.0.1:993,
//! implicit TLS) that `scripts/mailserver.sh` sets up: any `local@city.test` / `local@example.test` exists,
//! password "test". The TLS certificate (names `localhost` and `127.0.0.1`) is signed by the private CA at
//! [`TEST_CA`]. Missing servers make tests fail loudly, never skip.

use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context};
use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

pub const SMTP_PORT: u16 = 25;
pub const IMAP_PORT: u16 = 143;
/// Implicit-TLS IMAP (the certificate chains to [`TEST_CA`]).
pub const IMAPS_PORT: u16 = 993;
/// The private test CA that signed Dovecot's certificate, published by `scripts/mailserver.sh`.
pub const TEST_CA: &str = "/etc/dovecot/connect311-test-ca.pem";
pub const PASSWORD: &str = "test";
/// Dovecot's mail home for a user is `VMAIL/<domain>/<local>`.
pub const VMAIL: &str = "/var/vmail";

/// A fresh local part such as `res-3f9a0c1b2d`, so every test gets its own mailbox.
pub fn unique_local(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let digest = hex::encode(Sha256::digest(seed.as_bytes()));
    format!("{prefix}-{}", &digest[..10])
}

/// Panics with instructions unless Postfix and Dovecot answer on loopback.
pub fn require_mail_servers() {
    for (port, what) in [(SMTP_PORT, "Postfix SMTP"), (IMAP_PORT, "Dovecot IMAP")] {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if StdTcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            panic!(
                "{what} is not answering on 127.0.0.1:{port}. These tests need the loopback mail servers: \
                 run `sudo scripts/mailserver.sh` first."
            );
        }
    }
}

/// Like [`require_mail_servers`], and also IMAPS on 993 and the test CA file.
pub fn require_tls_mail_servers() {
    require_mail_servers();
    let addr = SocketAddr::from(([127, 0, 0, 1], IMAPS_PORT));
    if StdTcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
        panic!(
            "Dovecot IMAPS is not answering on 127.0.0.1:{IMAPS_PORT}: rerun `sudo scripts/mailserver.sh` (it \
             enables TLS since this test was written)."
        );
    }
    if !std::path::Path::new(TEST_CA).is_file() {
        panic!("{TEST_CA} is missing: rerun `sudo scripts/mailserver.sh`.");
    }
}

fn transport() -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(SMTP_PORT)
        .timeout(Some(Duration::from_secs(20)))
        .build()
}

/// Submits a built message through Postfix (envelope taken from its headers).
pub async fn smtp_send(message: &lettre::Message) -> anyhow::Result<()> {
    transport()
        .send(message.clone())
        .await
        .context("submitting to Postfix on 127.0.0.1:25")?;
    Ok(())
}

/// Submits raw RFC 5322 bytes with an explicit envelope; `from = ""` sends with the null sender.
pub async fn smtp_send_raw(from: &str, to: &[&str], raw: &[u8]) -> anyhow::Result<()> {
    let from = if from.is_empty() {
        None
    } else {
        Some(
            from.parse()
                .with_context(|| format!("envelope sender {from}"))?,
        )
    };
    let to = to
        .iter()
        .map(|t| t.parse().with_context(|| format!("envelope recipient {t}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let envelope = Envelope::new(from, to).map_err(|e| anyhow!("envelope: {e}"))?;
    transport()
        .send_raw(&envelope, raw)
        .await
        .context("submitting to Postfix on 127.0.0.1:25")?;
    Ok(())
}

async fn login(user_email: &str) -> anyhow::Result<async_imap::Session<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", IMAP_PORT))
        .await
        .context("connecting to Dovecot on 127.0.0.1:143 (run scripts/mailserver.sh)")?;
    let mut client = async_imap::Client::new(tcp);
    client
        .read_response()
        .await?
        .ok_or_else(|| anyhow!("no IMAP greeting"))?;
    client
        .login(user_email, PASSWORD)
        .await
        .map_err(|(e, _)| anyhow!("IMAP login {user_email}: {e}"))
}

/// Every message in `folder` of `user_email`'s mailbox (empty when the folder does not exist yet).
pub async fn imap_fetch_all(user_email: &str, folder: &str) -> Vec<Vec<u8>> {
    try_fetch_all(user_email, folder)
        .await
        .unwrap_or_else(|e| panic!("reading {user_email}/{folder} over IMAP: {e:#}"))
}

async fn try_fetch_all(user_email: &str, folder: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut session = login(user_email).await?;
    let mailbox = match session.examine(folder).await {
        Ok(m) => m,
        // Not created yet: nothing in it.
        Err(async_imap::error::Error::No(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    if mailbox.exists > 0 {
        let mut fetches: Vec<_> = session
            .fetch("1:*", "(UID BODY.PEEK[])")
            .await?
            .try_collect()
            .await?;
        fetches.sort_by_key(|f| f.uid);
        out = fetches
            .iter()
            .filter_map(|f| f.body().map(<[u8]>::to_vec))
            .collect();
    }
    let _ = session.logout().await;
    Ok(out)
}

/// Whether `folder` exists in `user_email`'s mailbox (e.g. to see that a worker has connected and prepared).
pub async fn imap_folder_exists(user_email: &str, folder: &str) -> bool {
    let mut session = login(user_email)
        .await
        .unwrap_or_else(|e| panic!("IMAP login {user_email}: {e:#}"));
    let exists = session.examine(folder).await.is_ok();
    let _ = session.logout().await;
    exists
}

/// Polls until `folder` holds at least `n` messages; panics with what it saw after `timeout`.
pub async fn wait_for_messages(
    user_email: &str,
    folder: &str,
    n: usize,
    timeout: Duration,
) -> Vec<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let got = imap_fetch_all(user_email, folder).await;
        if got.len() >= n {
            return got;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!(
                "timed out after {timeout:?} waiting for {n} message(s) in {user_email}/{folder}; found {}",
                got.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Dovecot's log, where `scripts/mailserver.sh` sends it.
pub const DOVECOT_LOG: &str = "/var/log/dovecot.log";

/// Dovecot's `Login:` log lines for `user_email`, oldest first. A login over TLS (implicit or STARTTLS) carries
/// `, TLS,`; a plaintext loopback login says `secured`.
pub fn dovecot_logins(user_email: &str) -> Vec<String> {
    let log = std::fs::read_to_string(DOVECOT_LOG)
        .unwrap_or_else(|e| panic!("reading {DOVECOT_LOG} (from scripts/mailserver.sh): {e}"));
    let needle = format!("user=<{user_email}>");
    log.lines()
        .filter(|l| l.contains("Login: ") && l.contains(&needle))
        .map(str::to_string)
        .collect()
}

/// Home directory Dovecot uses for `user_email` (where Sieve scripts live).
pub fn mail_home(user_email: &str) -> PathBuf {
    let (local, domain) = user_email.rsplit_once('@').unwrap_or((user_email, ""));
    PathBuf::from(VMAIL).join(domain).join(local)
}

/// Installs a real Sieve vacation responder for `user_email` (needs root; files owned by `mail`, uid/gid 8).
pub fn install_vacation(user_email: &str, subject: &str, body: &str) -> anyhow::Result<()> {
    let home = mail_home(user_email);
    std::fs::create_dir_all(&home).with_context(|| format!("creating {}", home.display()))?;
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let script = format!(
        "require [\"vacation\"];\nvacation :days 1 :subject \"{}\" \"{}\";\n",
        quote(subject),
        quote(body)
    );
    let path = home.join(".dovecot.sieve");
    std::fs::write(&path, script).with_context(|| format!("writing {}", path.display()))?;
    for p in [
        home.parent().map(PathBuf::from),
        Some(home.clone()),
        Some(path),
    ]
    .into_iter()
    .flatten()
    {
        std::os::unix::fs::chown(&p, Some(8), Some(8))
            .with_context(|| format!("chown mail {}", p.display()))?;
    }
    Ok(())
}
