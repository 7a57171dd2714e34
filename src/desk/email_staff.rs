//! Staff acting by email: a first line such as `close: filled the pothole`, `cerrar: …`, `status: acknowledged`
//! or `reassign: parks`. Applied only when the receiving server vouches for the sender (Authentication-Results
//! from a trusted authserv-id) or the sender is explicitly exempted; otherwise it stays a comment and the sender
//! is told why.

use mail::inbound::Inbound;
use mail::outbound::AutoSubmitted;
use routing::lifecycle::CloseReason;
use routing::{DepartmentId, EventKind, Language, Source};
use serde_json::json;

use super::actions::{Actor, StaffAction};
use super::Desk;
use crate::store::{Change, InboundRecord, NewEvent, Request, StoreError};

/// A staff command read from the first line of an email.
pub fn parse_command(text: &str) -> Option<StaffAction> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let (verb, rest) = first.split_once(':')?;
    let rest = rest.trim().to_string();
    match verb.trim().to_lowercase().as_str() {
        "close" | "cerrar" | "closed" | "cerrado" => {
            // The whole reply after the command line is the note the resident reads.
            let tail: Vec<&str> = text
                .lines()
                .skip_while(|l| l.trim().is_empty())
                .skip(1)
                .collect();
            let mut note = rest;
            let tail = tail.join("\n").trim().to_string();
            if !tail.is_empty() {
                note = format!("{note}\n{tail}").trim().to_string();
            }
            Some(StaffAction::Close {
                reason: CloseReason::Resolved,
                note,
            })
        }
        "status" | "estado" => match rest.to_lowercase().as_str() {
            "acknowledged" | "ack" | "received" | "recibido" | "en atención" | "en atencion" => {
                Some(StaffAction::Acknowledge)
            }
            _ => None,
        },
        "ack" | "acknowledge" => Some(StaffAction::Acknowledge),
        "reassign" | "reasignar" => Some(StaffAction::Reassign {
            to: DepartmentId::new(rest.split_whitespace().next()?.to_lowercase()),
            why: None,
        }),
        _ => None,
    }
}

impl Desk {
    /// Whether the city's receiving server vouched for a staff sender (or the sender is exempted for a test
    /// setup), with the reason.
    pub(crate) fn staff_verdict(&self, inb: &Inbound, sender: &str) -> mail::auth::AuthVerdict {
        let m = &self.settings.mail;
        if m.staff_auth_exempt
            .iter()
            .any(|a| a.eq_ignore_ascii_case(sender))
        {
            return mail::auth::AuthVerdict {
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

    /// Whether the receiving server vouched for a staff sender (or the sender is exempted for a test setup).
    pub(crate) fn staff_sender_verified(&self, inb: &Inbound, sender: &str) -> bool {
        self.is_staff_address(sender) && self.staff_verdict(inb, sender).passed
    }

    /// Handles a staff member's email reply that carries a command. `None` when it carries none.
    pub(crate) async fn staff_email_command(
        &self,
        req: &Request,
        inb: &Inbound,
        sender: &str,
        text: &str,
        inbound: &InboundRecord,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let Some(action) = parse_command(text) else {
            return Ok(None);
        };
        let verdict = self.staff_verdict(inb, sender);
        if verdict.passed {
            let actor = Actor {
                id: sender.to_string(),
                name: sender.to_string(),
                source: Source::Email,
                roles: Vec::new(),
                trusted_staff: true,
            };
            return match self
                .act_with_inbound(req.reference, &actor, action, Some(inbound.clone()))
                .await
            {
                Ok(after) => Ok(Some(format!("staff_{}", after.status))),
                Err(super::ActionError::Unexpected(e)) => Err(StoreError::Unexpected(e)),
                // Still racing after the retries: fail the message so it is processed again, never refuse it.
                Err(super::ActionError::Conflict(r)) => Err(StoreError::Conflict(r)),
                Err(refusal) => {
                    self.refuse_staff_command(
                        req,
                        sender,
                        &refusal.to_string(),
                        text,
                        inb,
                        inbound,
                        now,
                    )
                    .await?;
                    Ok(Some("staff_refused".into()))
                }
            };
        }
        self.refuse_staff_command(req, sender, &verdict.reason, text, inb, inbound, now)
            .await?;
        Ok(Some("staff_refused".into()))
    }

    #[allow(clippy::too_many_arguments)]
    async fn refuse_staff_command(
        &self,
        req: &Request,
        sender: &str,
        reason: &str,
        text: &str,
        inb: &Inbound,
        inbound: &InboundRecord,
        now: i64,
    ) -> Result<(), StoreError> {
        let vars = [
            ("reference", req.reference.to_string()),
            ("city", self.city.city.name.clone()),
            ("reason", reason.to_string()),
        ];
        let thread = super::compose::ReplyTo {
            message_id: inb.message_id.clone(),
            references: inb.references.clone(),
        };
        let (job, mid) = self.email_job(
            req.reference,
            Language::En,
            "staff_refused",
            &vars,
            sender,
            &thread,
            AutoSubmitted::AutoReplied,
        );
        let mut change = Change {
            inbound: Some(inbound.clone()),
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
                self.chat_note_job(&format!(
                    "{sender} replied by email (command not applied: {reason}): {text}"
                )),
            ],
            ..Change::default()
        };
        change.thread_ids.push((mid, "out".into()));
        if let Some(id) = &inb.message_id {
            change.thread_ids.push((id.clone(), "in".into()));
        }
        self.store.apply_change(req.reference, &change, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(
            parse_command("close: filled the pothole\n\nthanks"),
            Some(StaffAction::Close {
                reason: CloseReason::Resolved,
                note: "filled the pothole\nthanks".into()
            })
        );
        assert!(matches!(
            parse_command("Cerrar: bache reparado"),
            Some(StaffAction::Close { .. })
        ));
        assert_eq!(
            parse_command("status: acknowledged"),
            Some(StaffAction::Acknowledge)
        );
        assert_eq!(
            parse_command("reassign: Parks please"),
            Some(StaffAction::Reassign {
                to: "parks".into(),
                why: None
            })
        );
        assert_eq!(parse_command("We will close it: soon"), None);
        assert_eq!(parse_command("status"), None);
    }
}
