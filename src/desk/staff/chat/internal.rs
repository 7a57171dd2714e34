//! Chat for internal requests between departments: the requester's messages in the thread they filed from,
//! and `/311 mine`, `/311 asked [dept]`, `/311 owed [dept]`.

use bots::chat::{ChatReply, Member};
use routing::{DepartmentId, Source};

use crate::store::Request;

use super::{actor, private, reply, ChatDesk};
use crate::desk::internal::{ListKind, RequesterOutcome};
use crate::desk::staff::ActionError;

/// Which list a `/311` list command asks for, before the department is known.
pub(super) enum Which {
    Mine,
    Asked(Option<String>),
    Owed(Option<String>),
}

impl ChatDesk {
    /// A message in a thread that is not a work order's: the requester of an internal request writing in the
    /// thread they filed from reopens ("not done") or comments; anything else is left alone.
    pub(super) async fn requester_reply(
        &self,
        thread: &str,
        author: &Member,
        text: &str,
    ) -> Result<ChatReply, ActionError> {
        let desk = &self.0;
        Ok(match desk.requester_message(thread, &actor(author), text).await? {
            RequesterOutcome::NotOurs | RequesterOutcome::Commented => ChatReply::Nothing,
            RequesterOutcome::Reopened(r) => reply(format!("Reopened {r}; the department has been told.")),
            RequesterOutcome::TooLate(r) => reply(format!(
                "{r} was closed more than {} days ago, so it cannot be reopened: file a new request (mention {r}).",
                desk.city.accountability.reopen_window_days
            )),
        })
    }

    /// How the requester hears of a close: by email, in the thread an internal request was filed from, or not.
    pub(super) async fn requester_notice(
        &self,
        req: &Request,
    ) -> Result<&'static str, ActionError> {
        if req.source == Source::Email {
            return Ok("The resident is being emailed.");
        }
        Ok(match self.0.store.internal_origin(req.reference).await? {
            Some(_) => "The requesting department is told in its thread.",
            None => "The requester was a staff member; no email is sent.",
        })
    }

    /// `/311 mine`, `/311 asked [dept]`, `/311 owed [dept]`: without a department, the member's own.
    pub(super) async fn internal_list(
        &self,
        member: &Member,
        which: Which,
    ) -> Result<ChatReply, ActionError> {
        let kind = match which {
            Which::Mine => ListKind::Mine(actor(member).id),
            Which::Asked(d) => ListKind::Asked(self.department_for_list(member, d)?),
            Which::Owed(d) => ListKind::Owed(self.department_for_list(member, d)?),
        };
        let list = self.0.internal_list(&kind).await?;
        Ok(private(list.to_text()))
    }

    /// The department given (which must exist), or the member's first department.
    fn department_for_list(
        &self,
        member: &Member,
        given: Option<String>,
    ) -> Result<DepartmentId, ActionError> {
        let city = &self.0.city;
        if let Some(d) = given {
            let id = DepartmentId::new(d.trim().to_lowercase());
            return match city.department(&id) {
                Some(_) => Ok(id),
                None => Err(ActionError::Refused(format!("unknown department `{d}`"))),
            };
        }
        routing::internal::departments_of(city, &member.roles)
            .into_iter()
            .next()
            .ok_or_else(|| {
                ActionError::Refused(
                    "you hold no department role: name the department, e.g. `department: parks`"
                        .into(),
                )
            })
    }
}
