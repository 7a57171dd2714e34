//! One IMAP connection's life: greet, log in, prepare folders, then pass → wait (IDLE, or a short poll while
//! mail flows) → pass … until cancelled.

use std::future::Future;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use async_imap::Session;
use futures::TryStreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::archive::Archive;
use super::batch::Moves;
use super::pace::{Pace, Wait};
use super::pass::{self, Pass, Pipeline};
use super::tls::{ImapStream, Transport};
use super::{ImapAuth, ImapConfig, InboxHandler, RetryState};
use crate::oauth::{BearerAuthenticator, SaslMechanism, TokenSource};

pub(super) type Imap = Session<ImapStream>;
type Client = async_imap::Client<ImapStream>;

/// Bounds one IMAP step so a silent, dead connection becomes an error instead of a hang.
pub(super) async fn within<T, E>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.with_context(|| format!("IMAP {what}")),
        Err(_) => bail!("IMAP {what} timed out after {limit:?}"),
    }
}

/// async-imap's unsolicited-response queue holds this many notices and drops the rest.
const UNSOLICITED_QUEUE: usize = 100;

/// Empties the unsolicited-response queue; whether it announced new mail (EXISTS or RECENT) — or was full,
/// when a dropped notice may have been one.
fn drain_arrivals(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let (mut arrived, mut seen) = (false, 0);
    while let Some(r) = next() {
        seen += 1;
        arrived |= matches!(
            r,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    arrived || seen >= UNSOLICITED_QUEUE
}

async fn login(cfg: &ImapConfig, transport: &Transport) -> anyhow::Result<Imap> {
    let client = transport.connect(cfg).await?;
    match &cfg.auth {
        ImapAuth::Password => password_login(cfg, client).await,
        ImapAuth::Bearer { mechanism, tokens } => {
            bearer_login(cfg, client, *mechanism, tokens).await
        }
    }
}

async fn password_login(cfg: &ImapConfig, client: Client) -> anyhow::Result<Imap> {
    let ct = cfg.command_timeout;
    match tokio::time::timeout(ct, client.login(&cfg.username, &cfg.password)).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err((e, _client))) => Err(anyhow!(e).context(format!("IMAP login as {}", cfg.username))),
        Err(_) => bail!("IMAP login timed out"),
    }
}

/// SASL login with a bearer token. A refused token (revoked, or expired before its stated lifetime) is
/// replaced by a new one from the provider and tried once more on the same connection.
async fn bearer_login(
    cfg: &ImapConfig,
    client: Client,
    mechanism: SaslMechanism,
    tokens: &TokenSource,
) -> anyhow::Result<Imap> {
    let what = || format!("IMAP {} login as {}", mechanism.name(), cfg.username);
    let token = tokens.token().await.with_context(what)?;
    let client = match authenticate(cfg, client, mechanism, &token).await {
        Ok(s) => return Ok(s),
        Err((e, None)) => return Err(e.context(what())),
        Err((e, Some(client))) => {
            tracing::warn!(user = %cfg.username, error = %format!("{e:#}"), "IMAP refused the OAuth2 token; fetching a new one");
            client
        }
    };
    let token = tokens.replace(&token).await.with_context(what)?;
    authenticate(cfg, client, mechanism, &token)
        .await
        .map_err(|(e, _)| e.context(format!("{}: authentication failed", what())))
}

/// One `AUTHENTICATE`; on refusal the error (with the server's own report) and the client, still usable.
async fn authenticate(
    cfg: &ImapConfig,
    client: Client,
    mechanism: SaslMechanism,
    token: &str,
) -> Result<Imap, (anyhow::Error, Option<Client>)> {
    let auth = BearerAuthenticator::new(mechanism, &cfg.username, token);
    let report = auth.server_error.clone();
    let attempt = client.authenticate(mechanism.name(), auth);
    match tokio::time::timeout(cfg.command_timeout, attempt).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err((e, client))) => {
            let said = report.lock().ok().and_then(|r| r.clone());
            let e = match said {
                Some(json) => anyhow!(e).context(format!("server refused the token: {json}")),
                None => anyhow!(e).context("server refused the token"),
            };
            Err((e, Some(client)))
        }
        Err(_) => Err((anyhow!("IMAP AUTHENTICATE timed out"), None)),
    }
}

/// Connect, log in, log out.
pub(super) async fn check(cfg: &ImapConfig, transport: &Transport) -> anyhow::Result<()> {
    let mut session = login(cfg, transport).await?;
    within(cfg.command_timeout, "LOGOUT", session.logout()).await
}

/// A logged-in session with the mailbox selected, and what the server offers.
struct Connected {
    session: Imap,
    has_idle: bool,
    moves: Moves,
    archive: Archive,
}

/// Logs in, reads the capabilities, prepares the folders and selects the mailbox; a changed UIDVALIDITY
/// forgets the per-message retry state (its UIDs name other messages now).
async fn connect(
    cfg: &ImapConfig,
    transport: &Transport,
    state: &mut RetryState,
    logged_in: &mut bool,
) -> anyhow::Result<Connected> {
    let ct = cfg.command_timeout;
    let mut session = login(cfg, transport).await?;
    *logged_in = true;
    let caps = within(ct, "CAPABILITY", session.capabilities()).await?;
    let has_idle = caps.has_str("IDLE");
    let moves = Moves {
        has_move: caps.has_str("MOVE"),
        has_uidplus: caps.has_str("UIDPLUS"),
    };
    let archive = ensure_folders(&mut session, cfg).await?;
    let mailbox = within(ct, "SELECT", session.select(&cfg.mailbox)).await?;
    if state.uid_validity != mailbox.uid_validity {
        if state.uid_validity.is_some() {
            tracing::warn!(mailbox = %cfg.mailbox, "UIDVALIDITY changed; forgetting per-message retry state");
        }
        state.failures.clear();
        state.uid_validity = mailbox.uid_validity;
    }
    tracing::info!(user = %cfg.username, mailbox = %cfg.mailbox, idle = has_idle, security = %cfg.security, "IMAP intake connected");
    cfg.observer.connected();
    Ok(Connected {
        session,
        has_idle,
        moves,
        archive,
    })
}

pub(super) async fn serve(
    cfg: &ImapConfig,
    transport: &Transport,
    handler: &dyn InboxHandler,
    cancel: &CancellationToken,
    state: &mut RetryState,
    logged_in: &mut bool,
) -> anyhow::Result<()> {
    let Connected {
        mut session,
        has_idle,
        moves,
        mut archive,
    } = connect(cfg, transport, state, logged_in).await?;
    let pipeline = Pipeline {
        cfg,
        handler,
        cancel,
        moves,
    };
    let mut pace = Pace::default();
    loop {
        let handled = match pass::process(&mut session, &pipeline, state, &mut archive).await? {
            Pass::Stop => break,
            Pass::Continue { handled } => handled,
        };
        let now = Instant::now();
        pace.passed(handled, now);
        // Mail that arrived while we worked was announced (EXISTS) during the pass; async-imap's unsolicited
        // queue holds only 100 notices and silently drops the rest (a pass's EXPUNGEs fill it), so a pass
        // that handled anything is followed by another SEARCH before we wait, and any notice still queued
        // means "look again" rather than "sleep".
        let arrived = drain_arrivals(|| session.unsolicited_responses.try_recv().ok());
        let wait = pace.next(
            cfg,
            has_idle,
            handled,
            arrived,
            state.next_retry_in(now),
            now,
        );
        let (s, cancelled) = between_passes(session, wait, cfg, cancel, &pace, state).await?;
        session = s;
        if cancelled {
            break;
        }
    }
    // Best effort: the server cleans up anyway if this fails.
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(())
}

/// Creates the processed and quarantine folders when missing; the archive of processed mail on this server.
async fn ensure_folders(session: &mut Imap, cfg: &ImapConfig) -> anyhow::Result<Archive> {
    let ct = cfg.command_timeout;
    let listed: Vec<(String, Option<String>)> = within(ct, "LIST", async {
        session
            .list(Some(""), Some("*"))
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?
    .iter()
    .map(|n| (n.name().to_string(), n.delimiter().map(str::to_string)))
    .collect();
    for folder in [&cfg.processed_folder, &cfg.quarantine_folder] {
        if !listed.iter().any(|(n, _)| n == folder) {
            within(ct, "CREATE", session.create(folder)).await?;
            tracing::info!(folder = %folder, "created IMAP folder");
        }
    }
    Ok(Archive::new(cfg, &listed))
}

/// Waits between passes as `wait` says, reporting the look that preceded it to the observer; the session back
/// and whether we were cancelled.
async fn between_passes(
    mut session: Imap,
    wait: Wait,
    cfg: &ImapConfig,
    cancel: &CancellationToken,
    pace: &Pace,
    state: &RetryState,
) -> anyhow::Result<(Imap, bool)> {
    let ct = cfg.command_timeout;
    // After a pass that found work the next look follows at once, but a long pass may come first.
    let busy_promise = cfg.idle_timeout.max(cfg.poll_interval);
    match wait {
        Wait::Now => cfg.observer.polled(busy_promise),
        Wait::Idle(w) => {
            cfg.observer.polled(w);
            return idle(session, w, cancel, ct, cfg.observer.as_ref()).await;
        }
        Wait::Poll(w) => {
            cfg.observer.polled(w);
            tokio::select! {
                _ = cancel.cancelled() => return Ok((session, true)),
                _ = tokio::time::sleep(w) => {}
            }
            within(ct, "NOOP", session.noop()).await?;
        }
        Wait::Busy(w) => {
            cfg.observer.polled(busy_promise);
            return busy(session, w, cfg, cancel, pace, state).await;
        }
    }
    Ok((session, false))
}

/// Hot mode: a `NOOP` every `w` until it announces new mail, a failed message's retry is due, or the busy
/// window closes — then back to a pass (whose search decides what comes next). Returns as [`between_passes`].
async fn busy(
    mut session: Imap,
    w: Duration,
    cfg: &ImapConfig,
    cancel: &CancellationToken,
    pace: &Pace,
    state: &RetryState,
) -> anyhow::Result<(Imap, bool)> {
    loop {
        cfg.observer.busy_polling();
        tokio::select! {
            _ = cancel.cancelled() => return Ok((session, true)),
            _ = tokio::time::sleep(w) => {}
        }
        within(cfg.command_timeout, "NOOP", session.noop()).await?;
        let now = Instant::now();
        let retry_due = state.next_retry_in(now).is_some_and(|r| r.is_zero());
        if drain_arrivals(|| session.unsolicited_responses.try_recv().ok())
            || retry_due
            || !pace.hot(cfg, now)
        {
            return Ok((session, false));
        }
    }
}

/// IDLEs until new mail, `wait` elapsing, or cancellation (telling `observer` once IDLE is entered). Returns
/// the session and whether we were cancelled.
async fn idle(
    session: Imap,
    wait: Duration,
    cancel: &CancellationToken,
    ct: Duration,
    observer: &dyn super::IntakeObserver,
) -> anyhow::Result<(Imap, bool)> {
    let unsolicited = session.unsolicited_responses.clone();
    let mut handle = session.idle();
    within(ct, "IDLE", handle.init()).await?;
    // Mail that arrived between our SEARCH and the IDLE command is announced while IDLE starts; don't sleep on it.
    let arrived = drain_arrivals(|| unsolicited.try_recv().ok());
    let mut cancelled = false;
    if !arrived {
        // The server has accepted IDLE and announced nothing pending: from here every delivery reaches us.
        observer.idling();
        // wait_with_timeout's own timer restarts on every keepalive, so the renewal deadline is ours.
        let (fut, stop) = handle.wait_with_timeout(wait + Duration::from_secs(60));
        tokio::pin!(fut);
        let finished = tokio::select! {
            r = &mut fut => Some(r),
            _ = cancel.cancelled() => { cancelled = true; None }
            _ = tokio::time::sleep(wait) => None,
        };
        // Dropping the StopSource makes the IDLE future return at once.
        drop(stop);
        let response = match finished {
            Some(r) => r.context("IDLE")?,
            None => within(ct, "IDLE interrupt", fut).await?,
        };
        if let IdleResponse::NewData(_) = response {
            tracing::debug!("IDLE: mailbox changed");
        }
    }
    let session = within(ct, "DONE", handle.done()).await?;
    Ok((session, cancelled))
}
