//! A staff member files an internal request from chat (the intake channel or `/311 new`): classified like a
//! resident's mail, recorded with its message so that a redelivery files nothing twice.

use crate::store::Disposition;
use bots::chat::{ChatReply, Markdown, Member};
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

/// The answer to a filed request, in a new thread: where it went, and why. Names and the reasons' matched words
/// come from the city's config or the message, so they are embedded escaped; the bot's own markdown renders.
fn filed_reply(
    desk: &Desk,
    r: RequestRef,
    new: &NewRequest,
    decision: &routing::Decision,
    title: &str,
) -> ChatReply {
    let mut text = Markdown::bot(format!("Filed as **{r}** → "));
    text.push_plain(&format!(
        "{} ({}), priority {}, due {}.",
        desk.department_name(&new.department, Language::En),
        desk.category_name(new.category.as_ref(), Language::En),
        new.priority,
        human(new.resolution_due_at)
    ));
    if decision.emergency.is_some() {
        text.push_bot("\n⚠️ Looks like an **EMERGENCY**: routed to dispatch. If anyone is in danger, call 911 now.");
    }
    text.push_bot("\nWhy:");
    for reason in human_reasons(decision) {
        text.push_bot("\n• ");
        text.push_plain(&reason);
    }
    ChatReply::Thread {
        name: format!("{r} {title}").chars().take(90).collect(),
        text,
    }
}

/// The decision's reasons in plain words for staff ("matched: pothole, street"), never the engine's scores.
fn human_reasons(decision: &routing::Decision) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &decision.emergency {
        out.push(format!("emergency: {} (\"{}\")", e.kind, e.matched));
    }
    match &decision.category {
        Some(_) if !decision.matched.is_empty() => {
            out.push(format!("matched: {}", decision.matched.join(", ")))
        }
        Some(c) => out.push(format!("category: {c}")),
        None if decision.department == routing::DepartmentId::triage() => {
            out.push("no clear match: sent to triage".into())
        }
        None => out.push(format!("department: {}", decision.department)),
    }
    if let Some(l) = &decision.location {
        out.push(format!("location: {}", l.text));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::human_reasons;

    #[test]
    fn the_answer_names_the_chosen_categorys_matched_words_without_scores() {
        let cfg = routing::CityConfig::from_toml_str(include_str!("../../../../config/city.toml"))
            .expect("the example city loads");
        let router = routing::Router::new(&cfg).expect("the example city compiles");
        let decision = router.classify("Huge pothole on the street at 42 Maple Avenue");
        assert!(!decision.matched.is_empty(), "{decision:?}");
        let lines = human_reasons(&decision);
        let matched = lines
            .iter()
            .find(|l| l.starts_with("matched: "))
            .unwrap_or_else(|| panic!("no matched line in {lines:?}"));
        assert!(matched.contains("pothole"), "{matched}");
        assert!(
            !matched.contains('+') && !matched.contains('"'),
            "{matched}"
        );
        let nothing = router.classify("hello there");
        assert_eq!(human_reasons(&nothing)[0], "no clear match: sent to triage");
    }
}
