//! The stand-in's channel messages routes: the history (`GET`, as Discord pages it) and message creation
//! from JSON or multipart (`payload_json` + `files[n]`).

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::files;
use super::model::EPHEMERAL;
use super::rest::{error, refuse, unknown, S};
use super::validate::{self, Invalid};

/// `GET /channels/{id}/messages` as Discord answers it: newest first, at most `limit` (1–100, default
/// 50), only those after `after` (or before `before`) when given.
pub(super) async fn list_messages(
    AxumState(shared): S,
    Path(channel): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 50,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            let mut found = Invalid::default();
            validate::history_limit(&mut found);
            return (StatusCode::BAD_REQUEST, Json(found.body())).into_response();
        }
    };
    let id = |key: &str| query.get(key).and_then(|v| v.parse::<u64>().ok());
    let (after, before) = (id("after"), id("before"));
    let state = shared.lock();
    if state.channel(&channel).is_none() {
        return unknown("Channel");
    }
    let mut list: Vec<&Value> = state
        .messages
        .iter()
        .filter(|m| m["channel_id"] == channel)
        .filter(|m| m["flags"].as_u64().unwrap_or(0) & EPHEMERAL == 0)
        .filter(|m| {
            let n = m["id"]
                .as_str()
                .and_then(|i| i.parse::<u64>().ok())
                .unwrap_or(0);
            after.is_none_or(|a| n > a) && before.is_none_or(|b| n < b)
        })
        .collect();
    // With `after`, Discord returns the oldest `limit` after it (still newest first).
    if after.is_some() {
        list.truncate(limit);
        list.reverse();
    } else {
        list.reverse();
        list.truncate(limit);
    }
    Json(json!(list)).into_response()
}

pub(super) async fn create_message(
    AxumState(shared): S,
    Path(channel): Path<String>,
    request: Request,
) -> Response {
    let (mut body, uploads) = match message_body(request).await {
        Ok(parts) => parts,
        Err(refused) => return refused,
    };
    if let Some(refused) = refuse(|found| validate::message(&body, "", found)) {
        return refused;
    }
    let message = {
        let mut state = shared.lock();
        if state.channel(&channel).is_none() {
            return unknown("Channel");
        }
        if super::dm::refused(&state, &channel) {
            return super::dm::cannot_message_user();
        }
        let content_empty = body["content"].as_str().is_none_or(str::is_empty);
        let embeds_empty = body["embeds"].as_array().is_none_or(Vec::is_empty);
        let components_empty = body["components"].as_array().is_none_or(Vec::is_empty);
        if content_empty && embeds_empty && components_empty && uploads.is_empty() {
            return error(
                StatusCode::BAD_REQUEST,
                50006,
                "Cannot send an empty message",
            );
        }
        let kept = files::attachments(&body, &uploads, &channel, || state.snowflake());
        let mut objects = Vec::new();
        for ((id, object), upload) in kept.into_iter().zip(&uploads) {
            state.files.insert(id, upload.data.clone());
            objects.push(object);
        }
        body["attachments"] = json!(objects);
        state.bot_message(
            &channel,
            &body,
            body["flags"].as_u64().unwrap_or(0) & !EPHEMERAL,
        )
    };
    shared.bump();
    Json(message).into_response()
}

/// A message body: JSON, or multipart (`payload_json` + `files[n]`) with its files.
async fn message_body(request: Request) -> Result<(Value, Vec<files::Upload>), Response> {
    let multipart = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let form = Multipart::from_request(request, &())
            .await
            .map_err(IntoResponse::into_response)?;
        return files::read(form).await;
    }
    let Json(body) = Json::<Value>::from_request(request, &())
        .await
        .map_err(IntoResponse::into_response)?;
    Ok((body, Vec::new()))
}
