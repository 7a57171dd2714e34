//! Health: `GET /health` (200 when the database answers a `SELECT 1`, 503 with the reason when not — kept as
//! it was for existing monitors), `GET /health/live` (200 while the process serves) and `GET /health/ready`
//! (200 when every component does its job, else 503 naming each failing one, why, and since when).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::AppState;
use crate::desk::Desk;
use crate::monitor::ready::{assess, Facts, Verdict};
use crate::monitor::wall_ms;

/// A health check must answer quickly even when the database hangs.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn health(State(desk): State<Desk>) -> (StatusCode, Json<Value>) {
    let database = desk.store().dialect();
    match ping(&desk).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": database })),
        ),
        Err(reason) => {
            tracing::warn!(%reason, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": database, "reason": reason })),
            )
        }
    }
}

/// The process is up and its HTTP side answers; says nothing about the workers.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let facts = facts(&state.desk).await;
    let snapshot = state.monitor.snapshot();
    let verdicts = assess(&snapshot, &facts, &state.desk.settings().health, wall_ms());
    let all_ok = verdicts.values().all(|v| v.ok);
    let mut components = Map::new();
    for (name, v) in &verdicts {
        components.insert((*name).to_string(), verdict_json(v));
    }
    if let Some(db) = components.get_mut("database") {
        db["dialect"] = json!(state.desk.store().dialect());
    }
    let (code, status) = if all_ok {
        (StatusCode::OK, "ok")
    } else {
        let failing: Vec<&str> = verdicts
            .iter()
            .filter(|(_, v)| !v.ok)
            .map(|(n, _)| *n)
            .collect();
        tracing::warn!(failing = %failing.join(", "), "readiness: unavailable");
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        code,
        Json(json!({ "status": status, "components": components })),
    )
}

async fn ping(desk: &Desk) -> Result<(), String> {
    match tokio::time::timeout(PING_TIMEOUT, desk.store().ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
    }
}

/// The database's answers: the ping, and the age of the oldest undelivered outbox row (on the desk's clock,
/// the one its rows are stamped with).
async fn facts(desk: &Desk) -> Facts {
    let database = ping(desk).await;
    let outbox = match &database {
        Err(e) => Err(e.clone()),
        Ok(()) => match tokio::time::timeout(PING_TIMEOUT, desk.store().outbox_stats()).await {
            Ok(Ok(stats)) => Ok(stats
                .oldest_pending_created_at
                .map(|t| (desk.now() - t).max(0))),
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(_) => Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
        },
    };
    Facts {
        database,
        outbox_oldest_age_ms: outbox,
    }
}

fn verdict_json(v: &Verdict) -> Value {
    let mut o = Map::new();
    o.insert("ok".into(), json!(v.ok));
    if let Some(r) = &v.reason {
        o.insert("reason".into(), json!(r));
    }
    if let Some(t) = v.since_ms {
        o.insert("since".into(), json!(rfc3339(t)));
    }
    if let Some(n) = v.restarts {
        o.insert("restarts".into(), json!(n));
    }
    if let Some(state) = v.state {
        o.insert("state".into(), json!(state));
    }
    if let Some(e) = &v.last_error {
        o.insert(
            "last_error".into(),
            json!({ "error": e.text, "at": rfc3339(e.at_ms) }),
        );
    }
    Value::Object(o)
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
