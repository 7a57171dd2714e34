//! The stand-in's direct messages, as Discord does them: `POST /users/@me/channels {recipient_id}` opens (or
//! finds) the DM channel with a member, and posting to it is refused with 403 / 50007 "Cannot send messages to
//! this user" when the member closed their DMs (a test says so with [`super::StandIn::close_dms`]).

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::model::{self, ChannelRec, DM_CHANNEL};
use super::rest::{error, S};
use super::state::State;

/// Discord's error for a post the recipient does not take.
pub(super) fn cannot_message_user() -> Response {
    error(
        StatusCode::FORBIDDEN,
        50007,
        "Cannot send messages to this user",
    )
}

/// `POST /users/@me/channels`: the DM channel with `recipient_id`, opened on first use.
pub(super) async fn open_dm(AxumState(shared): S, Json(body): Json<Value>) -> Response {
    let Some(recipient) = body["recipient_id"]
        .as_str()
        .map(str::to_string)
        .or_else(|| body["recipient_id"].as_u64().map(|n| n.to_string()))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            50035,
            "Invalid Form Body (recipient_id is required)",
        );
    };
    match open(&mut shared.lock(), &recipient) {
        Some(channel) => Json(channel).into_response(),
        None => error(StatusCode::BAD_REQUEST, 50033, "Invalid Recipient(s)"),
    }
}

/// The DM channel object with member `recipient`, opened on first use; `None` for someone not in the guild.
pub(crate) fn open(state: &mut State, recipient: &str) -> Option<Value> {
    let member = state.members.iter().find(|m| m.id == recipient).cloned()?;
    let id = match dm_channel_of(state, recipient) {
        Some(id) => id,
        None => {
            let id = state.snowflake();
            state.channels.push(ChannelRec {
                id: id.clone(),
                name: String::new(),
                kind: DM_CHANNEL,
                parent_id: None,
                owner_id: Some(recipient.to_string()),
            });
            id
        }
    };
    let user = model::user(&member.id, &member.name, false);
    Some(json!({
        "id": id, "type": DM_CHANNEL, "last_message_id": null, "flags": 0, "recipients": [user],
    }))
}

/// The DM channel already opened with `user`, if any.
pub(crate) fn dm_channel_of(state: &State, user: &str) -> Option<String> {
    state
        .channels
        .iter()
        .find(|c| c.kind == DM_CHANNEL && c.owner_id.as_deref() == Some(user))
        .map(|c| c.id.clone())
}

/// Whether posting to `channel` is refused: a DM channel whose member closed their DMs.
pub(super) fn refused(state: &State, channel: &str) -> bool {
    state.channel(channel).is_some_and(|c| {
        c.kind == DM_CHANNEL
            && c.owner_id
                .as_ref()
                .is_some_and(|u| state.dms_closed.contains(u))
    })
}
