//! Email intake: parse → guard → thread → classify → persist (one transaction) → outbox. Shared by the IMAP
//! worker, the local Maildir watcher and `connect311 ingest` (the MTA pipe).

use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use mail::inbound::Inbound;
use mail::outbound::AutoSubmitted;
use routing::{CategoryId, CloseReason, EventKind, Language, RequestRef, Source, Status};
use serde_json::json;
use sha2::{Digest, Sha256};
use tracing::{info, instrument, warn};

use super::compose::ReplyTo;
use super::threading::ThreadMatch;
use super::{Desk, Filing};
use crate::store::{
    Change, InboundRecord, NewAttachment, NewEvent, NewRequest, Request, StatusChange, StoreError,
};

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
        action: String,
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
        let now = self.now();
        let key = raw_id(raw);
        if let Some(quarantined) = self.admit(raw, &key, now).await? {
            return Ok(quarantined);
        }
        let parsed = match self.parse_bounded(raw).await {
            Ok(parsed) => parsed,
            Err(poison) => {
                // The message's own fault: the attempt stays counted.
                self.store.fail_attempt(&key, &poison.to_string()).await?;
                return Err(StoreError::Unexpected(anyhow::Error::new(poison)));
            }
        };
        let handled = AssertUnwindSafe(async {
            #[cfg(feature = "test-hooks")]
            crate::test_hooks::panic_if_asked(raw);
            self.ingest_parsed(&parsed.stored, &key, parsed.inbound, now)
                .await
        })
        .catch_unwind()
        .await;
        let result = match handled {
            Ok(result) => result,
            Err(panic) => {
                // A bug, not the database: the attempt stays counted with the panic's text, and the panic goes
                // on to the inbox worker's handler, which counts it.
                let text = crate::supervise::panic_text(panic.as_ref());
                let _ = self
                    .store
                    .fail_attempt(&key, &format!("handling panicked: {text}"))
                    .await;
                std::panic::resume_unwind(panic);
            }
        };
        self.settle(&key, &result).await;
        result
    }

    /// Records and routes a parsed message; `raw` is the copy to store.
    async fn ingest_parsed(
        &self,
        raw: &[u8],
        raw_key: &str,
        parsed: Result<Inbound, mail::inbound::ParseError>,
        now: i64,
    ) -> Result<IngestOutcome, StoreError> {
        let inb = match parsed {
            Ok(inb) => inb,
            Err(e) => {
                let reason = e.to_string();
                let rec = inbound_record(
                    raw_key.to_string(),
                    None,
                    None,
                    "quarantined",
                    Some(&reason),
                    raw,
                );
                return match self.store.record_inbound(&rec, now).await {
                    Ok(()) | Err(StoreError::Duplicate(_)) => {
                        warn!(%reason, "quarantined unparseable message");
                        Ok(IngestOutcome::Quarantined { reason })
                    }
                    Err(e) => Err(e),
                };
            }
        };
        let external_id = inb
            .message_id
            .clone()
            .unwrap_or_else(|| raw_key.to_string());
        tracing::Span::current().record("message_id", external_id.as_str());
        if let Some(seen) = self.store.inbound_seen(SOURCE, &external_id).await? {
            return Ok(IngestOutcome::Duplicate {
                reference: seen.reference,
            });
        }
        let outcome = self.route_email(&inb, &external_id, raw, now).await;
        match outcome {
            Err(StoreError::Duplicate(_)) => {
                // Another worker committed the same message first.
                let seen = self.store.inbound_seen(SOURCE, &external_id).await?;
                Ok(IngestOutcome::Duplicate {
                    reference: seen.and_then(|s| s.reference),
                })
            }
            other => {
                if let Ok(o) = &other {
                    if let Some(r) = o.reference() {
                        tracing::Span::current().record("request_ref", r.to_string().as_str());
                    }
                    info!(outcome = ?o, "email ingested");
                }
                other
            }
        }
    }

    async fn route_email(
        &self,
        inb: &Inbound,
        external_id: &str,
        raw: &[u8],
        now: i64,
    ) -> Result<IngestOutcome, StoreError> {
        let sender = inb.from.as_ref().map(|a| a.email.to_ascii_lowercase());
        let record = |disposition: &str, reason: Option<&str>| {
            inbound_record(
                external_id.to_string(),
                sender.clone(),
                Some(inb.subject.clone()),
                disposition,
                reason,
                raw,
            )
        };

        if let Some(bounce) = &inb.dsn {
            let mut reference = None;
            if let Some(orig) = &bounce.original_message_id {
                reference = self.store.request_for_message_id(orig).await?;
            }
            let permanent = bounce.permanent;
            match reference {
                Some(r) => {
                    let change = Change {
                        events: vec![NewEvent::new(
                            EventKind::Bounce,
                            "mailer-daemon",
                            SOURCE,
                            json!({ "permanent": permanent, "status": bounce.status, "recipient": bounce.recipient,
                                    "diagnostic": bounce.diagnostic, "original_message_id": bounce.original_message_id }),
                        )],
                        inbound: Some(record("bounce", None)),
                        ..Change::default()
                    };
                    self.store.apply_change(r, &change, now).await?;
                }
                None => {
                    self.store
                        .record_inbound(&record("bounce", Some("no matching request")), now)
                        .await?
                }
            }
            return Ok(IngestOutcome::Bounce {
                reference,
                permanent,
            });
        }

        let Some(sender) = sender.clone() else {
            let reason = "no From address";
            self.store
                .record_inbound(&record("quarantined", Some(reason)), now)
                .await?;
            return Ok(IngestOutcome::Quarantined {
                reason: reason.into(),
            });
        };

        let thread = self.find_thread(inb).await?;
        if let Some(reason) = mail::guard::automated(inb, &self.own_addresses()) {
            // Logged and attached where it belongs; never answered.
            let mut reference = None;
            if let Some((r, _)) = thread {
                let change = Change {
                    events: vec![NewEvent::new(
                        EventKind::AutomatedMail,
                        &sender,
                        SOURCE,
                        json!({ "reason": reason, "subject": inb.subject }),
                    )],
                    inbound: Some(record("automated", Some(&reason))),
                    ..Change::default()
                };
                self.store.apply_change(r, &change, now).await?;
                reference = Some(r);
            } else {
                self.store
                    .record_inbound(&record("automated", Some(&reason)), now)
                    .await?;
            }
            return Ok(IngestOutcome::Automated { reference, reason });
        }

        if let Some((r, how)) = thread {
            let req = self
                .store
                .request(r)
                .await?
                .ok_or(StoreError::NotFound(r))?;
            if req.requester == sender || self.is_staff_address(&sender) {
                return self
                    .append_email(&req, inb, &sender, how, record("appended", None), now)
                    .await;
            }
            // Zammad #2444: knowing a reference is not enough to write into someone else's request.
            warn!(reference = %r, %sender, "non-participant quoted a reference; starting a new request");
            return self
                .create_from_email(
                    inb,
                    &sender,
                    None,
                    Some(r),
                    record("created", Some("stranger quoted a reference")),
                    now,
                )
                .await;
        }
        self.create_from_email(inb, &sender, None, None, record("created", None), now)
            .await
    }

    /// Creates a new request from an email, acknowledging it unless rate-limited.
    async fn create_from_email(
        &self,
        inb: &Inbound,
        sender: &str,
        linked_to: Option<RequestRef>,
        quoted_by_stranger: Option<RequestRef>,
        inbound: InboundRecord,
        now: i64,
    ) -> Result<IngestOutcome, StoreError> {
        let body = mail::strip::visible_reply(&inb.text);
        let text = format!("{}\n{}", inb.subject, body);
        let decision = self.router.classify(&text);
        let lang = decision.language;
        let emergency = decision.emergency.is_some();
        let mut new = self.new_request(
            &decision,
            now,
            Filing {
                source: SOURCE,
                requester: sender.to_string(),
                requester_name: inb.from.as_ref().and_then(|a| a.name.clone()),
                subject: inb.subject.clone(),
                description: body.trim().to_string(),
            },
        );
        new.linked_to = linked_to.or(quoted_by_stranger);
        // Same problem, same place, already open: link instead of creating new work (emergencies always page).
        let duplicate = if emergency || new.linked_to.is_some() {
            None
        } else {
            self.find_duplicate(&new, now).await?
        };
        if let Some((orig, _)) = &duplicate {
            new.linked_to = Some(*orig);
        }
        let rate_limited = self.over_rate_limit(sender, now).await?;
        let reply_to = ReplyTo {
            message_id: inb.message_id.clone(),
            references: inb.references.clone(),
        };
        let attachments = attachments_of(inb);
        let oversize = inb.oversize.clone();
        let reference = self
            .store
            .create_request(&new, now, |reference| {
                let mut change = Change {
                    inbound: Some(inbound),
                    attachments,
                    ..Change::default()
                };
                if let Some(id) = &inb.message_id {
                    change.thread_ids.push((id.clone(), "in".into()));
                }
                change.events.push(NewEvent::new(
                    EventKind::Created,
                    sender,
                    SOURCE,
                    json!({ "decision": decision, "linked_to": linked_to.map(|r| r.to_string()),
                            "quoted_reference": quoted_by_stranger.map(|r| r.to_string()),
                            "attachments": inb.attachments.iter().map(|a| json!({"filename": a.filename, "size": a.size})).collect::<Vec<_>>() }),
                ));
                if let Some((orig, why)) = &duplicate {
                    change.status = Some(StatusChange::Closed { reason: CloseReason::Duplicate });
                    change.events.push(NewEvent::new(
                        EventKind::Closed,
                        "system",
                        SOURCE,
                        json!({ "reason": "duplicate", "duplicate_of": orig.to_string(), "note": format!("Already reported as {orig} ({why})") }),
                    ));
                } else if let Some(job) = self.work_order_job(&new.department, emergency) {
                    change.outbox.push(job);
                }
                if rate_limited {
                    change.events.push(NewEvent::new(EventKind::ReplySuppressed, "system", SOURCE, json!({ "reason": "per-sender rate limit" })));
                    return change;
                }
                let req_view = request_view(reference, &new, now);
                let mut vars = self.request_vars(&req_view);
                let kind = match (&duplicate, emergency) {
                    (_, true) => "emergency",
                    (Some((orig, _)), false) => {
                        vars.push(("original", orig.to_string()));
                        "duplicate"
                    }
                    (None, false) => "acknowledgement",
                };
                vars.retain(|(k, _)| *k != "reference");
                vars.push(("reference", reference.to_string()));
                let (job, mid) = self.email_job(reference, lang, kind, &vars, sender, &reply_to, AutoSubmitted::AutoReplied);
                change.outbox.push(job);
                change.thread_ids.push((mid, "out".into()));
                if !oversize.is_empty() {
                    let limit = format!("{} MB", self.settings.mail.max_attachment_bytes / (1024 * 1024));
                    let vars = [
                        ("reference", reference.to_string()),
                        ("city", self.city.city.name.clone()),
                        ("limit", limit),
                        ("files", oversize.join(", ")),
                    ];
                    let (job, mid) = self.email_job(reference, lang, "oversize", &vars, sender, &reply_to, AutoSubmitted::AutoReplied);
                    change.outbox.push(job);
                    change.thread_ids.push((mid, "out".into()));
                    change.events.push(NewEvent::new(EventKind::AttachmentsRefused, "system", SOURCE, json!({ "files": oversize })));
                }
                change
            })
            .await?;
        if let Some((orig, why)) = duplicate {
            // The original's department sees one more reporter on its card.
            let change = Change {
                events: vec![NewEvent::new(
                    EventKind::DuplicateLinked,
                    sender,
                    SOURCE,
                    json!({ "reference": reference.to_string(), "why": why }),
                )],
                outbox: vec![self.work_order_update_job()],
                ..Change::default()
            };
            self.store.apply_change(orig, &change, now).await?;
        }
        Ok(IngestOutcome::Created {
            reference,
            emergency,
        })
    }

    /// An open request with the same category at the same place, reported within the window.
    async fn find_duplicate(
        &self,
        new: &NewRequest,
        now: i64,
    ) -> Result<Option<(RequestRef, String)>, StoreError> {
        let Some(category) = new.category.as_ref() else {
            return Ok(None);
        };
        if new.location_norm.is_none() && new.lat.is_none() {
            return Ok(None);
        }
        let candidate = |reference,
                         category: Option<&CategoryId>,
                         location_norm: Option<String>,
                         lat,
                         lon,
                         created_ms| routing::duplicates::Candidate {
            reference,
            category: category.cloned(),
            location_norm,
            lat,
            lon,
            created_ms,
        };
        let open: Vec<_> = self
            .store
            .active_requests()
            .await?
            .into_iter()
            .filter(|r| r.category.as_ref() == Some(category))
            .map(|r| {
                candidate(
                    r.reference,
                    r.category.as_ref(),
                    r.location_norm.clone(),
                    r.lat,
                    r.lon,
                    r.created_at,
                )
            })
            .collect();
        if open.is_empty() {
            return Ok(None);
        }
        let placeholder = RequestRef::new(u64::MAX >> 1).expect("non-zero");
        let me = candidate(
            placeholder,
            Some(category),
            new.location_norm.clone(),
            new.lat,
            new.lon,
            now,
        );
        let policy = &self.city.accountability;
        Ok(routing::duplicates::find_duplicate(
            &me,
            &open,
            policy.duplicate_window_ms(),
            policy.duplicate_radius_m,
        ))
    }

    /// A participant's reply: a status question, a comment, or (after closure) a reopen or a linked new request.
    async fn append_email(
        &self,
        req: &Request,
        inb: &Inbound,
        sender: &str,
        how: ThreadMatch,
        inbound: InboundRecord,
        now: i64,
    ) -> Result<IngestOutcome, StoreError> {
        let text = mail::strip::visible_reply(&inb.text).trim().to_string();
        let reply_to = ReplyTo {
            message_id: inb.message_id.clone(),
            references: inb.references.clone(),
        };
        if sender != req.requester && self.is_staff_address(sender) {
            if let Some(action) = self
                .staff_email_command(req, inb, sender, &text, &inbound, now)
                .await?
            {
                return Ok(IngestOutcome::Appended {
                    reference: req.reference,
                    action,
                });
            }
        }
        let rate_limited = self.over_rate_limit(sender, now).await?;
        let lang = req.language;
        let mut change = Change {
            inbound: Some(inbound),
            attachments: attachments_of(inb),
            // Decided on this status: if staff changed it meanwhile, the message is retried and decided again.
            expect_status: Some(req.status),
            ..Change::default()
        };
        if let Some(id) = &inb.message_id {
            change.thread_ids.push((id.clone(), "in".into()));
        }
        let action;
        // Only the requester may reopen or answer the follow-up: anyone else's mail (staff included, verified or
        // not) is a comment, and staff transitions come only from verified commands (above).
        let by_requester = sender == req.requester;
        let followup_answer = if req.status == Status::Closed && by_requester {
            self.pending_followup_answer(req, &text).await?
        } else {
            None
        };
        if let Some(fixed) = followup_answer {
            if fixed {
                action = "followup_confirmed";
                change.events.push(NewEvent::new(
                    EventKind::FollowupConfirmed,
                    sender,
                    SOURCE,
                    json!({ "text": text }),
                ));
            } else {
                action = "reopened";
                change.status = Some(StatusChange::Reopened);
                change.events.push(NewEvent::new(
                    EventKind::FollowupNotFixed,
                    sender,
                    SOURCE,
                    json!({ "text": text }),
                ));
                change.events.push(NewEvent::new(
                    EventKind::Reopened,
                    sender,
                    SOURCE,
                    json!({ "text": text, "via": "followup" }),
                ));
                let note =
                    format!("The resident says it is NOT fixed; reopened. Their words: {text}");
                self.reopen_by_resident(req, &mut change, sender, &note, &reply_to, rate_limited);
            }
        } else if req.status == Status::Closed && by_requester {
            let window = i64::from(self.city.accountability.reopen_window_days) * 86_400_000;
            let closed_at = req.closed_at.unwrap_or(req.updated_at);
            if now - closed_at > window {
                // Too late to reopen: a fresh request, linked to the old one.
                let rec = change.inbound.take().expect("set above");
                return self
                    .create_from_email(inb, sender, Some(req.reference), None, rec, now)
                    .await;
            }
            action = "reopened";
            change.status = Some(StatusChange::Reopened);
            change.events.push(NewEvent::new(
                EventKind::Reopened,
                sender,
                SOURCE,
                json!({ "text": text, "matched_by": how.as_str() }),
            ));
            let note = format!("Reopened by the requester: {text}");
            self.reopen_by_resident(req, &mut change, sender, &note, &reply_to, rate_limited);
        } else if is_status_question(&text) {
            action = "status";
            change.events.push(NewEvent::new(
                EventKind::StatusRequested,
                sender,
                SOURCE,
                json!({ "matched_by": how.as_str() }),
            ));
            if !rate_limited {
                let events = self.store.events(req.reference).await?;
                let last_note = events
                    .iter()
                    .rev()
                    .find_map(|e| {
                        e.payload
                            .get("note")
                            .and_then(|n| n.as_str())
                            .map(String::from)
                    })
                    .unwrap_or_else(|| "-".into());
                let mut vars = self.request_vars(req);
                vars.push(("status", status_word(req.status, lang).to_string()));
                vars.push(("updated", crate::clock::human(req.updated_at)));
                vars.push(("last_note", last_note));
                let (job, mid) = self.email_job(
                    req.reference,
                    lang,
                    "status",
                    &vars,
                    sender,
                    &reply_to,
                    AutoSubmitted::AutoReplied,
                );
                change.outbox.push(job);
                change.thread_ids.push((mid, "out".into()));
            }
        } else {
            action = "comment";
            let internal = !by_requester;
            // Anyone can type a staff address into From:; say whether the receiving server vouched for it.
            let verified = internal && self.staff_sender_verified(inb, sender);
            change.events.push(NewEvent::new(
                EventKind::Comment,
                sender,
                SOURCE,
                json!({ "text": text, "matched_by": how.as_str(), "staff": internal, "verified": verified,
                        "attachments": inb.attachments.iter().map(|a| a.filename.clone()).collect::<Vec<_>>() }),
            ));
            let who = match (internal, verified) {
                (false, _) => "Requester",
                (true, true) => "Staff",
                (true, false) => "Staff (sender NOT verified)",
            };
            change
                .outbox
                .push(self.chat_note_job(&format!("{who} replied by email: {text}")));
            if !internal {
                self.resume_sla(req, &mut change, now).await?;
            }
        }
        if rate_limited && action != "comment" {
            change.events.push(NewEvent::new(
                EventKind::ReplySuppressed,
                "system",
                SOURCE,
                json!({ "reason": "per-sender rate limit" }),
            ));
        }
        self.store.apply_change(req.reference, &change, now).await?;
        Ok(IngestOutcome::Appended {
            reference: req.reference,
            action: action.into(),
        })
    }

    /// The resident reopens their request: the new status, a note in the work order's thread, the card
    /// refreshed, and (unless rate-limited) an email saying it is back with the department.
    fn reopen_by_resident(
        &self,
        req: &Request,
        change: &mut Change,
        sender: &str,
        note: &str,
        reply_to: &ReplyTo,
        rate_limited: bool,
    ) {
        change.status = Some(StatusChange::Reopened);
        change.outbox.push(self.chat_note_job(note));
        change.outbox.push(self.work_order_update_job());
        if !rate_limited {
            let mut vars = self.request_vars(req);
            vars.retain(|(k, _)| matches!(*k, "reference" | "city" | "department"));
            let (job, mid) = self.email_job(
                req.reference,
                req.language,
                "reopened",
                &vars,
                sender,
                reply_to,
                AutoSubmitted::AutoReplied,
            );
            change.outbox.push(job);
            change.thread_ids.push((mid, "out".into()));
        }
    }

    /// Whether `text` answers an unanswered "Was it fixed?" on a closed request.
    async fn pending_followup_answer(
        &self,
        req: &Request,
        text: &str,
    ) -> Result<Option<bool>, StoreError> {
        let Some(answer) = yes_or_no(text) else {
            return Ok(None);
        };
        let closed = req.closed_at.unwrap_or(0);
        let events = self.store.events(req.reference).await?;
        let asked = events
            .iter()
            .any(|e| e.kind == EventKind::FollowupSent && e.at >= closed);
        let answered = events.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::FollowupConfirmed | EventKind::FollowupNotFixed
            ) && e.at >= closed
        });
        Ok((asked && !answered).then_some(answer))
    }

    /// Per-sender cap on automatic replies (loop breaker even against responders that ignore RFC 3834).
    async fn over_rate_limit(&self, sender: &str, now: i64) -> Result<bool, StoreError> {
        let limit = i64::from(self.settings.mail.replies_per_sender_per_hour);
        Ok(self
            .store
            .count_mail_to(&sender.to_ascii_lowercase(), now - 3_600_000)
            .await?
            >= limit)
    }
}

/// A resident's answer to "Was it fixed?": Some(true) for yes, Some(false) for no, None when it is neither.
pub fn yes_or_no(text: &str) -> Option<bool> {
    let t = text.trim().to_lowercase();
    let first = t
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())?;
    match first {
        "yes" | "y" | "yeah" | "yep" | "si" | "sí" | "fixed" | "arreglado" | "resuelto" => {
            Some(true)
        }
        "no" | "n" | "nope" | "not" => Some(false),
        _ => None,
    }
}

/// "status", "estado", "what is the status?", "¿cuál es el estado?" — short messages asking only for status.
pub fn is_status_question(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 80 {
        return false;
    }
    let question = t.ends_with('?');
    t.split(|c: char| !c.is_alphanumeric()).any(|w| {
        matches!(w, "status" | "estado" | "estatus")
            || (question && matches!(w, "update" | "progress" | "avance" | "novedades"))
    })
}

/// A status in the request's language.
pub fn status_word(status: Status, lang: Language) -> &'static str {
    let es = lang == Language::Es;
    match (status, es) {
        (Status::Open, false) => "open",
        (Status::Open, true) => "abierta",
        (Status::Acknowledged, false) => "being worked on",
        (Status::Acknowledged, true) => "en atención",
        (Status::Closed, false) => "closed",
        (Status::Closed, true) => "cerrada",
        (Status::Reopened, false) => "reopened",
        (Status::Reopened, true) => "reabierta",
    }
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

fn raw_id(raw: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(raw)))
}

pub(super) fn inbound_record(
    external_id: String,
    sender: Option<String>,
    subject: Option<String>,
    disposition: &str,
    reason: Option<&str>,
    raw: &[u8],
) -> InboundRecord {
    InboundRecord {
        source: SOURCE,
        external_id,
        sender,
        subject,
        disposition: disposition.into(),
        reason: reason.map(String::from),
        raw: raw.to_vec(),
    }
}

/// The request as it will be stored, for rendering its acknowledgement inside the creating transaction.
fn request_view(reference: RequestRef, new: &NewRequest, now: i64) -> Request {
    Request {
        reference,
        status: Status::Open,
        close_reason: None,
        department: new.department.clone(),
        category: new.category.clone(),
        language: new.language,
        priority: new.priority,
        emergency: new.emergency.clone(),
        location_text: new.location_text.clone(),
        location_norm: new.location_norm.clone(),
        lat: new.lat,
        lon: new.lon,
        source: new.source,
        requester: new.requester.clone(),
        requester_name: new.requester_name.clone(),
        subject: new.subject.clone(),
        description: new.description.clone(),
        decision: new.decision.clone(),
        linked_to: new.linked_to,
        created_at: now,
        updated_at: now,
        acknowledged_at: None,
        closed_at: None,
        response_due_at: new.response_due_at,
        resolution_due_at: new.resolution_due_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_questions() {
        for yes in [
            "status",
            "STATUS",
            "Estado",
            "what's the status?",
            "¿Cuál es el estado?",
            "any update?",
        ] {
            assert!(is_status_question(yes), "{yes}");
        }
        for no in ["", "The pothole is now bigger and a car hit it", "gracias"] {
            assert!(!is_status_question(no), "{no}");
        }
    }
}
