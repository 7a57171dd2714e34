//! The inbox workers' handler: each message goes to the desk, is counted by outcome and timed to its commit,
//! and a message whose handling panics becomes an error, so the worker's per-message backoff applies.

use std::panic::AssertUnwindSafe;

use anyhow::anyhow;
use async_trait::async_trait;
use futures::FutureExt;
use mail::imap::{Disposition, InboxHandler};
use tokio::time::Instant;

use crate::desk::{Desk, IngestOutcome};
use crate::monitor::{Component, Monitor};
use crate::supervise::panic_text;

/// Feeds inbox messages to the desk; the message is moved only after the desk committed.
pub struct DeskInbox {
    pub desk: Desk,
    pub monitor: Monitor,
}

#[async_trait]
impl InboxHandler for DeskInbox {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        let arrived = Instant::now();
        let outcome = match AssertUnwindSafe(self.ingest(raw)).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(payload) => {
                self.monitor.count_unit_panic(Component::Inbox);
                let text = panic_text(payload.as_ref());
                Err(anyhow!("handling the message panicked: {text}"))
            }
        };
        self.count(&outcome, arrived);
        match outcome? {
            IngestOutcome::Quarantined { reason } => Ok(Disposition::Quarantine(reason)),
            _ => Ok(Disposition::Processed),
        }
    }
}

impl DeskInbox {
    async fn ingest(&self, raw: &[u8]) -> anyhow::Result<IngestOutcome> {
        Ok(self.desk.ingest_email(raw).await?)
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
