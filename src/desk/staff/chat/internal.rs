//! Chat for internal requests between departments: the requester's messages in the thread they filed from,
//! the answer to "which department is asking?" for a held intake message, the thread the adapter opened for a
//! `/311 new` answer, and `/311 mine`, `/311 asked [dept]`, `/311 owed [dept]`.

use bots::chat::{ChatReply, Member};
use routing::{DepartmentId, Language, RequestRef, Source};

use crate::store::Request;

use super::filing::{self, FiledFrom};
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

    /// The adapter opened `thread` (in `channel`) for the answer to the filing of `about`: the requester's
    /// notices, so far aimed at the channel the command was typed in, go to that thread from now on.
    pub(super) async fn thread_opened(
        &self,
        channel: &str,
        thread: &str,
        about: &str,
    ) -> Result<ChatReply, ActionError> {
        let Ok(r) = about.parse::<RequestRef>() else {
            return Ok(ChatReply::Nothing);
        };
        if !self.0.store.move_requester_chat(r, channel, thread).await? {
            tracing::debug!(request_ref = %r, thread, "the requester's thread was already recorded");
        }
        Ok(ChatReply::Nothing)
    }

    /// A message in the thread of a held intake message, by its author: naming one of their departments files
    /// the held request for it (in this thread); anything else asks again. `None`: not a held message's thread.
    pub(super) async fn held_answer(
        &self,
        thread: &str,
        author: &Member,
        text: &str,
    ) -> Result<Option<ChatReply>, ActionError> {
        let desk = &self.0;
        // A thread opened on a message has the message's id.
        let Some(held) = desk.store.held_filing(thread).await? else {
            return Ok(None);
        };
        if held.person != actor(author).id {
            return Ok(None);
        }
        let mine = routing::internal::departments_of(&desk.city, &author.roles);
        let Some(department) = named_department(desk, &mine, text) else {
            let names: Vec<String> = mine
                .iter()
                .map(|d| format!("{} (`{d}`)", desk.department_name(d, Language::En)))
                .collect();
            return Ok(Some(reply(format!(
                "Which department is this request from? Answer with one of: {}. Nothing is filed yet.",
                names.join(", ")
            ))));
        };
        let from = FiledFrom {
            notify_chat: thread.to_string(),
            named: Some(department),
            can_ask: false,
        };
        let answer = filing::file(desk, author, &held.message_id, &held.text, from).await?;
        desk.store.release_filing(&held.message_id).await?;
        // The question's thread is the request's thread now: the answer goes in it as a plain reply.
        Ok(Some(match answer {
            ChatReply::Thread { text, .. } => ChatReply::Reply {
                text,
                ephemeral: false,
            },
            other => other,
        }))
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

/// The one department among `mine` that `text` names, by id or display name (e.g. "streets", "Parks",
/// "for parks please"); `None` when it names none or several.
fn named_department(
    desk: &crate::desk::Desk,
    mine: &[DepartmentId],
    text: &str,
) -> Option<DepartmentId> {
    let said = text.trim().to_lowercase();
    let words: Vec<&str> = said
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let named: Vec<&DepartmentId> = mine
        .iter()
        .filter(|d| {
            let name = desk.department_name(d, Language::En).to_lowercase();
            words.contains(&d.as_str()) || said == name || said.contains(&name)
        })
        .collect();
    match named.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}
