//! Discord's rate limits, obeyed before they bite: when an answer says a route's bucket is empty
//! (`X-RateLimit-Remaining: 0`) or a 429 arrives, later calls on that route (or on every route, for a global
//! limit) wait until the bucket resets instead of being sent and refused. Discord asks bots to work from these
//! headers, and counts refused calls against them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// When each route (keyed by its major parameter) may be called again.
#[derive(Clone, Default)]
pub(crate) struct Buckets {
    blocked: Arc<Mutex<HashMap<String, Instant>>>,
}

/// The key for everything at once.
const GLOBAL: &str = "global";

impl Buckets {
    /// How long a call on `path` must still wait, if at all.
    pub(crate) fn wait_for(&self, path: &str, now: Instant) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        [route_key(path), GLOBAL]
            .iter()
            .filter_map(|k| blocked.get(*k))
            .filter_map(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max()
    }

    /// Learns from an answer's headers: an emptied bucket blocks its route until `X-RateLimit-Reset-After`.
    pub(crate) fn observe(&self, path: &str, headers: &HeaderMap, now: Instant) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
        };
        if number("x-ratelimit-remaining") == Some(0.0) {
            if let Some(after) = number("x-ratelimit-reset-after") {
                self.block(route_key(path), after, now);
            }
        }
    }

    /// A 429: the route (or, for a global limit, everything) waits `retry_after`.
    pub(crate) fn limited(&self, path: &str, global: bool, retry_after: Duration, now: Instant) {
        let key = if global { GLOBAL } else { route_key(path) };
        self.block(key, retry_after.as_secs_f64(), now);
    }

    fn block(&self, key: &str, seconds: f64, now: Instant) {
        if !(seconds.is_finite() && seconds > 0.0) {
            return;
        }
        let until = now + Duration::from_secs_f64(seconds.min(3600.0));
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        blocked.retain(|_, t| *t > now);
        let slot = blocked.entry(key.to_string()).or_insert(until);
        *slot = (*slot).max(until);
    }
}

/// A route's major parameter: `/channels/{id}` for everything under a channel (Discord's buckets are per major
/// parameter; sharing one key per channel is the cautious side), else the path itself.
fn route_key(path: &str) -> &str {
    let trimmed = path.trim_start_matches('/');
    let mut parts = trimmed.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(first), Some(second)) => {
            &path[..path.len() - trimmed.len() + first.len() + 1 + second.len()]
        }
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(remaining: &str, reset_after: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-ratelimit-remaining",
            HeaderValue::from_str(remaining).unwrap(),
        );
        h.insert(
            "x-ratelimit-reset-after",
            HeaderValue::from_str(reset_after).unwrap(),
        );
        h
    }

    #[test]
    fn an_emptied_bucket_blocks_its_channel_until_it_resets() {
        let (b, now) = (Buckets::default(), Instant::now());
        b.observe("/channels/1/messages", &headers("1", "2.0"), now);
        assert_eq!(b.wait_for("/channels/1/messages", now), None);
        b.observe("/channels/1/messages", &headers("0", "2.0"), now);
        assert_eq!(
            b.wait_for("/channels/1/messages/9", now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(b.wait_for("/channels/2/messages", now), None);
        assert_eq!(
            b.wait_for("/channels/1/messages", now + Duration::from_secs(2)),
            None
        );
    }

    #[test]
    fn a_global_429_blocks_every_route() {
        let (b, now) = (Buckets::default(), Instant::now());
        b.limited(
            "/channels/1/messages",
            true,
            Duration::from_millis(500),
            now,
        );
        assert_eq!(
            b.wait_for("/channels/7/threads", now),
            Some(Duration::from_millis(500))
        );
        b.limited("/channels/3/messages", false, Duration::from_secs(1), now);
        assert_eq!(b.wait_for("/channels/3", now), Some(Duration::from_secs(1)));
    }

    #[test]
    fn the_major_parameter_is_the_channel() {
        assert_eq!(route_key("/channels/123/messages/4"), "/channels/123");
        assert_eq!(route_key("/gateway"), "/gateway");
    }
}
