//! The pages' shared chrome: the document with its language, viewport, skip link and the stylesheet, which is
//! embedded in the binary and served at `/assets/site.css` (no CDN, no JavaScript).

use axum::http::header;
use axum::response::IntoResponse;
use maud::{html, Markup, DOCTYPE};
use routing::Language;

/// The one stylesheet every page uses.
pub const STYLESHEET: &str = include_str!("site.css");

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/site.css";

/// A whole page in `lang`: `title` in the tab, `body` inside `<main id="main">`, which the skip link targets.
pub fn page(lang: Language, title: &str, body: Markup) -> Markup {
    let skip = match lang {
        Language::Es => "Saltar al contenido",
        _ => "Skip to content",
    };
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // No favicon request (a 404 in every browser's console).
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(STYLESHEET_PATH);
            }
            body {
                a class="skip-link" href="#main" { (skip) }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// `GET /assets/site.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}
