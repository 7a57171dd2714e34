//! Checks that every object the stand-in produces deserializes into serenity's own model types,
//! since serenity silently drops gateway events it cannot parse.

use serde_json::{json, Value};
use serenity::all::{
    ButtonStyle, Command, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateMessage, CurrentUser, GuildChannel, Message, PrivateChannel,
};
use serenity::model::event::{Event, GatewayEvent};

use super::model::{self, ChannelRec, InteractionParts, TEXT_CHANNEL};
use super::state::{InteractionRec, State};
use crate::chat::Member;

fn frame(seq: usize, event: &Value) -> GatewayEvent {
    let frame = json!({"op": 0, "s": seq, "t": event["t"], "d": event["d"]});
    serde_json::from_value(frame.clone()).unwrap_or_else(|e| panic!("{e}: {frame:#}"))
}

fn world() -> (State, Member, String) {
    let mut state = State::new();
    state.gateway.session_id = Some("s".into());
    let channel = state.snowflake();
    state.channels.push(ChannelRec {
        id: channel.clone(),
        name: "roads".into(),
        kind: TEXT_CHANNEL,
        parent_id: None,
        owner_id: None,
    });
    let role = state.snowflake();
    state.roles.push((role.clone(), "staff".into()));
    let member = Member {
        id: state.snowflake(),
        name: "Ana".into(),
        roles: vec![role],
    };
    state.members.push(member.clone());
    (state, member, channel)
}

#[test]
fn gateway_dispatches_parse_as_serenity_events() {
    let (mut state, member, channel) = world();
    let ready = model::ready(
        &state.bot_user(),
        &state.guild_id,
        "s",
        "ws://x/gateway",
        &state.app_id,
    );
    state.dispatch("READY", ready);
    let guild = state.guild_create();
    state.dispatch("GUILD_CREATE", guild);
    let card = CreateMessage::new()
        .content("<@&1> hi")
        .embed(
            CreateEmbed::new()
                .title("t")
                .description("d")
                .field("a", "b", true),
        )
        .components(vec![CreateActionRow::Buttons(vec![CreateButton::new(
            "wo:ack:1",
        )
        .label("Ack")
        .style(ButtonStyle::Primary)])])
        .allowed_mentions(CreateAllowedMentions::new().roles([serenity::all::RoleId::new(1)]));
    let body = serde_json::to_value(card).unwrap();
    let posted = state.bot_message(&channel, &body, 0);
    let message_id = posted["id"].as_str().unwrap().to_string();
    state
        .open_thread(&channel, &message_id, "311-1 thread")
        .unwrap();
    state.dispatch("RESUMED", json!({"_trace": []}));
    let chan = state.channel(&channel).unwrap().clone();
    let (app, guild_id) = (state.app_id.clone(), state.guild_id.clone());
    let datas = [
        (
            2,
            json!({"id": "5", "name": "311", "type": 1, "options": [{"name": "close", "type": 1, "options": [{"name": "note", "type": 3, "value": "done"}]}]}),
            None,
        ),
        (
            3,
            json!({"custom_id": "wo:ack:1", "component_type": 2}),
            Some(posted.clone()),
        ),
        (
            3,
            json!({"custom_id": "wo:dept:1:2", "component_type": 3, "values": ["roads"]}),
            Some(posted.clone()),
        ),
        (
            5,
            json!({"custom_id": "wo:note:1:2", "components": [{"type": 1, "components": [{"type": 4, "custom_id": "note", "value": "x"}]}]}),
            Some(posted.clone()),
        ),
    ];
    for (kind, data, message) in datas {
        let parts = InteractionParts {
            id: "9",
            kind,
            token: "t",
            app_id: &app,
            guild_id: &guild_id,
            channel: &chan,
            member: &member,
            data,
            message,
        };
        state.dispatch("INTERACTION_CREATE", model::interaction(parts));
    }
    let names: Vec<String> = state
        .gateway
        .log
        .iter()
        .enumerate()
        .map(|(i, event)| match frame(i + 1, event) {
            GatewayEvent::Dispatch(_, event) => match event {
                Event::Ready(_) => "READY".to_string(),
                Event::GuildCreate(g) => format!("GUILD_CREATE {}", g.guild.roles.len()),
                Event::MessageCreate(m) => format!("MESSAGE_CREATE {}", m.message.components.len()),
                Event::ThreadCreate(t) => {
                    format!("THREAD_CREATE {:?}", t.thread.parent_id.is_some())
                }
                Event::Resumed(_) => "RESUMED".into(),
                Event::InteractionCreate(i) => {
                    format!("INTERACTION_CREATE {:?}", i.interaction.kind())
                }
                other => panic!("unexpected {other:?}"),
            },
            other => panic!("not a dispatch: {other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "READY",
            "GUILD_CREATE 2",
            "MESSAGE_CREATE 1",
            "THREAD_CREATE true",
            "RESUMED",
            "INTERACTION_CREATE Command",
            "INTERACTION_CREATE Component",
            "INTERACTION_CREATE Component",
            "INTERACTION_CREATE Modal",
        ]
    );
}

#[test]
fn member_messages_carry_roles() {
    let (state, member, channel) = world();
    let extra = json!({"content": "hi", "member": model::partial_member(&member)});
    let raw = model::message(
        "7",
        &channel,
        &state.guild_id,
        model::user(&member.id, &member.name, false),
        &extra,
    );
    let message: Message = serde_json::from_value(raw).unwrap();
    assert_eq!(
        message.member.unwrap().roles[0].to_string(),
        member.roles[0]
    );
}

#[test]
fn rest_objects_parse_as_serenity_types() {
    let (mut state, _member, channel) = world();
    let _: CurrentUser = serde_json::from_value(model::current_user("1", "bot")).unwrap();
    let _: GuildChannel = serde_json::from_value(state.channel_json(&channel).unwrap()).unwrap();
    let posted = state.bot_message(&channel, &json!({"content": "x"}), 0);
    let id = posted["id"].as_str().unwrap().to_string();
    let thread: GuildChannel =
        serde_json::from_value(state.open_thread(&channel, &id, "t").unwrap()).unwrap();
    assert_eq!(thread.parent_id.unwrap().to_string(), channel);
    let edited: Message =
        serde_json::from_value(state.edit_message(&id, &json!({"content": "y"})).unwrap()).unwrap();
    assert_eq!(edited.content, "y");
    let body = json!({"name": "311", "description": "d", "options": []});
    let _: Command =
        serde_json::from_value(model::command("3", &state.app_id, &state.guild_id, &body)).unwrap();
    state.interactions.insert(
        "9".into(),
        InteractionRec {
            token: "t".into(),
            channel_id: channel,
            message_id: None,
            original: None,
            responses: vec![],
            dispatched: std::time::Instant::now(),
        },
    );
    state
        .interaction_callback(
            "9",
            "t",
            json!({"type": 4, "data": {"content": "ok", "flags": 64}}),
        )
        .unwrap();
    let original = state.original_message("t").unwrap();
    let _: Message = serde_json::from_value(state.message(&original).unwrap().clone()).unwrap();
    assert!(state
        .interaction_callback("9", "t", json!({"type": 4, "data": {}}))
        .is_err());
}

#[test]
fn a_dm_channel_and_its_messages_parse_as_serenity_types() {
    let (mut state, member, _channel) = world();
    let dm: PrivateChannel =
        serde_json::from_value(super::dm::open(&mut state, &member.id).unwrap()).unwrap();
    assert_eq!(dm.recipient.id.to_string(), member.id);
    let again = super::dm::open(&mut state, &member.id).unwrap();
    assert_eq!(again["id"], dm.id.to_string(), "one DM channel per member");
    let posted = state.bot_message(&dm.id.to_string(), &json!({"content": "x"}), 0);
    let message: Message = serde_json::from_value(posted).unwrap();
    assert_eq!(message.guild_id, None);
    assert!(super::dm::open(&mut state, "42").is_none(), "not a member");
}
