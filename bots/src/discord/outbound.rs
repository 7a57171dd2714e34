//! Posting to Discord over REST only, so the service can post while the gateway is down.

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateMessage, CreateThread, EditMessage, Http, MessageId,
    RoleId,
};

use super::card;
use super::DiscordConfig;
use crate::chat::{ChatOutbound, Posted, WorkOrderCard};
use crate::markdown::{escape_markdown, truncate};

/// Discord's limit for a message's content.
pub(crate) const CONTENT_MAX: usize = 2000;

/// [`ChatOutbound`] over serenity's REST client. Every call is one attempt: a failure is returned
/// as `Err` for the service's outbox to retry.
#[derive(Clone)]
pub struct DiscordOutbound {
    http: Arc<Http>,
}

impl DiscordOutbound {
    /// Builds the REST client; makes no network call.
    pub fn new(cfg: &DiscordConfig) -> Self {
        Self {
            http: Arc::new(cfg.http()),
        }
    }

    /// The underlying serenity client, for anything the trait does not cover.
    pub fn http(&self) -> Arc<Http> {
        Arc::clone(&self.http)
    }
}

/// Mentions nobody: no users, no roles, no @everyone, no replied user.
pub(crate) fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().replied_user(false)
}

pub(crate) fn parse_channel(id: &str) -> anyhow::Result<ChannelId> {
    let raw: u64 = id
        .trim()
        .parse()
        .with_context(|| format!("`{id}` is not a Discord channel id"))?;
    anyhow::ensure!(raw != 0, "`{id}` is not a Discord channel id");
    Ok(ChannelId::new(raw))
}

fn parse_message(id: &str) -> anyhow::Result<MessageId> {
    let raw: u64 = id
        .trim()
        .parse()
        .with_context(|| format!("`{id}` is not a Discord message id"))?;
    anyhow::ensure!(raw != 0, "`{id}` is not a Discord message id");
    Ok(MessageId::new(raw))
}

fn parse_role(id: &str) -> anyhow::Result<RoleId> {
    let raw: u64 = id
        .trim()
        .parse()
        .with_context(|| format!("`{id}` is not a Discord role id"))?;
    anyhow::ensure!(raw != 0, "`{id}` is not a Discord role id");
    Ok(RoleId::new(raw))
}

#[async_trait]
impl ChatOutbound for DiscordOutbound {
    #[tracing::instrument(skip_all, fields(request_ref = %card.reference, channel_id = %channel_id))]
    async fn post_work_order(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
    ) -> anyhow::Result<Posted> {
        let channel = parse_channel(channel_id)?;
        let mut message = CreateMessage::new()
            .embed(card::embed(card))
            .components(card::buttons(card));
        message = match page_role {
            Some(role) => {
                let role = parse_role(role)?;
                let reference = escape_markdown(&card.reference);
                message
                    .content(format!("<@&{role}> 🚨 Emergency work order {reference}"))
                    .allowed_mentions(no_mentions().roles([role]))
            }
            None => message.allowed_mentions(no_mentions()),
        };
        let posted = channel
            .send_message(&self.http, message)
            .await
            .with_context(|| {
                format!("posting work order {} to channel {channel}", card.reference)
            })?;
        // The card is out; failing to open its thread must not make the outbox post it twice.
        let thread = CreateThread::new(card::thread_name(&card.reference, &card.title));
        let thread_id = match channel
            .create_thread_from_message(&self.http, posted.id, thread)
            .await
        {
            Ok(thread) => Some(thread.id.to_string()),
            Err(err) => {
                tracing::warn!(error = %err, "work order posted but its thread could not be opened");
                None
            }
        };
        Ok(Posted {
            channel_id: channel.to_string(),
            message_id: posted.id.to_string(),
            thread_id,
        })
    }

    #[tracing::instrument(skip_all, fields(request_ref = %card.reference))]
    async fn update_work_order(&self, posted: &Posted, card: &WorkOrderCard) -> anyhow::Result<()> {
        let channel = parse_channel(&posted.channel_id)?;
        let message = parse_message(&posted.message_id)?;
        let edit = EditMessage::new()
            .embed(card::embed(card))
            .components(card::buttons(card))
            .allowed_mentions(no_mentions());
        channel
            .edit_message(&self.http, message, edit)
            .await
            .with_context(|| {
                format!("editing work order {} (message {message})", card.reference)
            })?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(channel_id = %channel_id))]
    async fn post_message(&self, channel_id: &str, text: &str) -> anyhow::Result<String> {
        let channel = parse_channel(channel_id)?;
        anyhow::ensure!(!text.trim().is_empty(), "refusing to post an empty message");
        let message = CreateMessage::new()
            .content(truncate(&escape_markdown(text), CONTENT_MAX))
            .allowed_mentions(no_mentions());
        let posted = channel
            .send_message(&self.http, message)
            .await
            .with_context(|| format!("posting a message to channel {channel}"))?;
        Ok(posted.id.to_string())
    }
}
