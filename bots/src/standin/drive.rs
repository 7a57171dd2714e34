//! Acting as the guild: creating channels, roles and members, and making members talk, run
//! `/311`, click buttons, submit modals and pick from selects (each a gateway dispatch).

use anyhow::Context as _;
use serde_json::{json, Value};

use super::model::{self, ChannelRec, InteractionParts, TEXT_CHANNEL};
use super::state::InteractionRec;
use super::StandIn;
use crate::chat::Member;

/// Discord's interaction types.
const APPLICATION_COMMAND: u8 = 2;
const MESSAGE_COMPONENT: u8 = 3;
const MODAL_SUBMIT: u8 = 5;
const APPLICATION_COMMAND_AUTOCOMPLETE: u8 = 4;

impl StandIn {
    /// A new text channel; returns its id.
    pub fn add_channel(&self, name: &str) -> String {
        let id = {
            let mut state = self.shared.lock();
            let id = state.snowflake();
            let rec = ChannelRec {
                id: id.clone(),
                name: name.into(),
                kind: TEXT_CHANNEL,
                parent_id: None,
                owner_id: None,
            };
            let channel = model::channel(&rec, &state.guild_id);
            state.channels.push(rec);
            state.dispatch("CHANNEL_CREATE", channel);
            id
        };
        self.shared.bump();
        id
    }

    /// A new role; returns its id.
    pub fn add_role(&self, name: &str) -> String {
        let mut state = self.shared.lock();
        let id = state.snowflake();
        state.roles.push((id.clone(), name.into()));
        id
    }

    /// A new guild member holding `roles` (role ids).
    pub fn add_member(&self, name: &str, roles: &[&str]) -> Member {
        let mut state = self.shared.lock();
        let member = Member {
            id: state.snowflake(),
            name: name.into(),
            roles: roles.iter().map(ToString::to_string).collect(),
        };
        state.members.push(member.clone());
        member
    }

    /// `member` posts `text` in a channel or thread (MESSAGE_CREATE with `member.roles`);
    /// returns the message id.
    pub fn say(&self, member: &Member, channel_id: &str, text: &str) -> String {
        let id = {
            let mut state = self.shared.lock();
            let id = state.snowflake();
            let extra = json!({"content": text, "member": model::partial_member(member)});
            let author = model::user(&member.id, &member.name, false);
            let message = model::message(&id, channel_id, &state.guild_id.clone(), author, &extra);
            state.messages.push(message.clone());
            state.dispatch("MESSAGE_CREATE", message);
            id
        };
        self.shared.bump();
        id
    }

    /// `member` runs `/311 <sub>` with string `options` in a channel or thread; returns the
    /// interaction id.
    pub fn slash(
        &self,
        member: &Member,
        channel_id: &str,
        sub: &str,
        options: &[(&str, &str)],
    ) -> String {
        let options: Vec<Value> = options
            .iter()
            .map(|(name, value)| json!({"name": name, "type": 3, "value": value}))
            .collect();
        let data = self.command_data(sub, options);
        self.interact(member, channel_id, APPLICATION_COMMAND, data, None)
            .expect("slash commands need an existing channel")
    }

    /// `member` is typing `/311 <sub>` with string `options` so far, the cursor in option `focused`: Discord
    /// asks the bot for autocomplete choices; returns the interaction id.
    pub fn autocomplete(
        &self,
        member: &Member,
        channel_id: &str,
        sub: &str,
        options: &[(&str, &str)],
        focused: &str,
    ) -> String {
        let options: Vec<Value> = options
            .iter()
            .map(|(name, value)| {
                json!({"name": name, "type": 3, "value": value, "focused": *name == focused})
            })
            .collect();
        let data = self.command_data(sub, options);
        self.interact(
            member,
            channel_id,
            APPLICATION_COMMAND_AUTOCOMPLETE,
            data,
            None,
        )
        .expect("autocomplete needs an existing channel")
    }

    /// The data of `/311 <sub>` with these options, naming the registered command.
    fn command_data(&self, sub: &str, options: Vec<Value>) -> Value {
        let state = self.shared.lock();
        let command_id = state
            .commands
            .iter()
            .find(|c| c["name"] == "311")
            .map_or(json!("1"), |c| c["id"].clone());
        json!({
            "id": command_id, "name": "311", "type": 1, "guild_id": state.guild_id.clone(),
            "options": [{"name": sub, "type": 1, "options": options}],
        })
    }

    /// `member` clicks the button `custom_id` on a message; returns the interaction id.
    pub fn click(
        &self,
        member: &Member,
        message_id: &str,
        custom_id: &str,
    ) -> anyhow::Result<String> {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.on_message(member, message_id, data)
    }

    /// `member` picks `values` in the string select `custom_id` on a message; returns the
    /// interaction id.
    pub fn select(
        &self,
        member: &Member,
        message_id: &str,
        custom_id: &str,
        values: &[&str],
    ) -> anyhow::Result<String> {
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.on_message(member, message_id, data)
    }

    /// `member` submits the modal the bot opened with `custom_id`, text inputs set to `fields`;
    /// returns the interaction id.
    pub fn submit_modal(
        &self,
        member: &Member,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let (channel_id, message) = {
            let state = self.shared.lock();
            let opener = state
                .modals
                .get(custom_id)
                .context("the bot opened no modal with that custom id")?;
            let opener = &state.interactions[opener];
            let message = opener
                .message_id
                .as_deref()
                .and_then(|id| state.message(id))
                .cloned();
            (opener.channel_id.clone(), message)
        };
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        self.interact(member, &channel_id, MODAL_SUBMIT, data, message)
    }

    fn on_message(&self, member: &Member, message_id: &str, data: Value) -> anyhow::Result<String> {
        let message = self
            .message(message_id)
            .context("no message with that id")?;
        let channel_id = message["channel_id"]
            .as_str()
            .context("message without channel")?
            .to_string();
        self.interact(member, &channel_id, MESSAGE_COMPONENT, data, Some(message))
    }

    fn interact(
        &self,
        member: &Member,
        channel_id: &str,
        kind: u8,
        data: Value,
        message: Option<Value>,
    ) -> anyhow::Result<String> {
        let id = {
            let mut state = self.shared.lock();
            let channel = state
                .channel(channel_id)
                .context("no channel with that id")?
                .clone();
            let id = state.snowflake();
            let token = format!("standin-token-{id}");
            let message_id = message
                .as_ref()
                .and_then(|m| m["id"].as_str())
                .map(str::to_string);
            let (app_id, guild_id) = (state.app_id.clone(), state.guild_id.clone());
            let interaction = model::interaction(InteractionParts {
                id: &id,
                kind,
                token: &token,
                app_id: &app_id,
                guild_id: &guild_id,
                channel: &channel,
                member,
                data,
                message,
            });
            let rec = InteractionRec {
                token,
                channel_id: channel_id.into(),
                message_id,
                original: None,
                responses: Vec::new(),
                dispatched: std::time::Instant::now(),
            };
            state.interactions.insert(id.clone(), rec);
            state.dispatch("INTERACTION_CREATE", interaction);
            id
        };
        self.shared.bump();
        Ok(id)
    }
}
