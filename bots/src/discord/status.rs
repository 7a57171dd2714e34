//! How the gateway client tells whoever supervises it whether it is connected to Discord, so that readiness
//! can report a chat gateway that is down: READY / RESUMED say "connected" at once, and a watch over the shard
//! manager notices a shard that leaves the connected stage or is being restarted.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{ConnectionStage, ShardManager};

/// Receives the gateway's connection state. Calls are quick and synchronous; an implementation should only
/// record them.
pub trait GatewayObserver: Send + Sync + std::fmt::Debug {
    /// READY or RESUMED received, or every shard is in the connected stage: events flow.
    fn connected(&self);
    /// Not connected (starting, reconnecting, or stopped), and why.
    fn disconnected(&self, reason: &str);
}

/// An observer that records nothing: the default.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unobserved;

impl GatewayObserver for Unobserved {
    fn connected(&self) {}
    fn disconnected(&self, _reason: &str) {}
}

/// How often the shard manager is looked at.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Reports every change of the shards' state, forever (the caller drops it when the client stops).
pub(crate) async fn watch_shards(shards: Arc<ShardManager>, observer: Arc<dyn GatewayObserver>) {
    let mut last = None;
    loop {
        let now = shard_state(&shards).await;
        if last.as_ref() != Some(&now) {
            match &now {
                Ok(()) => observer.connected(),
                Err(reason) => observer.disconnected(reason),
            }
            last = Some(now);
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

/// Connected when at least one shard runs and every one is in the `Connected` stage.
async fn shard_state(shards: &ShardManager) -> Result<(), String> {
    let runners = shards.runners.lock().await;
    if runners.is_empty() {
        return Err("no gateway shard is running (connecting or reconnecting)".into());
    }
    match runners
        .iter()
        .find(|(_, info)| info.stage != ConnectionStage::Connected)
    {
        Some((id, info)) => Err(format!("gateway shard {} is {:?}", id.0, info.stage)),
        None => Ok(()),
    }
}
