//! The inbox workers' handler: each message goes to the desk, is counted by outcome and timed to its commit,
//! and a message whose handling panics becomes an error, so the worker's per-message backoff applies. An IMAP
//! batch is counted and parsed together, then decided one message at a time in order and committed as one
//! group (`desk::intake::group`).

use std::panic::AssertUnwindSafe;

use anyhow::anyhow;
use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::FutureExt;
use mail::imap::{Disposition, InboxHandler, InboxMessage, Staged, StagedWork};
use tokio::time::Instant;
use tracing::Instrument;

use crate::desk::{Decided, Desk, GroupItem, IngestOutcome, PreparedEmail};
use crate::monitor::{Component, Monitor};
use crate::store::StoreError;
use crate::supervise::panic_text;

/// What staging a batch gave: its messages counted and parsed, or why it goes another way.
enum Ahead {
    Prepared(Vec<PreparedEmail>),
    /// A message of it was tried before without being settled.
    OneAtATime,
    /// The database did not take the count.
    CountFailed(StoreError),
}

/// Staged work that is already done.
fn ready(ahead: Ahead) -> BoxFuture<'static, Staged> {
    let staged: Staged = Box::new(ahead);
    Box::pin(std::future::ready(staged))
}

/// Feeds inbox messages to the desk; the message is moved only after the desk committed.
pub struct DeskInbox {
    pub desk: Desk,
    pub monitor: Monitor,
}

#[async_trait]
impl InboxHandler for DeskInbox {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let arrived = Instant::now();
        let outcome = self.caught(self.desk.ingest_email(raw)).await;
        self.finish(outcome, arrived)
    }

    async fn handle_batch(&self, batch: &[InboxMessage]) -> Vec<anyhow::Result<Disposition>> {
        self.handle_staged(batch, None).await
    }

    /// Counts the batch's attempts now (durable before any of it is looked at); its parse is the work left to
    /// run beside the handling of the batch before.
    async fn stage(&self, batch: &[InboxMessage]) -> Option<StagedWork> {
        let raws: Vec<&[u8]> = batch.iter().map(|m| m.raw.as_slice()).collect();
        let ahead = match self.desk.count_emails(&raws).await {
            Ok(Some(counted)) => counted,
            Ok(None) => return Some(ready(Ahead::OneAtATime)),
            Err(e) => return Some(ready(Ahead::CountFailed(e))),
        };
        let desk = self.desk.clone();
        let owned: Vec<Vec<u8>> = batch.iter().map(|m| m.raw.clone()).collect();
        Some(
            async move {
                let raws: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
                let staged: Staged =
                    Box::new(Ahead::Prepared(desk.parse_counted(ahead, &raws).await));
                staged
            }
            .boxed(),
        )
    }

    async fn handle_staged(
        &self,
        batch: &[InboxMessage],
        staged: Option<Staged>,
    ) -> Vec<anyhow::Result<Disposition>> {
        let arrived = Instant::now();
        let raws: Vec<&[u8]> = batch.iter().map(|m| m.raw.as_slice()).collect();
        let ahead = staged.and_then(|s| s.downcast::<Ahead>().ok()).map(|a| *a);
        let prepared = match ahead {
            Some(Ahead::Prepared(p)) => Ok(Some(p)),
            Some(Ahead::OneAtATime) => Ok(None),
            Some(Ahead::CountFailed(e)) => Err(e),
            None => self.desk.prepare_emails(&raws).await,
        };
        let prepared = match prepared {
            Ok(Some(p)) => p,
            Ok(None) => {
                // Tried before and not settled: one at a time, so a message that kills the process is the
                // only one whose count grows.
                let mut out = Vec::with_capacity(batch.len());
                for m in batch {
                    out.push(self.handle(&m.raw).instrument(m.span.clone()).await);
                }
                return out;
            }
            Err(e) => {
                let e = anyhow!(e).context("counting the batch's attempts");
                return batch
                    .iter()
                    .map(|_| self.finish(Err(anyhow!("{e:#}")), arrived))
                    .collect();
            }
        };
        self.decide(batch, prepared, arrived).await
    }
}

impl DeskInbox {
    /// The batch's prepared messages decided in order and committed as one group, then settled; one answer
    /// per message.
    async fn decide(
        &self,
        batch: &[InboxMessage],
        prepared: Vec<PreparedEmail>,
        arrived: Instant,
    ) -> Vec<anyhow::Result<Disposition>> {
        let items = batch
            .iter()
            .zip(prepared)
            .map(|(m, prepared)| GroupItem {
                raw: &m.raw,
                prepared,
                span: m.span.clone(),
            })
            .collect();
        let decided = self.desk.decide_group(items).await;
        // Each message's place: its handled result, or the panic that ended its handling.
        let mut handled = Vec::with_capacity(batch.len());
        let mut slots = Vec::with_capacity(batch.len());
        for d in decided {
            slots.push(match d {
                Decided::Handled(h) => {
                    handled.push(h);
                    Ok(())
                }
                Decided::Panicked(payload) => Err(self.panicked(payload.as_ref())),
            });
        }
        self.desk.settle_emails(&handled).await;
        let mut handled = handled.into_iter();
        slots
            .into_iter()
            .map(|slot| {
                let outcome = slot.and_then(|()| {
                    let h = handled
                        .next()
                        .expect("one handled result per handled message");
                    h.outcome.map_err(anyhow::Error::from)
                });
                self.finish(outcome, arrived)
            })
            .collect()
    }

    /// Runs one message's handling, turning a panic into that message's error.
    async fn caught(
        &self,
        handling: impl std::future::Future<Output = Result<IngestOutcome, crate::store::StoreError>>,
    ) -> anyhow::Result<IngestOutcome> {
        match AssertUnwindSafe(handling).catch_unwind().await {
            Ok(outcome) => Ok(outcome?),
            Err(payload) => Err(self.panicked(payload.as_ref())),
        }
    }

    fn panicked(&self, payload: &(dyn std::any::Any + Send)) -> anyhow::Error {
        self.monitor.count_unit_panic(Component::Inbox);
        anyhow!("handling the message panicked: {}", panic_text(payload))
    }

    /// Counts the outcome and turns it into what the worker does with the message.
    fn finish(
        &self,
        outcome: anyhow::Result<IngestOutcome>,
        arrived: Instant,
    ) -> anyhow::Result<Disposition> {
        self.count(&outcome, arrived);
        match outcome? {
            IngestOutcome::Quarantined { reason } => Ok(Disposition::Quarantine(reason)),
            _ => Ok(Disposition::Processed),
        }
    }

    /// Counts the outcome and, when the desk committed something, the time since the message arrived.
    fn count(&self, outcome: &anyhow::Result<IngestOutcome>, arrived: Instant) {
        let label = match outcome {
            Err(_) => "error",
            Ok(IngestOutcome::Created { .. }) => "created",
            Ok(IngestOutcome::Appended { .. }) => "appended",
            Ok(IngestOutcome::Duplicate { .. }) => "duplicate",
            Ok(IngestOutcome::Automated { .. }) => "automated",
            Ok(IngestOutcome::Bounce { .. }) => "bounce",
            Ok(IngestOutcome::Quarantined { .. }) => "quarantined",
        };
        let committed = !matches!(outcome, Err(_) | Ok(IngestOutcome::Duplicate { .. }));
        self.monitor
            .count_ingested(label, committed.then(|| arrived.elapsed()));
    }
}
