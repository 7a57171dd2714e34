//! The chat side of the desk: staff intake (intake channel or `/311 new`), working items from work-order threads,
//! buttons and slash commands. Implements the chat seam's `ChatHandler`, so it knows no Discord details.

use async_trait::async_trait;
use bots::chat::{ButtonAction, ChatEvent, ChatHandler, ChatReply, Command, Member};
use routing::lifecycle::{staff_intent, CloseReason, StaffIntent};
use routing::{DepartmentId, EventKind, Language, RequestRef, Source, Status};
use serde_json::json;
use tracing::warn;

use super::actions::{ActionError, Actor, StaffAction};
use super::{Desk, Filing};
use crate::clock::human;
use crate::store::{Change, InboundRecord, NewEvent, Request, StoreError};

/// The desk as seen from chat.
#[derive(Clone, Debug)]
pub struct ChatDesk(pub Desk);

fn actor(m: &Member) -> Actor {
    Actor {
        id: format!("chat:{}", m.id),
        name: m.name.clone(),
        source: Source::Chat,
        roles: m.roles.clone(),
        trusted_staff: false,
    }
}

fn reply(text: impl Into<String>) -> ChatReply {
    ChatReply::Reply {
        text: text.into(),
        ephemeral: false,
    }
}

fn private(text: impl Into<String>) -> ChatReply {
    ChatReply::Reply {
        text: text.into(),
        ephemeral: true,
    }
}

#[async_trait]
impl ChatHandler for ChatDesk {
    async fn handle(&self, event: ChatEvent) -> ChatReply {
        match self.dispatch(event).await {
            Ok(r) => r,
            Err(ActionError::Unexpected(e)) => {
                warn!(error = format!("{e:#}"), "chat action failed");
                private("Something went wrong on our side; nothing was changed. Please try again in a minute.")
            }
            Err(e) => private(e.to_string()),
        }
    }

    fn departments(&self) -> Vec<(String, String)> {
        self.0
            .city
            .departments
            .iter()
            .map(|d| (d.id.to_string(), d.name.clone()))
            .collect()
    }
}

impl ChatDesk {
    async fn dispatch(&self, event: ChatEvent) -> Result<ChatReply, ActionError> {
        let desk = &self.0;
        match event {
            ChatEvent::Message {
                channel_id,
                thread_parent,
                message_id,
                author,
                text,
            } => {
                if let Some(parent) = &thread_parent {
                    if let Some(wo) = self.work_order_in(&channel_id, parent).await? {
                        return self.thread_reply(wo.reference, &author, &text).await;
                    }
                    return Ok(ChatReply::Nothing);
                }
                let intake = desk
                    .settings
                    .discord
                    .as_ref()
                    .and_then(|d| d.intake_channel.as_deref());
                if intake == Some(channel_id.as_str()) && !text.trim().is_empty() {
                    return self.intake(&author, &message_id, &text).await;
                }
                Ok(ChatReply::Nothing)
            }
            ChatEvent::Command {
                channel_id,
                thread_parent,
                member,
                command,
            } => {
                let here = || async {
                    match thread_parent {
                        Some(parent) => self
                            .work_order_in(&channel_id, &parent)
                            .await
                            .map(|w| w.map(|w| w.reference)),
                        None => Ok(None),
                    }
                };
                let resolve = |given: Option<String>| async {
                    match given {
                        Some(r) => r.parse::<RequestRef>().map_err(|e| ActionError::Refused(e.to_string())),
                        None => here().await?.ok_or_else(|| ActionError::Refused("give a reference (e.g. 311-000123) or use this command in a work order's thread".into())),
                    }
                };
                match command {
                    Command::New { text } => {
                        self.intake(
                            &member,
                            &format!("cmd:{}:{}", channel_id, desk.now()),
                            &text,
                        )
                        .await
                    }
                    Command::Close { reference, note } => {
                        let r = resolve(reference).await?;
                        let req = desk
                            .act(
                                r,
                                &actor(&member),
                                StaffAction::Close {
                                    reason: CloseReason::Resolved,
                                    note,
                                },
                            )
                            .await?;
                        Ok(reply(format!(
                            "{} closed by {}. {}",
                            req.reference,
                            member.name,
                            resident_notice(&req)
                        )))
                    }
                    Command::Reassign {
                        reference,
                        department,
                        reason,
                    } => {
                        let r = resolve(reference).await?;
                        let req = desk
                            .act(
                                r,
                                &actor(&member),
                                StaffAction::Reassign {
                                    to: DepartmentId::new(department),
                                    why: reason,
                                },
                            )
                            .await?;
                        Ok(reply(format!(
                            "{} moved to {} by {}.",
                            req.reference,
                            desk.department_name(&req.department, Language::En),
                            member.name
                        )))
                    }
                    Command::Status { reference } => {
                        let r = reference
                            .parse::<RequestRef>()
                            .map_err(|e| ActionError::Refused(e.to_string()))?;
                        let req = desk
                            .store
                            .request(r)
                            .await?
                            .ok_or(ActionError::NotFound(r))?;
                        Ok(private(self.describe(&req).await?))
                    }
                    Command::Find { query } => {
                        let found = desk.store.search_requests(query.trim(), 10).await?;
                        if found.is_empty() {
                            return Ok(private(format!("Nothing matches “{}”.", query.trim())));
                        }
                        let lines: Vec<String> = found
                            .iter()
                            .map(|r| {
                                format!(
                                    "{} · {} · {} · {}",
                                    r.reference,
                                    r.status,
                                    r.department,
                                    r.location_text.as_deref().unwrap_or(&r.subject)
                                )
                            })
                            .collect();
                        Ok(private(lines.join("\n")))
                    }
                    Command::Public { reference, text } => {
                        let r = resolve(reference).await?;
                        desk.act(r, &actor(&member), StaffAction::Public { text })
                            .await?;
                        Ok(private(format!("Sent to the requester of {r} by email.")))
                    }
                    Command::Overdue { department } => {
                        let department = department.map(DepartmentId::new);
                        let list = desk.overdue(department.as_ref()).await?;
                        if list.is_empty() {
                            return Ok(private("Nothing is overdue."));
                        }
                        let lines: Vec<String> = list
                            .iter()
                            .map(|r| {
                                format!(
                                    "{} · {} · {} · due {}",
                                    r.reference,
                                    r.department,
                                    r.status,
                                    human(r.resolution_due_at)
                                )
                            })
                            .collect();
                        Ok(private(lines.join("\n")))
                    }
                }
            }
            ChatEvent::Button {
                member,
                reference,
                action,
                ..
            } => {
                let r = reference
                    .parse::<RequestRef>()
                    .map_err(|e| ActionError::Refused(e.to_string()))?;
                let a = actor(&member);
                let req = match action {
                    ButtonAction::Acknowledge => desk.act(r, &a, StaffAction::Acknowledge).await?,
                    ButtonAction::Close { note } => {
                        desk.act(
                            r,
                            &a,
                            StaffAction::Close {
                                reason: CloseReason::Resolved,
                                note,
                            },
                        )
                        .await?
                    }
                    ButtonAction::Reassign { department } => {
                        desk.act(
                            r,
                            &a,
                            StaffAction::Reassign {
                                to: DepartmentId::new(department),
                                why: None,
                            },
                        )
                        .await?
                    }
                };
                Ok(private(format!(
                    "{} is now {} ({}).",
                    req.reference,
                    req.status,
                    desk.department_name(&req.department, Language::En)
                )))
            }
        }
    }

    /// The work order whose thread is `id` (in channel `parent`). A card's thread can be typed into a moment
    /// before the service has recorded the card, so in a department channel a miss is looked up again briefly;
    /// threads elsewhere (e.g. intake answers) are not work orders and are not waited for.
    async fn work_order_in(
        &self,
        id: &str,
        parent: &str,
    ) -> Result<Option<crate::store::WorkOrderRow>, StoreError> {
        let department_channel = self
            .0
            .city
            .departments
            .iter()
            .any(|d| d.chat_channel == parent);
        let tries = if department_channel { 10 } else { 1 };
        for attempt in 0..tries {
            if let Some(wo) = self.0.store.work_order_by_chat(id).await? {
                return Ok(Some(wo));
            }
            if attempt + 1 < tries {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        Ok(None)
    }

    /// A staff reply in a work order's thread: "fixed it" closes (if allowed), anything else is a comment.
    async fn thread_reply(
        &self,
        r: RequestRef,
        author: &Member,
        text: &str,
    ) -> Result<ChatReply, ActionError> {
        let desk = &self.0;
        let a = actor(author);
        if staff_intent(text) == StaffIntent::Close {
            let req = desk
                .store
                .request(r)
                .await?
                .ok_or(ActionError::NotFound(r))?;
            if req.status != Status::Closed {
                let req = desk
                    .act(
                        r,
                        &a,
                        StaffAction::Close {
                            reason: CloseReason::Resolved,
                            note: text.trim().to_string(),
                        },
                    )
                    .await?;
                return Ok(reply(format!(
                    "Closed {} — {}",
                    req.reference,
                    resident_notice(&req)
                )));
            }
        }
        desk.act(
            r,
            &a,
            StaffAction::Comment {
                text: text.trim().to_string(),
            },
        )
        .await?;
        Ok(ChatReply::Nothing)
    }

    /// A staff member files an internal request from chat.
    async fn intake(
        &self,
        member: &Member,
        message_id: &str,
        text: &str,
    ) -> Result<ChatReply, ActionError> {
        let desk = &self.0;
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
        let new = desk.new_request(
            &decision,
            now,
            Filing {
                source: Source::Chat,
                requester: format!("chat:{}", member.id),
                requester_name: Some(member.name.clone()),
                subject: title.clone(),
                description: text.trim().to_string(),
            },
        );
        let emergency = decision.emergency.is_some();
        let result = desk
            .store
            .create_request(&new, now, |_| {
                let mut change = Change {
                    inbound: Some(InboundRecord {
                        source: Source::Chat,
                        external_id: message_id.to_string(),
                        sender: Some(format!("chat:{}", member.id)),
                        subject: Some(title.clone()),
                        disposition: "created".into(),
                        reason: None,
                        raw: text.as_bytes().to_vec(),
                    }),
                    ..Change::default()
                };
                change.events.push(NewEvent::new(
                    EventKind::Created,
                    &format!("chat:{}", member.id),
                    Source::Chat,
                    json!({ "decision": decision, "actor_name": member.name }),
                ));
                if let Some(job) = desk.work_order_job(&new.department, emergency) {
                    change.outbox.push(job);
                }
                change
            })
            .await;
        let r = match result {
            Ok(r) => r,
            Err(StoreError::Duplicate(_)) => return Ok(ChatReply::Nothing),
            Err(e) => return Err(e.into()),
        };
        let mut text = format!(
            "Filed as **{r}** → {} ({}), priority {}, due {}.",
            desk.department_name(&new.department, Language::En),
            desk.category_name(new.category.as_ref(), Language::En),
            new.priority,
            human(new.resolution_due_at)
        );
        if emergency {
            text.push_str("\n⚠️ Looks like an EMERGENCY: routed to dispatch. If anyone is in danger, call 911 now.");
        }
        text.push_str("\nWhy:");
        for reason in &decision.reasons {
            text.push_str(&format!("\n• {}", bots::chat::escape_markdown(reason)));
        }
        Ok(ChatReply::Thread {
            name: format!("{r} {title}").chars().take(90).collect(),
            text,
        })
    }

    async fn describe(&self, req: &Request) -> Result<String, ActionError> {
        let desk = &self.0;
        let events = desk.store.events(req.reference).await?;
        let last = events
            .last()
            .map(|e| format!("{} by {} at {}", e.kind, e.actor, human(e.at)))
            .unwrap_or_default();
        Ok(format!(
            "{} · {} · {} · {}\nlocation: {}\ncreated {} · respond by {} · resolve by {}\nlast: {}",
            req.reference,
            req.status,
            desk.department_name(&req.department, Language::En),
            desk.category_name(req.category.as_ref(), Language::En),
            req.location_text.as_deref().unwrap_or("-"),
            human(req.created_at),
            human(req.response_due_at),
            human(req.resolution_due_at),
            last
        ))
    }
}

fn resident_notice(req: &Request) -> &'static str {
    if req.source == Source::Email {
        "The resident is being emailed."
    } else {
        "The requester was a staff member; no email is sent."
    }
}

impl Desk {
    /// Active requests past their resolution (or, unacknowledged, their response) target, oldest first.
    pub async fn overdue(
        &self,
        department: Option<&DepartmentId>,
    ) -> Result<Vec<Request>, StoreError> {
        self.store.overdue_requests(self.now(), department).await
    }
}
