//! The service's small HTTP side: `GET /health`, `GET /metrics` (Prometheus) and the Open311 GeoReport v2
//! read API under `/open311/v2/`. Read-only; served next to the workers and stopped with them.

mod georeport;
mod health;
mod metrics;
mod open311;
mod query;
pub mod redact;

use std::net::SocketAddr;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::desk::Desk;

pub use metrics::render as render_metrics;
pub use query::{DEFAULT_WINDOW_DAYS, MAX_LIST_ITEMS, MAX_QUERY_BYTES, MAX_RESULTS};

/// Every route, over `desk`.
pub fn router(desk: Desk) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .merge(open311::routes())
        .with_state(desk)
}

/// Binds `addr` now (port 0 picks a free port), so that a taken port fails start-up with a clear message.
/// Needs a Tokio runtime.
pub fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("http.bind: cannot listen on {addr}"))?;
    listener
        .set_nonblocking(true)
        .context("http.bind: non-blocking socket")?;
    TcpListener::from_std(listener).with_context(|| format!("http.bind: registering {addr}"))
}

/// Serves until `cancel` fires, then lets in-flight requests finish.
pub async fn serve(listener: TcpListener, desk: Desk, cancel: CancellationToken) {
    if let Err(e) = axum::serve(listener, router(desk))
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await
    {
        tracing::error!(error = format!("{e:#}"), "HTTP server stopped");
    }
}
