//! Direct messages to the person who filed an internal request from chat (`[discord] requester_dm`): sent by
//! the chat adapter; when the member does not take them (Discord's 50007), posted in the thread they filed
//! from instead, and the request's events say so.

use anyhow::anyhow;
use bots::chat::{ChatOutbound, DmOutcome, SendError};
use routing::{EventKind, RequestRef, Source};
use serde_json::json;
use tracing::warn;

use crate::desk::Desk;
use crate::effect::{ChatDm, Effect};
use crate::store::{Change, InternalOrigin, NewEvent, NewOutbox};

impl Desk {
    /// The notice `text` for the requester of an internal request filed from chat: a direct message when the
    /// city turned them on (falling back to their thread), else a note in their thread.
    pub(crate) fn requester_chat_notice(
        &self,
        origin: &InternalOrigin,
        thread: &str,
        text: &str,
    ) -> NewOutbox {
        match self.dm_user(origin) {
            Some(user) => Effect::ChatDm(ChatDm {
                user: user.to_string(),
                fallback: Some(thread.to_string()),
                text: text.to_string(),
            })
            .into(),
            None => self.chat_note_to(thread, text),
        }
    }

    /// The chat member to message directly, when direct messages are on and the requester is a chat member.
    pub(crate) fn dm_user<'o>(&self, origin: &'o InternalOrigin) -> Option<&'o str> {
        let on = self
            .settings
            .discord
            .as_ref()
            .is_some_and(|d| d.requester_dm);
        origin.person.strip_prefix("chat:").filter(|_| on)
    }

    /// Delivers a direct message; a member who does not take them gets it in `fallback`, recorded on the
    /// request as `notice_redirected`.
    pub(crate) async fn deliver_dm(
        &self,
        chat: &dyn ChatOutbound,
        reference: Option<RequestRef>,
        dm: &ChatDm,
    ) -> Result<(), SendError> {
        if let DmOutcome::Sent(_) = chat.send_dm(&dm.user, &dm.text).await? {
            return Ok(());
        }
        let Some(thread) = &dm.fallback else {
            return Err(SendError::Permanent(anyhow!(
                "member {} does not take direct messages and the notice has nowhere else to go",
                dm.user
            )));
        };
        chat.post_message(thread, &dm.text).await?;
        let Some(r) = reference else {
            return Ok(());
        };
        let change = Change {
            events: vec![NewEvent::new(
                EventKind::NoticeRedirected,
                "system",
                Source::Outbox,
                json!({ "to": format!("chat:{}", dm.user), "why": "direct messages closed (Discord 50007)", "posted_in": thread }),
            )],
            ..Change::default()
        };
        // The notice is out: a failure to record the detour must not make the outbox post it twice.
        if let Err(e) = self.store.apply_change(r, &change, self.now()).await {
            warn!(request_ref = %r, error = format!("{e:#}"), "a redirected notice could not be recorded");
        }
        Ok(())
    }
}
