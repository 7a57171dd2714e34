//! A staff member files an internal request from chat (the intake channel or `/311 new`): classified like a
//! resident's mail, recorded with its message so that a redelivery files nothing twice.

use crate::store::Disposition;
use bots::chat::{ChatReply, Member};
use routing::{EventKind, Language, RequestRef, Source};
use serde_json::json;

use super::private;
use crate::clock::human;
use crate::desk::staff::ActionError;
use crate::desk::{Desk, Filing};
use crate::store::{Change, InboundRecord, NewEvent, NewRequest, StoreError};

/// A staff member files an internal request from chat.
pub(super) async fn file(
    desk: &Desk,
    member: &Member,
    message_id: &str,
    text: &str,
) -> Result<ChatReply, ActionError> {
    let now = desk.now();
    if let Some(seen) = desk.store.inbound_seen(Source::Chat, message_id).await? {
        return Ok(match seen.reference {
            Some(r) => private(format!("Already filed as {r}.")),
            None => ChatReply::Nothing,
        });
    }
    let decision = desk.router.classify(text);
    let title: String = text
        .lines()
        .next()
        .unwrap_or(text)
        .chars()
        .take(80)
        .collect();
    let filing = Filing {
        source: Source::Chat,
        requester: format!("chat:{}", member.id),
        requester_name: Some(member.name.clone()),
        subject: title.clone(),
        description: text.trim().to_string(),
    };
    let new = desk.new_request(&decision, now, filing);
    let emergency = decision.emergency.is_some();
    let filed = ChatFiling {
        member,
        message_id,
        text,
        title: &title,
    };
    let result = desk
        .store
        .create_request(&new, now, |_| {
            let mut change = filed.change(&decision);
            change
                .outbox
                .extend(desk.work_order_job(&new.department, emergency));
            change
        })
        .await;
    match result {
        Ok(r) => Ok(filed_reply(desk, r, &new, &decision, &title)),
        Err(StoreError::Duplicate(_)) => Ok(ChatReply::Nothing),
        Err(e) => Err(e.into()),
    }
}

/// The answer to a filed request, in a new thread: where it went, and why.
fn filed_reply(
    desk: &Desk,
    r: RequestRef,
    new: &NewRequest,
    decision: &routing::Decision,
    title: &str,
) -> ChatReply {
    let mut text = format!(
        "Filed as **{r}** → {} ({}), priority {}, due {}.",
        desk.department_name(&new.department, Language::En),
        desk.category_name(new.category.as_ref(), Language::En),
        new.priority,
        human(new.resolution_due_at)
    );
    if decision.emergency.is_some() {
        text.push_str("\n⚠️ Looks like an EMERGENCY: routed to dispatch. If anyone is in danger, call 911 now.");
    }
    text.push_str("\nWhy:");
    for reason in &decision.reasons {
        text.push_str(&format!("\n• {}", bots::chat::escape_markdown(reason)));
    }
    ChatReply::Thread {
        name: format!("{r} {title}").chars().take(90).collect(),
        text,
    }
}

/// A request filed from a chat message.
struct ChatFiling<'a> {
    member: &'a Member,
    message_id: &'a str,
    text: &'a str,
    title: &'a str,
}

impl ChatFiling<'_> {
    /// The creating change: the message recorded as seen, and the `created` event with the decision.
    fn change(&self, decision: &routing::Decision) -> Change {
        let requester = format!("chat:{}", self.member.id);
        let mut change = Change {
            inbound: Some(InboundRecord {
                source: Source::Chat,
                external_id: self.message_id.to_string(),
                sender: Some(requester.clone()),
                subject: Some(self.title.to_string()),
                disposition: Disposition::Created,
                reason: None,
                raw: self.text.as_bytes().to_vec(),
            }),
            ..Change::default()
        };
        change.events.push(NewEvent::new(
            EventKind::Created,
            &requester,
            Source::Chat,
            json!({ "decision": decision, "actor_name": self.member.name }),
        ));
        change
    }
}
