//! The chat side of the desk: staff intake (intake channel or `/311 new`), working items from work-order threads,
//! buttons and slash commands. Implements the chat seam's `ChatHandler`, so it knows no Discord details.

use async_trait::async_trait;
use bots::chat::{ButtonAction, ChatEvent, ChatHandler, ChatReply, Command, Markdown, Member};
use routing::lifecycle::{staff_intent, CloseReason, StaffIntent};
use routing::{DepartmentId, Language, RequestRef, Source, Status};
use tracing::warn;

mod filing;
mod internal;

use super::{ActionError, Actor, StaffAction};
use crate::desk::Desk;
use crate::store::{Request, StoreError};

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

/// A reply whose text holds untrusted parts: escaped whole.
fn reply(text: impl Into<String>) -> ChatReply {
    ChatReply::Reply {
        text: Markdown::plain(&text.into()),
        ephemeral: false,
    }
}

/// An ephemeral reply whose text holds untrusted parts: escaped whole.
fn private(text: impl Into<String>) -> ChatReply {
    ChatReply::Reply {
        text: Markdown::plain(&text.into()),
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

/// Where a slash command was typed: the channel, and the thread's parent channel when it is a thread.
struct TypedIn {
    channel_id: String,
    thread_parent: Option<String>,
}

impl ChatDesk {
    async fn dispatch(&self, event: ChatEvent) -> Result<ChatReply, ActionError> {
        match event {
            ChatEvent::Message {
                channel_id,
                thread_parent,
                message_id,
                author,
                text,
            } => {
                let at = TypedIn {
                    channel_id,
                    thread_parent,
                };
                self.message(&at, &message_id, &author, &text).await
            }
            ChatEvent::Command {
                channel_id,
                thread_parent,
                member,
                command,
            } => {
                let at = TypedIn {
                    channel_id,
                    thread_parent,
                };
                self.command(&at, &member, command).await
            }
            ChatEvent::Button {
                member,
                reference,
                action,
                ..
            } => self.button(&member, &reference, action).await,
            ChatEvent::ThreadOpened {
                channel_id,
                thread_id,
                about,
            } => self.thread_opened(&channel_id, &thread_id, &about).await,
        }
    }

    /// A message: in a work order's thread it works the item; in the intake channel it files a request.
    async fn message(
        &self,
        at: &TypedIn,
        message_id: &str,
        author: &Member,
        text: &str,
    ) -> Result<ChatReply, ActionError> {
        if let Some(parent) = &at.thread_parent {
            if let Some(wo) = self.work_order_in(&at.channel_id, parent).await? {
                return self.thread_reply(wo.reference, author, text).await;
            }
            if let Some(answered) = self.held_answer(&at.channel_id, author, text).await? {
                return Ok(answered);
            }
            return self.requester_reply(&at.channel_id, author, text).await;
        }
        let intake = self
            .0
            .settings
            .discord
            .as_ref()
            .and_then(|d| d.intake_channel.as_deref());
        if intake == Some(at.channel_id.as_str()) && !text.trim().is_empty() {
            // The answer opens a thread on the message; on Discord a thread opened on a message has its id.
            let from = filing::FiledFrom {
                notify_chat: message_id.to_string(),
                named: None,
                can_ask: false,
            };
            return filing::file(&self.0, author, message_id, text, from).await;
        }
        Ok(ChatReply::Nothing)
    }

    /// `/311 <sub>`.
    async fn command(
        &self,
        at: &TypedIn,
        member: &Member,
        command: Command,
    ) -> Result<ChatReply, ActionError> {
        match command {
            Command::New { text, department } => {
                let id = format!("cmd:{}:{}", at.channel_id, self.0.now());
                let from = filing::FiledFrom {
                    notify_chat: at.channel_id.clone(),
                    named: department.map(|d| DepartmentId::new(d.trim().to_lowercase())),
                    can_ask: true,
                };
                filing::file(&self.0, member, &id, &text, from).await
            }
            Command::Mine => self.internal_list(member, internal::Which::Mine).await,
            Command::Asked { department } => {
                self.internal_list(member, internal::Which::Asked(department))
                    .await
            }
            Command::Owed { department } => {
                self.internal_list(member, internal::Which::Owed(department))
                    .await
            }
            Command::Close { reference, note } => {
                let r = self.resolve(at, reference).await?;
                self.close(r, member, note).await
            }
            Command::Reassign {
                reference,
                department,
                reason,
            } => {
                let r = self.resolve(at, reference).await?;
                self.reassign(r, member, DepartmentId::new(department), reason)
                    .await
            }
            Command::Status { reference } => self.status(&reference).await,
            Command::Find { query } => self.find(query.trim()).await,
            Command::Public { reference, text } => {
                let r = self.resolve(at, reference).await?;
                self.public(r, member, text).await
            }
            Command::Overdue { department } => {
                let department = department.map(DepartmentId::new);
                self.overdue_list(department.as_ref()).await
            }
        }
    }

    /// The request a command is about: the one given, or the work order of the thread it was typed in.
    async fn resolve(
        &self,
        at: &TypedIn,
        given: Option<String>,
    ) -> Result<RequestRef, ActionError> {
        if let Some(r) = given {
            return parse_reference(&r);
        }
        let here = match &at.thread_parent {
            Some(parent) => self.work_order_in(&at.channel_id, parent).await?,
            None => None,
        };
        here.map(|w| w.reference).ok_or_else(|| {
            ActionError::Refused(
                "give a reference (e.g. 311-000123) or use this command in a work order's thread"
                    .into(),
            )
        })
    }

    async fn close(
        &self,
        r: RequestRef,
        member: &Member,
        note: String,
    ) -> Result<ChatReply, ActionError> {
        let action = StaffAction::Close {
            reason: CloseReason::Resolved,
            note,
        };
        let req = self.0.act(r, &actor(member), action).await?;
        Ok(reply(format!(
            "{} closed by {}. {}",
            req.reference,
            member.name,
            self.requester_notice(&req).await?
        )))
    }

    async fn reassign(
        &self,
        r: RequestRef,
        member: &Member,
        to: DepartmentId,
        why: Option<String>,
    ) -> Result<ChatReply, ActionError> {
        let req = self
            .0
            .act(r, &actor(member), StaffAction::Reassign { to, why })
            .await?;
        Ok(reply(format!(
            "{} moved to {} by {}.",
            req.reference,
            self.0.department_name(&req.department, Language::En),
            member.name
        )))
    }

    async fn status(&self, reference: &str) -> Result<ChatReply, ActionError> {
        let r = parse_reference(reference)?;
        let req = self
            .0
            .store
            .request(r)
            .await?
            .ok_or(ActionError::NotFound(r))?;
        Ok(private(self.describe(&req).await?))
    }

    async fn find(&self, query: &str) -> Result<ChatReply, ActionError> {
        let found = self.0.store.search_requests(query, 10).await?;
        if found.is_empty() {
            return Ok(private(format!("Nothing matches “{query}”.")));
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

    async fn public(
        &self,
        r: RequestRef,
        member: &Member,
        text: String,
    ) -> Result<ChatReply, ActionError> {
        let req = self
            .0
            .act(r, &actor(member), StaffAction::Public { text })
            .await?;
        let how = match self.0.store.internal_origin(r).await? {
            Some(_) if req.source != Source::Email => "in the thread they filed from",
            _ => "by email",
        };
        Ok(private(format!("Sent to the requester of {r} {how}.")))
    }

    async fn overdue_list(
        &self,
        department: Option<&DepartmentId>,
    ) -> Result<ChatReply, ActionError> {
        let list = self.0.overdue(department).await?;
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
                    self.0.human_time(r.resolution_due_at)
                )
            })
            .collect();
        Ok(private(lines.join("\n")))
    }

    /// A work order card's button.
    async fn button(
        &self,
        member: &Member,
        reference: &str,
        action: ButtonAction,
    ) -> Result<ChatReply, ActionError> {
        let r = parse_reference(reference)?;
        let action = match action {
            ButtonAction::Acknowledge => StaffAction::Acknowledge,
            ButtonAction::Close { note } => StaffAction::Close {
                reason: CloseReason::Resolved,
                note,
            },
            ButtonAction::Reassign { department } => StaffAction::Reassign {
                to: DepartmentId::new(department),
                why: None,
            },
        };
        let req = self.0.act(r, &actor(member), action).await?;
        Ok(private(format!(
            "{} is now {} ({}).",
            req.reference,
            req.status,
            self.0.department_name(&req.department, Language::En)
        )))
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
            .any(|d| d.card_channel() == Some(parent));
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
        if staff_intent(text, desk.templates.staff_reply_words()) == StaffIntent::Close {
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
                    self.requester_notice(&req).await?
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

    async fn describe(&self, req: &Request) -> Result<String, ActionError> {
        let desk = &self.0;
        let events = desk.store.events(req.reference).await?;
        let last = events
            .last()
            .map(|e| format!("{} by {} at {}", e.kind, e.actor, desk.human_time(e.at)))
            .unwrap_or_default();
        let asked = match desk.store.internal_origin(req.reference).await? {
            Some(o) => format!("\n🏛️ internal · asked by {}", desk.asked_by_label(&o)),
            None => String::new(),
        };
        Ok(format!(
            "{} · {} · {} · {}{asked}\nlocation: {}\ncreated {} · respond by {} · resolve by {}\nlast: {}",
            req.reference,
            req.status,
            desk.department_name(&req.department, Language::En),
            desk.category_name(req.category.as_ref(), Language::En),
            req.location_text.as_deref().unwrap_or("-"),
            desk.human_time(req.created_at),
            desk.human_time(req.response_due_at),
            desk.human_time(req.resolution_due_at),
            last
        ))
    }
}

fn parse_reference(text: &str) -> Result<RequestRef, ActionError> {
    text.parse::<RequestRef>()
        .map_err(|e| ActionError::Refused(e.to_string()))
}
