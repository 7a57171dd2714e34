//! The stand-in's recorded world: guild, channels, messages, interactions, the gateway session,
//! and the operations REST handlers and test drivers share.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::model::{self, ChannelRec, DM_CHANNEL, EPHEMERAL, PUBLIC_THREAD};
use super::ratelimit::Limiter;
use crate::chat::Member;

/// One interaction the stand-in sent, and what the bot answered.
#[derive(Debug, Clone)]
pub(crate) struct InteractionRec {
    pub token: String,
    pub channel_id: String,
    /// The message the interaction's component sits on, if any.
    pub message_id: Option<String>,
    /// The message created by answering (type 4 / 5), if any.
    pub original: Option<String>,
    pub responses: Vec<Value>,
    /// When it was dispatched: the first answer is due within [`ANSWER_WITHIN`], and the token (edits of
    /// the original answer, follow-ups) lives [`TOKEN_LIFETIME`].
    pub dispatched: Instant,
}

/// Discord: "you must send an initial response within 3 seconds of receiving the event".
pub(crate) const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// Discord: "interaction tokens are valid for 15 minutes".
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Why the stand-in refused an answer to an interaction, as Discord answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// HTTP 404, code 10062: no initial answer within 3 s (or no such interaction).
    UnknownInteraction,
    /// HTTP 401, code 50027: the token's 15 minutes are over.
    InvalidWebhookToken,
    /// HTTP 400, code 40060 and the reason: already answered, or a malformed answer.
    Invalid(&'static str),
}

#[derive(Debug, Default)]
pub(crate) struct Gateway {
    pub session_id: Option<String>,
    /// Dispatches of the current session; the sequence number of `log[i]` is `i + 1`.
    pub log: Vec<Value>,
    pub identifies: u32,
    pub resumes: u32,
    pub connected: u32,
}

#[derive(Debug)]
pub(crate) struct State {
    next_id: u64,
    pub guild_id: String,
    pub app_id: String,
    pub bot_id: String,
    pub channels: Vec<ChannelRec>,
    pub roles: Vec<(String, String)>,
    pub members: Vec<Member>,
    pub messages: Vec<Value>,
    pub commands: Vec<Value>,
    pub interactions: HashMap<String, InteractionRec>,
    /// Modal custom id → the interaction that opened it.
    pub modals: HashMap<String, String>,
    pub gateway: Gateway,
    pub requests: Vec<String>,
    pub limits: Limiter,
    /// Uploaded files' bytes by attachment id.
    pub files: HashMap<String, Vec<u8>>,
    /// Members who do not take direct messages from the bot.
    pub dms_closed: std::collections::HashSet<String>,
}

impl State {
    pub(crate) fn new() -> Self {
        let mut state = Self {
            next_id: 1_300_000_000_000_000_000,
            guild_id: String::new(),
            app_id: String::new(),
            bot_id: String::new(),
            channels: Vec::new(),
            roles: Vec::new(),
            members: Vec::new(),
            messages: Vec::new(),
            commands: Vec::new(),
            interactions: HashMap::new(),
            modals: HashMap::new(),
            gateway: Gateway::default(),
            requests: Vec::new(),
            limits: Limiter::new(),
            files: HashMap::new(),
            dms_closed: Default::default(),
        };
        state.guild_id = state.snowflake();
        state.app_id = state.snowflake();
        state.bot_id = state.app_id.clone();
        state
    }

    pub(crate) fn snowflake(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    pub(crate) fn bot_user(&self) -> Value {
        model::user(&self.bot_id, "connect311", true)
    }

    pub(crate) fn channel(&self, id: &str) -> Option<&ChannelRec> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub(crate) fn channel_json(&self, id: &str) -> Option<Value> {
        self.channel(id).map(|c| model::channel(c, &self.guild_id))
    }

    pub(crate) fn message_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.messages.iter_mut().find(|m| m["id"] == id)
    }

    pub(crate) fn message(&self, id: &str) -> Option<&Value> {
        self.messages.iter().find(|m| m["id"] == id)
    }

    /// Queues a gateway dispatch for the current session (lost if no session, like a real outage
    /// longer than the resume window).
    pub(crate) fn dispatch(&mut self, t: &str, d: Value) {
        if self.gateway.session_id.is_some() {
            self.gateway.log.push(json!({"t": t, "d": d}));
        }
    }

    pub(crate) fn guild_create(&self) -> Value {
        let (threads, channels): (Vec<_>, Vec<_>) = self
            .channels
            .iter()
            .filter(|c| c.kind != DM_CHANNEL)
            .partition(|c| c.kind == PUBLIC_THREAD);
        let mut roles = vec![model::role(&self.guild_id, "@everyone", 0)];
        roles.extend(self.roles.iter().map(|(id, name)| model::role(id, name, 1)));
        let bot = Member {
            id: self.bot_id.clone(),
            name: "connect311".into(),
            roles: vec![],
        };
        let mut members: Vec<Value> = self
            .members
            .iter()
            .map(|m| model::guild_member(m, &self.guild_id))
            .collect();
        let mut bot_member = model::guild_member(&bot, &self.guild_id);
        bot_member["user"] = self.bot_user();
        members.push(bot_member);
        model::guild_create(model::GuildParts {
            id: &self.guild_id,
            owner_id: &self.bot_id,
            channels: channels
                .iter()
                .map(|c| model::channel(c, &self.guild_id))
                .collect(),
            threads: threads
                .iter()
                .map(|c| model::channel(c, &self.guild_id))
                .collect(),
            roles,
            members,
        })
    }

    /// A message authored by the bot from a REST body (create message, interaction answer).
    pub(crate) fn bot_message(&mut self, channel_id: &str, body: &Value, flags: u64) -> Value {
        let id = self.snowflake();
        let mut extra = json!({"flags": flags});
        for key in [
            "content",
            "embeds",
            "components",
            "allowed_mentions",
            "message_reference",
            "tts",
            "attachments",
        ] {
            if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
                extra[key] = value.clone();
            }
        }
        if body.get("message_reference").is_some_and(|r| !r.is_null()) {
            extra["type"] = json!(19);
        }
        let mut message = model::message(&id, channel_id, &self.guild_id, self.bot_user(), &extra);
        if self
            .channel(channel_id)
            .is_some_and(|c| c.kind == DM_CHANNEL)
        {
            // A DM is in no guild.
            if let Some(fields) = message.as_object_mut() {
                fields.remove("guild_id");
            }
        }
        self.resolve_pings(&mut message);
        self.messages.push(message.clone());
        if flags & EPHEMERAL == 0 {
            self.dispatch("MESSAGE_CREATE", message.clone());
        }
        message
    }

    /// Applies a PATCH body to a stored message, as Discord's edit endpoints do.
    pub(crate) fn edit_message(&mut self, id: &str, body: &Value) -> Option<Value> {
        let stored = self.message_mut(id)?;
        for key in [
            "content",
            "embeds",
            "components",
            "allowed_mentions",
            "flags",
        ] {
            if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
                stored[key] = value.clone();
            }
        }
        stored["edited_timestamp"] = json!(model::now());
        let mut edited = stored.clone();
        self.resolve_pings(&mut edited);
        *self.message_mut(id)? = edited.clone();
        Some(edited)
    }

    fn resolve_pings(&self, message: &mut Value) {
        let pings = model::pings(
            message["content"].as_str().unwrap_or(""),
            message.get("allowed_mentions"),
        );
        let users: Vec<Value> = pings
            .users
            .iter()
            .map(|id| match self.members.iter().find(|m| &m.id == id) {
                Some(m) => model::user(&m.id, &m.name, false),
                None => model::user(id, "unknown", false),
            })
            .collect();
        message["mention_everyone"] = json!(pings.everyone);
        message["mentions"] = json!(users);
        message["mention_roles"] = json!(pings.roles);
    }

    /// Opens a public thread on a message; like Discord, the thread's id is the message's id.
    pub(crate) fn open_thread(
        &mut self,
        channel_id: &str,
        message_id: &str,
        name: &str,
    ) -> Option<Value> {
        if self.channel(message_id).is_some()
            || self.message(message_id)?["channel_id"] != channel_id
        {
            return None;
        }
        let rec = ChannelRec {
            id: message_id.to_string(),
            name: name.to_string(),
            kind: PUBLIC_THREAD,
            parent_id: Some(channel_id.to_string()),
            owner_id: Some(self.bot_id.clone()),
        };
        self.channels.push(rec.clone());
        let thread = model::channel(&rec, &self.guild_id);
        if let Some(starter) = self.message_mut(message_id) {
            starter["thread"] = thread.clone();
        }
        let mut event = thread.clone();
        event["newly_created"] = json!(true);
        self.dispatch("THREAD_CREATE", event);
        Some(thread)
    }

    /// Records an interaction callback and applies its effect (message created, updated, modal).
    pub(crate) fn interaction_callback(
        &mut self,
        id: &str,
        token: &str,
        body: Value,
    ) -> Result<(), Refusal> {
        let rec = self
            .interactions
            .get(id)
            .filter(|r| r.token == token && r.dispatched.elapsed() <= ANSWER_WITHIN)
            .cloned()
            .ok_or(Refusal::UnknownInteraction)?;
        if !rec.responses.is_empty() {
            return Err(Refusal::Invalid(
                "interaction has already been acknowledged",
            ));
        }
        self.answer_interaction(id, &rec, body)
            .map_err(Refusal::Invalid)
    }

    /// The interaction whose token is `token`, while the token lives.
    pub(crate) fn live_token(&self, token: &str) -> Result<&InteractionRec, Refusal> {
        let rec = self
            .interactions
            .values()
            .find(|r| r.token == token)
            .ok_or(Refusal::UnknownInteraction)?;
        if rec.dispatched.elapsed() > TOKEN_LIFETIME {
            return Err(Refusal::InvalidWebhookToken);
        }
        Ok(rec)
    }

    fn answer_interaction(
        &mut self,
        id: &str,
        rec: &InteractionRec,
        body: Value,
    ) -> Result<(), &'static str> {
        let data = body.get("data").cloned().unwrap_or(json!({}));
        let flags = data["flags"].as_u64().unwrap_or(0);
        match body["type"].as_u64() {
            Some(4) => {
                let message = self.bot_message(&rec.channel_id, &data, flags);
                self.set_original(id, &message);
            }
            Some(5) => {
                let message =
                    self.bot_message(&rec.channel_id, &json!({"content": ""}), flags | 128);
                self.set_original(id, &message);
            }
            Some(6) => {}
            Some(7) => {
                let target = rec.message_id.clone().ok_or("no message to update")?;
                self.edit_message(&target, &data).ok_or("unknown message")?;
            }
            // Autocomplete choices change no message; they are only recorded.
            Some(8) => {}
            Some(9) => {
                let custom_id = data["custom_id"]
                    .as_str()
                    .ok_or("modal without custom_id")?;
                self.modals.insert(custom_id.to_string(), id.to_string());
            }
            _ => return Err("unsupported interaction response type"),
        }
        if let Some(rec) = self.interactions.get_mut(id) {
            rec.responses.push(body);
        }
        Ok(())
    }

    fn set_original(&mut self, interaction: &str, message: &Value) {
        if let Some(rec) = self.interactions.get_mut(interaction) {
            rec.original = message["id"].as_str().map(str::to_string);
        }
    }

    /// The message `@original` refers to for an interaction token.
    pub(crate) fn original_message(&self, token: &str) -> Option<String> {
        let rec = self.interactions.values().find(|r| r.token == token)?;
        rec.original.clone().or_else(|| rec.message_id.clone())
    }
}
