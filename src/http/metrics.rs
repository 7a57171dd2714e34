//! `GET /metrics`: gauges in the Prometheus text format — requests by status and department, overdue work,
//! and the outbox backlog — read from the database at scrape time, so every instance reports the same figures;
//! then this process's own counters (`crate::monitor::render`): intake, deliveries, restarts, panics, latency.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::desk::Desk;
use routing::Status;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn metrics(State(state): State<AppState>) -> Response {
    match render(&state.desk).await {
        Ok(mut body) => {
            crate::monitor::render(&mut body, &state.monitor.snapshot());
            ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
        }
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "metrics: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable: {e:#}\n"),
            )
                .into_response()
        }
    }
}

/// The whole exposition. Every configured department appears (with zeros), so that dashboards see a series
/// drop to 0 rather than vanish.
pub async fn render(desk: &Desk) -> anyhow::Result<String> {
    let now = desk.now();
    let departments: Vec<String> = desk
        .city()
        .departments
        .iter()
        .map(|d| d.id.to_string())
        .collect();

    let mut by_status: BTreeMap<(String, String), i64> = BTreeMap::new();
    for d in &departments {
        for s in Status::ALL {
            by_status.insert((d.clone(), s.to_string()), 0);
        }
    }
    for c in desk.store().request_counts().await? {
        by_status.insert((c.department.to_string(), c.status.to_string()), c.count);
    }
    let mut overdue: BTreeMap<String, i64> = departments.iter().map(|d| (d.clone(), 0)).collect();
    let counts = desk.store().overdue_counts(now).await?;
    overdue.extend(counts.into_iter().map(|(d, n)| (d.to_string(), n)));
    let outbox = desk.store().outbox_stats().await?;
    let oldest_age_s = outbox
        .oldest_pending_created_at
        .map(|t| (now - t).max(0) as f64 / 1000.0)
        .unwrap_or(0.0);

    let mut out = String::new();
    header_lines(
        &mut out,
        "connect311_requests",
        "Requests by lifecycle status and department.",
    );
    for ((department, status), n) in &by_status {
        let _ = writeln!(
            out,
            "connect311_requests{{department=\"{}\",status=\"{}\"}} {n}",
            escape(department),
            escape(status)
        );
    }
    header_lines(
        &mut out,
        "connect311_requests_overdue",
        "Active requests past their resolution target, or unacknowledged past their response target.",
    );
    for (department, n) in &overdue {
        let _ = writeln!(
            out,
            "connect311_requests_overdue{{department=\"{}\"}} {n}",
            escape(department)
        );
    }
    for (name, help, value) in [
        (
            "connect311_outbox_pending",
            "Outbound effects (mail, chat posts) not delivered yet, due now or waiting for a retry.",
            outbox.pending.to_string(),
        ),
        (
            "connect311_outbox_failed",
            "Outbound effects given up after their last attempt.",
            outbox.failed.to_string(),
        ),
        (
            "connect311_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbound effect (0 when none is pending).",
            oldest_age_s.to_string(),
        ),
    ] {
        header_lines(&mut out, name, help);
        let _ = writeln!(out, "{name} {value}");
    }
    Ok(out)
}

fn header_lines(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value as the text format wants it: backslash, double quote and newline escaped.
fn escape(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped() {
        assert_eq!(super::escape("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
    }
}
