//! Which language a visitor reads the dashboard in: `?lang=` when given, else the best of English and Spanish
//! in the browser's `Accept-Language`, else the city's default language.

use axum::http::{header, HeaderMap};
use routing::Language;

/// A language code as a query or header names it (`es`, `es-MX`, `EN`).
fn parse_code(code: &str) -> Option<Language> {
    let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.as_str() {
        "en" => Some(Language::En),
        "es" => Some(Language::Es),
        _ => None,
    }
}

/// The language of the highest-weighted range we speak in an `Accept-Language` value (first wins a tie;
/// `q=0` means "not this one").
pub fn from_accept_language(value: &str) -> Option<Language> {
    let mut best: Option<(f32, Language)> = None;
    for range in value.split(',') {
        let mut parts = range.split(';');
        let Some(lang) = parts.next().and_then(parse_code) else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// The page's language: the query's `lang`, the browser's preference, or `default`.
pub fn negotiate(query_lang: Option<&str>, headers: &HeaderMap, default: Language) -> Language {
    query_lang
        .and_then(parse_code)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language)
        })
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_best_weighted_language_we_speak() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(None, &h, Language::En), Language::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-CA, es-MX;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(negotiate(None, &h, Language::En), Language::Es);
        assert_eq!(negotiate(Some("en"), &h, Language::Es), Language::En);
        // An unknown query value falls back to the header.
        assert_eq!(negotiate(Some("de"), &h, Language::En), Language::Es);
        assert_eq!(from_accept_language("en;q=0.2, es;q=0"), Some(Language::En));
        assert_eq!(from_accept_language("de, fr"), None);
        assert_eq!(from_accept_language("ES"), Some(Language::Es));
    }
}
