//! The Discord adapter: REST posting ([`DiscordOutbound`]) and the gateway client ([`run`]) that
//! turns Discord events into [`ChatEvent`](crate::chat::ChatEvent)s.

mod attachments;
mod buckets;
mod card;
mod command;
mod digest_card;
mod events;
mod interactions;
mod outbound;
mod replay;
mod rest;
mod status;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serenity::all::{ClientBuilder, GatewayIntents, Http, HttpBuilder};
use tokio_util::sync::CancellationToken;

use crate::chat::ChatHandler;
pub use outbound::DiscordOutbound;
pub use status::{GatewayObserver, Unobserved};

/// How to reach Discord.
#[derive(Clone)]
pub struct DiscordConfig {
    pub token: String,
    /// The one guild the bot serves: slash commands are registered there and events from other
    /// guilds are ignored.
    pub guild_id: u64,
    /// The service's intake channel, if any. The adapter itself forwards messages from every
    /// channel and thread it sees; the service decides what a message means where.
    pub intake_channel: Option<String>,
    /// Tests only: base URL of a stand-in (`http://127.0.0.1:PORT`). Requests then go there with
    /// serenity's rate limiter off (serenity ignores a proxy while its rate limiter is on).
    /// `None` in production: real Discord, rate limiter on.
    pub api_proxy: Option<String>,
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"<redacted>")
            .field("guild_id", &self.guild_id)
            .field("intake_channel", &self.intake_channel)
            .field("api_proxy", &self.api_proxy)
            .finish()
    }
}

impl DiscordConfig {
    fn http(&self) -> Http {
        match &self.api_proxy {
            Some(proxy) => HttpBuilder::new(&self.token)
                .proxy(proxy.trim_end_matches('/'))
                .ratelimiter_disabled(true)
                .build(),
            None => HttpBuilder::new(&self.token).build(),
        }
    }
}

/// The gateway intents the adapter needs: `GUILDS` (channels, threads, roles), `GUILD_MESSAGES`
/// (messages in channels and threads) and `MESSAGE_CONTENT` (their text — a privileged intent
/// that must be switched on for the bot in Discord's developer portal).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// The gateway half of the adapter, created by [`connect`]; see [`run`].
#[derive(Debug, Clone)]
pub struct DiscordGateway {
    cfg: DiscordConfig,
    observer: Arc<dyn GatewayObserver>,
}

impl DiscordGateway {
    /// Reports the connection state (READY / RESUMED, shards leaving the connected stage, the client
    /// stopping) to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn GatewayObserver>) -> Self {
        self.observer = observer;
        self
    }

    /// Same as [`run`] with this gateway's config, reporting to its observer.
    pub async fn run(
        self,
        handler: Arc<dyn ChatHandler>,
        cancel: CancellationToken,
    ) -> anyhow::Result<()> {
        let observer = Arc::clone(&self.observer);
        let result = run_observed(self.cfg, handler, Arc::clone(&observer), cancel).await;
        let reason = match &result {
            Ok(()) => "the gateway client stopped".to_string(),
            Err(e) => format!("{e:#}"),
        };
        observer.disconnected(&reason);
        result
    }
}

/// Splits the adapter into its REST half (usable at once, even while the gateway is down) and its
/// gateway half. Makes no network call.
pub fn connect(cfg: &DiscordConfig) -> anyhow::Result<(DiscordOutbound, DiscordGateway)> {
    anyhow::ensure!(!cfg.token.trim().is_empty(), "the Discord token is empty");
    anyhow::ensure!(cfg.guild_id != 0, "the Discord guild id is 0");
    Ok((
        DiscordOutbound::new(cfg),
        DiscordGateway {
            cfg: cfg.clone(),
            observer: Arc::new(Unobserved),
        },
    ))
}

/// Longest wait between attempts to learn the gateway URL.
const GATEWAY_LOOKUP_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Bound on how long shutting the shards down may take once cancelled.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(6);

/// Runs the gateway client until `cancel` fires: registers `/311` in the guild at every READY,
/// maps messages and interactions to [`ChatEvent`](crate::chat::ChatEvent)s, calls `handler` and
/// sends its [`ChatReply`](crate::chat::ChatReply).
///
/// Outages do not end it: the gateway URL is looked up with backoff until Discord answers (so
/// serenity never falls back to a URL we did not ask for), and after that serenity resumes or
/// re-identifies on its own. Returns `Err` only for fatal gateway errors (bad token, intents not
/// allowed).
#[tracing::instrument(skip_all, fields(guild_id = cfg.guild_id))]
pub async fn run(
    cfg: DiscordConfig,
    handler: Arc<dyn ChatHandler>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    run_observed(cfg, handler, Arc::new(Unobserved), cancel).await
}

async fn run_observed(
    cfg: DiscordConfig,
    handler: Arc<dyn ChatHandler>,
    observer: Arc<dyn GatewayObserver>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    observer.disconnected("connecting");
    let lookup = cfg.http();
    let Some(ws_url) = lookup_gateway_url(&lookup, observer.as_ref(), &cancel).await else {
        return Ok(());
    };
    let bridge = events::Bridge::new(&cfg, handler, Arc::clone(&observer));
    let mut client = ClientBuilder::new_with_http(cfg.http(), intents())
        .event_handler(bridge)
        .await
        .context("building the Discord client")?;
    // serenity asked for the URL again while building; if that attempt failed it would have
    // picked the public gateway. Use the one we know answered.
    *client.ws_url.lock().await = ws_url;
    let shards = Arc::clone(&client.shard_manager);
    let watch = status::watch_shards(Arc::clone(&shards), observer);
    tokio::select! {
        result = client.start() => result.context("the Discord gateway client stopped"),
        () = watch => Ok(()),
        () = cancel.cancelled() => {
            tracing::info!("stopping the Discord gateway client");
            if tokio::time::timeout(SHUTDOWN_GRACE, shards.shutdown_all()).await.is_err() {
                tracing::warn!("Discord shards did not stop in time");
            }
            Ok(())
        }
    }
}

async fn lookup_gateway_url(
    http: &Http,
    observer: &dyn GatewayObserver,
    cancel: &CancellationToken,
) -> Option<String> {
    let mut backoff = Duration::from_millis(250);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return None,
            result = http.get_gateway() => match result {
                Ok(gateway) => return Some(gateway.url),
                Err(err) => {
                    tracing::warn!(error = %err, retry_in_ms = backoff.as_millis() as u64, "cannot look up the Discord gateway yet");
                    observer.disconnected(&format!("cannot look up the Discord gateway: {err}"));
                }
            },
        }
        tokio::select! {
            () = cancel.cancelled() => return None,
            () = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(GATEWAY_LOOKUP_BACKOFF_MAX);
    }
}
