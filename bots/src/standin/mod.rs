//! A loopback Discord for tests: REST API v10 and gateway on 127.0.0.1, recording what the bot
//! does and letting a test act as guild members (messages, slash commands, buttons, modals,
//! selects) or take Discord down for a while.

#[cfg(test)]
mod conformance_tests;
mod dm;
mod drive;
mod files;
mod gateway;
mod messages;
mod model;
mod ratelimit;
mod rest;
mod state;
mod validate;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use ratelimit::{RateLimit, RateStats};
use state::State;

/// State shared by the REST handlers, gateway connections and the test driver.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped whenever dispatches were queued, so gateway connections flush.
    dispatched: watch::Sender<u64>,
    outage: watch::Sender<bool>,
    /// Bumped to close every open gateway socket once (the client then resumes).
    kick: watch::Sender<u64>,
    stop: CancellationToken,
    base: String,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded state from the rest of the test.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn bump(&self) {
        self.dispatched.send_modify(|n| *n += 1);
    }

    pub(crate) fn gateway_url(&self) -> String {
        format!("{}/gateway", self.base.replacen("http://", "ws://", 1))
    }
}

/// Gateway connection counters, for waiting on (re)connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayStats {
    /// IDENTIFYs answered with READY.
    pub identifies: u32,
    /// RESUMEs answered with RESUMED.
    pub resumes: u32,
    /// Sockets currently past the handshake.
    pub connected: u32,
}

/// The running stand-in. Dropping it stops the server and closes gateway sockets.
pub struct StandIn {
    shared: Arc<Shared>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.shared.stop.cancel();
    }
}

impl StandIn {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start() -> anyhow::Result<StandIn> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the stand-in")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            dispatched: watch::channel(0).0,
            outage: watch::channel(false).0,
            kick: watch::channel(0).0,
            stop: CancellationToken::new(),
            base: format!("http://{addr}"),
        });
        let app = rest::router(Arc::clone(&shared));
        let stop = shared.stop.clone();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(err) = served {
                tracing::warn!(error = %err, "the Discord stand-in stopped");
            }
        });
        Ok(StandIn { shared })
    }

    /// Base URL for [`DiscordConfig::api_proxy`](crate::discord::DiscordConfig::api_proxy).
    pub fn api_url(&self) -> String {
        self.shared.base.clone()
    }

    /// The one guild, as a number for [`DiscordConfig::guild_id`](crate::discord::DiscordConfig::guild_id).
    pub fn guild_id(&self) -> u64 {
        self.shared
            .lock()
            .guild_id
            .parse()
            .expect("snowflakes are numbers")
    }

    /// The bot's user id (also the application id).
    pub fn bot_id(&self) -> String {
        self.shared.lock().bot_id.clone()
    }

    /// A [`DiscordConfig`](crate::discord::DiscordConfig) pointing at this stand-in.
    pub fn config(&self) -> crate::discord::DiscordConfig {
        crate::discord::DiscordConfig {
            token: "standin-token".into(),
            guild_id: self.guild_id(),
            intake_channel: None,
            api_proxy: Some(self.api_url()),
        }
    }

    /// Takes Discord down (`true`: REST answers 503, gateway sockets are closed and refused) or
    /// brings it back (`false`: the client reconnects and resumes).
    ///
    /// An outage ends the gateway session, as a long one does on Discord: the client's RESUME is refused
    /// (op 9) and it IDENTIFYs afresh, so messages created meanwhile reach it only through the channel
    /// history (`GET /channels/{id}/messages?after=…`).
    pub fn outage(&self, on: bool) {
        if on {
            let mut state = self.shared.lock();
            state.gateway.session_id = None;
            state.gateway.log.clear();
        }
        self.shared.outage.send_replace(on);
    }

    /// Closes every open gateway socket once, as Discord does now and then; REST stays up and the
    /// client is expected to RESUME, getting the dispatches it missed replayed.
    pub fn disconnect_gateway(&self) {
        self.shared.kick.send_modify(|n| *n += 1);
    }

    /// All messages of a channel or thread in posting order, as currently stored (after edits),
    /// including `allowed_mentions` as sent and `mention_*` fields as Discord would resolve them.
    /// Ephemeral interaction answers are included too (`flags & 64`), as only their member sees them.
    pub fn messages(&self, channel_id: &str) -> Vec<Value> {
        self.shared
            .lock()
            .messages
            .iter()
            .filter(|m| m["channel_id"] == channel_id)
            .cloned()
            .collect()
    }

    /// The bot's direct messages to `member`, in posting order (none before a DM channel was opened).
    pub fn dms(&self, member: &crate::chat::Member) -> Vec<Value> {
        let state = self.shared.lock();
        let Some(channel) = dm::dm_channel_of(&state, &member.id) else {
            return Vec::new();
        };
        state
            .messages
            .iter()
            .filter(|m| m["channel_id"] == channel.as_str())
            .cloned()
            .collect()
    }

    /// `member` closes (or, with `false`, opens) their direct messages: posts to their DM channel are refused
    /// with 50007, as Discord refuses them.
    pub fn close_dms(&self, member: &crate::chat::Member, closed: bool) {
        let mut state = self.shared.lock();
        if closed {
            state.dms_closed.insert(member.id.clone());
        } else {
            state.dms_closed.remove(&member.id);
        }
    }

    /// One message by id, wherever it is.
    pub fn message(&self, message_id: &str) -> Option<Value> {
        self.shared.lock().message(message_id).cloned()
    }

    /// Every thread channel object.
    pub fn threads(&self) -> Vec<Value> {
        let state = self.shared.lock();
        state
            .channels
            .iter()
            .filter(|c| c.kind == model::PUBLIC_THREAD)
            .map(|c| model::channel(c, &state.guild_id))
            .collect()
    }

    /// The bot's callbacks to one interaction (normally exactly one).
    pub fn interaction_responses(&self, interaction_id: &str) -> Vec<Value> {
        self.shared
            .lock()
            .interactions
            .get(interaction_id)
            .map(|r| r.responses.clone())
            .unwrap_or_default()
    }

    /// Makes every interaction `by` older, as if that much time had passed since its dispatch (for
    /// tests of Discord's 3-second answer window and 15-minute token lifetime).
    pub fn age_interactions(&self, by: Duration) {
        for rec in self.shared.lock().interactions.values_mut() {
            if let Some(earlier) = rec.dispatched.checked_sub(by) {
                rec.dispatched = earlier;
            }
        }
    }

    /// The bytes of an uploaded file, by its attachment id (a message's `attachments[i].id`).
    pub fn attachment_data(&self, attachment_id: &str) -> Option<Vec<u8>> {
        self.shared.lock().files.get(attachment_id).cloned()
    }

    /// The guild's registered application commands.
    pub fn commands(&self) -> Vec<Value> {
        self.shared.lock().commands.clone()
    }

    pub fn gateway(&self) -> GatewayStats {
        let state = self.shared.lock();
        GatewayStats {
            identifies: state.gateway.identifies,
            resumes: state.gateway.resumes,
            connected: state.gateway.connected,
        }
    }

    /// Sets the bucket of a route template, e.g. `"POST /channels/{channel}/messages"` (one bucket
    /// per major parameter); routes not configured get [`RateLimit::GENEROUS`].
    pub fn rate_limit(&self, route: &str, limit: RateLimit) {
        self.shared.lock().limits.configure(route, limit);
    }

    /// The next `count` requests to a route template are answered 429 with `retry_after`.
    pub fn inject_429(&self, route: &str, count: u32, retry_after: Duration) {
        self.shared.lock().limits.inject(route, count, retry_after);
    }

    /// The next REST request, whatever its route, is answered with a global 429.
    pub fn inject_global_429(&self, retry_after: Duration) {
        self.shared.lock().limits.inject_global(retry_after);
    }

    /// What the rate limiter did so far.
    pub fn rate_stats(&self) -> RateStats {
        self.shared.lock().limits.stats
    }

    /// Every request seen, as `"METHOD /path"` (with ` (outage)` or ` (429)` when refused).
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Polls `ready` until it holds; `Err` (naming the wait) after `timeout`.
    pub async fn wait_for(
        &self,
        ready: impl Fn(&StandIn) -> bool,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.wait_for_value(|s| ready(s).then_some(()), timeout)
            .await
    }

    /// Polls `found` until it returns `Some`; `Err` after `timeout`.
    pub async fn wait_for_value<T>(
        &self,
        found: impl Fn(&StandIn) -> Option<T>,
        timeout: Duration,
    ) -> anyhow::Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = found(self) {
                return Ok(value);
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "stand-in: condition not met within {timeout:?}; requests so far: {:?}",
                self.requests()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
