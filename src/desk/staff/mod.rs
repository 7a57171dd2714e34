//! The staff journey: who acts (`Actor`), what they may ask (`StaffAction`), why it may not happen
//! (`ActionError`), whose work it is (`may_work`), and the desk's staff entry points. Chat, email and the CLI
//! all come through [`Desk::act`]; the steps live in `act`, `chat` and `email`.

mod act;
mod chat;
mod email;

use crate::desk::ReplyAction;
use crate::store::MailDirection;
use mail::inbound::Inbound;
use routing::lifecycle::CloseReason;
use routing::{DepartmentId, RequestRef, Source};

use super::compose::ReplyTo;
use super::Desk;
use crate::store::{InboundRecord, NewOutbox, Request, StoreError};

pub use chat::ChatDesk;

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

impl StaffAction {
    /// Whether only the department's members (or a supervisor) may do this; anyone on staff may comment.
    fn needs_role(&self) -> bool {
        matches!(
            self,
            StaffAction::Acknowledge
                | StaffAction::Close { .. }
                | StaffAction::Reassign { .. }
                | StaffAction::Reopen { .. }
        )
    }
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
        if self.is_supervisor(actor) {
            return true;
        }
        // Only a verified sender's email command gets this far (`email::StaffMail`).
        if actor.source == Source::Email && self.is_department_address(department, &actor.id) {
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
        act::act(self, reference, actor, &action, None).await
    }

    /// `act`, also recording the inbound message that carried the action in the same transaction.
    pub(crate) async fn act_with_inbound(
        &self,
        reference: RequestRef,
        actor: &Actor,
        action: StaffAction,
        inbound: Option<InboundRecord>,
    ) -> Result<Request, ActionError> {
        act::act(self, reference, actor, &action, inbound).await
    }

    /// The email telling the requester their request is closed, in their language (email requesters only),
    /// with the Message-ID it will carry.
    pub(crate) fn completion_email(
        &self,
        req: &Request,
        reason: CloseReason,
        note: &str,
        thread: &ReplyTo,
    ) -> Option<(NewOutbox, String)> {
        act::completion_email(self, req, reason, note, thread)
    }

    /// Threading context for a later mail to the requester: under their first message, so that their mail
    /// client shows the whole conversation.
    pub(crate) async fn reply_thread(&self, req: &Request) -> Result<ReplyTo, StoreError> {
        let ids = self.store.thread_message_ids(req.reference).await?;
        let first_in = ids
            .iter()
            .find(|(_, dir)| *dir == MailDirection::In)
            .map(|(id, _)| id.clone());
        Ok(ReplyTo {
            message_id: first_in,
            references: Vec::new(),
        })
    }

    /// Handles a staff member's email reply that carries a command: applied when the sender is verified,
    /// otherwise kept as a comment and the sender told why. `None` when it carries no command; otherwise the
    /// disposition to record.
    pub(crate) async fn staff_email_command(
        &self,
        req: &Request,
        inb: &Inbound,
        sender: &str,
        text: &str,
        inbound: &InboundRecord,
        now: i64,
    ) -> Result<Option<ReplyAction>, StoreError> {
        let mail = email::StaffMail {
            desk: self,
            req,
            inb,
            sender,
            text,
            inbound,
            now,
        };
        mail.handle().await
    }

    /// Whether the receiving server vouched for a staff sender (or the sender is exempted for a test setup).
    pub(crate) fn staff_sender_verified(&self, inb: &Inbound, sender: &str) -> bool {
        self.is_staff_address(sender) && email::staff_verdict(self, inb, sender).passed
    }

    /// Active requests past their resolution (or, unacknowledged, their response) target, oldest first.
    pub async fn overdue(
        &self,
        department: Option<&DepartmentId>,
    ) -> Result<Vec<Request>, StoreError> {
        self.store.overdue_requests(self.now(), department).await
    }
}
