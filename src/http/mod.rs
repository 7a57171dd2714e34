//! The service's small HTTP side: `GET /health` (database), `/health/live`, `/health/ready` (every component),
//! `GET /metrics` (Prometheus), the Open311 GeoReport v2 API under `/open311/` (read, and filing with an API
//! key), the signed photo links it publishes (`/media/…`) and the public web pages (`crate::web`: the dashboard
//! at `/`). Served next to the workers and stopped with them.

mod attributes;
mod format;
pub(crate) mod georeport;
mod health;
mod idempotency;
pub mod media;
mod metrics;
mod open311;
mod post;
mod query;
pub mod redact;

use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::desk::Desk;
use crate::monitor::Monitor;

pub use metrics::render as render_metrics;
pub use query::{DEFAULT_WINDOW_DAYS, MAX_LIST_ITEMS, MAX_PAGE, MAX_QUERY_BYTES, MAX_RESULTS};

/// What the handlers read: the desk (store, city, settings) and the running service's monitor.
#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub monitor: Monitor,
}

impl FromRef<AppState> for Desk {
    fn from_ref(s: &AppState) -> Desk {
        s.desk.clone()
    }
}

/// Every route.
pub fn router(state: AppState) -> Router {
    let open311 = open311::routes(state.desk.clone()).with_state(state.desk.clone());
    let media = media::routes().with_state(state.desk.clone());
    let pages = crate::web::routes(state.desk.clone());
    Router::new()
        .route("/health", get(health::health))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::metrics))
        .with_state(state.clone())
        .merge(open311)
        .merge(media)
        .merge(pages)
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
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await
        .context("HTTP server stopped")
}
