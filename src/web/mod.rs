//! The service's web pages, server-rendered without JavaScript: the resident's status page
//! (`/r/<reference>/<key>`, [`status`]) and the shared chrome and stylesheet ([`layout`]).

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
        .merge(status::routes())
        .with_state(desk)
}
