//! One processing pass: every message due in the mailbox, `batch_size` at a time, pipelined on the one
//! connection — while the handler works on batch N, the worker moves batch N-1 (already stored) and fetches
//! batch N+1, so IMAP round trips overlap the handler's work instead of adding to it.
//!
//! The invariants are those of the serial loop: a batch moves only after the handler's answers for it (a
//! message leaves the inbox only after its commit), a failed message stays with its retry state, batches reach
//! the handler one at a time in UID order, and a cancellation after a batch was handled leaves it in the inbox
//! for the next run (the service's Message-ID dedupe absorbs the repeat).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::archive::Archive;
use super::batch::{self, Moves, Sorted};
use super::session::{within, Imap};
use super::{ImapConfig, InboxHandler, InboxMessage, RetryState};

/// Why a processing pass ended.
pub(super) enum Pass {
    /// Every message found was tried; `handled` of them were handled and moved.
    Continue {
        handled: usize,
    },
    Stop,
}

/// What a pass works with besides the connection.
pub(super) struct Pipeline<'a> {
    pub cfg: &'a ImapConfig,
    pub handler: &'a dyn InboxHandler,
    pub cancel: &'a CancellationToken,
    pub moves: Moves,
}

/// A handled batch waiting for its move: the messages and where the handler's answers send them.
struct Stored {
    batch: Vec<InboxMessage>,
    sorted: Sorted,
}

/// Handles every message now in the mailbox (handled ones are moved out, so all that remain are pending),
/// skipping those whose retry time has not come.
pub(super) async fn process(
    session: &mut Imap,
    p: &Pipeline<'_>,
    state: &mut RetryState,
    archive: &mut Archive,
) -> anyhow::Result<Pass> {
    let ct = p.cfg.command_timeout;
    let uids = due_uids(session, ct, state).await?;
    let mut chunks = uids.chunks(p.cfg.batch_size.max(1));
    let Some(first) = chunks.next() else {
        return Ok(Pass::Continue { handled: 0 });
    };
    let mut current = batch::fetch(session, first, ct).await?;
    let mut stored: Option<Stored> = None;
    let mut handled = 0;
    loop {
        if p.cancel.is_cancelled() {
            // A batch stored but not moved yet stays for the next run, like one cancelled right after its
            // handling: a watcher that lost its inbox lock must move nothing more.
            return Ok(Pass::Stop);
        }
        let following = chunks.next();
        let handling = async {
            if current.is_empty() {
                Vec::new()
            } else {
                p.handler.handle_batch(&current).await
            }
        };
        let imap_side = async {
            move_stored(session, p, state, archive, stored.take()).await?;
            match following {
                Some(uids) => batch::fetch(session, uids, ct).await.map(Some),
                None => Ok(None),
            }
        };
        let (outcomes, next) = tokio::join!(handling, imap_side);
        let next = next?;
        if p.cancel.is_cancelled() {
            tracing::info!(
                messages = current.len(),
                "cancelled after handling; batch left for the next run"
            );
            return Ok(Pass::Stop);
        }
        let sorted = batch::sort(p.cfg, state, &current, outcomes);
        handled += sorted.processed.len() + sorted.quarantined.len();
        stored = Some(Stored {
            batch: current,
            sorted,
        });
        match next {
            Some(b) => current = b,
            None => break,
        }
    }
    move_stored(session, p, state, archive, stored).await?;
    Ok(Pass::Continue { handled })
}

/// The UIDs in the mailbox whose turn it is, ascending; forgets the retry state of messages gone meanwhile.
async fn due_uids(
    session: &mut Imap,
    ct: Duration,
    state: &mut RetryState,
) -> anyhow::Result<Vec<u32>> {
    let mut uids: Vec<u32> = within(ct, "UID SEARCH", session.uid_search("ALL"))
        .await?
        .into_iter()
        .collect();
    uids.sort_unstable();
    state
        .failures
        .retain(|uid, _| uids.binary_search(uid).is_ok());
    let now = tokio::time::Instant::now();
    uids.retain(|uid| state.due(*uid, now));
    Ok(uids)
}

/// Moves a handled batch to its folders (one command per destination), then forgets the moved messages'
/// retry state.
async fn move_stored(
    session: &mut Imap,
    p: &Pipeline<'_>,
    state: &mut RetryState,
    archive: &mut Archive,
    stored: Option<Stored>,
) -> anyhow::Result<()> {
    let Some(Stored { batch, sorted }) = stored else {
        return Ok(());
    };
    let ct = p.cfg.command_timeout;
    for (folder, uids) in archive.destinations(&batch, &sorted.processed) {
        archive.ensure(session, &folder, ct).await?;
        batch::move_set(session, &uids, &folder, p.moves, ct).await?;
    }
    batch::move_set(
        session,
        &sorted.quarantined,
        &p.cfg.quarantine_folder,
        p.moves,
        ct,
    )
    .await?;
    for uid in sorted.processed.iter().chain(&sorted.quarantined) {
        state.failures.remove(uid);
    }
    tracing::info!(
        fetched = batch.len(),
        processed = sorted.processed.len(),
        quarantined = sorted.quarantined.len(),
        "batch handled and moved"
    );
    Ok(())
}
