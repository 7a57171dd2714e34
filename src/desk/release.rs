//! Releasing a quarantined message (`connect311 quarantine release ID`): its attempt count is forgotten and it
//! goes through the desk again like a new arrival. Its row records who released it, when, and what became of
//! it; the request it reached records the release; if processing fails, it stays quarantined as it was.

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use routing::{EventKind, Source};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ActionError, Actor, Desk, IngestOutcome};
use crate::store::{Change, NewEvent, QuarantinedMessage};

/// What became of a released message.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    pub outcome: IngestOutcome,
    /// The message's new quarantine row, when it was quarantined again.
    pub quarantined_again: Option<i64>,
}

impl Desk {
    /// Releases quarantined message `id` and processes it again.
    pub async fn release_quarantined(
        &self,
        id: i64,
        actor: &Actor,
    ) -> Result<Released, ActionError> {
        let (msg, raw) = self
            .store
            .quarantined_message(id)
            .await?
            .ok_or_else(|| ActionError::Refused(format!("no quarantined message {id}")))?;
        if msg.disposition != "quarantined" || msg.source != Source::Email {
            return Err(ActionError::Refused(format!(
                "message {id} is not quarantined ({}: {})",
                msg.disposition,
                msg.reason.as_deref().unwrap_or("-")
            )));
        }
        let hash = format!("sha256:{}", hex::encode(Sha256::digest(&raw)));
        let mut keys = vec![hash.clone()];
        if msg.external_id.starts_with("sha256:") {
            keys.push(msg.external_id.clone());
        }
        let note = format!(
            "released by {} at {}; was quarantined: {}",
            actor.id,
            self.human_time(self.now()),
            msg.reason.as_deref().unwrap_or("-")
        );
        if !self.store.begin_release(id, &note, &keys).await? {
            return Err(ActionError::Refused(format!(
                "message {id} was released meanwhile"
            )));
        }
        // A message that still kills its handler must not take the operator's command with it.
        let processed = AssertUnwindSafe(self.ingest_email(&raw))
            .catch_unwind()
            .await;
        let failure = match processed {
            Ok(Ok(o)) => Ok(o),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(panic) => Err(format!(
                "handling it panicked: {}",
                crate::supervise::panic_text(panic.as_ref())
            )),
        };
        let outcome = match failure {
            Ok(o) => o,
            Err(why) => {
                self.store
                    .undo_release(id, &msg.external_id, msg.reason.as_deref())
                    .await?;
                return Err(ActionError::Refused(format!(
                    "processing message {id} failed, so it stays quarantined: {why}"
                )));
            }
        };
        self.record_release(&msg, &note, &outcome, actor).await?;
        let quarantined_again = match &outcome {
            IngestOutcome::Quarantined { .. } => self.requarantined(&msg, &hash).await?,
            _ => None,
        };
        tracing::info!(message = id, outcome = %outcome, actor = %actor.id, "released a quarantined message");
        Ok(Released {
            outcome,
            quarantined_again,
        })
    }

    /// What became of the release, on the message's row and on the request it reached.
    async fn record_release(
        &self,
        msg: &QuarantinedMessage,
        note: &str,
        outcome: &IngestOutcome,
        actor: &Actor,
    ) -> Result<(), ActionError> {
        self.store
            .note_release(msg.id, &format!("{note}; then {outcome}"))
            .await?;
        let reached = match outcome {
            IngestOutcome::Created { reference, .. }
            | IngestOutcome::Appended { reference, .. } => Some(*reference),
            _ => None,
        };
        if let Some(r) = reached {
            let change = Change {
                events: vec![NewEvent::new(
                    EventKind::ReleasedFromQuarantine,
                    &actor.id,
                    actor.source,
                    json!({ "message": msg.id, "was": msg.reason, "actor_name": actor.name }),
                )],
                ..Change::default()
            };
            self.store.apply_change(r, &change, self.now()).await?;
        }
        Ok(())
    }

    /// The row a released message landed on when it was quarantined again.
    async fn requarantined(
        &self,
        msg: &QuarantinedMessage,
        hash: &str,
    ) -> Result<Option<i64>, ActionError> {
        if let Some(id) = self.store.quarantined_id(hash).await? {
            return Ok(Some(id));
        }
        Ok(self.store.quarantined_id(&msg.external_id).await?)
    }
}
