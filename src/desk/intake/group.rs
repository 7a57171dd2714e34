//! Group commit of an IMAP batch: its messages decided in order on ONE held transaction, each in its own
//! savepoint (a later message's reads see an earlier one's request; a message that fails or panics is undone
//! alone), then committed together, so a batch of N costs one durable commit, not N. Whether its messages were
//! processed before is looked up once for the whole batch, inside that transaction. If that commit fails,
//! nothing of the batch is written and every message stays in the inbox for its retry.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use anyhow::anyhow;
use futures::FutureExt;
use tracing::{warn, Instrument, Span};

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

impl Desk {
    /// Decides `items` in order in one transaction and commits it once; returns after the commit (or after
    /// everything was undone), one answer per item. Attempts are NOT settled here: see [`Desk::settle_emails`].
    pub async fn decide_group(&self, mut items: Vec<GroupItem<'_>>) -> Vec<Decided> {
        let keys: Vec<String> = items.iter().map(|i| i.prepared.key.clone()).collect();
        #[cfg(feature = "test-hooks")]
        let crash = items
            .iter()
            .any(|i| crate::test_hooks::asks_crash_before_commit(i.raw));
        let group = match self.store.hold_group().await {
            Ok(store) => Desk {
                store,
                ..self.clone()
            },
            Err(e) => return failed_all(keys, &e),
        };
        let mut prepared: Vec<&mut PreparedEmail> =
            items.iter_mut().map(|i| &mut i.prepared).collect();
        if let Err(e) = super::mark_unseen(&group, &mut prepared).await {
            return failed_all(keys, &e);
        }
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
