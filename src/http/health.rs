//! `GET /health`: 200 when the database answers a `SELECT 1`, 503 with the reason when it does not.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::desk::Desk;

/// A health check must answer quickly even when the database hangs.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn health(State(desk): State<Desk>) -> (StatusCode, Json<Value>) {
    let database = desk.store.dialect();
    let failure = match tokio::time::timeout(PING_TIMEOUT, desk.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(_) => Some(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
    };
    match failure {
        None => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": database })),
        ),
        Some(reason) => {
            tracing::warn!(%reason, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": database, "reason": reason })),
            )
        }
    }
}
