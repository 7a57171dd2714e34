//! Test helpers against the loopback Postfix (127.0.0.1:25) and Dovecot (127.0.0.1:143, STARTTLS; 127.0.0.1:993,
//! implicit TLS) that `scripts/mailserver.sh` sets up: any `local@city.test` / `local@example.test` exists,
//! password "test". The TLS certificate (names `localhost` and `127.0.0.1`) is signed by the private CA at
//! [`TEST_CA`]. Missing servers make tests fail loudly, never skip.
//!
//! [`NO_IDLE_HOST`]`:143` is a second Dovecot listener on the same mailboxes that does not advertise IDLE, for
//! the worker's polling fallback; [`enable_rawlog`] / [`rawlog_commands`] show what a client really sent there.

pub mod idp;

use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, Context};
use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::net::TcpStream;

pub const SMTP_PORT: u16 = 25;
/// Postfix as the city's authenticating MX: strips incoming `Authentication-Results: mx.city.test` headers and
/// stamps its own DKIM pass for city.test above its Received line (scripts/mailserver.sh). The city's servers
/// then add two Received lines (Postfix, Dovecot LMTP).
pub const TRUSTED_MX_PORT: u16 = 2526;
pub const IMAP_PORT: u16 = 143;
/// Postfix submission: STARTTLS required, then SASL (password "test", or an [`idp`] token); refuses anyone
/// who has not logged in.
pub const SUBMISSION_PORT: u16 = 587;
/// The same over implicit TLS.
pub const SUBMISSIONS_PORT: u16 = 465;
/// Implicit-TLS IMAP (the certificate chains to [`TEST_CA`]).
pub const IMAPS_PORT: u16 = 993;
/// The private test CA that signed Dovecot's certificate, published by `scripts/mailserver.sh`.
pub const TEST_CA: &str = "/etc/dovecot/connect311-test-ca.pem";
pub const PASSWORD: &str = "test";
/// A second loopback address where Dovecot serves the same mailboxes on [`IMAP_PORT`] (plaintext) without
/// advertising IDLE, so a client there has to poll.
pub const NO_IDLE_HOST: &str = "127.0.0.2";
/// Dovecot's mail home for a user is `VMAIL/<domain>/<local>`.
pub const VMAIL: &str = "/var/vmail";

/// A fresh local part such as `res-3f9a0c1b2d`, so every test gets its own mailbox.
pub fn unique_local(prefix: &str) -> String {
    format!("{prefix}-{}", crate::oauth::grant::unique_hex(10))
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

/// Like [`require_tls_mail_servers`], and also Postfix submission on 587 and 465 and the OAuth2 test key.
pub fn require_submission() {
    require_tls_mail_servers();
    for port in [SUBMISSION_PORT, SUBMISSIONS_PORT] {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if StdTcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
            panic!(
                "Postfix submission is not answering on 127.0.0.1:{port}: rerun `sudo scripts/mailserver.sh` (it \
                 adds authenticated submission since this test was written)."
            );
        }
    }
    if !std::path::Path::new(idp::OAUTH2_KEY).is_file() {
        panic!(
            "{} is missing: rerun `sudo scripts/mailserver.sh`.",
            idp::OAUTH2_KEY
        );
    }
}

/// Like [`require_mail_servers`], and also the no-IDLE listener on [`NO_IDLE_HOST`].
pub fn require_no_idle_listener() {
    require_mail_servers();
    let addr = SocketAddr::from(([127, 0, 0, 2], IMAP_PORT));
    if StdTcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err() {
        panic!(
            "Dovecot's no-IDLE listener is not answering on {NO_IDLE_HOST}:{IMAP_PORT}: rerun `sudo \
             scripts/mailserver.sh` (it adds that listener since this test was written)."
        );
    }
}

fn transport() -> AsyncSmtpTransport<Tokio1Executor> {
    transport_on(SMTP_PORT)
}

fn transport_on(port: u16) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
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
    smtp_send_raw_on(SMTP_PORT, from, to, raw).await
}

/// As [`smtp_send_raw`], to a given Postfix listener (e.g. [`TRUSTED_MX_PORT`]).
pub async fn smtp_send_raw_on(
    port: u16,
    from: &str,
    to: &[&str],
    raw: &[u8],
) -> anyhow::Result<()> {
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
    transport_on(port)
        .send_raw(&envelope, raw)
        .await
        .with_context(|| format!("submitting to Postfix on 127.0.0.1:{port}"))?;
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

/// The post-login `CAPABILITY` atoms a plaintext session to `host:`[`IMAP_PORT`] as `user_email` gets, read from
/// the raw protocol text (not through an IMAP library), in the server's order.
pub async fn imap_capabilities(host: &str, user_email: &str) -> anyhow::Result<Vec<String>> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let tcp = TcpStream::connect((host, IMAP_PORT))
        .await
        .with_context(|| {
            format!("connecting to Dovecot on {host}:{IMAP_PORT} (run scripts/mailserver.sh)")
        })?;
    let (rd, mut wr) = tcp.into_split();
    let mut lines = BufReader::new(rd).lines();
    let mut next_line = async || -> anyhow::Result<String> {
        tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .map_err(|_| anyhow!("{host}:{IMAP_PORT}: no answer within 10 s"))??
            .ok_or_else(|| anyhow!("{host}:{IMAP_PORT} closed the connection"))
    };
    let greeting = next_line().await?;
    anyhow::ensure!(
        greeting.starts_with("* OK"),
        "unexpected IMAP greeting: {greeting}"
    );
    // Test addresses and the password are plain ASCII without quotes or backslashes: quoted strings suffice.
    let script = format!("a LOGIN \"{user_email}\" \"{PASSWORD}\"\r\nb CAPABILITY\r\nc LOGOUT\r\n");
    wr.write_all(script.as_bytes()).await?;
    let mut caps = None;
    loop {
        let line = next_line().await?;
        if let Some(list) = line.strip_prefix("* CAPABILITY ") {
            caps = Some(list.split_whitespace().map(str::to_string).collect());
        } else if let Some(status) = line.strip_prefix("a ").or_else(|| line.strip_prefix("b ")) {
            anyhow::ensure!(status.starts_with("OK"), "{host}:{IMAP_PORT}: {line}");
            if line.starts_with("b ") {
                break;
            }
            // The LOGIN answer may carry a CAPABILITY response code; only the explicit command's answer counts.
            caps = None;
        }
    }
    caps.ok_or_else(|| anyhow!("{host}:{IMAP_PORT}: CAPABILITY returned no capability list"))
}

/// Makes Dovecot record the post-login traffic of `user_email`'s sessions on the [`NO_IDLE_HOST`] listener
/// (`rawlog_dir = %h/rawlog` there) by creating that directory; returns it. Needs root (owned by `mail`).
pub fn enable_rawlog(user_email: &str) -> anyhow::Result<PathBuf> {
    let home = mail_home(user_email);
    let dir = home.join("rawlog");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for p in [
        home.parent().map(PathBuf::from),
        Some(home),
        Some(dir.clone()),
    ]
    .into_iter()
    .flatten()
    {
        std::os::unix::fs::chown(&p, Some(8), Some(8))
            .with_context(|| format!("chown mail {}", p.display()))?;
    }
    Ok(dir)
}

/// The client's side of every session recorded since [`enable_rawlog`]: one entry per line the client sent
/// (tag and command, e.g. `"A0007 NOOP"`), sessions in start order (to the second), timestamps removed.
pub fn rawlog_commands(user_email: &str) -> anyhow::Result<Vec<String>> {
    let dir = mail_home(user_email).join("rawlog");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {} (call enable_rawlog first)", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "in"))
        .collect();
    // Names start with the session's start time (YYYYMMDD-HHMMSS.pid.n): session order to the second.
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
        for line in String::from_utf8_lossy(&text).lines() {
            let line = line.trim_end_matches('\r');
            // "<unix time>.<micros> <line>"
            let cmd = line.split_once(' ').map_or(line, |(_, rest)| rest);
            if !cmd.is_empty() {
                out.push(cmd.to_string());
            }
        }
    }
    Ok(out)
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

/// Puts `messages` straight into `user_email`'s INBOX as Dovecot's own delivery would (Maildir `tmp/` then
/// `new/`, owned by `mail`), for a large backlog that SMTP would take minutes to deliver. Logs in first so that
/// Dovecot has created the mailbox, and again after so that it has indexed them. Needs root.
pub async fn preload_inbox(user_email: &str, messages: &[Vec<u8>]) -> anyhow::Result<()> {
    let maildir = mail_home(user_email).join("Maildir");
    imap_folder_exists(user_email, "INBOX").await;
    let host = "connect311-preload";
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    for (n, raw) in messages.iter().enumerate() {
        let name = format!("{stamp}.M{n}P{}.{host},S={}", std::process::id(), raw.len());
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).with_context(|| format!("writing {}", tmp.display()))?;
        std::os::unix::fs::chown(&tmp, Some(8), Some(8))
            .with_context(|| format!("chown mail {}", tmp.display()))?;
        std::fs::rename(&tmp, maildir.join("new").join(&name))?;
    }
    anyhow::ensure!(
        imap_folder_exists(user_email, "INBOX").await,
        "INBOX of {user_email} is not readable after the preload"
    );
    Ok(())
}

/// How many messages `folder` ("INBOX", "Processed", …) of `user_email` holds, counted in its Maildir on disk
/// (no IMAP session, so counting does not disturb a worker's).
pub fn maildir_count(user_email: &str, folder: &str) -> usize {
    let base = mail_home(user_email).join("Maildir");
    let dir = if folder == "INBOX" {
        base
    } else {
        base.join(format!(".{folder}"))
    };
    ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .map(|entries| entries.filter(|e| e.is_ok()).count())
        .sum()
}
