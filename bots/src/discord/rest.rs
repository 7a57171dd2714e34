//! The outbox's REST calls to Discord (posts, edits, threads). serenity's error type keeps neither the
//! headers nor the body of a 429, so these calls are made here with serenity's builders as bodies: a 429
//! becomes [`SendError::RateLimited`] with Discord's `retry_after`, for the outbox to wait exactly that
//! long; other failures are classified as permanent (a 4xx: Discord refused this request) or transient.

use std::time::{Duration, Instant};

use anyhow::anyhow;
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::buckets::Buckets;
use super::outbound::status_is_transient;
use super::DiscordConfig;
use crate::chat::SendError;

/// Discord's REST API, version 10.
const API: &str = "/api/v10";
const PUBLIC_BASE: &str = "https://discord.com";
/// Discord requires this shape of User-Agent from bots.
const USER_AGENT: &str = concat!(
    "DiscordBot (https://github.com/connect311, ",
    env!("CARGO_PKG_VERSION"),
    ")"
);
/// Bound on one call, so that a hung connection is a transient failure rather than a stuck outbox.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A REST client for the bot's own posts.
#[derive(Clone)]
pub(crate) struct Rest {
    client: reqwest::Client,
    base: String,
    authorization: String,
    buckets: Buckets,
}

/// A request body: JSON, or multipart (`payload_json` + `files[n]`) when it carries files.
pub(crate) enum Body {
    Json(Value),
    Multipart(reqwest::multipart::Form),
}

impl Rest {
    pub(crate) fn new(cfg: &DiscordConfig) -> Self {
        let token = cfg.token.trim();
        let authorization = if token.starts_with("Bot ") {
            token.to_string()
        } else {
            format!("Bot {token}")
        };
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(CALL_TIMEOUT)
            .build()
            .unwrap_or_default();
        let base = cfg.api_proxy.as_deref().unwrap_or(PUBLIC_BASE);
        Self {
            client,
            base: base.trim_end_matches('/').to_string(),
            authorization,
            buckets: Buckets::default(),
        }
    }

    /// Sends `body` as JSON to `path` (under `/api/v10`) and returns the JSON answer.
    pub(crate) async fn json(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Value, SendError> {
        let body = serde_json::to_value(body).map_err(|e| SendError::Permanent(e.into()))?;
        self.send(method, path, Body::Json(body)).await
    }

    /// Sends one request and returns the JSON answer (`null` for an empty one).
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Value, SendError> {
        if let Some(wait) = self.buckets.wait_for(path, Instant::now()) {
            return Err(SendError::RateLimited {
                retry_after: wait,
                source: anyhow!(
                    "{method} {path}: not sent, Discord's rate limit for it resets in {wait:?}"
                ),
            });
        }
        let url = format!("{}{API}{path}", self.base);
        let request = self
            .client
            .request(method.clone(), &url)
            .header("authorization", &self.authorization);
        let request = match body {
            Body::Json(value) => request
                .header("content-type", "application/json")
                .body(value.to_string()),
            Body::Multipart(form) => request.multipart(form),
        };
        let response = request
            .send()
            .await
            .map_err(|e| SendError::Transient(anyhow!(e).context(format!("{method} {path}"))))?;
        let now = Instant::now();
        self.buckets.observe(path, response.headers(), now);
        let global = response.headers().contains_key("x-ratelimit-global");
        let answer = answer(response).await;
        if let Err(SendError::RateLimited { retry_after, .. }) = &answer {
            self.buckets.limited(path, global, *retry_after, now);
        }
        answer.map_err(|e| e.context(format!("{method} {path}")))
    }
}

/// The JSON of a successful answer, or the failure it stands for.
async fn answer(response: Response) -> Result<Value, SendError> {
    let status = response.status();
    let header_retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok());
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SendError::Transient(e.into()))?;
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    if status.is_success() {
        return Ok(body);
    }
    Err(failure(status, header_retry, &body))
}

/// Discord's refusal of one call: its HTTP status and JSON error code (e.g. 50007 "Cannot send messages to
/// this user"), kept typed under the failure's context so a caller can tell one refusal from another.
#[derive(Debug, thiserror::Error)]
#[error("Discord answered {status}: {body}")]
pub(crate) struct Refusal {
    pub status: StatusCode,
    pub body: Value,
}

impl Refusal {
    /// Discord's JSON error code, when the body has one.
    pub(crate) fn code(&self) -> Option<u64> {
        self.body["code"].as_u64()
    }

    /// The refusal inside a failure, if the failure is one.
    pub(crate) fn of(e: &SendError) -> Option<&Refusal> {
        let cause = match e {
            SendError::Permanent(e) | SendError::Transient(e) => e,
            SendError::RateLimited { source, .. } => source,
        };
        cause.downcast_ref::<Refusal>()
    }
}

/// Classifies an unsuccessful answer; a 429 carries Discord's `retry_after` (body, else header).
fn failure(status: StatusCode, header_retry: Option<f64>, body: &Value) -> SendError {
    let error = anyhow::Error::new(Refusal {
        status,
        body: body.clone(),
    });
    if status == StatusCode::TOO_MANY_REQUESTS {
        let seconds = body["retry_after"].as_f64().or(header_retry);
        if let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) {
            return SendError::RateLimited {
                retry_after: Duration::from_secs_f64(seconds),
                source: error,
            };
        }
        return SendError::Transient(error);
    }
    if status_is_transient(status.as_u16()) {
        SendError::Transient(error)
    } else {
        SendError::Permanent(error)
    }
}

/// The `id` of a Discord object in an answer.
pub(crate) fn id_of(answer: &Value) -> Result<String, SendError> {
    answer["id"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| SendError::Transient(anyhow!("Discord's answer has no id: {answer}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_429_carries_retry_after_from_the_body_or_the_header() {
        let limited =
            json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false});
        let e = failure(StatusCode::TOO_MANY_REQUESTS, Some(9.0), &limited);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        let e = failure(StatusCode::TOO_MANY_REQUESTS, Some(2.0), &Value::Null);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = failure(StatusCode::TOO_MANY_REQUESTS, None, &Value::Null);
        assert!(!e.is_permanent() && e.retry_after().is_none());
    }

    #[test]
    fn refusals_are_permanent_and_server_errors_transient() {
        let invalid = json!({"code": 50035, "message": "Invalid Form Body"});
        assert!(failure(StatusCode::BAD_REQUEST, None, &invalid).is_permanent());
        let closed = json!({"code": 50007, "message": "Cannot send messages to this user"});
        let e = failure(StatusCode::FORBIDDEN, None, &closed).context("POST /channels/1/messages");
        assert!(e.is_permanent());
        assert_eq!(Refusal::of(&e).and_then(Refusal::code), Some(50007));
        let refusal = Refusal::of(&e).unwrap().to_string();
        assert!(
            refusal.starts_with("Discord answered 403 Forbidden: "),
            "{refusal}"
        );
        assert!(!failure(StatusCode::BAD_GATEWAY, None, &Value::Null).is_permanent());
    }
}
