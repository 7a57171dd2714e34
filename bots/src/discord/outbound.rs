//! Posting to Discord over REST only (see [`super::rest`]), so the service can post while the gateway is down.

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use reqwest::Method;
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateMessage, CreateThread, EditMessage, Http, MessageId,
    RoleId,
};

use super::rest::{id_of, Refusal, Rest};
use super::DiscordConfig;
use super::{attachments, card, digest_card};
use crate::chat::{
    ChatFile, ChatOutbound, Digest, DmOutcome, FileLimits, Posted, SendError, WorkOrderCard,
};
use crate::markdown::{escape_markdown, truncate};

/// Discord's "Cannot send messages to this user": the member closed DMs from server members, blocked the bot,
/// or shares no server with it.
pub(crate) const CANNOT_MESSAGE_USER: u64 = 50007;

/// Discord's limit for a message's content.
pub(crate) const CONTENT_MAX: usize = 2000;

/// [`ChatOutbound`] over serenity's REST client. Every call is one attempt: a failure is returned
/// as a classified [`SendError`] for the service's outbox to retry or give up on.
#[derive(Clone)]
pub struct DiscordOutbound {
    http: Arc<Http>,
    rest: Rest,
}

impl DiscordOutbound {
    /// Builds the REST client; makes no network call.
    pub fn new(cfg: &DiscordConfig) -> Self {
        Self {
            http: Arc::new(cfg.http()),
            rest: Rest::new(cfg),
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

/// Whether an HTTP status from Discord is worth retrying: 429 (rate limited) and 5xx are; any other
/// 4xx means Discord refused this request itself (unknown channel, missing access, invalid body).
pub(crate) fn status_is_transient(status: u16) -> bool {
    status == 429 || !(400..500).contains(&status)
}

/// An id or text that can never be posted: retrying cannot fix it.
fn invalid(e: anyhow::Error) -> SendError {
    SendError::Permanent(e)
}

#[async_trait]
impl ChatOutbound for DiscordOutbound {
    #[tracing::instrument(skip_all, fields(request_ref = %card.reference, channel_id = %channel_id))]
    async fn post_work_order(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
    ) -> Result<Posted, SendError> {
        self.post_card(channel_id, card, page_role, &[]).await
    }

    #[tracing::instrument(skip_all, fields(request_ref = %card.reference, channel_id = %channel_id, files = files.len()))]
    async fn post_work_order_with_files(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
        files: &[ChatFile],
    ) -> Result<Posted, SendError> {
        self.post_card(channel_id, card, page_role, files).await
    }

    fn file_limits(&self) -> Option<FileLimits> {
        Some(FileLimits::DISCORD)
    }

    #[tracing::instrument(skip_all, fields(request_ref = %card.reference))]
    async fn update_work_order(
        &self,
        posted: &Posted,
        card: &WorkOrderCard,
    ) -> Result<(), SendError> {
        let edit = EditMessage::new()
            .embed(card::embed(card))
            .components(card::buttons(card))
            .allowed_mentions(no_mentions());
        self.edit(&posted.channel_id, &posted.message_id, &edit)
            .await
            .map_err(|e| e.context(format!("editing work order {}", card.reference)))
    }

    #[tracing::instrument(skip_all, fields(channel_id = %channel_id))]
    async fn post_message(&self, channel_id: &str, text: &str) -> Result<String, SendError> {
        if text.trim().is_empty() {
            return Err(invalid(anyhow::anyhow!(
                "refusing to post an empty message"
            )));
        }
        let message = CreateMessage::new()
            .content(truncate(&escape_markdown(text), CONTENT_MAX))
            .allowed_mentions(no_mentions());
        self.post(channel_id, &message).await
    }

    /// Discord's DM flow: open (or find) the DM channel with `POST /users/@me/channels {recipient_id}`, then
    /// post to it. Discord opens the channel even when the member's DMs are closed and refuses the post with
    /// 50007; that is [`DmOutcome::Closed`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    async fn send_dm(&self, user_id: &str, text: &str) -> Result<DmOutcome, SendError> {
        let user: u64 = user_id
            .trim()
            .parse()
            .ok()
            .filter(|&id| id != 0)
            .ok_or_else(|| invalid(anyhow::anyhow!("`{user_id}` is not a Discord user id")))?;
        let body = serde_json::json!({ "recipient_id": user.to_string() });
        let dm = self
            .rest
            .json(Method::POST, "/users/@me/channels", &body)
            .await
            .and_then(|answer| id_of(&answer))
            .map_err(|e| e.context(format!("opening a DM channel with {user}")))?;
        match self.post_message(&dm, text).await {
            Ok(id) => Ok(DmOutcome::Sent(id)),
            Err(e) if Refusal::of(&e).and_then(Refusal::code) == Some(CANNOT_MESSAGE_USER) => {
                tracing::info!("the member does not take direct messages");
                Ok(DmOutcome::Closed)
            }
            Err(e) => Err(e.context(format!("sending a direct message to {user}"))),
        }
    }

    #[tracing::instrument(skip_all, fields(channel_id = %channel_id))]
    async fn post_digest(&self, channel_id: &str, digest: &Digest) -> Result<String, SendError> {
        let message = CreateMessage::new()
            .embed(digest_card::digest_embed(digest))
            .allowed_mentions(no_mentions());
        self.post(channel_id, &message).await
    }

    #[tracing::instrument(skip_all, fields(channel_id = %channel_id, message_id = %message_id))]
    async fn edit_digest(
        &self,
        channel_id: &str,
        message_id: &str,
        digest: &Digest,
    ) -> Result<(), SendError> {
        let edit = EditMessage::new()
            .embed(digest_card::digest_embed(digest))
            .allowed_mentions(no_mentions());
        self.edit(channel_id, message_id, &edit).await
    }
}

impl DiscordOutbound {
    /// Posts a card (with its files, as multipart) and opens its thread.
    async fn post_card(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
        files: &[ChatFile],
    ) -> Result<Posted, SendError> {
        let channel = parse_channel(channel_id).map_err(invalid)?;
        let names: Vec<String> = files
            .iter()
            .map(|f| attachments::safe_name(&f.filename))
            .collect();
        let mut embed = card::embed(card);
        if card.photo.is_none() {
            if let Some(image) = attachments::first_image(files, &names) {
                embed = embed.image(format!("attachment://{image}"));
            }
        }
        let mut message = CreateMessage::new()
            .embed(embed)
            .components(card::buttons(card));
        message = match page_role {
            Some(role) => {
                let role = parse_role(role).map_err(invalid)?;
                let reference = escape_markdown(&card.reference);
                message
                    .content(format!("<@&{role}> 🚨 Emergency work order {reference}"))
                    .allowed_mentions(no_mentions().roles([role]))
            }
            None => message.allowed_mentions(no_mentions()),
        };
        let path = format!("/channels/{channel}/messages");
        let body = attachments::body(&message, files, &names)?;
        let posted = self
            .rest
            .send(Method::POST, &path, body)
            .await
            .and_then(|answer| id_of(&answer))
            .map_err(|e| {
                e.context(format!(
                    "posting work order {} to channel {channel}",
                    card.reference
                ))
            })?;
        let thread_id = self.open_thread(channel, &posted, card).await;
        Ok(Posted {
            channel_id: channel.to_string(),
            message_id: posted,
            thread_id,
        })
    }

    /// Opens the card's thread. The card is out: failing here must not make the outbox post it twice.
    async fn open_thread(
        &self,
        channel: ChannelId,
        posted: &str,
        card: &WorkOrderCard,
    ) -> Option<String> {
        let thread = CreateThread::new(card::thread_name(&card.reference, &card.title));
        let path = format!("/channels/{channel}/messages/{posted}/threads");
        match self
            .rest
            .json(Method::POST, &path, &thread)
            .await
            .and_then(|a| id_of(&a))
        {
            Ok(thread) => Some(thread),
            Err(err) => {
                tracing::warn!(
                    error = format!("{err:#}"),
                    "work order posted but its thread could not be opened"
                );
                None
            }
        }
    }

    /// Posts one message; returns its id.
    async fn post(&self, channel_id: &str, message: &CreateMessage) -> Result<String, SendError> {
        let channel = parse_channel(channel_id).map_err(invalid)?;
        self.rest
            .json(
                Method::POST,
                &format!("/channels/{channel}/messages"),
                message,
            )
            .await
            .and_then(|answer| id_of(&answer))
            .map_err(|e| e.context(format!("posting a message to channel {channel}")))
    }

    /// Edits one of the bot's messages.
    async fn edit(
        &self,
        channel_id: &str,
        message_id: &str,
        edit: &EditMessage,
    ) -> Result<(), SendError> {
        let channel = parse_channel(channel_id).map_err(invalid)?;
        let message = parse_message(message_id).map_err(invalid)?;
        let path = format!("/channels/{channel}/messages/{message}");
        self.rest
            .json(Method::PATCH, &path, edit)
            .await
            .map(drop)
            .map_err(|e| e.context(format!("editing message {message} in channel {channel}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_statuses_are_classified() {
        for (status, transient) in [
            (400, false),
            (401, false),
            (403, false),
            (404, false),
            (413, false),
            (429, true),
            (500, true),
            (502, true),
            (503, true),
        ] {
            assert_eq!(status_is_transient(status), transient, "{status}");
        }
    }

    #[test]
    fn ids_that_cannot_be_posted_to_are_permanent() {
        assert!(parse_channel("general")
            .map_err(invalid)
            .unwrap_err()
            .is_permanent());
    }
}
