//! Interactions → [`ChatEvent`]s: the `/311` command, the card's buttons, the closing-note modal and
//! the department select, each answered within Discord's three seconds.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use serenity::all::{
    ActionRowComponent, AutocompleteChoice, ChannelId, CommandInteraction, ComponentInteraction,
    ComponentInteractionDataKind, Context, CreateAutocompleteResponse, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateThread,
    EditInteractionResponse, Http, Interaction, InteractionId, ModalInteraction,
};

use super::card::{self, CardAction, DepartmentPick, NOTE_INPUT};
use super::command::{department_matches, parse_command};
use super::events::{member, reply_text, Bridge};
use super::outbound::no_mentions;
use crate::chat::{ButtonAction, ChatEvent, ChatReply};
use crate::markdown::truncate;

/// Discord wants an answer within 3 s of the dispatch (later: 10062 "Unknown interaction"); a handler
/// that takes longer than this is deferred and its answer edited in, leaving the rest of the 3 s for the
/// dispatch and the callback to travel.
const ANSWER_WITHIN: Duration = Duration::from_millis(1500);

pub(crate) async fn dispatch(bridge: &Bridge, ctx: &Context, interaction: Interaction) {
    let result = match interaction {
        Interaction::Command(command) => on_command(bridge, ctx, &command).await,
        Interaction::Component(component) => on_component(bridge, ctx, &component).await,
        Interaction::Modal(modal) => on_modal(bridge, ctx, &modal).await,
        Interaction::Autocomplete(typing) => on_autocomplete(bridge, ctx, &typing).await,
        _ => Ok(()),
    };
    if let Err(err) = result {
        tracing::warn!(error = %format!("{err:#}"), "could not answer a Discord interaction");
    }
}

/// What the interaction came from decides how each kind of reply is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Command,
    Button,
    Modal,
    /// The department select lives on an ephemeral message: replies replace it.
    Select,
}

struct Target<'a> {
    bridge: &'a Bridge,
    /// Where the interaction happened.
    channel: ChannelId,
    http: &'a Http,
    id: InteractionId,
    token: &'a str,
    origin: Origin,
    in_thread: bool,
}

impl Target<'_> {
    async fn send(&self, response: CreateInteractionResponse) -> anyhow::Result<()> {
        self.http
            .create_interaction_response(self.id, self.token, &response, Vec::new())
            .await
            .context("responding to the interaction")
    }

    async fn refuse(&self, text: &str) -> anyhow::Result<()> {
        self.send(CreateInteractionResponse::Message(
            message(text).ephemeral(true),
        ))
        .await
    }

    /// Waits for `pending` up to [`ANSWER_WITHIN`]; if it takes longer, defers and edits the
    /// deferred answer once the reply is known.
    async fn answer(&self, pending: impl Future<Output = ChatReply>) -> anyhow::Result<()> {
        tokio::pin!(pending);
        match tokio::time::timeout(ANSWER_WITHIN, &mut pending).await {
            Ok(reply) => self.respond(reply).await,
            Err(_) => {
                let defer = match self.origin {
                    Origin::Select => CreateInteractionResponse::Acknowledge,
                    _ => CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(true),
                    ),
                };
                self.send(defer).await?;
                let text = match pending.await {
                    ChatReply::Nothing => "Done.".to_string(),
                    ChatReply::Thread { name, text, about }
                        if self.origin == Origin::Command && !self.in_thread =>
                    {
                        self.late_thread(&name, text.as_str(), about.as_deref())
                            .await?;
                        "Answered below, in its own thread.".to_string()
                    }
                    ChatReply::Reply { text, .. } | ChatReply::Thread { text, .. } => {
                        text.as_str().to_string()
                    }
                };
                let edit = EditInteractionResponse::new()
                    .content(reply_text(&text))
                    .components(Vec::new())
                    .allowed_mentions(no_mentions());
                self.http
                    .edit_original_interaction_response(self.token, &edit, Vec::new())
                    .await
                    .context("editing the deferred answer")?;
                Ok(())
            }
        }
    }

    async fn respond(&self, reply: ChatReply) -> anyhow::Result<()> {
        let response = match (self.origin, &reply) {
            (Origin::Select, ChatReply::Nothing) => {
                CreateInteractionResponse::UpdateMessage(message("Done.").components(Vec::new()))
            }
            (Origin::Select, ChatReply::Reply { text, .. } | ChatReply::Thread { text, .. }) => {
                CreateInteractionResponse::UpdateMessage(
                    message(text.as_str()).components(Vec::new()),
                )
            }
            (Origin::Command, ChatReply::Nothing) => {
                CreateInteractionResponse::Message(message("Done.").ephemeral(true))
            }
            (_, ChatReply::Nothing) => CreateInteractionResponse::Acknowledge,
            (_, ChatReply::Reply { text, ephemeral }) => {
                CreateInteractionResponse::Message(message(text.as_str()).ephemeral(*ephemeral))
            }
            (_, ChatReply::Thread { text, .. }) => {
                CreateInteractionResponse::Message(message(text.as_str()))
            }
        };
        self.send(response).await?;
        if let (ChatReply::Thread { name, about, .. }, false, false) =
            (&reply, self.origin == Origin::Select, self.in_thread)
        {
            let answer = self
                .http
                .get_original_interaction_response(self.token)
                .await
                .context("fetching the answer to open its thread")?;
            let thread = answer
                .channel_id
                .create_thread_from_message(
                    self.http,
                    answer.id,
                    CreateThread::new(card::thread_name(name, "")),
                )
                .await
                .context("opening a thread on the answer")?;
            if let Some(about) = about {
                self.thread_opened(answer.channel_id, thread.id, about)
                    .await;
            }
        }
        Ok(())
    }

    /// A thread answer that came after the deferral (whose message is private, so no thread can hang on it):
    /// posted in the channel, with its thread opened on it.
    async fn late_thread(&self, name: &str, text: &str, about: Option<&str>) -> anyhow::Result<()> {
        let answer = self
            .channel
            .send_message(
                self.http,
                CreateMessage::new()
                    .content(reply_text(text))
                    .allowed_mentions(no_mentions()),
            )
            .await
            .context("posting the late answer")?;
        let thread = self
            .channel
            .create_thread_from_message(
                self.http,
                answer.id,
                CreateThread::new(card::thread_name(name, "")),
            )
            .await
            .context("opening a thread on the late answer")?;
        if let Some(about) = about {
            self.thread_opened(self.channel, thread.id, about).await;
        }
        Ok(())
    }

    /// Tells the handler which thread it got, so that what it posts later for `about` lands there.
    async fn thread_opened(&self, channel: ChannelId, thread: ChannelId, about: &str) {
        let event = ChatEvent::ThreadOpened {
            channel_id: channel.to_string(),
            thread_id: thread.to_string(),
            about: about.to_string(),
        };
        if let ChatReply::Reply { text, .. } = self.bridge.handler.handle(event).await {
            tracing::warn!(thread = %thread, answer = %text.as_str(), "the handler did not take the opened thread");
        }
    }
}

fn message(text: &str) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(reply_text(text))
        .allowed_mentions(no_mentions())
}

async fn on_command(
    bridge: &Bridge,
    ctx: &Context,
    command: &CommandInteraction,
) -> anyhow::Result<()> {
    let mut target = Target {
        bridge,
        channel: command.channel_id,
        http: &ctx.http,
        id: command.id,
        token: &command.token,
        origin: Origin::Command,
        in_thread: false,
    };
    let (Some(member_of_guild), true) = (
        command.member.as_deref(),
        command.guild_id == Some(bridge.guild_id),
    ) else {
        return target.refuse("Use /311 inside the city's server.").await;
    };
    let parsed = match parse_command(&command.data) {
        Ok(parsed) => parsed,
        Err(why) => return target.refuse(&why).await,
    };
    let thread_parent = bridge
        .thread_parent(&ctx.http, command.channel_id, command.channel.as_ref())
        .await;
    target.in_thread = thread_parent.is_some();
    let event = ChatEvent::Command {
        channel_id: command.channel_id.to_string(),
        thread_parent: thread_parent.map(|p| p.to_string()),
        member: guild_member(member_of_guild),
        command: parsed,
    };
    target.answer(bridge.handler.handle(event)).await
}

/// Offers the departments matching what the member typed into a department option.
async fn on_autocomplete(
    bridge: &Bridge,
    ctx: &Context,
    typing: &CommandInteraction,
) -> anyhow::Result<()> {
    let typed = typing
        .data
        .autocomplete()
        .filter(|o| o.name == "department")
        .map_or("", |o| o.value);
    let departments = bridge.handler.departments();
    let choices = department_matches(&departments, typed)
        .into_iter()
        .map(|(id, name)| AutocompleteChoice::new(truncate(name, 100), id.clone()))
        .collect();
    let response = CreateInteractionResponse::Autocomplete(
        CreateAutocompleteResponse::new().set_choices(choices),
    );
    ctx.http
        .create_interaction_response(typing.id, &typing.token, &response, Vec::new())
        .await
        .context("offering departments to autocomplete")
}

fn guild_member(m: &serenity::all::Member) -> crate::chat::Member {
    member(
        &m.user,
        m.nick.clone(),
        m.roles.iter().map(ToString::to_string).collect(),
    )
}

async fn on_component(
    bridge: &Bridge,
    ctx: &Context,
    component: &ComponentInteraction,
) -> anyhow::Result<()> {
    let select = matches!(
        component.data.kind,
        ComponentInteractionDataKind::StringSelect { .. }
    );
    let target = Target {
        bridge,
        channel: component.channel_id,
        http: &ctx.http,
        id: component.id,
        token: &component.token,
        origin: if select {
            Origin::Select
        } else {
            Origin::Button
        },
        in_thread: false,
    };
    let (Some(m), true) = (
        component.member.as_ref(),
        component.guild_id == Some(bridge.guild_id),
    ) else {
        return target
            .refuse("This only works inside the city's server.")
            .await;
    };
    let press = Press {
        bridge,
        target: &target,
        component,
        member: m,
    };
    let card_message = component.message.id.to_string();
    match CardAction::parse(&component.data.custom_id) {
        Some(CardAction::Acknowledge { reference }) => {
            press
                .handle(reference, card_message, ButtonAction::Acknowledge)
                .await
        }
        Some(CardAction::Close { reference }) => {
            close_note_modal(&target, reference, card_message).await
        }
        Some(CardAction::Reassign { reference }) => {
            press.department_menu(&reference, &card_message).await
        }
        Some(CardAction::PickDepartment {
            reference,
            card_message,
        }) => press.pick_department(reference, card_message).await,
        Some(CardAction::CloseNote { .. }) | None => {
            target.refuse("This button is no longer in use.").await
        }
    }
}

/// A member's press on a work-order card's component, and where to answer it.
struct Press<'a> {
    bridge: &'a Bridge,
    target: &'a Target<'a>,
    component: &'a ComponentInteraction,
    member: &'a serenity::all::Member,
}

impl Press<'_> {
    /// Hands the press to the desk as a button event and answers with its reply.
    async fn handle(
        &self,
        reference: String,
        message_id: String,
        action: ButtonAction,
    ) -> anyhow::Result<()> {
        let event = ChatEvent::Button {
            channel_id: self.component.channel_id.to_string(),
            message_id,
            member: guild_member(self.member),
            reference,
            action,
        };
        self.target.answer(self.bridge.handler.handle(event)).await
    }

    /// The first page of departments to move the item to, privately to the member.
    async fn department_menu(&self, reference: &str, card_message: &str) -> anyhow::Result<()> {
        let departments = self.bridge.handler.departments();
        if departments.is_empty() {
            return self.target.refuse("No departments are configured.").await;
        }
        let pick = message(&format!("Move {reference} to which department?"))
            .components(vec![card::department_select(
                reference,
                card_message,
                &departments,
                0,
            )])
            .ephemeral(true);
        self.target
            .send(CreateInteractionResponse::Message(pick))
            .await
    }

    /// A choice from the department menu: a department (reassign), or "More…" (the next page, in place).
    async fn pick_department(&self, reference: String, card_message: String) -> anyhow::Result<()> {
        let ComponentInteractionDataKind::StringSelect { values } = &self.component.data.kind
        else {
            return self
                .target
                .refuse("Choose a department from the list.")
                .await;
        };
        let Some(value) = values.first() else {
            return self
                .target
                .refuse("Choose a department from the list.")
                .await;
        };
        let departments = self.bridge.handler.departments();
        match DepartmentPick::parse(value, &departments) {
            DepartmentPick::Department(department) => {
                let action = ButtonAction::Reassign { department };
                self.handle(reference, card_message, action).await
            }
            DepartmentPick::Page(start) => {
                let page = card::department_select(&reference, &card_message, &departments, start);
                let turn = message(&format!("Move {reference} to which department?"))
                    .components(vec![page]);
                self.target
                    .send(CreateInteractionResponse::UpdateMessage(turn))
                    .await
            }
        }
    }
}

/// Asks for the closing note in a modal; its submission closes the item.
async fn close_note_modal(
    target: &Target<'_>,
    reference: String,
    card_message: String,
) -> anyhow::Result<()> {
    let custom_id = CardAction::CloseNote {
        reference: reference.clone(),
        card_message,
    }
    .custom_id();
    let modal = CreateModal::new(custom_id, truncate(&format!("Close {reference}"), 45))
        .components(vec![card::close_note_input()]);
    target.send(CreateInteractionResponse::Modal(modal)).await
}

async fn on_modal(bridge: &Bridge, ctx: &Context, modal: &ModalInteraction) -> anyhow::Result<()> {
    let target = Target {
        bridge,
        channel: modal.channel_id,
        http: &ctx.http,
        id: modal.id,
        token: &modal.token,
        origin: Origin::Modal,
        in_thread: false,
    };
    let (Some(m), true) = (
        modal.member.as_ref(),
        modal.guild_id == Some(bridge.guild_id),
    ) else {
        return target
            .refuse("This only works inside the city's server.")
            .await;
    };
    let Some(CardAction::CloseNote {
        reference,
        card_message,
    }) = CardAction::parse(&modal.data.custom_id)
    else {
        return target.refuse("This form is no longer in use.").await;
    };
    let note = modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|component| match component {
            ActionRowComponent::InputText(input) if input.custom_id == NOTE_INPUT => {
                input.value.clone()
            }
            _ => None,
        })
        .map(|note| note.trim().to_string())
        .unwrap_or_default();
    if note.is_empty() {
        return target
            .refuse("A closing note is required: the resident reads it.")
            .await;
    }
    let event = ChatEvent::Button {
        channel_id: modal.channel_id.to_string(),
        message_id: card_message,
        member: guild_member(m),
        reference,
        action: ButtonAction::Close { note },
    };
    target.answer(bridge.handler.handle(event)).await
}
