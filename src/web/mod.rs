//! The service's web pages, server-rendered HTML (maud) without JavaScript: the public performance dashboard at
//! `/` ([`dashboard`]), the resident's status page (`/r/<reference>/<key>`, [`status`]) and the shared chrome
//! and stylesheet ([`layout`]), embedded in the binary.

pub mod dashboard;
pub mod layout;
mod status;
pub mod token;

use axum::routing::get;
use axum::Router;

use crate::desk::Desk;

pub use status::photo_url;

/// Every page's route, merged into the HTTP side's router.
pub fn routes(desk: Desk) -> Router {
    Router::new()
        .route(layout::STYLESHEET_PATH, get(layout::stylesheet))
        .merge(dashboard::routes())
        .merge(status::routes())
        .with_state(desk)
}
