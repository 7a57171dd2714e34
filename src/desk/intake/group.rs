//! Group commit of an IMAP batch: its messages decided in order on ONE held transaction (a later message's
//! reads see an earlier one's request), then committed together, so a batch of N costs one durable commit,
//! not N. First the whole batch is decided at once, with no savepoints (two round trips a message fewer, and
//! no subtransactions on PostgreSQL); if any message fails or panics, all of that is undone and the batch is
//! decided again with each message in its own savepoint, so the failing one is undone alone. Whether its
//! messages were processed before is looked up once for the whole batch, inside that transaction. If the
//! commit fails, nothing of the batch is written and every message stays in the inbox for its retry.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use anyhow::anyhow;
use futures::FutureExt;
use tracing::{info, warn, Instrument, Span};

use super::{HandledEmail, PreparedEmail};
use crate::desk::Desk;
use crate::store::StoreError;

/// What became of one message of a group: handled (committed, or failed and undone), or its handling panicked.
pub enum Decided {
    Handled(HandledEmail),
    Panicked(Box<dyn Any + Send>),
}

/// One message of a group: its bytes, what preparing it gave, and the span its handling is logged under.
pub struct GroupItem<'a> {
    pub raw: &'a [u8],
    pub prepared: PreparedEmail,
    pub span: Span,
}

/// How deciding a whole batch at once ended.
enum AtOnce {
    /// Every message decided and the group committed: one answer per item.
    Committed(Vec<Decided>),
    /// A message failed or panicked: everything was undone, to be decided again one savepoint a message.
    Undone,
    /// The group's transaction failed (to begin, look up, or commit): nothing is written.
    Failed(StoreError),
}

impl Desk {
    /// Decides `items` in order in one transaction and commits it once; returns after the commit (or after
    /// everything was undone), one answer per item. Attempts are NOT settled here: see [`Desk::settle_emails`].
    pub async fn decide_group(&self, mut items: Vec<GroupItem<'_>>) -> Vec<Decided> {
        let keys: Vec<String> = items.iter().map(|i| i.prepared.key.clone()).collect();
        match self.decide_at_once(&mut items).await {
            AtOnce::Committed(out) => out,
            AtOnce::Failed(e) => failed_all(keys, &e),
            AtOnce::Undone => self.decide_units(keys, items).await,
        }
    }

    /// Holds the group's transaction and looks up which of its messages were processed before.
    async fn open_group(&self, items: &mut [GroupItem<'_>]) -> Result<Desk, StoreError> {
        let group = Desk {
            store: self.store.hold_group().await?,
            ..self.clone()
        };
        let mut prepared: Vec<&mut PreparedEmail> =
            items.iter_mut().map(|i| &mut i.prepared).collect();
        super::mark_unseen(&group, &mut prepared).await?;
        Ok(group)
    }

    /// Every message of the batch decided in order with no savepoints, then committed; at the first failure
    /// or panic the group is rolled back whole ([`AtOnce::Undone`]).
    async fn decide_at_once(&self, items: &mut [GroupItem<'_>]) -> AtOnce {
        let group = match self.open_group(items).await {
            Ok(group) => group,
            Err(e) => return AtOnce::Failed(e),
        };
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items.iter() {
            group.store.join_unit();
            let handled = AssertUnwindSafe(group.handle_parsed(item.raw, &item.prepared))
                .catch_unwind()
                .instrument(item.span.clone())
                .await;
            let kept = group.store.leave_unit().is_ok();
            match handled {
                Ok(outcome) if kept && outcome.as_ref().is_none_or(Result::is_ok) => {
                    outcomes.push(outcome)
                }
                _ => return undone(&group, "a message failed").await,
            }
        }
        if group.store.group_is_sound().await.is_err() {
            return undone(&group, "a failed step left the transaction aborted").await;
        }
        #[cfg(feature = "test-hooks")]
        crash_if_asked(items);
        if let Err(e) = group.store.commit_group().await {
            warn!(error = %format!("{e:#}"), messages = items.len(), "the batch's commit failed; all stay for a retry");
            return AtOnce::Failed(e);
        }
        AtOnce::Committed(answers(items, outcomes))
    }

    /// Decides `items` in order, each message in its own savepoint (kept when decided, undone alone when it
    /// failed or panicked), then commits once.
    async fn decide_units(&self, keys: Vec<String>, mut items: Vec<GroupItem<'_>>) -> Vec<Decided> {
        #[cfg(feature = "test-hooks")]
        let crash = items
            .iter()
            .any(|i| crate::test_hooks::asks_crash_before_commit(i.raw));
        let group = match self.open_group(&mut items).await {
            Ok(group) => group,
            Err(e) => return failed_all(keys, &e),
        };
        let mut out = Vec::with_capacity(items.len());
        let mut broken: Option<StoreError> = None;
        for item in items {
            if let Some(e) = &broken {
                out.push(Decided::Handled(HandledEmail::failed(item.prepared.key, e)));
                continue;
            }
            match group.decide_unit(item).await {
                Ok(decided) => out.push(decided),
                Err((key, e)) => {
                    out.push(Decided::Handled(HandledEmail::failed(key, &e)));
                    broken = Some(e);
                }
            }
        }
        #[cfg(feature = "test-hooks")]
        if crash {
            panic!("test hook: the batch dies before its commit");
        }
        let committed = match broken {
            Some(e) => Err(e),
            None => group.store.commit_group().await,
        };
        if let Err(e) = committed {
            warn!(error = %format!("{e:#}"), messages = out.len(), "the batch's commit failed; all stay for a retry");
            return failed_all(keys, &e);
        }
        let panics = panic_texts(&keys, &out);
        self.record_panics(panics).await;
        out
    }

    /// One message in its own savepoint: kept when it was decided, undone when it failed or panicked. `Err`
    /// when the group's transaction itself broke (the savepoint could not be opened or closed).
    async fn decide_unit(&self, item: GroupItem<'_>) -> Result<Decided, (String, StoreError)> {
        let key = item.prepared.key.clone();
        if let Err(e) = self.store.begin_unit().await {
            return Err((key, e));
        }
        let handled = AssertUnwindSafe(self.handle_prepared(item.raw, item.prepared))
            .catch_unwind()
            .instrument(item.span)
            .await;
        let keep = matches!(&handled, Ok(h) if h.outcome.is_ok());
        match self.store.end_unit(keep).await {
            Ok(()) => {}
            Err(e) if keep => {
                // Its work cannot be kept (on PostgreSQL a statement that failed inside it and was answered
                // anyway, say a duplicate insert, leaves the savepoint aborted): undone, retried on its own.
                warn!(error = %format!("{e:#}"), "a message's work could not be kept; undone for a retry");
                self.store
                    .end_unit(false)
                    .await
                    .map_err(|e| (key.clone(), e))?;
                return Ok(Decided::Handled(HandledEmail::failed(key, &e)));
            }
            Err(e) => return Err((key, e)),
        }
        Ok(match handled {
            Ok(h) => Decided::Handled(h),
            Err(payload) => Decided::Panicked(payload),
        })
    }

    /// A panicking message's attempt keeps the panic as its last error (what `contain` wrote went with the
    /// undone savepoint), written once the group is committed.
    async fn record_panics(&self, panics: Vec<(String, String)>) {
        for (key, text) in panics {
            let error = format!("handling panicked: {text}");
            if let Err(e) = self.store.fail_attempt(&key, &error).await {
                warn!(error = %format!("{e:#}"), "could not record the panic on the message's attempt");
            }
        }
    }
}

/// Rolls a group decided at once back (its failing message is then found one savepoint a message).
async fn undone(group: &Desk, why: &str) -> AtOnce {
    info!(
        why,
        "the batch is undone and decided again one message at a time"
    );
    match group.store.rollback_group().await {
        Ok(()) => AtOnce::Undone,
        Err(e) => AtOnce::Failed(e),
    }
}

/// The answers of a batch decided at once: each handled message's outcome, in order, and for one decided
/// on admission or parse (no handling) the outcome it was given then.
fn answers(
    items: &mut [GroupItem<'_>],
    outcomes: Vec<Option<Result<super::IngestOutcome, StoreError>>>,
) -> Vec<Decided> {
    items
        .iter_mut()
        .zip(outcomes)
        .map(|(item, outcome)| Decided::Handled(item.prepared.take_handled(outcome)))
        .collect()
}

#[cfg(feature = "test-hooks")]
fn crash_if_asked(items: &[GroupItem<'_>]) {
    if items
        .iter()
        .any(|i| crate::test_hooks::asks_crash_before_commit(i.raw))
    {
        panic!("test hook: the batch dies before its commit");
    }
}

/// The key and panic text of each message whose handling panicked.
fn panic_texts(keys: &[String], decided: &[Decided]) -> Vec<(String, String)> {
    keys.iter()
        .zip(decided)
        .filter_map(|(key, d)| match d {
            Decided::Panicked(payload) => {
                Some((key.clone(), crate::supervise::panic_text(payload.as_ref())))
            }
            Decided::Handled(_) => None,
        })
        .collect()
}

impl HandledEmail {
    /// A message undone with its group: not its own fault, so its attempt is forgiven when settled.
    fn failed(key: String, e: &StoreError) -> HandledEmail {
        HandledEmail {
            key,
            outcome: Err(StoreError::Unexpected(anyhow!(
                "the batch's transaction failed: {e:#}"
            ))),
            settle: true,
        }
    }
}

fn failed_all(keys: Vec<String>, e: &StoreError) -> Vec<Decided> {
    keys.into_iter()
        .map(|k| Decided::Handled(HandledEmail::failed(k, e)))
        .collect()
}
