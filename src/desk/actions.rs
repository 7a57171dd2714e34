//! Staff actions on a request — acknowledge, close, reassign, comment, message the resident, reopen — decided
//! by the pure lifecycle machine and applied in one transaction with their outbound effects. Chat, email and
//! the CLI all come through here.

use mail::outbound::AutoSubmitted;
use routing::lifecycle::{self, Action, CloseReason, Status};
use routing::{DepartmentId, EventKind, Language, RequestRef, Source};
use serde_json::json;

use super::compose::ReplyTo;
use super::Desk;
use crate::store::{Change, NewEvent, Request, StatusChange, StoreError};

/// Who is acting, and through which channel.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Stable id: a chat member id, an email address, or `cli:<user>`.
    pub id: String,
    pub name: String,
    /// `chat`, `email` or `cli`.
    pub source: Source,
    /// Chat role ids (empty elsewhere).
    pub roles: Vec<String>,
    /// Whether the channel already proved this actor is city staff for every department (CLI operator,
    /// authenticated staff email).
    pub trusted_staff: bool,
}

/// What staff can do to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffAction {
    Acknowledge,
    Close {
        reason: CloseReason,
        note: String,
    },
    Reassign {
        to: DepartmentId,
        why: Option<String>,
    },
    Comment {
        text: String,
    },
    /// A message to the requester by email.
    Public {
        text: String,
    },
    Reopen {
        why: String,
    },
}

/// Why an action did not happen; every arm but `Unexpected` is meant for the person who asked.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no request {0}")]
    NotFound(RequestRef),
    #[error("{0}")]
    Refused(String),
    #[error("only members of {0} (or a supervisor) may do that")]
    Forbidden(String),
    #[error("{0} changed while you were acting on it; nothing was changed, please try again")]
    Conflict(RequestRef),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for ActionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(r) => ActionError::NotFound(r),
            StoreError::Conflict(r) => ActionError::Conflict(r),
            StoreError::Unexpected(e) => ActionError::Unexpected(e),
            e @ (StoreError::Duplicate(_) | StoreError::BadRow { .. }) => {
                ActionError::Unexpected(e.into())
            }
        }
    }
}

impl Desk {
    /// Whether `actor` may close, reassign or acknowledge items of `department`.
    pub fn may_work(&self, actor: &Actor, department: &DepartmentId) -> bool {
        if actor.trusted_staff {
            return true;
        }
        let supervisor = self
            .settings
            .discord
            .as_ref()
            .and_then(|d| d.supervisor_role.as_ref());
        if supervisor.is_some_and(|s| actor.roles.contains(s)) {
            return true;
        }
        self.city
            .departments
            .iter()
            .find(|d| &d.id == department)
            .and_then(|d| d.chat_role.as_ref())
            .is_some_and(|role| actor.roles.contains(role))
    }

    /// Applies one staff action; returns the request as it is afterwards. Two people acting at once are
    /// serialised: the second decision is made again on the first one's result.
    pub async fn act(
        &self,
        reference: RequestRef,
        actor: &Actor,
        action: StaffAction,
    ) -> Result<Request, ActionError> {
        self.act_with_inbound(reference, actor, action, None).await
    }

    /// `act`, also recording the inbound message that carried the action in the same transaction.
    pub(crate) async fn act_with_inbound(
        &self,
        reference: RequestRef,
        actor: &Actor,
        action: StaffAction,
        inbound: Option<crate::store::InboundRecord>,
    ) -> Result<Request, ActionError> {
        let mut attempt = 0;
        loop {
            match self
                .act_once(reference, actor, action.clone(), inbound.clone())
                .await
            {
                Err(ActionError::Conflict(_)) if attempt < 3 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn act_once(
        &self,
        reference: RequestRef,
        actor: &Actor,
        action: StaffAction,
        inbound: Option<crate::store::InboundRecord>,
    ) -> Result<Request, ActionError> {
        let req = self
            .store
            .request(reference)
            .await?
            .ok_or(ActionError::NotFound(reference))?;
        let status = req.status;
        let needs_role = matches!(
            action,
            StaffAction::Acknowledge
                | StaffAction::Close { .. }
                | StaffAction::Reassign { .. }
                | StaffAction::Reopen { .. }
        );
        if needs_role && !self.may_work(actor, &req.department) {
            return Err(ActionError::Forbidden(
                self.department_name(&req.department, Language::En),
            ));
        }
        let machine_action = match &action {
            StaffAction::Acknowledge => Action::Acknowledge,
            StaffAction::Close { reason, note } => Action::Close {
                reason: *reason,
                note: note.clone(),
            },
            StaffAction::Reassign { to, .. } => {
                if self.city.departments.iter().all(|d| &d.id != to) {
                    return Err(ActionError::Refused(format!("unknown department `{to}`")));
                }
                Action::Reassign { to: to.clone() }
            }
            StaffAction::Reopen { .. } => Action::Reopen,
            StaffAction::Comment { .. } | StaffAction::Public { .. } => Action::Comment,
        };
        let t = lifecycle::decide(status, &req.department, &machine_action)
            .map_err(|r| ActionError::Refused(format!("{reference}: {r}")))?;
        let now = self.now();
        let mut change = Change {
            expect_status: Some(req.status),
            inbound,
            ..Change::default()
        };
        let who = json!({ "actor_name": actor.name });
        match action {
            StaffAction::Acknowledge => {
                change.status = Some(StatusChange::Acknowledged);
                change
                    .events
                    .push(NewEvent::new(t.event, &actor.id, actor.source, who));
                change.outbox.push(self.work_order_update_job());
            }
            StaffAction::Close { reason, note } => {
                change.status = Some(StatusChange::Closed { reason });
                change.events.push(NewEvent::new(
                    t.event,
                    &actor.id,
                    actor.source,
                    json!({ "reason": reason, "note": note, "actor_name": actor.name }),
                ));
                change.outbox.push(self.work_order_update_job());
                let thread = self.reply_thread(&req).await?;
                if let Some((job, mid)) = self.completion_email(&req, reason, &note, &thread) {
                    change.outbox.push(job);
                    change.thread_ids.push((mid, "out".into()));
                }
                // Everyone who reported the same problem hears the outcome too, under their own reference.
                for dup in self.store.duplicates_of(reference).await? {
                    let thread = self.reply_thread(&dup).await?;
                    if let Some((job, _)) = self.completion_email(&dup, reason, &note, &thread) {
                        change.outbox.push(job);
                    }
                }
            }
            StaffAction::Reassign { to, why } => {
                change.department = Some(to.clone());
                change.status = Some(StatusChange::Reassigned);
                change.events.push(NewEvent::new(t.event, &actor.id, actor.source, json!({ "from": req.department, "to": to, "why": why, "actor_name": actor.name })));
                change.outbox.push(self.work_order_update_job());
                change.outbox.push(self.chat_note_job(&format!(
                    "Reassigned to {} by {}{}",
                    self.department_name(&to, Language::En),
                    actor.name,
                    why.as_deref().map(|w| format!(": {w}")).unwrap_or_default()
                )));
                if let Some(job) = self.work_order_job(&to, req.emergency.is_some()) {
                    change.outbox.push(job);
                }
            }
            StaffAction::Comment { text } => {
                change.events.push(NewEvent::new(
                    t.event,
                    &actor.id,
                    actor.source,
                    json!({ "text": text, "staff": true, "actor_name": actor.name }),
                ));
                if actor.source != Source::Chat {
                    change.outbox.push(
                        self.chat_note_job(&format!("{} ({}): {text}", actor.name, actor.source)),
                    );
                }
            }
            StaffAction::Public { text } => {
                if req.source != Source::Email {
                    return Err(ActionError::Refused(format!(
                        "{reference} came from chat: there is no resident email to write to"
                    )));
                }
                change.events.push(NewEvent::new(
                    EventKind::PublicMessage,
                    &actor.id,
                    actor.source,
                    json!({ "text": text, "actor_name": actor.name }),
                ));
                let mut vars = self.request_vars(&req);
                vars.retain(|(k, _)| matches!(*k, "reference" | "city"));
                vars.push(("text", text.clone()));
                // Written by a person but sent by the service: marked auto-generated so that responders stay quiet.
                let thread = self.reply_thread(&req).await?;
                let (job, mid) = self.email_job(
                    reference,
                    req.language,
                    "public_message",
                    &vars,
                    &req.requester,
                    &thread,
                    AutoSubmitted::AutoGenerated,
                );
                change.outbox.push(job);
                change.thread_ids.push((mid, "out".into()));
                change.outbox.push(self.chat_note_job(&format!(
                    "Message sent to the resident by {}: {text}",
                    actor.name
                )));
                // The clock stops while the city waits on the resident's answer.
                let events = self.store.events(reference).await?;
                if super::sla::paused_since(&events).is_none() && status != Status::Closed {
                    change.events.push(NewEvent::new(
                        EventKind::SlaPaused,
                        &actor.id,
                        actor.source,
                        json!({ "reason": "waiting on the resident" }),
                    ));
                }
            }
            StaffAction::Reopen { why } => {
                change.status = Some(StatusChange::Reopened);
                change.events.push(NewEvent::new(
                    t.event,
                    &actor.id,
                    actor.source,
                    json!({ "text": why, "actor_name": actor.name }),
                ));
                change.outbox.push(self.work_order_update_job());
            }
        }
        self.store.apply_change(reference, &change, now).await?;
        self.store
            .request(reference)
            .await?
            .ok_or(ActionError::NotFound(reference))
    }

    /// The email telling the requester their request is closed, in their language (email requesters only).
    fn completion_email(
        &self,
        req: &Request,
        reason: CloseReason,
        note: &str,
        thread: &ReplyTo,
    ) -> Option<(crate::store::NewOutbox, String)> {
        if req.source != Source::Email {
            return None;
        }
        let lang = req.language;
        let outcome = outcome_text(reason, lang);
        let vars = [
            ("reference", req.reference.to_string()),
            ("city", self.city.city.name.clone()),
            ("category", self.category_name(req.category.as_ref(), lang)),
            ("outcome", outcome.to_string()),
            ("note", note.trim().to_string()),
            (
                "reopen_days",
                self.city.accountability.reopen_window_days.to_string(),
            ),
        ];
        Some(self.email_job(
            req.reference,
            lang,
            "completion",
            &vars,
            &req.requester,
            thread,
            AutoSubmitted::AutoReplied,
        ))
    }

    /// Threading context for a later mail to the requester: under their first message, so that their mail
    /// client shows the whole conversation.
    pub(crate) async fn reply_thread(&self, req: &Request) -> Result<ReplyTo, StoreError> {
        let ids = self.store.thread_message_ids(req.reference).await?;
        let first_in = ids
            .iter()
            .find(|(_, dir)| dir == "in")
            .map(|(id, _)| id.clone());
        Ok(ReplyTo {
            message_id: first_in,
            references: Vec::new(),
        })
    }
}

/// The close outcome in the resident's language.
pub fn outcome_text(reason: CloseReason, lang: Language) -> &'static str {
    match (reason, lang == Language::Es) {
        (CloseReason::Resolved, false) => "resolved: the work has been done",
        (CloseReason::Resolved, true) => "resuelta: el trabajo se realizó",
        (CloseReason::Duplicate, false) => {
            "closed as a duplicate of another report of the same problem"
        }
        (CloseReason::Duplicate, true) => {
            "cerrada por ser un duplicado de otro reporte del mismo problema"
        }
        (CloseReason::NotCity, false) => "referred: this is not the city's responsibility",
        (CloseReason::NotCity, true) => "referida: esto no es responsabilidad de la ciudad",
        (CloseReason::Unresolvable, false) => "closed without the work being done",
        (CloseReason::Unresolvable, true) => "cerrada sin que se realizara el trabajo",
    }
}
