//! One staff action: load the request, decide with the lifecycle machine (routing), plan the `Change` the
//! decision makes (events, card update, emails, chat note), apply it in one transaction. A change made by
//! someone else meanwhile means deciding again on the new state.

use mail::outbound::AutoSubmitted;
use routing::lifecycle::{self, Action, CloseReason, Status, Transition};
use routing::{EventKind, Language, RequestRef, Source};
use serde_json::json;

use super::{ActionError, Actor, StaffAction};
use crate::desk::compose::ReplyTo;
use crate::desk::Desk;
use crate::effect::DepartmentMailKind;
use crate::store::{
    Change, InboundRecord, InternalOrigin, NewEvent, NewOutbox, Request, StatusChange,
};

/// How many times a conflicting concurrent change makes us decide again before giving up.
const CONFLICT_RETRIES: u32 = 3;

/// Applies `action`, deciding again (a bounded number of times) when the request changed under us.
pub(super) async fn act(
    desk: &Desk,
    reference: RequestRef,
    actor: &Actor,
    action: &StaffAction,
    inbound: Option<InboundRecord>,
) -> Result<Request, ActionError> {
    let mut attempt = 0;
    loop {
        match act_once(desk, reference, actor, action, inbound.clone()).await {
            Err(ActionError::Conflict(_)) if attempt < CONFLICT_RETRIES => attempt += 1,
            other => return other,
        }
    }
}

/// Load → decide → plan → apply, once.
async fn act_once(
    desk: &Desk,
    reference: RequestRef,
    actor: &Actor,
    action: &StaffAction,
    inbound: Option<InboundRecord>,
) -> Result<Request, ActionError> {
    let req = load(desk, reference).await?;
    let origin = desk.store.internal_origin(reference).await?;
    let transition = decide(desk, &req, origin.as_ref(), actor, action)?;
    let now = desk.now();
    let plan = Plan {
        desk,
        actor,
        req: &req,
        origin: origin.as_ref(),
    };
    let mut change = plan.change(action, &transition).await?;
    change.inbound = inbound;
    desk.store.apply_change(reference, &change, now).await?;
    load(desk, reference).await
}

async fn load(desk: &Desk, reference: RequestRef) -> Result<Request, ActionError> {
    desk.store
        .request(reference)
        .await?
        .ok_or(ActionError::NotFound(reference))
}

/// Whether `action` may happen to `req`: the actor's authority, then the lifecycle machine's decision.
fn decide(
    desk: &Desk,
    req: &Request,
    origin: Option<&InternalOrigin>,
    actor: &Actor,
    action: &StaffAction,
) -> Result<Transition, ActionError> {
    if action.needs_role()
        && !desk.may_work(actor, &req.department)
        && !desk.requester_may(req, origin, actor, action)
    {
        return Err(ActionError::Forbidden(
            desk.department_name(&req.department, Language::En),
        ));
    }
    let asked = lifecycle_action(desk, req, origin.is_some(), action)?;
    lifecycle::decide(req.status, &req.department, &asked)
        .map_err(|r| ActionError::Refused(format!("{}: {r}", req.reference)))
}

/// The lifecycle machine's view of a staff action, refusing what the desk alone can tell is impossible.
fn lifecycle_action(
    desk: &Desk,
    req: &Request,
    internal: bool,
    action: &StaffAction,
) -> Result<Action, ActionError> {
    Ok(match action {
        StaffAction::Acknowledge => Action::Acknowledge,
        StaffAction::Close { reason, note } => Action::Close {
            reason: *reason,
            note: note.clone(),
        },
        StaffAction::Reassign { to, .. } => {
            if desk.city.departments.iter().all(|d| &d.id != to) {
                return Err(ActionError::Refused(format!("unknown department `{to}`")));
            }
            Action::Reassign { to: to.clone() }
        }
        StaffAction::Reopen { .. } => Action::Reopen,
        StaffAction::Comment { .. } => Action::Comment,
        StaffAction::Public { .. } => {
            if req.source != Source::Email && !internal {
                return Err(ActionError::Refused(format!(
                    "{} came from chat: there is no resident email to write to",
                    req.reference
                )));
            }
            Action::Comment
        }
    })
}

/// The change a decided action makes, planned from the request as it was when decided.
struct Plan<'a> {
    desk: &'a Desk,
    actor: &'a Actor,
    req: &'a Request,
    /// Who asked, when the request is internal: they hear of each step.
    origin: Option<&'a InternalOrigin>,
}

impl Plan<'_> {
    /// Every effect of `action`, in the order the outbox delivers them.
    async fn change(&self, action: &StaffAction, t: &Transition) -> Result<Change, ActionError> {
        let mut change = Change {
            expect_status: Some(self.req.status),
            status: status_change(action),
            department: match action {
                StaffAction::Reassign { to, .. } => Some(to.clone()),
                _ => None,
            },
            ..Change::default()
        };
        change.events.push(self.event(action, t));
        if updates_card(action) {
            change.outbox.push(self.desk.work_order_update_job());
        }
        match action {
            StaffAction::Close { reason, note } => {
                self.completion_emails(&mut change, *reason, note).await?
            }
            // An internal request's requester reads the update in their thread (`internal_notices`).
            StaffAction::Public { text }
                if self.origin.is_none() || self.req.source == Source::Email =>
            {
                self.resident_message(&mut change, text).await?
            }
            _ => {}
        }
        if let Some(note) = self.chat_note(action) {
            change.outbox.push(self.desk.chat_note_job(&note));
        }
        change.outbox.extend(self.department_mail(action));
        if let StaffAction::Reassign { to, .. } = action {
            change
                .outbox
                .extend(self.desk.work_order_job(to, self.req.emergency.is_some()));
        }
        if let Some(origin) = self.origin {
            self.desk
                .internal_notices(self.req, origin, self.actor, action, &mut change)
                .await?;
        }
        if let (StaffAction::Public { .. }, None) = (action, self.origin) {
            change.events.extend(self.sla_pause().await?);
        }
        Ok(change)
    }

    /// The event recording the action, with who did it.
    fn event(&self, action: &StaffAction, t: &Transition) -> NewEvent {
        let name = &self.actor.name;
        let (kind, payload) = match action {
            StaffAction::Acknowledge => (t.event, json!({ "actor_name": name })),
            StaffAction::Close { reason, note } => (
                t.event,
                json!({ "reason": reason, "note": note, "actor_name": name }),
            ),
            StaffAction::Reassign { to, why } => (
                t.event,
                json!({ "from": self.req.department, "to": to, "why": why, "actor_name": name }),
            ),
            StaffAction::Comment { text } => (
                t.event,
                json!({ "text": text, "staff": true, "actor_name": name }),
            ),
            StaffAction::Public { text } => (
                EventKind::PublicMessage,
                json!({ "text": text, "actor_name": name }),
            ),
            StaffAction::Reopen { why } => (t.event, json!({ "text": why, "actor_name": name })),
        };
        NewEvent::new(kind, &self.actor.id, self.actor.source, payload)
    }

    /// The note posted in the work order's thread, when the thread would not otherwise see the action.
    fn chat_note(&self, action: &StaffAction) -> Option<String> {
        let name = &self.actor.name;
        match action {
            StaffAction::Reassign { to, why } => Some(format!(
                "Reassigned to {} by {name}{}",
                self.desk.department_name(to, Language::En),
                why.as_deref().map(|w| format!(": {w}")).unwrap_or_default()
            )),
            // A comment typed in chat is already in the thread.
            StaffAction::Comment { text } if self.actor.source != Source::Chat => {
                Some(format!("{name} ({}): {text}", self.actor.source))
            }
            StaffAction::Public { text } => {
                Some(format!("Message sent to the requester by {name}: {text}"))
            }
            _ => None,
        }
    }

    /// The email a department working by email reads about the action, as its chat thread would: the
    /// reassignment away, the reopening, and what someone else (not the department's own mail) did or wrote.
    fn department_mail(&self, action: &StaffAction) -> Option<NewOutbox> {
        let (desk, dept) = (self.desk, &self.req.department);
        let kind = match action {
            StaffAction::Reassign { to, .. } => DepartmentMailKind::Moved { to: to.clone() },
            StaffAction::Reopen { why } => DepartmentMailKind::Reopened {
                why: format!("Reopened by {}: {why}", self.actor.name),
            },
            _ if self.actor.source == Source::Email
                && desk.is_department_address(dept, &self.actor.id) =>
            {
                return None;
            }
            StaffAction::Acknowledge => DepartmentMailKind::Note {
                text: format!("Acknowledged by {}.", self.actor.name),
            },
            StaffAction::Close { note, .. } => DepartmentMailKind::Note {
                text: format!("Closed by {}: {note}", self.actor.name),
            },
            StaffAction::Comment { text } | StaffAction::Public { text } => {
                DepartmentMailKind::Note {
                    text: format!("{} wrote: {text}", self.actor.name),
                }
            }
        };
        desk.department_email_job(dept, kind)
    }

    /// The completion email to the requester, and to everyone who reported the same problem (under their own
    /// reference).
    async fn completion_emails(
        &self,
        change: &mut Change,
        reason: CloseReason,
        note: &str,
    ) -> Result<(), ActionError> {
        let thread = self.desk.reply_thread(self.req).await?;
        if let Some(sent) = self.desk.completion_email(self.req, reason, note, &thread) {
            change.send_email(sent);
        }
        for dup in self.desk.store.duplicates_of(self.req.reference).await? {
            let thread = self.desk.reply_thread(&dup).await?;
            if let Some((job, _)) = self.desk.completion_email(&dup, reason, note, &thread) {
                change.outbox.push(job);
            }
        }
        Ok(())
    }

    /// A staff member's message to the requester, by email in their thread.
    async fn resident_message(&self, change: &mut Change, text: &str) -> Result<(), ActionError> {
        let req = self.req;
        let mut vars = self.desk.request_vars(req);
        vars.retain(|(k, _)| matches!(*k, "reference" | "city"));
        vars.push(("text", text.to_string()));
        let thread = self.desk.reply_thread(req).await?;
        // Written by a person but sent by the service: marked auto-generated so that responders stay quiet.
        change.send_email(self.desk.email_job(
            req.reference,
            req.language,
            "public_message",
            &vars,
            &req.requester,
            &thread,
            AutoSubmitted::AutoGenerated,
        ));
        Ok(())
    }

    /// The clock stops while the city waits on the resident's answer (unless it already stopped).
    async fn sla_pause(&self) -> Result<Option<NewEvent>, ActionError> {
        let events = self.desk.store.events(self.req.reference).await?;
        let paused = crate::desk::sla::paused_since(&events).is_some();
        Ok((!paused && self.req.status != Status::Closed).then(|| {
            NewEvent::new(
                EventKind::SlaPaused,
                &self.actor.id,
                self.actor.source,
                json!({ "reason": "waiting on the resident" }),
            )
        }))
    }
}

/// The request row's new status, for actions that change it.
fn status_change(action: &StaffAction) -> Option<StatusChange> {
    match action {
        StaffAction::Acknowledge => Some(StatusChange::Acknowledged),
        StaffAction::Close { reason, .. } => Some(StatusChange::Closed { reason: *reason }),
        StaffAction::Reassign { .. } => Some(StatusChange::Reassigned),
        StaffAction::Reopen { .. } => Some(StatusChange::Reopened),
        StaffAction::Comment { .. } | StaffAction::Public { .. } => None,
    }
}

/// Whether the posted work-order card shows what the action changes.
fn updates_card(action: &StaffAction) -> bool {
    status_change(action).is_some()
}

/// The email telling the requester their request is closed, in their language (email requesters only).
pub(super) fn completion_email(
    desk: &Desk,
    req: &Request,
    reason: CloseReason,
    note: &str,
    thread: &ReplyTo,
) -> Option<(NewOutbox, String)> {
    if req.source != Source::Email {
        return None;
    }
    let lang = req.language;
    let vars = [
        ("reference", req.reference.to_string()),
        ("city", desk.city.city.name.clone()),
        ("category", desk.category_name(req.category.as_ref(), lang)),
        (
            "outcome",
            desk.templates
                .close_outcome(lang.as_str(), reason)
                .to_string(),
        ),
        ("note", note.trim().to_string()),
        (
            "reopen_days",
            desk.city.accountability.reopen_window_days.to_string(),
        ),
    ];
    Some(desk.email_job(
        req.reference,
        lang,
        "completion",
        &vars,
        &req.requester,
        thread,
        AutoSubmitted::AutoReplied,
    ))
}
