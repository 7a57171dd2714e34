//! Member messages missed while the gateway was down: the adapter remembers, in memory for the life of the
//! process, the last message id it saw in each watched channel (the intake channel, and every thread it saw
//! created or spoken in), and at each READY after the first it reads each one's history after that id
//! (`GET /channels/{id}/messages?after=…`, 100 at a time) and hands the messages to the handler oldest
//! first. The service dedupes on the chat message id, so a message seen twice is handled once. (After a
//! process restart nothing is remembered: the first READY only anchors the intake channel at its latest
//! message.)

use std::collections::HashMap;
use std::sync::Mutex;

use serenity::all::{ChannelId, Context, GetMessages, Message, MessageId};

use super::events::Bridge;

/// Discord's page size limit for a channel's history.
const PAGE: u8 = 100;

/// The last message id seen per watched channel.
#[derive(Debug, Default)]
pub(crate) struct Watched {
    last: Mutex<HashMap<ChannelId, MessageId>>,
    /// A READY was seen before: the next ones follow an outage.
    readied: Mutex<bool>,
}

impl Watched {
    /// Notes `id` as seen in `channel`, watching the channel from now on.
    pub(crate) fn seen(&self, channel: ChannelId, id: MessageId) {
        let mut last = self.last.lock().expect("watched lock");
        let entry = last.entry(channel).or_insert(id);
        *entry = (*entry).max(id);
    }

    /// Watches a new thread from its start (a thread's first messages have ids above its own).
    pub(crate) fn thread(&self, thread: ChannelId) {
        self.seen(thread, MessageId::new(thread.get()));
    }

    fn snapshot(&self) -> Vec<(ChannelId, MessageId)> {
        let last = self.last.lock().expect("watched lock");
        let mut list: Vec<_> = last.iter().map(|(c, m)| (*c, *m)).collect();
        list.sort();
        list
    }

    /// True at the first READY of the process.
    fn first_ready(&self) -> bool {
        let mut readied = self.readied.lock().expect("watched lock");
        !std::mem::replace(&mut *readied, true)
    }
}

/// At READY: anchors the intake channel the first time, and afterwards replays what each watched channel
/// received while the gateway was down.
pub(crate) async fn on_ready(bridge: &Bridge, ctx: &Context) {
    if bridge.watched.first_ready() {
        if let Some(intake) = bridge.intake {
            let latest = intake
                .messages(&ctx.http, GetMessages::new().limit(1))
                .await;
            match latest {
                Ok(list) => bridge
                    .watched
                    .seen(intake, list.first().map_or(MessageId::new(1), |m| m.id)),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the intake channel's latest message")
                }
            }
        }
        return;
    }
    for (channel, after) in bridge.watched.snapshot() {
        match missed(ctx, channel, after).await {
            Ok(messages) => {
                if !messages.is_empty() {
                    tracing::info!(%channel, count = messages.len(), "replaying messages missed while disconnected");
                }
                for msg in messages {
                    bridge.replay(ctx, msg).await;
                }
            }
            Err(err) => {
                tracing::warn!(%channel, error = %err, "cannot read what the channel received while disconnected")
            }
        }
    }
}

/// Every message of `channel` after `after`, oldest first.
async fn missed(
    ctx: &Context,
    channel: ChannelId,
    mut after: MessageId,
) -> serenity::Result<Vec<Message>> {
    let mut all = Vec::new();
    loop {
        let mut page = channel
            .messages(&ctx.http, GetMessages::new().after(after).limit(PAGE))
            .await?;
        page.sort_by_key(|m| m.id);
        let full = page.len() == usize::from(PAGE);
        if let Some(last) = page.last() {
            after = last.id;
        }
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}
