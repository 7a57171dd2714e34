//! Staff acting by email: the command (parsed in `routing::staff_command`) is applied only when the receiving
//! server vouches for the sender (Authentication-Results from a trusted authserv-id) or the sender is
//! explicitly exempted; otherwise, or when the lifecycle refuses it, it stays a comment and the sender is told
//! why.

use crate::desk::ReplyAction;
use crate::store::MailDirection;
use mail::auth::AuthVerdict;
use mail::inbound::Inbound;
use mail::outbound::AutoSubmitted;
use routing::lifecycle::CloseReason;
use routing::staff_command::{parse_command, StaffCommand};
use routing::{EventKind, Language, Source};
use serde_json::json;

use super::{ActionError, Actor, StaffAction};
use crate::desk::compose::ReplyTo;
use crate::desk::Desk;
use crate::store::{Change, InboundRecord, NewEvent, Request, StoreError};

impl From<StaffCommand> for StaffAction {
    fn from(c: StaffCommand) -> Self {
        match c {
            StaffCommand::Close { note } => StaffAction::Close {
                reason: CloseReason::Resolved,
                note,
            },
            StaffCommand::Acknowledge => StaffAction::Acknowledge,
            StaffCommand::Reassign { to } => StaffAction::Reassign { to, why: None },
        }
    }
}

/// Whether the city's receiving server vouched for a staff sender (or the sender is exempted for a test
/// setup), with the reason.
pub(super) fn staff_verdict(desk: &Desk, inb: &Inbound, sender: &str) -> AuthVerdict {
    let m = &desk.settings.mail;
    if m.staff_auth_exempt
        .iter()
        .any(|a| a.eq_ignore_ascii_case(sender))
    {
        return AuthVerdict {
            passed: true,
            method: None,
            reason: format!("{sender} is exempt from authentication (mail.staff_auth_exempt)"),
        };
    }
    let trust = mail::auth::TrustedHops {
        authserv_ids: &m.authserv_ids,
        received_hops: m.trusted_received_hops,
    };
    mail::auth::sender_authenticated(inb, trust)
}

/// A staff member's email reply on a request, with what the intake already recorded about it.
pub(super) struct StaffMail<'a> {
    pub desk: &'a Desk,
    pub req: &'a Request,
    pub inb: &'a Inbound,
    pub sender: &'a str,
    pub text: &'a str,
    pub inbound: &'a InboundRecord,
    pub now: i64,
}

impl StaffMail<'_> {
    /// Applies the mail's command, or refuses it. `None` when it carries no command; otherwise the disposition.
    pub async fn handle(&self) -> Result<Option<ReplyAction>, StoreError> {
        let Some(command) = parse_command(self.text) else {
            return Ok(None);
        };
        let verdict = staff_verdict(self.desk, self.inb, self.sender);
        if !verdict.passed {
            self.refuse(&verdict.reason).await?;
            return Ok(Some(ReplyAction::StaffRefused));
        }
        let actor = Actor {
            id: self.sender.to_string(),
            name: self.sender.to_string(),
            source: Source::Email,
            roles: Vec::new(),
            // Staff of every department may work any request; a department's own addresses only its own
            // (`may_work`).
            trusted_staff: self.desk.is_city_staff_address(self.sender),
        };
        let applied = self
            .desk
            .act_with_inbound(
                self.req.reference,
                &actor,
                command.into(),
                Some(self.inbound.clone()),
            )
            .await;
        match applied {
            Ok(after) => Ok(Some(ReplyAction::Staff(after.status))),
            Err(ActionError::Unexpected(e)) => Err(StoreError::Unexpected(e)),
            // Still racing after the retries: fail the message so it is processed again, never refuse it.
            Err(ActionError::Conflict(r)) => Err(StoreError::Conflict(r)),
            Err(refusal) => {
                self.refuse(&refusal.to_string()).await?;
                Ok(Some(ReplyAction::StaffRefused))
            }
        }
    }

    /// Keeps the mail as an unverified comment, tells the sender why the command was not applied, and notes it
    /// in the work order's thread.
    async fn refuse(&self, reason: &str) -> Result<(), StoreError> {
        let (desk, req, inb, sender, text) =
            (self.desk, self.req, self.inb, self.sender, self.text);
        let vars = [
            ("reference", req.reference.to_string()),
            ("city", desk.city.city.name.clone()),
            ("reason", reason.to_string()),
        ];
        let thread = ReplyTo {
            message_id: inb.message_id.clone(),
            references: inb.references.clone(),
        };
        let (job, mid) = desk.email_job(
            req.reference,
            Language::En,
            "staff_refused",
            &vars,
            sender,
            &thread,
            AutoSubmitted::AutoReplied,
        );
        let mut change = Change {
            inbound: Some(self.inbound.clone()),
            events: vec![
                NewEvent::new(
                    EventKind::Comment,
                    sender,
                    Source::Email,
                    json!({ "text": text, "staff": true, "verified": false }),
                ),
                NewEvent::new(
                    EventKind::StaffCommandRefused,
                    sender,
                    Source::Email,
                    json!({ "reason": reason }),
                ),
            ],
            outbox: vec![
                job,
                desk.chat_note_job(&format!(
                    "{sender} replied by email (command not applied: {reason}): {text}"
                )),
            ],
            ..Change::default()
        };
        change.thread_ids.push((mid, MailDirection::Out));
        change.remember_received(inb.message_id.as_ref());
        desk.store
            .apply_change(req.reference, &change, self.now)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing::DepartmentId;

    #[test]
    fn commands_become_the_staff_actions_they_name() {
        let cases = [
            (
                "close: filled the pothole\n\nthanks",
                StaffAction::Close {
                    reason: CloseReason::Resolved,
                    note: "filled the pothole\nthanks".into(),
                },
            ),
            ("estado: recibido", StaffAction::Acknowledge),
            (
                "reasignar: Parks",
                StaffAction::Reassign {
                    to: DepartmentId::new("parks"),
                    why: None,
                },
            ),
        ];
        for (text, expected) in cases {
            let command = parse_command(text).expect(text);
            assert_eq!(StaffAction::from(command), expected, "{text}");
        }
    }
}
