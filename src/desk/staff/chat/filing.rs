//! A staff member files an internal request from chat (the intake channel or `/311 new`): classified like a
//! resident's mail, recorded with its message so that a redelivery files nothing twice, and — when the member
//! holds a department's role — recorded as asked for by that department, its person told of each step in the
//! thread they filed from. A member of several departments is asked which one is asking: `/311 new` without
//! `for` is refused with the question, an intake message is held (filing nothing) until answered in its thread.

use crate::store::Disposition;
use bots::chat::{ChatReply, Markdown, Member};
use routing::internal::FilingFor;
use routing::{DepartmentId, EventKind, Language, RequestRef, Source};
use serde_json::json;

use super::{actor, private};
use crate::desk::staff::ActionError;
use crate::desk::{Desk, Filing};
use crate::store::{
    Change, HeldFiling, InboundRecord, InternalOrigin, NewEvent, NewRequest, StoreError,
};

/// Where a chat filing came from and what the member chose.
pub(super) struct FiledFrom {
    /// The channel or thread where the filer hears back (their message's thread, or where they typed).
    pub notify_chat: String,
    /// The department they said they file for (`/311 new for:`).
    pub named: Option<DepartmentId>,
    /// A slash command can be asked again; a message in the intake channel cannot.
    pub can_ask: bool,
}

/// Why a filing does not go ahead now.
enum NotYet {
    /// Answer this instead of filing.
    Answer(ChatReply),
    /// The member works for these departments and must say which one asks (a message cannot be sent again
    /// with `for`, so it is held and the question asked in a thread on it).
    Ask(Vec<DepartmentId>),
}

/// The department a filing is asked for, and a remark on how it was chosen.
fn asking_department(
    desk: &Desk,
    member: &Member,
    from: &FiledFrom,
) -> Result<(Option<DepartmentId>, Option<String>), NotYet> {
    let name = |d: &DepartmentId| desk.department_name(d, Language::En);
    match desk.filing_for(&actor(member), from.named.as_ref()) {
        FilingFor::One(d) => Ok((Some(d), None)),
        FilingFor::None => Ok((None, None)),
        FilingFor::NotMember(d) => Err(NotYet::Answer(private(format!(
            "You do not hold the {} role, so you cannot file for it; leave `for` empty to file for your own department.",
            name(&d)
        )))),
        FilingFor::Ambiguous(list) if from.can_ask => {
            let names: Vec<String> = list.iter().map(name).collect();
            Err(NotYet::Answer(private(format!(
                "You work for {}: run `/311 new` again with `for` set to the department this request is from.",
                names.join(" and ")
            ))))
        }
        FilingFor::Ambiguous(list) => Err(NotYet::Ask(list)),
    }
}

/// Holds an intake message whose author works for several departments and asks, in a thread on it, which one
/// is asking; nothing is filed until they answer there (see `ChatDesk::held_answer`).
async fn hold(
    desk: &Desk,
    member: &Member,
    message_id: &str,
    text: &str,
    departments: &[DepartmentId],
) -> Result<ChatReply, ActionError> {
    let held = HeldFiling {
        message_id: message_id.to_string(),
        person: format!("chat:{}", member.id),
        channel_id: from_channel(desk),
        text: text.to_string(),
        created_at: desk.now(),
    };
    if !desk.store.hold_filing(&held).await? {
        // Delivered again (a replay after an outage): the question is already asked.
        return Ok(ChatReply::Nothing);
    }
    let choices: Vec<String> = departments
        .iter()
        .map(|d| format!("{} (`{d}`)", desk.department_name(d, Language::En)))
        .collect();
    let mut answer = Markdown::bot("You work for ");
    answer.push_plain(&choices.join(" and "));
    answer.push_bot(
        ": **which department is this request from?** Answer here with its name; nothing is filed until you do.",
    );
    let title: String = text
        .lines()
        .next()
        .unwrap_or(text)
        .chars()
        .take(60)
        .collect();
    Ok(ChatReply::Thread {
        name: format!("Which department? {title}"),
        text: answer,
        about: None,
    })
}

/// The intake channel's id (where held messages are).
fn from_channel(desk: &Desk) -> String {
    desk.settings
        .discord
        .as_ref()
        .and_then(|d| d.intake_channel.clone())
        .unwrap_or_default()
}

/// A staff member files a request from chat.
pub(super) async fn file(
    desk: &Desk,
    member: &Member,
    message_id: &str,
    text: &str,
    from: FiledFrom,
) -> Result<ChatReply, ActionError> {
    let now = desk.now();
    if let Some(seen) = desk.store.inbound_seen(Source::Chat, message_id).await? {
        return Ok(match seen.reference {
            Some(r) => private(format!("Already filed as {r}.")),
            None => ChatReply::Nothing,
        });
    }
    let (asking, remark) = match asking_department(desk, member, &from) {
        Ok(found) => found,
        Err(NotYet::Answer(answer)) => return Ok(answer),
        Err(NotYet::Ask(departments)) => {
            return hold(desk, member, message_id, text, &departments).await
        }
    };
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
    let mut new = desk.new_request(&decision, now, filing);
    if asking.is_some() {
        desk.make_internal(&mut new, &decision, now);
    }
    let emergency = decision.emergency.is_some();
    let filed = ChatFiling {
        member,
        message_id,
        text,
        title: &title,
        origin: asking.map(|department| InternalOrigin {
            department,
            person: format!("chat:{}", member.id),
            person_name: Some(member.name.clone()),
            notify_chat: Some(from.notify_chat.clone()),
            notify_email: None,
        }),
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
        Ok(r) => {
            desk.log_intake(r, Source::Chat, &decision, &new.department, None);
            let shown = Shown {
                new: &new,
                decision: &decision,
                title: &title,
                origin: filed.origin.as_ref(),
                remark: remark.as_deref(),
            };
            Ok(filed_reply(desk, r, &shown))
        }
        Err(StoreError::Duplicate(_)) => Ok(ChatReply::Nothing),
        Err(e) => Err(e.into()),
    }
}

/// The answer to a filed request, in a new thread: where it went, and why. Names and the reasons' matched words
/// come from the city's config or the message, so they are embedded escaped; the bot's own markdown renders.
fn filed_reply(desk: &Desk, r: RequestRef, shown: &Shown<'_>) -> ChatReply {
    let Shown {
        new,
        decision,
        title,
        ..
    } = *shown;
    let mut text = Markdown::bot(format!("Filed as **{r}** → "));
    text.push_plain(&format!(
        "{} ({}), priority {}, due {}.",
        desk.department_name(&new.department, Language::En),
        desk.category_name(new.category.as_ref(), Language::En),
        new.priority,
        desk.human_time(new.resolution_due_at)
    ));
    if decision.emergency.is_some() {
        text.push_bot("\n⚠️ Looks like an **EMERGENCY**: routed to dispatch. If anyone is in danger, call 911 now.");
    }
    if let Some(origin) = shown.origin {
        text.push_plain(&format!(
            "\nInternal request from {}: each step will be posted here; reply here to add to it.",
            desk.asked_by_label(origin)
        ));
    }
    if let Some(remark) = shown.remark {
        text.push_plain(&format!("\n{remark}"));
    }
    text.push_bot("\nWhy:");
    for reason in human_reasons(decision) {
        text.push_bot("\n• ");
        text.push_plain(&reason);
    }
    ChatReply::Thread {
        name: format!("{r} {title}").chars().take(90).collect(),
        text,
        // For a slash command the thread opens on the answer: the adapter says which, and the requester's
        // notices move there (see `ChatDesk::thread_opened`).
        about: shown.origin.map(|_| r.to_string()),
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

/// What the answer to a filing shows.
struct Shown<'a> {
    new: &'a NewRequest,
    decision: &'a routing::Decision,
    title: &'a str,
    origin: Option<&'a InternalOrigin>,
    remark: Option<&'a str>,
}

/// A request filed from a chat message.
struct ChatFiling<'a> {
    member: &'a Member,
    message_id: &'a str,
    text: &'a str,
    title: &'a str,
    /// Who asked, when the member files for their department.
    origin: Option<InternalOrigin>,
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
            internal: self.origin.clone(),
            ..Change::default()
        };
        let asked_by = self.origin.as_ref().map(|o| &o.department);
        change.events.push(NewEvent::new(
            EventKind::Created,
            &requester,
            Source::Chat,
            json!({ "decision": decision, "actor_name": self.member.name, "asked_by": asked_by }),
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
