//! Email intake: one raw message through admit → parse → guard → thread → route → create/reply → settle, each
//! decision committed in one transaction. Shared by the IMAP worker, the local Maildir watcher and
//! `connect311 ingest` (the MTA pipe).

mod bounce;
mod create;
mod group;
mod parse_pool;
mod poison;
mod reply;
mod threading;

pub(super) use create::{find_duplicate, request_view};
pub use group::{Decided, GroupItem};

use futures::StreamExt;
use mail::inbound::{Inbound, ParseError};
use routing::{RequestRef, Source};
use tracing::{info, instrument, warn};

use super::Desk;
use crate::store::{AttemptCount, Disposition, InboundRecord, NewAttachment, StoreError};
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

impl std::fmt::Display for IngestOutcome {
    /// What became of the message, for the operator's log (`appended to 311-000012 (comment)`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on = |r: &Option<RequestRef>| r.map(|r| format!(" on {r}")).unwrap_or_default();
        match self {
            IngestOutcome::Created { reference, .. } => write!(f, "created {reference}"),
            IngestOutcome::Appended { reference, action } => {
                write!(f, "appended to {reference} ({action})")
            }
            IngestOutcome::Duplicate { reference } => {
                write!(f, "already processed{}", on(reference))
            }
            IngestOutcome::Automated { reference, reason } => {
                write!(f, "automated mail{}: {reason}", on(reference))
            }
            IngestOutcome::Bounce {
                reference,
                permanent,
            } => {
                let kind = if *permanent { "permanent" } else { "temporary" };
                write!(f, "delivery report ({kind}){}", on(reference))
            }
            IngestOutcome::Quarantined { reason } => write!(f, "quarantined: {reason}"),
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
    pub async fn ingest_email(&self, raw: &[u8]) -> Result<IngestOutcome, StoreError> {
        let prepared = self.prepare_emails(&[raw]).await?.unwrap_or_default();
        let prepared = prepared
            .into_iter()
            .next()
            .expect("one prepared per message");
        let handled = self.handle_prepared(raw, prepared).await;
        self.settle_emails(std::slice::from_ref(&handled)).await;
        handled.outcome
    }

    /// The first half of a batch's intake: every message's attempt counted in ONE transaction, then the
    /// messages admitted and parsed on the parse workers, in the order given. `Err` (nothing counted) only
    /// when the database did not take the count.
    ///
    /// `None` (the count taken back) when a message of a batch was tried before without being settled: the
    /// process may have died on one of them, so this batch goes one message at a time ([`Desk::ingest_email`]),
    /// each counted just before it is handled, and only the killer's count grows — never its batch-mates'.
    pub async fn prepare_emails(
        &self,
        raws: &[&[u8]],
    ) -> Result<Option<Vec<PreparedEmail>>, StoreError> {
        match self.count_emails(raws).await? {
            Some(counted) => Ok(Some(self.parse_counted(counted, raws).await)),
            None => Ok(None),
        }
    }

    /// [`Desk::prepare_emails`]'s durable step alone: the batch's attempts counted (`None`: one at a time).
    /// What it gives is parsed by [`Desk::parse_counted`], which needs no database and may run beside the
    /// handling of the batch before.
    pub async fn count_emails(
        &self,
        raws: &[&[u8]],
    ) -> Result<Option<Vec<CountedEmail>>, StoreError> {
        let attempts = poison::begin_all(self, raws).await?;
        if raws.len() > 1 && attempts.iter().any(|(_, (count, _))| *count > 1) {
            let keys: Vec<String> = attempts.into_iter().map(|(a, _)| a.key).collect();
            self.store.uncount_attempts(&keys).await?;
            info!(
                messages = keys.len(),
                "a message of this batch was tried before; one at a time"
            );
            return Ok(None);
        }
        Ok(Some(
            attempts
                .into_iter()
                .map(|(a, count)| CountedEmail {
                    key: a.key,
                    now: a.now,
                    count,
                })
                .collect(),
        ))
    }

    /// Admits and parses counted messages (`raws` those [`Desk::count_emails`] counted, in its order).
    pub async fn parse_counted(
        &self,
        counted: Vec<CountedEmail>,
        raws: &[&[u8]],
    ) -> Vec<PreparedEmail> {
        let pool = parse_pool::kept();
        // Collected first: a stream holding the closure trips the compiler's Send check for higher-ranked
        // lifetimes.
        let prepared: Vec<_> = counted
            .into_iter()
            .zip(raws)
            .map(|(c, raw)| {
                let attempt = Attempt {
                    desk: self,
                    key: c.key,
                    now: c.now,
                };
                prepare_one(attempt, c.count, raw)
            })
            .collect();
        futures::stream::iter(prepared)
            .buffered(pool)
            .collect::<Vec<_>>()
            .await
    }

    /// The second half, one message at a time in order (each decision sees the ones committed before it):
    /// guard, thread, route and commit. `raw` is the message `prepared` was made from.
    #[instrument(skip_all, fields(message_id, request_ref))]
    pub async fn handle_prepared(&self, raw: &[u8], prepared: PreparedEmail) -> HandledEmail {
        let attempt = Attempt {
            desk: self,
            key: prepared.key,
            now: prepared.now,
        };
        let unseen = prepared.unseen;
        let (outcome, settle) = match prepared.stage {
            // Quarantined on admission or poisoned while parsing: the attempt stays counted.
            Stage::Done(outcome) => (outcome, false),
            Stage::Parsed(parsed) => (
                attempt
                    .contain(raw, handle(&attempt, &parsed, unseen))
                    .await,
                true,
            ),
        };
        HandledEmail {
            key: attempt.key,
            outcome,
            settle,
        }
    }

    /// Handles a parsed message without taking it (so it can be handled again if its group is undone and
    /// decided anew); `None` for one decided already on admission or parse, which needs no handling.
    pub(super) async fn handle_parsed(
        &self,
        raw: &[u8],
        prepared: &PreparedEmail,
    ) -> Option<Result<IngestOutcome, StoreError>> {
        let Stage::Parsed(parsed) = &prepared.stage else {
            return None;
        };
        let attempt = Attempt {
            desk: self,
            key: prepared.key.clone(),
            now: prepared.now,
        };
        Some(
            attempt
                .contain(raw, handle(&attempt, parsed, prepared.unseen))
                .await,
        )
    }

    /// Settles the attempts of handled messages: those handled forgotten with one statement, those that failed
    /// for a reason not their own (a database error, a conflict) not counted against them.
    pub async fn settle_emails(&self, handled: &[HandledEmail]) {
        let done: Vec<String> = handled
            .iter()
            .filter(|h| h.settle && h.outcome.is_ok())
            .map(|h| h.key.clone())
            .collect();
        if let Err(e) = self.store.end_attempts(&done).await {
            warn!(error = %format!("{e:#}"), "could not settle the messages' attempt counts");
        }
        for h in handled.iter().filter(|h| h.settle) {
            if let Err(e) = &h.outcome {
                poison::forgive(self, &h.key, e).await;
            }
        }
    }
}

/// Marks the messages of a batch that were not processed before, with ONE look-up (run it inside the
/// transaction that handles them). A Message-ID given twice is marked only the first time: the second copy
/// looks for the first one's record itself. The group is told how many of them may create a request.
pub(super) async fn mark_unseen(
    desk: &Desk,
    prepared: &mut [&mut PreparedEmail],
) -> Result<(), StoreError> {
    let ids: Vec<String> = prepared
        .iter()
        .filter_map(|p| p.external_id().map(String::from))
        .collect();
    let seen = desk.store.inbound_seen_among(SOURCE, &ids).await?;
    let mut first = std::collections::HashSet::new();
    for p in prepared.iter_mut() {
        let fresh = p
            .external_id()
            .is_some_and(|id| !seen.contains(id) && first.insert(id.to_string()));
        p.unseen = fresh;
    }
    desk.store
        .expect_creations(prepared.iter().filter(|p| p.may_create()).count());
    Ok(())
}

/// Admits one counted message and parses it.
async fn prepare_one(attempt: Attempt<'_>, count: AttemptCount, raw: &[u8]) -> PreparedEmail {
    let stage = match attempt.admit_counted(raw, count).await {
        Ok(Some(quarantined)) => Stage::Done(Ok(quarantined)),
        Err(e) => Stage::Done(Err(e)),
        Ok(None) => match attempt.parse(raw).await {
            Ok(parsed) => Stage::Parsed(Box::new(parsed)),
            Err(e) => Stage::Done(Err(e)),
        },
    };
    PreparedEmail {
        key: attempt.key,
        now: attempt.now,
        stage,
        unseen: false,
    }
}

/// A message counted and parsed, ready for [`Desk::handle_prepared`].
/// A message whose attempt is counted, ready to be parsed ([`Desk::count_emails`]).
pub struct CountedEmail {
    key: String,
    now: i64,
    count: AttemptCount,
}

pub struct PreparedEmail {
    key: String,
    now: i64,
    stage: Stage,
    /// Known not processed before (looked up with its batch, inside the transaction that handles it), so its
    /// own look-up is skipped.
    unseen: bool,
}

impl PreparedEmail {
    /// The id it is deduplicated by (its Message-ID, or its raw hash when it has none), once parsed.
    fn external_id(&self) -> Option<&str> {
        match &self.stage {
            Stage::Parsed(p) => p
                .inbound
                .as_ref()
                .ok()
                .map(|inb| inb.message_id.as_deref().unwrap_or(self.key.as_str())),
            Stage::Done(_) => None,
        }
    }
}

impl PreparedEmail {
    /// Whether handling it may create a request: parsed, not processed before, and answering no thread (a
    /// reply names the mail it answers; a mail that names none and quotes a reference is rare).
    fn may_create(&self) -> bool {
        match &self.stage {
            Stage::Parsed(p) => p.inbound.as_ref().is_ok_and(|inb| {
                self.unseen && inb.in_reply_to.is_empty() && inb.references.is_empty()
            }),
            Stage::Done(_) => false,
        }
    }

    /// What became of this message in a group decided at once: `outcome` when it was handled; else the one it
    /// was given on admission or parse (its attempt then stays counted, as in [`Desk::handle_prepared`]).
    pub(super) fn take_handled(
        &mut self,
        outcome: Option<Result<IngestOutcome, StoreError>>,
    ) -> HandledEmail {
        let taken = Stage::Done(Err(StoreError::Unexpected(anyhow::anyhow!(
            "this message's answer was taken"
        ))));
        let (outcome, settle) = match (outcome, std::mem::replace(&mut self.stage, taken)) {
            (Some(outcome), _) => (outcome, true),
            (None, Stage::Done(outcome)) => (outcome, false),
            (None, Stage::Parsed(_)) => (
                Err(StoreError::Unexpected(anyhow::anyhow!(
                    "a parsed message was not handled"
                ))),
                true,
            ),
        };
        HandledEmail {
            key: self.key.clone(),
            outcome,
            settle,
        }
    }
}

enum Stage {
    /// Decided already: quarantined on admission, or failed (not parsed, or the database).
    Done(Result<IngestOutcome, StoreError>),
    Parsed(Box<Parsed>),
}

/// What became of one message, and whether its attempt is to be settled ([`Desk::settle_emails`]).
pub struct HandledEmail {
    key: String,
    pub outcome: Result<IngestOutcome, StoreError>,
    settle: bool,
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
    /// Its classification, when it was worked out with the parse.
    classified: Option<&'a poison::Classified>,
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

/// Records and routes a parsed message, once per Message-ID (`unseen`: known not processed before).
async fn handle(
    attempt: &Attempt<'_>,
    parsed: &Parsed,
    unseen: bool,
) -> Result<IngestOutcome, StoreError> {
    let desk = attempt.desk;
    let inb = match &parsed.inbound {
        Ok(inb) => inb,
        Err(e) => return quarantine_unparseable(attempt, &parsed.stored, e).await,
    };
    let mail = Mail {
        desk,
        inb,
        external_id: inb
            .message_id
            .clone()
            .unwrap_or_else(|| attempt.key.clone()),
        raw: &parsed.stored,
        sender: inb.from.as_ref().map(|a| a.email.to_ascii_lowercase()),
        now: attempt.now,
        classified: parsed.classified.as_ref(),
    };
    tracing::Span::current().record("message_id", mail.external_id.as_str());
    if unseen {
        // Looked up with its batch.
    } else if let Some(seen) = desk.store.inbound_seen(SOURCE, &mail.external_id).await? {
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
            // A new request has its own intake line (`Desk::log_intake`); this says what else happened.
            if !matches!(outcome, IngestOutcome::Created { .. }) {
                info!(outcome = %outcome, "email handled");
            }
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
    error: &ParseError,
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

/// The window of the per-sender cap on automatic replies.
const REPLY_CAP_WINDOW_MS: i64 = 3_600_000;

/// Per-sender cap on automatic replies (loop breaker even against responders that ignore RFC 3834).
async fn over_rate_limit(desk: &Desk, sender: &str, now: i64) -> Result<bool, StoreError> {
    let since = now - REPLY_CAP_WINDOW_MS;
    let sent = desk
        .store
        .count_mail_to(&sender.to_ascii_lowercase(), since)
        .await?;
    Ok(sent >= reply_cap(desk))
}

/// The most automatic mails to one sender within the window: as many reach the cap.
fn reply_cap(desk: &Desk) -> i64 {
    i64::from(desk.settings.mail.replies_per_sender_per_hour)
}

/// The mail's attachments as stored: photos with their metadata removed (the original stays in the raw mail).
fn attachments_of(inb: &Inbound) -> Vec<NewAttachment> {
    inb.attachments
        .iter()
        .map(NewAttachment::from_mail)
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
