//! The public web pages, server-rendered HTML (maud) without JavaScript: the performance dashboard at `/` and
//! the stylesheet they share, embedded in the binary.

pub mod dashboard;
pub mod layout;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::desk::Desk;

/// Every page's route, to be merged into the service's router.
pub fn routes(desk: Desk) -> Router {
    Router::new()
        .route("/assets/site.css", get(stylesheet))
        .merge(dashboard::routes())
        .with_state(desk)
}

/// The shared stylesheet (cached for an hour: it only changes with a release).
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        layout::STYLESHEET,
    )
}
