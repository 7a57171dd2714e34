//! One processing pass: every message due in the mailbox, `batch_size` at a time, pipelined on the one
//! connection — while the handler works on batch N, it also runs batch N+1's staged work (parsing), and the
//! worker moves batch N-1 (already stored) and fetches batch N+2, so IMAP round trips and parsing overlap the
//! handler's serial work instead of adding to it.
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
use super::{Disposition, ImapConfig, InboxHandler, InboxMessage, RetryState, Staged, StagedWork};

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

/// A batch fetched and staged by the handler ([`InboxHandler::stage`]): its durable step done, its other work
/// pending or done.
struct Ahead {
    batch: Vec<InboxMessage>,
    work: Option<StagedWork>,
    staged: Option<Staged>,
}

impl Ahead {
    async fn staged(handler: &dyn InboxHandler, batch: Vec<InboxMessage>) -> Ahead {
        let work = if batch.is_empty() {
            None
        } else {
            handler.stage(&batch).await
        };
        Ahead {
            batch,
            work,
            staged: None,
        }
    }

    /// Runs the staged work to its end.
    async fn run(&mut self) {
        if let Some(work) = self.work.take() {
            self.staged = Some(work.await);
        }
    }

    async fn handle(&mut self, handler: &dyn InboxHandler) -> Vec<anyhow::Result<Disposition>> {
        if self.batch.is_empty() {
            return Vec::new();
        }
        self.run().await;
        handler.handle_staged(&self.batch, self.staged.take()).await
    }
}

/// Handles every message now in the mailbox (handled ones are moved out, so all that remain are pending),
/// skipping those whose retry time has not come. Three batches are in flight: while batch N is handled, batch
/// N+1's staged work (parsing) runs beside it — its durable step (counting) done just before N's handling
/// began, so on SQLite it never waits for N's transaction — and batch N-1 is moved while N+2 is fetched. A
/// stop leaves a staged batch in the inbox, counted: the next run handles it one message at a time.
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
    let first = batch::fetch(session, first, ct).await?;
    let mut current = Ahead::staged(p.handler, first).await;
    let mut fetched = match chunks.next() {
        Some(uids) => Some(batch::fetch(session, uids, ct).await?),
        None => None,
    };
    let mut stored: Option<Stored> = None;
    let mut handled = 0;
    loop {
        if p.cancel.is_cancelled() {
            // A batch stored but not moved yet stays for the next run, like one cancelled right after its
            // handling: a watcher that lost its inbox lock must move nothing more.
            return Ok(Pass::Stop);
        }
        let mut next = match fetched.take() {
            Some(b) => Some(Ahead::staged(p.handler, b).await),
            None => None,
        };
        let following = chunks.next();
        let handling = current.handle(p.handler);
        let ahead = async {
            if let Some(n) = next.as_mut() {
                n.run().await;
            }
        };
        let imap_side = async {
            move_stored(session, p, state, archive, stored.take()).await?;
            match following {
                Some(uids) => batch::fetch(session, uids, ct).await.map(Some),
                None => Ok(None),
            }
        };
        let (outcomes, (), after) = tokio::join!(handling, ahead, imap_side);
        fetched = after?;
        if p.cancel.is_cancelled() {
            tracing::info!(
                messages = current.batch.len(),
                "cancelled after handling; batch left for the next run"
            );
            return Ok(Pass::Stop);
        }
        let sorted = batch::sort(p.cfg, state, &current.batch, outcomes);
        handled += sorted.processed.len() + sorted.quarantined.len();
        let Some(n) = next else {
            stored = Some(Stored {
                batch: current.batch,
                sorted,
            });
            break;
        };
        stored = Some(Stored {
            batch: std::mem::replace(&mut current, n).batch,
            sorted,
        });
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
