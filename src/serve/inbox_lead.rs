//! Watching the IMAP inbox as its one leader: an instance watches only while it holds the inbox's lease (an
//! advisory lock on PostgreSQL; always on SQLite, a single process), stands by retrying every
//! [`STANDBY_RETRY`] otherwise, and stops watching at once when its lease is lost. Standby instances still
//! deliver the outbox, sweep and serve HTTP.

use std::sync::Arc;
use std::time::Duration;

use mail::imap::{ImapConfig, InboxHandler};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::monitor::Monitor;
use crate::store::{InboxLease, Store};

/// How often a standby instance tries to take the inbox over, and how often the leader checks its lease.
pub const STANDBY_RETRY: Duration = Duration::from_secs(1);

/// The name the lease is taken on: the same mailbox seen from every instance.
fn inbox_identity(cfg: &ImapConfig) -> String {
    format!("{}@{}:{}/{}", cfg.username, cfg.host, cfg.port, cfg.mailbox)
}

/// Runs until `cancel`: stand by until this instance leads the inbox, then watch it until the lease is lost
/// (then stand by again) or `cancel` fires. Errors of the watcher itself end the run (the supervisor restarts it).
pub async fn run(
    store: Store,
    cfg: ImapConfig,
    handler: Arc<dyn InboxHandler>,
    monitor: Monitor,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let inbox = inbox_identity(&cfg);
    while let Some(lease) = wait_for_lease(&store, &inbox, &monitor, &cancel).await {
        monitor.inbox_standby(false);
        info!(%inbox, "this instance now watches the inbox");
        let lost = watch(lease, cfg.clone(), handler.clone(), &cancel).await?;
        if !lost {
            break;
        }
    }
    Ok(())
}

/// Tries for the lease every [`STANDBY_RETRY`] (standing by meanwhile); `None` once cancelled.
async fn wait_for_lease(
    store: &Store,
    inbox: &str,
    monitor: &Monitor,
    cancel: &CancellationToken,
) -> Option<InboxLease> {
    let mut announced = false;
    loop {
        match store.try_lead_inbox(inbox).await {
            Ok(Some(lease)) => return Some(lease),
            Ok(None) => {
                if !announced {
                    info!(%inbox, "another instance watches the inbox; standing by");
                    announced = true;
                }
                monitor.inbox_standby(true);
            }
            Err(e) => {
                warn!(error = %format!("{e:#}"), "could not try for the inbox lock; retrying")
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return None,
            _ = tokio::time::sleep(STANDBY_RETRY) => {}
        }
    }
}

/// Watches the inbox while `lease` holds; `Ok(true)` when the lease was lost (the watcher was stopped at a
/// safe point first), `Ok(false)` after `cancel`.
async fn watch(
    mut lease: InboxLease,
    cfg: ImapConfig,
    handler: Arc<dyn InboxHandler>,
    cancel: &CancellationToken,
) -> anyhow::Result<bool> {
    let stop = cancel.child_token();
    let worker = mail::imap::run(cfg, handler, stop.clone());
    tokio::pin!(worker);
    loop {
        tokio::select! {
            done = &mut worker => {
                lease.release().await;
                return done.map(|()| false);
            }
            _ = tokio::time::sleep(STANDBY_RETRY) => {
                if let Err(e) = lease.check().await {
                    warn!(error = %format!("{e:#}"), "lost the inbox lock; stopping the watcher");
                    stop.cancel();
                    // Stops before moving anything it has not stored; what it fetched is handled again by the
                    // next leader and deduplicated on Message-ID.
                    worker.await?;
                    return Ok(true);
                }
            }
        }
    }
}
