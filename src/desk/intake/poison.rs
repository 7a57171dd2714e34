//! Bounded intake: every inbound message's processing attempts are counted durably before it is processed, its
//! parse (MIME, HTML → text) runs on a blocking thread with a deadline, and a message that failed, timed out or
//! killed the process `mail.max_processing_attempts` times is quarantined with the reason, so one poison
//! message never holds up the others and a restart never loops on it.

use crate::store::Disposition;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use mail::inbound::{Inbound, Limits, ParseError};
use routing::Decision;
use sha2::{Digest, Sha256};
use tracing::warn;

use super::{inbound_record, IngestOutcome};
use crate::desk::Desk;
use crate::store::{AttemptCount, StoreError};

/// A parsed message and the copy of it to store.
pub(super) struct Parsed {
    pub inbound: Result<Inbound, ParseError>,
    pub stored: Vec<u8>,
    /// How a message that looks like a new report classifies, worked out beside the parse (on the pool of
    /// blocking threads, off the batch's serial decisions); `None` for one that looks like a reply or a bounce,
    /// which is classified later only if it does become a new request.
    pub classified: Option<Classified>,
}

/// A mail classified with its parse: the visible part of its text (quoted replies cut) and its decision.
pub(super) struct Classified {
    pub body: String,
    pub decision: Decision,
}

/// Why a message could not be parsed at all: its own fault, so the attempt stays counted.
#[derive(Debug, thiserror::Error)]
pub enum PoisonError {
    #[error("parsing took longer than {0:?}")]
    Timeout(Duration),
    #[error("parsing panicked: {0}")]
    Panic(String),
}

/// One attempt at processing one raw message, counted by the hash of its bytes.
pub(super) struct Attempt<'a> {
    pub desk: &'a Desk,
    pub key: String,
    pub now: i64,
}

impl<'a> Attempt<'a> {
    pub fn new(desk: &'a Desk, raw: &[u8]) -> Attempt<'a> {
        Attempt {
            desk,
            key: format!("sha256:{}", hex::encode(Sha256::digest(raw))),
            now: desk.now(),
        }
    }

    /// Decides on a counted attempt (see [`begin_all`]): `Some(outcome)` when the message has used up its
    /// attempts and was quarantined.
    pub async fn admit_counted(
        &self,
        raw: &[u8],
        (attempts, last_error): AttemptCount,
    ) -> Result<Option<IngestOutcome>, StoreError> {
        let mail = &self.desk.settings.mail;
        if attempts <= mail.max_processing_attempts.max(1) {
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
        let cap = raw.len().min(mail.max_total_attachment_bytes);
        let rec = inbound_record(
            self.key.clone(),
            None,
            None,
            Disposition::Quarantined,
            Some(&reason),
            &raw[..cap],
        );
        match self.desk.store.record_inbound(&rec, self.now).await {
            Ok(()) | Err(StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e),
        }
        // The attempt row stays, over the limit: the same bytes delivered again are quarantined at once.
        warn!(%reason, "quarantined a message that kept failing");
        Ok(Some(IngestOutcome::Quarantined { reason }))
    }

    /// Parses within the deadline; a parse that overran or panicked is the message's own fault, so the attempt
    /// stays counted and the error says why.
    pub async fn parse(&self, raw: &[u8]) -> Result<Parsed, StoreError> {
        match parse_bounded(self.desk, raw).await {
            Ok(parsed) => Ok(parsed),
            Err(poison) => {
                self.desk
                    .store
                    .fail_attempt(&self.key, &poison.to_string())
                    .await?;
                Err(StoreError::Unexpected(anyhow::Error::new(poison)))
            }
        }
    }

    /// Runs `handling`; a panic in it is a bug, not the database: the attempt stays counted with the panic's
    /// text, and the panic goes on to the inbox worker's handler, which counts it.
    pub async fn contain<T>(&self, raw: &[u8], handling: impl Future<Output = T>) -> T {
        let handled = AssertUnwindSafe(async {
            #[cfg(feature = "test-hooks")]
            crate::test_hooks::panic_if_asked(raw);
            #[cfg(not(feature = "test-hooks"))]
            let _ = raw;
            handling.await
        })
        .catch_unwind()
        .await;
        match handled {
            Ok(result) => result,
            Err(panic) => {
                let text = crate::supervise::panic_text(panic.as_ref());
                let _ = self
                    .desk
                    .store
                    .fail_attempt(&self.key, &format!("handling panicked: {text}"))
                    .await;
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Counts one attempt of each message in one transaction: the attempts, in order, with their counts.
pub(super) async fn begin_all<'a>(
    desk: &'a Desk,
    raws: &[&[u8]],
) -> Result<Vec<(Attempt<'a>, AttemptCount)>, StoreError> {
    let attempts: Vec<Attempt<'a>> = raws.iter().map(|raw| Attempt::new(desk, raw)).collect();
    let keys: Vec<String> = attempts.iter().map(|a| a.key.clone()).collect();
    let now = attempts.first().map_or_else(|| desk.now(), |a| a.now);
    let counts = desk.store.begin_attempts(&keys, now).await?;
    Ok(attempts.into_iter().zip(counts).collect())
}

/// Takes back an attempt that failed for a reason not the message's own, keeping the error.
pub(super) async fn forgive(desk: &Desk, key: &str, error: &StoreError) {
    if let Err(e) = desk.store.forgive_attempt(key, &format!("{error:#}")).await {
        warn!(error = %format!("{e:#}"), "could not settle the message's attempt count");
    }
}

/// The limits inbound parsing works within, from the settings.
fn parse_limits(desk: &Desk) -> Limits {
    Limits {
        max_attachment_bytes: desk.settings.mail.max_attachment_bytes,
        max_total_attachment_bytes: desk.settings.mail.max_total_attachment_bytes,
        ..Limits::default()
    }
}

/// Parses on a parse worker ([`super::parse_pool`]) within the message's deadline (`mail.processing_timeout_ms`, plus
/// `processing_timeout_per_mib_ms` for each MiB), with the copy of the message to keep
/// (refused attachments and cut text replaced by placeholders). A parse that overruns keeps running in the
/// background (a thread cannot be killed) but no longer holds the inbox.
async fn parse_bounded(desk: &Desk, raw: &[u8]) -> Result<Parsed, PoisonError> {
    let limits = parse_limits(desk);
    let deadline = desk.settings.mail.parse_deadline(raw.len());
    let owned = raw.to_vec();
    let router = desk.router().current();
    let task = super::parse_pool::run(move || {
        let inbound = mail::inbound::parse(&owned, &limits);
        let classified = inbound
            .as_ref()
            .ok()
            .filter(|inb| looks_new(inb))
            .map(|inb| {
                let body = mail::strip::visible_reply(&inb.text);
                let decision = super::create::classify(&router, &inb.subject, &body);
                Classified { body, decision }
            });
        Parsed {
            inbound,
            stored: mail::inbound::storable_raw(&owned, &limits).into_owned(),
            classified,
        }
    });
    match tokio::time::timeout(deadline, task).await {
        Ok(Ok(Ok(parsed))) => Ok(parsed),
        Ok(Ok(Err(panic))) => Err(PoisonError::Panic(crate::supervise::panic_text(
            panic.as_ref(),
        ))),
        Ok(Err(gone)) => Err(PoisonError::Panic(gone.to_string())),
        Err(_) => Err(PoisonError::Timeout(deadline)),
    }
}

/// Whether a parsed message is likely to become a new request: not a delivery report and not a reply to a
/// thread. Only a guess that saves work (threading decides): a wrong one costs a classification, no more.
fn looks_new(inb: &Inbound) -> bool {
    inb.dsn.is_none() && inb.in_reply_to.is_empty() && inb.references.is_empty()
}
