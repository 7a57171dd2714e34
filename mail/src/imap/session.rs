//! One IMAP connection's life: greet, log in, prepare folders, then process → IDLE → process … until cancelled.

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
use super::batch::{self, Moves};
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

/// Why a processing pass ended.
enum Pass {
    /// Every message found was tried; `handled` of them were handled and moved.
    Continue {
        handled: usize,
    },
    Stop,
}

/// Empties the unsolicited-response queue; whether it announced new mail (EXISTS or RECENT).
fn drain_arrivals(session: &Imap) -> bool {
    let mut arrived = false;
    while let Ok(r) = session.unsolicited_responses.try_recv() {
        arrived |= matches!(
            r,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    arrived
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

pub(super) async fn serve(
    cfg: &ImapConfig,
    transport: &Transport,
    handler: &dyn InboxHandler,
    cancel: &CancellationToken,
    state: &mut RetryState,
    logged_in: &mut bool,
) -> anyhow::Result<()> {
    let ct = cfg.command_timeout;
    let mut session = login(cfg, transport).await?;
    *logged_in = true;
    let caps = within(ct, "CAPABILITY", session.capabilities()).await?;
    let has_idle = caps.has_str("IDLE");
    let has_move = caps.has_str("MOVE");
    let has_uidplus = caps.has_str("UIDPLUS");
    let mut archive = ensure_folders(&mut session, cfg).await?;
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

    loop {
        let moves = Moves {
            has_move,
            has_uidplus,
        };
        let handled = match process(
            &mut session,
            cfg,
            handler,
            cancel,
            state,
            moves,
            &mut archive,
        )
        .await?
        {
            Pass::Stop => break,
            Pass::Continue { handled } => handled,
        };
        // Mail that arrived while we worked was announced (EXISTS) during the pass; async-imap's unsolicited
        // queue holds only 100 notices and silently drops the rest (a pass's EXPUNGEs fill it), so a pass
        // that handled anything is followed by another SEARCH before we idle, and any notice still queued
        // means "look again" rather than "sleep".
        if handled > 0 || drain_arrivals(&session) {
            // Working through a backlog is a live inbox too.
            cfg.observer.polled(cfg.idle_timeout.max(cfg.poll_interval));
            continue;
        }
        let now = Instant::now();
        let mut wait = if has_idle {
            cfg.idle_timeout
        } else {
            cfg.poll_interval
        };
        if let Some(retry) = state.next_retry_in(now) {
            wait = wait.min(retry.max(Duration::from_millis(50)));
        }
        cfg.observer.polled(wait);
        if has_idle {
            match idle(session, wait, cancel, ct, cfg.observer.as_ref()).await? {
                (s, false) => session = s,
                (s, true) => {
                    session = s;
                    break;
                }
            }
        } else {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
            }
            within(ct, "NOOP", session.noop()).await?;
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

/// Handles every message now in the mailbox (handled ones are moved out, so all that remain are pending),
/// skipping those whose retry time has not come: fetched `batch_size` at a time, handed to the handler as one
/// batch, then moved with one command per destination folder.
async fn process(
    session: &mut Imap,
    cfg: &ImapConfig,
    handler: &dyn InboxHandler,
    cancel: &CancellationToken,
    state: &mut RetryState,
    moves: Moves,
    archive: &mut Archive,
) -> anyhow::Result<Pass> {
    let ct = cfg.command_timeout;
    let mut uids: Vec<u32> = within(ct, "UID SEARCH", session.uid_search("ALL"))
        .await?
        .into_iter()
        .collect();
    uids.sort_unstable();
    state
        .failures
        .retain(|uid, _| uids.binary_search(uid).is_ok());
    let now = Instant::now();
    uids.retain(|uid| state.due(*uid, now));
    let mut handled = 0;
    for chunk in uids.chunks(cfg.batch_size.max(1)) {
        if cancel.is_cancelled() {
            return Ok(Pass::Stop);
        }
        let batch = batch::fetch(session, chunk, ct).await?;
        if batch.is_empty() {
            continue;
        }
        let outcomes = handler.handle_batch(&batch).await;
        if cancel.is_cancelled() {
            // Shutting down: stop before touching the mailbox. The batch is handled again next run and the
            // service's Message-ID dedupe absorbs the repeat.
            tracing::info!(
                messages = batch.len(),
                "cancelled after handling; batch left for the next run"
            );
            return Ok(Pass::Stop);
        }
        let sorted = batch::sort(cfg, state, &batch, outcomes);
        for (folder, uids) in archive.destinations(&batch, &sorted.processed) {
            archive.ensure(session, &folder, ct).await?;
            batch::move_set(session, &uids, &folder, moves, ct).await?;
        }
        batch::move_set(
            session,
            &sorted.quarantined,
            &cfg.quarantine_folder,
            moves,
            ct,
        )
        .await?;
        for uid in sorted.processed.iter().chain(&sorted.quarantined) {
            state.failures.remove(uid);
        }
        handled += sorted.processed.len() + sorted.quarantined.len();
        tracing::info!(
            fetched = batch.len(),
            processed = sorted.processed.len(),
            quarantined = sorted.quarantined.len(),
            "batch handled and moved"
        );
    }
    Ok(Pass::Continue { handled })
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
    let mut arrived = false;
    while let Ok(r) = unsolicited.try_recv() {
        arrived |= matches!(
            r,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
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
