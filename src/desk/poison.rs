//! Bounded intake: every inbound message's processing attempts are counted durably before it is processed, its
//! parse (MIME, HTML → text) runs on a blocking thread with a deadline, and a message that failed, timed out or
//! killed the process `mail.max_processing_attempts` times is quarantined with the reason, so one poison
//! message never holds up the others and a restart never loops on it.

use std::time::Duration;

use mail::inbound::{Inbound, Limits, ParseError};
use tracing::warn;

use super::email_intake::{inbound_record, IngestOutcome};
use super::Desk;
use crate::store::StoreError;

/// A parsed message and the copy of it to store.
pub(crate) struct Parsed {
    pub inbound: Result<Inbound, ParseError>,
    pub stored: Vec<u8>,
}

/// Why a message could not be parsed at all: its own fault, so the attempt stays counted.
#[derive(Debug, thiserror::Error)]
pub enum PoisonError {
    #[error("parsing took longer than {0:?}")]
    Timeout(Duration),
    #[error("parsing panicked: {0}")]
    Panic(String),
}

impl Desk {
    /// The limits inbound parsing works within, from the settings.
    pub(crate) fn parse_limits(&self) -> Limits {
        Limits {
            max_attachment_bytes: self.settings.mail.max_attachment_bytes,
            max_total_attachment_bytes: self.settings.mail.max_total_attachment_bytes,
            ..Limits::default()
        }
    }

    /// Parses on a blocking thread within `mail.processing_timeout_ms`, with the copy of the message to keep
    /// (refused attachments and cut text replaced by placeholders). A parse that overruns keeps running in the
    /// background (a thread cannot be killed) but no longer holds the inbox.
    pub(crate) async fn parse_bounded(&self, raw: &[u8]) -> Result<Parsed, PoisonError> {
        let limits = self.parse_limits();
        let deadline = Duration::from_millis(self.settings.mail.processing_timeout_ms.max(1));
        let owned = raw.to_vec();
        let task = tokio::task::spawn_blocking(move || Parsed {
            inbound: mail::inbound::parse(&owned, &limits),
            stored: mail::inbound::storable_raw(&owned, &limits).into_owned(),
        });
        match tokio::time::timeout(deadline, task).await {
            Ok(Ok(parsed)) => Ok(parsed),
            Ok(Err(join)) => Err(PoisonError::Panic(panic_text(join))),
            Err(_) => Err(PoisonError::Timeout(deadline)),
        }
    }

    /// Counts this attempt; `Some(outcome)` when the message has used up its attempts and was quarantined.
    pub(crate) async fn admit(
        &self,
        raw: &[u8],
        key: &str,
        now: i64,
    ) -> Result<Option<IngestOutcome>, StoreError> {
        let (attempts, last_error) = self.store.begin_attempt(key, now).await?;
        let max = self.settings.mail.max_processing_attempts.max(1);
        if attempts <= max {
            return Ok(None);
        }
        let reason = format!(
            "gave up after {} failed attempts ({})",
            attempts - 1,
            last_error
                .as_deref()
                .unwrap_or("the process stopped while handling it")
        );
        // Not parsed again (that may be what kills us): the first bytes are enough to see what it was; the
        // whole message stays in the mailbox's Quarantine folder.
        let cap = raw.len().min(self.settings.mail.max_total_attachment_bytes);
        let rec = inbound_record(
            key.to_string(),
            None,
            None,
            "quarantined",
            Some(&reason),
            &raw[..cap],
        );
        match self.store.record_inbound(&rec, now).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        // The attempt row stays, over the limit: the same bytes delivered again are quarantined at once.
        warn!(%reason, "quarantined a message that kept failing");
        Ok(Some(IngestOutcome::Quarantined { reason }))
    }

    /// Settles the attempt after processing: forgotten once handled; on a failure that is not the message's
    /// fault (a database error, a conflict) not counted against it.
    pub(crate) async fn settle(&self, key: &str, result: &Result<IngestOutcome, StoreError>) {
        let settled = match result {
            Ok(_) => self.store.end_attempt(key).await,
            Err(e) => self.store.forgive_attempt(key, &format!("{e:#}")).await,
        };
        if let Err(e) = settled {
            warn!(error = %format!("{e:#}"), "could not settle the message's attempt count");
        }
    }
}

fn panic_text(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(p) => crate::supervise::panic_text(p.as_ref()),
        Err(e) => e.to_string(),
    }
}
