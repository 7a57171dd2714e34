//! The stand-in's REST API v10: exactly the endpoints the adapter and serenity's start-up use.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Request, State as AxumState};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::model;
use super::ratelimit::Verdict;
use super::state::Refusal;
use super::validate::{self, Invalid};
use super::Shared;
use super::{files, messages};

pub(super) type S = AxumState<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/gateway", get(gateway))
        .route("/gateway/bot", get(gateway_bot))
        .route("/users/@me", get(current_user))
        .route("/users/@me/channels", post(super::dm::open_dm))
        .route(
            "/applications/{app}/guilds/{guild}/commands",
            get(list_commands).put(put_commands).post(post_command),
        )
        .route("/guilds/{guild}/members/{user}", get(guild_member))
        .route("/channels/{channel}", get(channel))
        .route(
            "/channels/{channel}/messages",
            get(messages::list_messages).post(messages::create_message),
        )
        .route(
            "/channels/{channel}/messages/{message}",
            get(get_message).patch(edit_message),
        )
        .route(
            "/channels/{channel}/messages/{message}/threads",
            post(open_thread),
        )
        .route(
            "/interactions/{id}/{token}/callback",
            post(interaction_callback),
        )
        .route("/webhooks/{app}/{token}", post(followup))
        .route(
            "/webhooks/{app}/{token}/messages/@original",
            get(get_original).patch(edit_original),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(files::REQUEST_MAX_BYTES));
    Router::new()
        .nest("/api/v10", api)
        .route("/gateway", get(super::gateway::upgrade))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&shared),
            record_and_gate,
        ))
        .with_state(shared)
}

/// Logs every request, answers 503 to everything (gateway included) during an outage, and
/// applies rate limits to the REST API.
async fn record_and_gate(AxumState(shared): S, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let line = format!("{} {path}", request.method());
    if *shared.outage.borrow() {
        shared.lock().requests.push(format!("{line} (outage)"));
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            0,
            "503: Service Unavailable (stand-in outage)",
        );
    }
    let verdict = {
        let mut state = shared.lock();
        let verdict = path
            .strip_prefix("/api/v10")
            .map(|api| state.limits.take(request.method().as_str(), api));
        let limited = matches!(verdict, Some(Verdict::Limited(_)));
        state.requests.push(if limited {
            format!("{line} (429)")
        } else {
            line
        });
        verdict
    };
    match verdict {
        Some(Verdict::Limited(refused)) => refused,
        Some(Verdict::Pass(headers)) => {
            let mut response = next.run(request).await;
            response.headers_mut().extend(headers);
            response
        }
        None => next.run(request).await,
    }
}

/// Discord's 400 "Invalid Form Body" when `check` finds a field over its limit.
pub(super) fn refuse(check: impl FnOnce(&mut Invalid)) -> Option<Response> {
    let mut found = Invalid::default();
    check(&mut found);
    found
        .into_result()
        .err()
        .map(|invalid| (StatusCode::BAD_REQUEST, Json(invalid.body())).into_response())
}

pub(super) fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({"code": code, "message": message}))).into_response()
}

pub(super) fn unknown(what: &str) -> Response {
    error(StatusCode::NOT_FOUND, 10003, &format!("Unknown {what}"))
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

async fn gateway(AxumState(shared): S) -> Json<Value> {
    Json(json!({"url": shared.gateway_url()}))
}

async fn gateway_bot(AxumState(shared): S) -> Json<Value> {
    Json(json!({
        "url": shared.gateway_url(), "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
    }))
}

async fn current_user(AxumState(shared): S) -> Json<Value> {
    let state = shared.lock();
    Json(model::current_user(&state.bot_id, "connect311"))
}

async fn list_commands(AxumState(shared): S) -> Json<Value> {
    Json(json!(shared.lock().commands))
}

async fn put_commands(AxumState(shared): S, Json(body): Json<Vec<Value>>) -> Response {
    let refused = refuse(|found| {
        for (i, command) in body.iter().enumerate() {
            validate::command(command, &i.to_string(), found);
        }
    });
    if let Some(refused) = refused {
        return refused;
    }
    let mut state = shared.lock();
    let (app, guild) = (state.app_id.clone(), state.guild_id.clone());
    let commands: Vec<Value> = body
        .iter()
        .map(|c| {
            let id = state.snowflake();
            model::command(&id, &app, &guild, c)
        })
        .collect();
    state.commands = commands.clone();
    Json(json!(commands)).into_response()
}

async fn post_command(AxumState(shared): S, Json(body): Json<Value>) -> Response {
    if let Some(refused) = refuse(|found| validate::command(&body, "", found)) {
        return refused;
    }
    let mut state = shared.lock();
    let (app, guild) = (state.app_id.clone(), state.guild_id.clone());
    let id = state.snowflake();
    let command = model::command(&id, &app, &guild, &body);
    state.commands.retain(|c| c["name"] != body["name"]);
    state.commands.push(command.clone());
    Json(command).into_response()
}

async fn guild_member(
    AxumState(shared): S,
    Path((_guild, user)): Path<(String, String)>,
) -> Response {
    let state = shared.lock();
    match state.members.iter().find(|m| m.id == user) {
        Some(m) => Json(model::guild_member(m, &state.guild_id)).into_response(),
        None => unknown("Member"),
    }
}

async fn channel(AxumState(shared): S, Path(channel): Path<String>) -> Response {
    match shared.lock().channel_json(&channel) {
        Some(c) => Json(c).into_response(),
        None => unknown("Channel"),
    }
}

async fn get_message(
    AxumState(shared): S,
    Path((channel, message)): Path<(String, String)>,
) -> Response {
    match shared
        .lock()
        .message(&message)
        .filter(|m| m["channel_id"] == channel)
    {
        Some(m) => Json(m.clone()).into_response(),
        None => unknown("Message"),
    }
}

async fn edit_message(
    AxumState(shared): S,
    Path((channel, message)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refuse(|found| validate::message(&body, "", found)) {
        return refused;
    }
    let mut state = shared.lock();
    if state
        .message(&message)
        .is_none_or(|m| m["channel_id"] != channel)
    {
        return unknown("Message");
    }
    match state.edit_message(&message, &body) {
        Some(m) => Json(m).into_response(),
        None => unknown("Message"),
    }
}

async fn open_thread(
    AxumState(shared): S,
    Path((channel, message)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refuse(|found| validate::thread(&body, found)) {
        return refused;
    }
    let thread = {
        let mut state = shared.lock();
        let name = body["name"].as_str().unwrap_or("thread").to_string();
        match state.open_thread(&channel, &message, &name) {
            Some(thread) => thread,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    160004,
                    "A thread has already been created for this message",
                )
            }
        }
    };
    shared.bump();
    (StatusCode::CREATED, Json(thread)).into_response()
}

async fn interaction_callback(
    AxumState(shared): S,
    Path((id, token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refuse(|found| validate::interaction_response(&body, found)) {
        return refused;
    }
    let result = shared.lock().interaction_callback(&id, &token, body);
    shared.bump();
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(why) => refusal(why),
    }
}

/// Discord's answer to a late, expired or malformed interaction response.
fn refusal(why: Refusal) -> Response {
    match why {
        Refusal::UnknownInteraction => error(StatusCode::NOT_FOUND, 10062, "Unknown interaction"),
        Refusal::InvalidWebhookToken => {
            error(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token")
        }
        Refusal::Invalid(why) => error(StatusCode::BAD_REQUEST, 40060, why),
    }
}

async fn followup(
    AxumState(shared): S,
    Path((_app, token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refuse(|found| validate::message(&body, "", found)) {
        return refused;
    }
    let message = {
        let mut state = shared.lock();
        let rec = match state.live_token(&token) {
            Ok(rec) => rec.clone(),
            Err(Refusal::UnknownInteraction) => return unknown("Webhook"),
            Err(why) => return refusal(why),
        };
        let flags = body["flags"].as_u64().unwrap_or(0);
        state.bot_message(&rec.channel_id, &body, flags)
    };
    shared.bump();
    Json(message).into_response()
}

async fn get_original(
    AxumState(shared): S,
    Path((_app, token)): Path<(String, String)>,
) -> Response {
    let state = shared.lock();
    if let Err(why @ Refusal::InvalidWebhookToken) = state.live_token(&token) {
        return refusal(why);
    }
    match state
        .original_message(&token)
        .and_then(|id| state.message(&id).cloned())
    {
        Some(m) => Json(m).into_response(),
        None => unknown("Message"),
    }
}

async fn edit_original(
    AxumState(shared): S,
    Path((_app, token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refuse(|found| validate::message(&body, "", found)) {
        return refused;
    }
    let mut state = shared.lock();
    if let Err(why @ Refusal::InvalidWebhookToken) = state.live_token(&token) {
        return refusal(why);
    }
    let Some(id) = state.original_message(&token) else {
        return unknown("Message");
    };
    let mut body = body;
    // Editing a deferred answer ends its "thinking…" state.
    if let Some(flags) = state.message(&id).and_then(|m| m["flags"].as_u64()) {
        body["flags"] = json!(flags & !128);
    }
    match state.edit_message(&id, &body) {
        Some(m) => Json(m).into_response(),
        None => unknown("Message"),
    }
}
