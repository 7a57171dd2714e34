//! The chrome every public page shares: the document's language, the viewport for phones, a skip link to the
//! content for keyboard users, and the embedded stylesheet (no external CDN, no script).

use maud::{html, Markup, DOCTYPE};
use routing::Language;

/// The stylesheet served at `/assets/site.css`.
pub const STYLESHEET: &str = include_str!("site.css");

/// A whole page: `<html lang>`, the title, the skip link and `body` as the main content.
pub fn page(lang: Language, title: &str, body: Markup) -> Markup {
    let skip = match lang {
        Language::Es => "Saltar al contenido",
        Language::En => "Skip to content",
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // No favicon to fetch (a 404 would be a console error in every browser).
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/site.css";
            }
            body {
                a class="skip-link" href="#main" { (skip) }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}
