//! Discord's REST rate limits: a bucket per route and major parameter, answered with the
//! `X-RateLimit-*` headers, and 429s when a bucket is exhausted or a test injects one.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// How many requests a bucket allows per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub window: Duration,
}

impl RateLimit {
    /// Generous enough that no test's burst meets it unless it asks for realistic limits.
    pub const GENEROUS: RateLimit = RateLimit {
        limit: 10_000,
        window: Duration::from_secs(1),
    };
}

/// What the rate limiter did, for tests to inspect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateStats {
    /// Requests answered 429 because their bucket was empty.
    pub bucket_429s: u32,
    /// Requests answered 429 because a test injected one (route or global).
    pub injected_429s: u32,
    /// Requests that took a bucket's last slot (`X-RateLimit-Remaining: 0`).
    pub exhausted: u32,
}

#[derive(Debug)]
struct Bucket {
    remaining: u32,
    reset_at: Instant,
}

/// A route template (`"POST /channels/{channel}/messages"`) and its major parameter's value.
type BucketKey = (String, String);

#[derive(Debug)]
pub(crate) struct Limiter {
    configured: HashMap<String, RateLimit>,
    buckets: HashMap<BucketKey, Bucket>,
    /// Route template → how many of its next requests get a 429, and the `retry_after` to send.
    injected: HashMap<String, (u32, Duration)>,
    global: Option<Duration>,
    pub stats: RateStats,
}

/// What to answer one request with: go ahead (with headers) or a 429.
pub(crate) enum Verdict {
    Pass(HeaderMap),
    Limited(Response),
}

impl Limiter {
    pub(crate) fn new() -> Self {
        Self {
            configured: HashMap::new(),
            buckets: HashMap::new(),
            injected: HashMap::new(),
            global: None,
            stats: RateStats::default(),
        }
    }

    pub(crate) fn configure(&mut self, route: &str, limit: RateLimit) {
        self.configured.insert(route.to_string(), limit);
        self.buckets.retain(|(r, _), _| r != route);
    }

    pub(crate) fn inject(&mut self, route: &str, count: u32, retry_after: Duration) {
        if count == 0 {
            self.injected.remove(route);
        } else {
            self.injected
                .insert(route.to_string(), (count, retry_after));
        }
    }

    pub(crate) fn inject_global(&mut self, retry_after: Duration) {
        self.global = Some(retry_after);
    }

    /// Takes a slot for `METHOD /path` (path below `/api/v10`).
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Verdict {
        let (template, major) = route(method, path);
        if let Some(retry_after) = self.global.take() {
            self.stats.injected_429s += 1;
            return Verdict::Limited(too_many(retry_after, true, None));
        }
        if let Some((count, retry_after)) = self.injected.get_mut(&template) {
            let retry_after = *retry_after;
            *count -= 1;
            if *count == 0 {
                self.injected.remove(&template);
            }
            self.stats.injected_429s += 1;
            return Verdict::Limited(too_many(retry_after, false, None));
        }
        let limit = self
            .configured
            .get(&template)
            .copied()
            .unwrap_or(RateLimit::GENEROUS);
        let now = Instant::now();
        let bucket = self
            .buckets
            .entry((template.clone(), major))
            .or_insert(Bucket {
                remaining: limit.limit,
                reset_at: now + limit.window,
            });
        if now >= bucket.reset_at {
            bucket.remaining = limit.limit;
            bucket.reset_at = now + limit.window;
        }
        let reset_after = bucket.reset_at.saturating_duration_since(now);
        if bucket.remaining == 0 {
            self.stats.bucket_429s += 1;
            let headers = headers(&template, limit, 0, reset_after);
            return Verdict::Limited(too_many(reset_after, false, Some(headers)));
        }
        bucket.remaining -= 1;
        if bucket.remaining == 0 {
            self.stats.exhausted += 1;
        }
        Verdict::Pass(headers(&template, limit, bucket.remaining, reset_after))
    }
}

/// The route template of a path and its major parameter (the first id in it), as Discord buckets.
pub(crate) fn route(method: &str, path: &str) -> (String, String) {
    let mut template = format!("{method} ");
    let mut major = String::new();
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let placeholder = match previous {
            "channels" => Some("{channel}"),
            "messages" => Some("{message}"),
            "guilds" => Some("{guild}"),
            "members" => Some("{user}"),
            "applications" => Some("{app}"),
            "webhooks" => Some("{webhook}"),
            "interactions" => Some("{id}"),
            "{webhook}" | "{id}" => Some("{token}"),
            _ => None,
        }
        .filter(|_| !segment.starts_with('@'));
        if placeholder.is_some() && major.is_empty() {
            major = segment.to_string();
        }
        let shown = placeholder.unwrap_or(segment);
        template.push('/');
        template.push_str(shown);
        previous = shown;
    }
    (template, major)
}

fn headers(template: &str, limit: RateLimit, remaining: u32, reset_after: Duration) -> HeaderMap {
    let reset = SystemTime::now()
        .checked_add(reset_after)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    let bucket = format!("{:016x}", fnv(template));
    let mut map = HeaderMap::new();
    for (name, value) in [
        ("x-ratelimit-limit", limit.limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
        (
            "x-ratelimit-reset-after",
            format!("{:.3}", reset_after.as_secs_f64()),
        ),
        ("x-ratelimit-bucket", bucket),
    ] {
        map.insert(name, HeaderValue::from_str(&value).expect("ascii header"));
    }
    map
}

/// A stable bucket hash (Discord's are opaque strings).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn too_many(retry_after: Duration, global: bool, headers: Option<HeaderMap>) -> Response {
    let seconds = retry_after.as_secs_f64();
    let body =
        json!({"message": "You are being rate limited.", "retry_after": seconds, "global": global});
    let mut map = headers.unwrap_or_default();
    let retry = HeaderValue::from_str(&format!("{seconds:.3}")).expect("ascii header");
    map.insert("retry-after", retry);
    if global {
        map.insert("x-ratelimit-global", HeaderValue::from_static("true"));
        map.insert("x-ratelimit-scope", HeaderValue::from_static("global"));
    } else {
        map.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
    }
    (StatusCode::TOO_MANY_REQUESTS, map, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_template_ids_and_keep_the_major_parameter() {
        let cases = [
            (
                "POST",
                "/channels/12/messages",
                "POST /channels/{channel}/messages",
                "12",
            ),
            (
                "PATCH",
                "/channels/12/messages/34",
                "PATCH /channels/{channel}/messages/{message}",
                "12",
            ),
            (
                "POST",
                "/interactions/5/tok/callback",
                "POST /interactions/{id}/{token}/callback",
                "5",
            ),
            (
                "PATCH",
                "/webhooks/7/tok/messages/@original",
                "PATCH /webhooks/{webhook}/{token}/messages/@original",
                "7",
            ),
            ("GET", "/users/@me", "GET /users/@me", ""),
        ];
        for (method, path, template, major) in cases {
            assert_eq!(
                route(method, path),
                (template.to_string(), major.to_string())
            );
        }
    }
}
