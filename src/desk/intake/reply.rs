//! A participant's reply to a request: a verified staff command, or the plan routing makes of it (an answer
//! to "Was it fixed?", a reopen, a status question, a comment, or a linked new request when it is too late to
//! reopen), executed into one change.

use crate::desk::ReplyAction;
use crate::store::Disposition;
use mail::outbound::AutoSubmitted;
use routing::reply::{plan_reply, ReplyFacts, ReplyPlan, Sender};
use routing::EventKind;
use serde_json::json;

use super::create::{self, Origin};
use super::threading::ThreadMatch;
use super::{attachments_of, over_rate_limit, IngestOutcome, Mail, SOURCE};
use crate::desk::compose::ReplyTo;
use crate::desk::sla;
use crate::effect::DepartmentMailKind;
use crate::store::{Change, Event, NewEvent, Request, StatusChange, StoreError};

/// A reply being handled: the request it answers and what is known about it.
struct Reply<'m> {
    mail: &'m Mail<'m>,
    req: &'m Request,
    sender: &'m str,
    how: ThreadMatch,
    /// What the sender wrote, quoted history stripped.
    text: String,
    rate_limited: bool,
    events: Vec<Event>,
}

/// Handles a reply from the request's requester or from staff.
pub(super) async fn answer(
    mail: &Mail<'_>,
    req: &Request,
    sender: &str,
    how: ThreadMatch,
) -> Result<IngestOutcome, StoreError> {
    let (desk, now) = (mail.desk, mail.now);
    let text = mail::strip::visible_reply(&mail.inb.text)
        .trim()
        .to_string();
    let inbound = mail.record(Disposition::Appended, None);
    let appended = |action: ReplyAction| IngestOutcome::Appended {
        reference: req.reference,
        action,
    };
    if sender != req.requester && desk.is_staff_address(sender) {
        let command = desk.staff_email_command(req, mail.inb, sender, &text, &inbound, now);
        if let Some(action) = command.await? {
            return Ok(appended(action));
        }
    }
    let reply = Reply {
        mail,
        req,
        sender,
        how,
        text,
        rate_limited: over_rate_limit(desk, sender, now).await?,
        events: desk.store.events(req.reference).await?,
    };
    let plan = reply.plan();
    if plan == ReplyPlan::TooLateNewRequest {
        // Too late to reopen: a fresh request, linked to the old one.
        let origin = Origin::TooLateReply(req.reference);
        return create::from_mail(mail, sender, origin, inbound).await;
    }
    let mut change = Change {
        inbound: Some(inbound),
        attachments: attachments_of(mail.inb),
        // Decided on this status: if staff changed it meanwhile, the message is retried and decided again.
        expect_status: Some(req.status),
        ..Change::default()
    };
    change.remember_received(mail.inb.message_id.as_ref());
    let action = reply.execute(plan, &mut change);
    if reply.rate_limited && action != ReplyAction::Comment {
        change.events.push(NewEvent::new(
            EventKind::ReplySuppressed,
            "system",
            SOURCE,
            json!({ "reason": "per-sender rate limit" }),
        ));
    }
    desk.store.apply_change(req.reference, &change, now).await?;
    Ok(appended(action))
}

impl Reply<'_> {
    /// What the reply amounts to. Only the requester may reopen or answer the follow-up: anyone else's mail
    /// (staff included, verified or not) is a comment, and staff transitions come only from verified commands.
    fn plan(&self) -> ReplyPlan {
        let req = self.req;
        let events = sla::event_facts(&self.events);
        let facts = ReplyFacts {
            status: req.status,
            closed_ms: req.closed_at.unwrap_or(req.updated_at),
            reopen_window_ms: i64::from(self.mail.desk.city.accountability.reopen_window_days)
                * 86_400_000,
            followup_pending: routing::reply::followup_pending(req.closed_at.unwrap_or(0), events),
            sender: if self.sender == req.requester {
                Sender::Requester
            } else {
                Sender::Other
            },
            now_ms: self.mail.now,
        };
        plan_reply(&facts, &self.text, self.mail.desk.templates.reply_words())
    }

    /// Writes the plan into `change`; returns the action's name.
    fn execute(&self, plan: ReplyPlan, change: &mut Change) -> ReplyAction {
        let (sender, text) = (self.sender, &self.text);
        let event = |kind, payload| NewEvent::new(kind, sender, SOURCE, payload);
        match plan {
            ReplyPlan::FollowUpAnswer { fixed: true } => {
                change
                    .events
                    .push(event(EventKind::FollowupConfirmed, json!({ "text": text })));
                ReplyAction::FollowupConfirmed
            }
            ReplyPlan::FollowUpAnswer { fixed: false } => {
                change
                    .events
                    .push(event(EventKind::FollowupNotFixed, json!({ "text": text })));
                change.events.push(event(
                    EventKind::Reopened,
                    json!({ "text": text, "via": "followup" }),
                ));
                let note =
                    format!("The resident says it is NOT fixed; reopened. Their words: {text}");
                self.reopen(change, &note);
                ReplyAction::Reopened
            }
            ReplyPlan::Reopen => {
                change.events.push(event(
                    EventKind::Reopened,
                    json!({ "text": text, "matched_by": self.how.as_str() }),
                ));
                self.reopen(change, &format!("Reopened by the requester: {text}"));
                ReplyAction::Reopened
            }
            ReplyPlan::StatusQuestion => {
                change.events.push(event(
                    EventKind::StatusRequested,
                    json!({ "matched_by": self.how.as_str() }),
                ));
                if !self.rate_limited {
                    self.status_reply(change);
                }
                ReplyAction::Status
            }
            ReplyPlan::Comment => {
                self.comment(change);
                ReplyAction::Comment
            }
            ReplyPlan::TooLateNewRequest => unreachable!("a new request, handled before"),
        }
    }

    /// An automatic answer to the sender, in the request's language and thread.
    fn answer_by_email(&self, change: &mut Change, kind: &str, vars: &[(&str, String)]) {
        let req = self.req;
        let reply_to = ReplyTo {
            message_id: self.mail.inb.message_id.clone(),
            references: self.mail.inb.references.clone(),
        };
        change.send_email(self.mail.desk.email_job(
            req.reference,
            req.language,
            kind,
            vars,
            self.sender,
            &reply_to,
            AutoSubmitted::AutoReplied,
        ));
    }

    /// The resident reopens their request: the new status, a note in the work order's thread, the card
    /// refreshed, and (unless rate-limited) an email saying it is back with the department.
    fn reopen(&self, change: &mut Change, note: &str) {
        let (desk, req) = (self.mail.desk, self.req);
        change.status = Some(StatusChange::Reopened);
        change.outbox.push(desk.chat_note_job(note));
        let why = note.to_string();
        change.outbox.extend(
            desk.department_email_job(&req.department, DepartmentMailKind::Reopened { why }),
        );
        change.outbox.push(desk.work_order_update_job());
        if self.rate_limited {
            return;
        }
        let mut vars = desk.request_vars(req);
        vars.retain(|(k, _)| matches!(*k, "reference" | "city" | "department"));
        self.answer_by_email(change, "reopened", &vars);
    }

    /// The status email: where the request is, when it last changed and the latest note.
    fn status_reply(&self, change: &mut Change) {
        let (desk, req) = (self.mail.desk, self.req);
        let last_note = self
            .events
            .iter()
            .rev()
            .find_map(|e| e.payload.get("note").and_then(|n| n.as_str()))
            .unwrap_or("-")
            .to_string();
        let mut vars = desk.request_vars(req);
        vars.push((
            "status",
            desk.templates.status_word(req.status, req.language),
        ));
        vars.push(("updated", desk.human_time(req.updated_at)));
        vars.push(("last_note", last_note));
        self.answer_by_email(change, "status", &vars);
    }

    /// A comment: kept, passed to the department's thread, and (from the resident) ending an SLA pause.
    fn comment(&self, change: &mut Change) {
        let (desk, inb, sender) = (self.mail.desk, self.mail.inb, self.sender);
        let internal = sender != self.req.requester;
        // Anyone can type a staff address into From:; say whether the receiving server vouched for it.
        let verified = internal && desk.staff_sender_verified(inb, sender);
        change.events.push(NewEvent::new(
            EventKind::Comment,
            sender,
            SOURCE,
            json!({ "text": self.text, "matched_by": self.how.as_str(), "staff": internal, "verified": verified,
                    "attachments": inb.attachments.iter().map(|a| a.filename.clone()).collect::<Vec<_>>() }),
        ));
        let who = match (internal, verified) {
            (false, _) => "Requester",
            (true, true) => "Staff",
            (true, false) => "Staff (sender NOT verified)",
        };
        let note = format!("{who} replied by email: {}", self.text);
        change.outbox.push(desk.chat_note_job(&note));
        // The department's own reply is not sent back to it.
        if !desk.is_department_address(&self.req.department, sender) {
            let kind = DepartmentMailKind::Note { text: note };
            change
                .outbox
                .extend(desk.department_email_job(&self.req.department, kind));
        }
        if !internal {
            sla::resume(
                &desk.city.calendar,
                self.req,
                &self.events,
                change,
                self.mail.now,
            );
        }
    }
}
