//! Gateway events → [`ChatEvent`]s: the serenity event handler, member and thread-parent lookup,
//! and replies to plain messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serenity::all::{
    ChannelId, ChannelType, Context, CreateMessage, CreateThread, EventHandler, Guild,
    GuildChannel, GuildId, Http, Interaction, Message, PartialChannel, Ready, ResumedEvent, User,
};

use super::outbound::{no_mentions, CONTENT_MAX};
use super::replay::{self, Watched};
use super::{command, interactions, DiscordConfig, GatewayObserver};
use crate::chat::{ChatEvent, ChatHandler, ChatReply, Member};
use crate::markdown::truncate;

/// The serenity event handler that bridges Discord to a [`ChatHandler`].
pub(crate) struct Bridge {
    pub(crate) handler: Arc<dyn ChatHandler>,
    pub(crate) guild_id: GuildId,
    /// channel → parent channel if it is a thread, `None` if it is not. Parents never change.
    parents: Mutex<HashMap<ChannelId, Option<ChannelId>>>,
    /// Told when the gateway is ready or resumed.
    observer: Arc<dyn GatewayObserver>,
    /// The service's intake channel, always watched for missed messages.
    pub(crate) intake: Option<ChannelId>,
    /// The last message seen per watched channel, to replay what an outage hid.
    pub(crate) watched: Watched,
}

impl Bridge {
    pub(crate) fn new(
        cfg: &DiscordConfig,
        handler: Arc<dyn ChatHandler>,
        observer: Arc<dyn GatewayObserver>,
    ) -> Self {
        Self {
            handler,
            guild_id: GuildId::new(cfg.guild_id),
            parents: Mutex::new(HashMap::new()),
            observer,
            intake: cfg
                .intake_channel
                .as_deref()
                .and_then(|c| super::outbound::parse_channel(c).ok()),
            watched: Watched::default(),
        }
    }

    fn remember(&self, channel: &GuildChannel) {
        let parent = is_thread(channel.kind)
            .then_some(channel.parent_id)
            .flatten();
        self.parents
            .lock()
            .expect("parents lock")
            .insert(channel.id, parent);
    }

    /// The parent channel when `channel` is a thread: from what the gateway told us, else from
    /// the interaction's partial channel, else one REST lookup.
    pub(crate) async fn thread_parent(
        &self,
        http: &Http,
        channel: ChannelId,
        partial: Option<&PartialChannel>,
    ) -> Option<ChannelId> {
        if let Some(known) = self.parents.lock().expect("parents lock").get(&channel) {
            return *known;
        }
        if let Some(partial) = partial.filter(|p| p.id == channel) {
            let parent = is_thread(partial.kind)
                .then_some(partial.parent_id)
                .flatten();
            self.parents
                .lock()
                .expect("parents lock")
                .insert(channel, parent);
            return parent;
        }
        match http.get_channel(channel).await {
            Ok(serenity::all::Channel::Guild(found)) => {
                self.remember(&found);
                is_thread(found.kind).then_some(found.parent_id).flatten()
            }
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(%channel, error = %err, "cannot tell whether the channel is a thread");
                None
            }
        }
    }

    async fn on_message(&self, ctx: &Context, msg: &Message) {
        if msg.guild_id != Some(self.guild_id) {
            return;
        }
        let roles = msg
            .member
            .as_ref()
            .map(|m| m.roles.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let nick = msg.member.as_ref().and_then(|m| m.nick.clone());
        let author = member(&msg.author, nick, roles);
        self.handle_message(ctx, msg, author).await;
    }

    /// A message read from the channel history after an outage (REST messages carry no member: the roles
    /// are looked up).
    pub(crate) async fn replay(&self, ctx: &Context, msg: Message) {
        let author = match self.guild_id.member(&ctx.http, msg.author.id).await {
            Ok(m) => member(
                &msg.author,
                m.nick.clone(),
                m.roles.iter().map(ToString::to_string).collect(),
            ),
            Err(err) => {
                tracing::warn!(message_id = %msg.id, error = %err, "replaying a message without its author's roles");
                member(&msg.author, None, Vec::new())
            }
        };
        self.handle_message(ctx, &msg, author).await;
    }

    async fn handle_message(&self, ctx: &Context, msg: &Message, author: Member) {
        let thread_parent = self.thread_parent(&ctx.http, msg.channel_id, None).await;
        if thread_parent.is_some() || Some(msg.channel_id) == self.intake {
            self.watched.seen(msg.channel_id, msg.id);
        }
        if msg.author.bot || msg.webhook_id.is_some() {
            return;
        }
        let event = ChatEvent::Message {
            channel_id: msg.channel_id.to_string(),
            thread_parent: thread_parent.map(|p| p.to_string()),
            message_id: msg.id.to_string(),
            author,
            text: msg.content.clone(),
        };
        let reply = self.handler.handle(event).await;
        if let Err(err) = reply_to_message(&ctx.http, msg, thread_parent.is_some(), reply).await {
            tracing::warn!(message_id = %msg.id, error = %format!("{err:#}"), "could not answer a chat message");
        }
    }
}

fn is_thread(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}

/// A chat [`Member`]: display name is the guild nickname, else the global name, else the username.
pub(crate) fn member(user: &User, nick: Option<String>, roles: Vec<String>) -> Member {
    let name = nick
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Member {
        id: user.id.to_string(),
        name,
        roles,
    }
}

/// Markdown the adapter sends on the handler's behalf (already escaped where untrusted): bounded, never empty.
pub(crate) fn reply_text(text: &str) -> String {
    let text = truncate(text, CONTENT_MAX);
    if text.trim().is_empty() {
        "…".into()
    } else {
        text
    }
}

/// A plain message gets a plain reply (there is no ephemeral for messages); a thread reply opens a
/// thread on the member's message, unless the message is already inside a thread.
async fn reply_to_message(
    http: &Http,
    msg: &Message,
    in_thread: bool,
    reply: ChatReply,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    match reply {
        ChatReply::Nothing => Ok(()),
        ChatReply::Reply { text, .. } => {
            let answer = CreateMessage::new()
                .content(reply_text(text.as_str()))
                .reference_message(msg)
                .allowed_mentions(no_mentions());
            msg.channel_id
                .send_message(http, answer)
                .await
                .context("replying")?;
            Ok(())
        }
        ChatReply::Thread { name, text, .. } => {
            let target = if in_thread {
                msg.channel_id
            } else {
                let thread = CreateThread::new(super::card::thread_name(&name, ""));
                msg.channel_id
                    .create_thread_from_message(http, msg.id, thread)
                    .await
                    .context("opening a thread on the member's message")?
                    .id
            };
            let answer = CreateMessage::new()
                .content(reply_text(text.as_str()))
                .allowed_mentions(no_mentions());
            target
                .send_message(http, answer)
                .await
                .context("answering in the thread")?;
            Ok(())
        }
    }
}

#[serenity::async_trait]
impl EventHandler for Bridge {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, session = %ready.session_id, "Discord gateway ready");
        self.observer.connected();
        let command = command::command_definition(&self.handler.departments());
        match self.guild_id.set_commands(&ctx.http, vec![command]).await {
            Ok(commands) => tracing::info!(count = commands.len(), "registered /311 in the guild"),
            Err(err) => tracing::error!(error = %err, "could not register /311 in the guild"),
        }
        replay::on_ready(self, &ctx).await;
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        self.observer.connected();
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        if guild.id != self.guild_id {
            return;
        }
        for channel in guild.channels.values().chain(guild.threads.iter()) {
            self.remember(channel);
        }
    }

    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        self.remember(&thread);
        self.watched.thread(thread.id);
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(&ctx, &msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        interactions::dispatch(self, &ctx, interaction).await;
    }
}
