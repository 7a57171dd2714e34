//! Email intake: one raw message through admit → parse → guard → thread → route → create/reply → settle, each
//! decision committed in one transaction. Shared by the IMAP worker, the local Maildir watcher and
//! `connect311 ingest` (the MTA pipe).

mod bounce;
mod create;
mod poison;
mod reply;
mod threading;

pub(super) use create::{find_duplicate, request_view};

use mail::inbound::{Inbound, ParseError};
use routing::{RequestRef, Source};
use tracing::{info, instrument, warn};

use super::Desk;
use crate::store::{Disposition, InboundRecord, NewAttachment, StoreError};
use poison::{Attempt, Parsed};

/// What became of one inbound email.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    /// A new request was created (and acknowledged unless suppressed).
    Created {
        reference: RequestRef,
        emergency: bool,
    },
    /// The message was added to an existing request (comment, status question, reopen...).
    Appended {
        reference: RequestRef,
        action: ReplyAction,
    },
    /// Seen before (same Message-ID): nothing done again.
    Duplicate { reference: Option<RequestRef> },
    /// Automated mail (auto-reply, list, our own): logged, never answered.
    Automated {
        reference: Option<RequestRef>,
        reason: String,
    },
    /// A delivery-status report, recorded against the request whose mail bounced.
    Bounce {
        reference: Option<RequestRef>,
        permanent: bool,
    },
    /// Not a usable message: kept raw, moved to quarantine.
    Quarantined { reason: String },
}

/// What a participant's reply did to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyAction {
    /// Kept as a comment (also an unverified staff command).
    Comment,
    /// The resident reopened it (also by answering NO to "Was it fixed?").
    Reopened,
    /// The resident asked for the status and was told.
    Status,
    /// The resident answered YES to "Was it fixed?".
    FollowupConfirmed,
    /// A verified staff command was applied; the request's status after it.
    Staff(routing::Status),
    /// A staff command was refused (unverified sender, or not allowed); the sender was told why.
    StaffRefused,
}

impl std::fmt::Display for ReplyAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyAction::Comment => f.write_str("comment"),
            ReplyAction::Reopened => f.write_str("reopened"),
            ReplyAction::Status => f.write_str("status"),
            ReplyAction::FollowupConfirmed => f.write_str("followup_confirmed"),
            ReplyAction::Staff(status) => write!(f, "staff_{status}"),
            ReplyAction::StaffRefused => f.write_str("staff_refused"),
        }
    }
}

impl IngestOutcome {
    /// The request involved, if any.
    pub fn reference(&self) -> Option<RequestRef> {
        match self {
            IngestOutcome::Created { reference, .. }
            | IngestOutcome::Appended { reference, .. } => Some(*reference),
            IngestOutcome::Duplicate { reference }
            | IngestOutcome::Automated { reference, .. }
            | IngestOutcome::Bounce { reference, .. } => *reference,
            IngestOutcome::Quarantined { .. } => None,
        }
    }
}

const SOURCE: Source = Source::Email;

impl Desk {
    /// Processes one raw email. Returns only after everything it decided is committed; an `Err` means nothing
    /// was committed and the message must be retried (it stays in the inbox). Each attempt is counted first, so
    /// a message that keeps failing (or kills the process) ends quarantined instead of blocking the inbox.
    #[instrument(skip_all, fields(message_id, request_ref))]
    pub async fn ingest_email(&self, raw: &[u8]) -> Result<IngestOutcome, StoreError> {
        let attempt = Attempt::new(self, raw);
        if let Some(quarantined) = attempt.admit(raw).await? {
            return Ok(quarantined);
        }
        let parsed = attempt.parse(raw).await?;
        let result = attempt.contain(raw, handle(&attempt, parsed)).await;
        attempt.settle(&result).await;
        result
    }
}

/// One parsed message being handled: who sent it and the record of it to store.
struct Mail<'a> {
    desk: &'a Desk,
    inb: &'a Inbound,
    /// The Message-ID, or the raw hash when it has none.
    external_id: String,
    /// The copy of the message to store.
    raw: &'a [u8],
    sender: Option<String>,
    now: i64,
}

impl Mail<'_> {
    /// The inbound-message row recording what became of this mail.
    fn record(&self, disposition: Disposition, reason: Option<&str>) -> InboundRecord {
        inbound_record(
            self.external_id.clone(),
            self.sender.clone(),
            Some(self.inb.subject.clone()),
            disposition,
            reason,
            self.raw,
        )
    }
}

/// Records and routes a parsed message, once per Message-ID.
async fn handle(attempt: &Attempt<'_>, parsed: Parsed) -> Result<IngestOutcome, StoreError> {
    let desk = attempt.desk;
    let inb = match parsed.inbound {
        Ok(inb) => inb,
        Err(e) => return quarantine_unparseable(attempt, &parsed.stored, e).await,
    };
    let mail = Mail {
        desk,
        inb: &inb,
        external_id: inb
            .message_id
            .clone()
            .unwrap_or_else(|| attempt.key.clone()),
        raw: &parsed.stored,
        sender: inb.from.as_ref().map(|a| a.email.to_ascii_lowercase()),
        now: attempt.now,
    };
    tracing::Span::current().record("message_id", mail.external_id.as_str());
    if let Some(seen) = desk.store.inbound_seen(SOURCE, &mail.external_id).await? {
        return Ok(IngestOutcome::Duplicate {
            reference: seen.reference,
        });
    }
    match route(&mail).await {
        Err(StoreError::Duplicate(_)) => {
            // Another worker committed the same message first.
            let seen = desk.store.inbound_seen(SOURCE, &mail.external_id).await?;
            Ok(IngestOutcome::Duplicate {
                reference: seen.and_then(|s| s.reference),
            })
        }
        Ok(outcome) => {
            if let Some(r) = outcome.reference() {
                tracing::Span::current().record("request_ref", r.to_string().as_str());
            }
            info!(?outcome, "email ingested");
            Ok(outcome)
        }
        Err(e) => Err(e),
    }
}

/// Guard, thread and route: a bounce, automated mail, a participant's reply, or a new request.
async fn route(mail: &Mail<'_>) -> Result<IngestOutcome, StoreError> {
    let desk = mail.desk;
    if let Some(dsn) = &mail.inb.dsn {
        return bounce::record_bounce(mail, dsn).await;
    }
    let Some(sender) = mail.sender.as_deref() else {
        let reason = "no From address";
        let rec = mail.record(Disposition::Quarantined, Some(reason));
        desk.store.record_inbound(&rec, mail.now).await?;
        return Ok(IngestOutcome::Quarantined {
            reason: reason.into(),
        });
    };
    let thread = threading::find_thread(desk, mail.inb).await?;
    if let Some(reason) = mail::guard::automated(mail.inb, &desk.own_addresses()) {
        return bounce::record_automated(mail, sender, thread.map(|(r, _)| r), reason).await;
    }
    let Some((r, how)) = thread else {
        let rec = mail.record(Disposition::Created, None);
        return create::from_mail(mail, sender, create::Origin::Fresh, rec).await;
    };
    let req = desk
        .store
        .request(r)
        .await?
        .ok_or(StoreError::NotFound(r))?;
    if req.requester == sender || desk.is_staff_address(sender) {
        return reply::answer(mail, &req, sender, how).await;
    }
    // Zammad #2444: knowing a reference is not enough to write into someone else's request.
    warn!(reference = %r, %sender, "non-participant quoted a reference; starting a new request");
    let rec = mail.record(Disposition::Created, Some("stranger quoted a reference"));
    create::from_mail(mail, sender, create::Origin::QuotedByStranger(r), rec).await
}

/// An unparseable message: kept raw and quarantined with the parser's reason.
async fn quarantine_unparseable(
    attempt: &Attempt<'_>,
    raw: &[u8],
    error: ParseError,
) -> Result<IngestOutcome, StoreError> {
    let reason = error.to_string();
    let key = attempt.key.clone();
    let rec = inbound_record(
        key,
        None,
        None,
        Disposition::Quarantined,
        Some(&reason),
        raw,
    );
    match attempt.desk.store.record_inbound(&rec, attempt.now).await {
        Ok(()) | Err(StoreError::Duplicate(_)) => {
            warn!(%reason, "quarantined unparseable message");
            Ok(IngestOutcome::Quarantined { reason })
        }
        Err(e) => Err(e),
    }
}

/// Per-sender cap on automatic replies (loop breaker even against responders that ignore RFC 3834).
async fn over_rate_limit(desk: &Desk, sender: &str, now: i64) -> Result<bool, StoreError> {
    let limit = i64::from(desk.settings.mail.replies_per_sender_per_hour);
    let since = now - 3_600_000;
    Ok(desk
        .store
        .count_mail_to(&sender.to_ascii_lowercase(), since)
        .await?
        >= limit)
}

fn attachments_of(inb: &Inbound) -> Vec<NewAttachment> {
    inb.attachments
        .iter()
        .map(|a| NewAttachment {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            data: a.data.clone(),
        })
        .collect()
}

fn inbound_record(
    external_id: String,
    sender: Option<String>,
    subject: Option<String>,
    disposition: Disposition,
    reason: Option<&str>,
    raw: &[u8],
) -> InboundRecord {
    InboundRecord {
        source: SOURCE,
        external_id,
        sender,
        subject,
        disposition,
        reason: reason.map(String::from),
        raw: raw.to_vec(),
    }
}
