//! Location regexes that stay on the fast DFA path: each is compiled twice, as written (Unicode `\b`) and with
//! ASCII word boundaries, and a text is searched with the ASCII twin whenever the two cannot disagree on it.
//!
//! Why: a DFA cannot decide a Unicode word boundary next to a non-ASCII character, so the regex engine gives up
//! on the DFA for any text with an accent or a curly quote and runs its NFA over the whole text — 10–30 µs per
//! recogniser on a Spanish report. The two boundaries only differ beside a non-ASCII word character (`\b` after
//! `Ter` in `Terán`). Every `\b` in the location forms sits next to a known piece of pattern (a street suffix,
//! an ordinal, a digit, a relation word), so a small DFA-friendly "risk" regex per recogniser finds every text
//! where such a piece touches a non-ASCII word character; only those texts take the exact, slow path.

use regex::Regex;

use crate::ascii_twin::ascii_pattern;
use crate::place_forms::re;

/// A non-ASCII character that `\w` (and so a Unicode `\b`) counts as part of a word.
pub(crate) const WIDE_WORD: &str = r"[\w&&[^\x00-\x7F]]";

/// Characters outside ASCII that case-insensitive ASCII letters match (`ſ` ~ `s`, Kelvin `K` ~ `k`): with them a
/// piece of pattern may end in a non-ASCII character, so a text holding one always takes the exact path.
const ASCII_FOLDS: &str = r"[\x{17F}\x{212A}]";

/// One recogniser's regex and its twins.
#[derive(Debug, Clone)]
pub(crate) struct PlaceRegex {
    exact: Regex,
    /// `exact` cut to ASCII (see `ascii_twin`): the regex for every ASCII text, small and fast.
    ascii: Regex,
    /// `exact` with every `\b` made an ASCII word boundary; `None` when `exact` has no `\b`.
    fast: Option<Regex>,
    /// Matches every non-ASCII text on which `exact` and `fast` might disagree.
    risk: Option<Regex>,
    /// A part of the pattern every match contains (`corner`): a text without it is not searched at all.
    needs: Option<Regex>,
}

impl PlaceRegex {
    /// `src` compiled as written and with ASCII word boundaries. `risks` are patterns without `\b`, one per
    /// kind of `\b` in `src`, each matching wherever that `\b` could sit beside a non-ASCII word character.
    pub fn new(src: &str, risks: &[&str]) -> PlaceRegex {
        let ascii = ascii_boundaries(src);
        let alternatives: Vec<String> = risks
            .iter()
            .copied()
            .chain([ASCII_FOLDS])
            .map(|r| format!("(?:{r})"))
            .collect();
        PlaceRegex {
            exact: re(src),
            ascii: re(&ascii_pattern(src)),
            fast: (ascii != src).then(|| re(&ascii)),
            risk: Some(re(&alternatives.join("|"))),
            needs: None,
        }
    }

    /// `src` with its ASCII twin alone: the form as written for every text that is not ASCII.
    pub fn plain(src: &str) -> PlaceRegex {
        PlaceRegex {
            exact: re(src),
            ascii: re(&ascii_pattern(src)),
            fast: None,
            risk: None,
            needs: None,
        }
    }

    /// Searches only texts matching `part`, which every match of the regex contains (a literal, without `\b`).
    pub fn needing(self, part: &str) -> PlaceRegex {
        PlaceRegex {
            needs: Some(re(part)),
            ..self
        }
    }

    /// The regex to search `text` with: the fast twin unless the text could tell it from the exact one (both
    /// find the same matches with the same groups on `text`); `None` when the text cannot hold a match.
    pub fn on(&self, text: &str) -> Option<&Regex> {
        #[cfg(test)]
        if EXACT.get() {
            return Some(&self.exact);
        }
        if self.needs.as_ref().is_some_and(|n| !n.is_match(text)) {
            return None;
        }
        Some(self.any(text))
    }

    /// The regex to search `text` with, as [`on`](Self::on) but without looking for the needed part first.
    pub fn any(&self, text: &str) -> &Regex {
        #[cfg(test)]
        if EXACT.get() {
            return &self.exact;
        }
        if text.is_ascii() {
            return &self.ascii;
        }
        match &self.fast {
            Some(fast) if self.risk.as_ref().is_none_or(|r| !r.is_match(text)) => fast,
            _ => &self.exact,
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Set by [`exactly`]: every search on this thread uses the regexes as written, on every text.
    static EXACT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every location regex as written, without twins or needed parts: the plain path that tests
/// compare the fast one with.
#[cfg(test)]
pub(crate) fn exactly<T>(f: impl FnOnce() -> T) -> T {
    EXACT.set(true);
    let out = f();
    EXACT.set(false);
    out
}

/// `src` with every `\b` (not `\\b`) replaced by the ASCII word boundary `(?-u:\b)`.
fn ascii_boundaries(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 32);
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str(r"(?-u:\b)"),
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The risk for a `\b` right after `piece` (which ends in an ASCII character): `piece` then a wide word
/// character.
pub(crate) fn risk_after(piece: &str) -> String {
    format!("(?:{piece}){WIDE_WORD}")
}

/// The risk for a `\b` right before `piece` (which starts with an ASCII character): a wide word character then
/// `piece`.
pub(crate) fn risk_before(piece: &str) -> String {
    format!("{WIDE_WORD}(?:{piece})")
}

/// The risk for a `\b` beside a digit (`\d` also takes non-ASCII digits): any non-ASCII digit, or a digit beside
/// a wide word character.
pub(crate) const RISK_DIGIT: &str = r"[\d&&[^0-9]]|[\w&&[^\x00-\x7F]]\d|\d[\w&&[^\x00-\x7F]]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_word_boundaries() {
        assert_eq!(
            ascii_boundaries(r"\bst\b\.?\\b\d"),
            r"(?-u:\b)st(?-u:\b)\.?\\b\d"
        );
    }

    #[test]
    fn a_risky_text_takes_the_exact_path() {
        let r = PlaceRegex::new(r"(?i:ter)\b", &[&risk_after("(?i:ter)")]);
        // `Terán`: the ASCII boundary would see one after `Ter`, the Unicode one does not.
        let on = |text| r.on(text).expect("no part needed");
        assert!(std::ptr::eq(on("Calle Terán"), &r.exact));
        assert!(on("Calle Terán").find("Calle Terán").is_none());
        assert!(r.fast.as_ref().unwrap().find("Calle Terán").is_some());
        assert_eq!(on("Ter 4").find("Ter 4").map(|m| m.end()), Some(3));
        // No risk: the fast twin, which agrees.
        let text = "Juárez ter.";
        assert!(std::ptr::eq(on(text), r.fast.as_ref().unwrap()));
        assert_eq!(on(text).find(text).map(|m| m.start()), Some(8));
        // `ſ` folds to `s`: always exact.
        let s = PlaceRegex::new(r"(?i:s)\b", &[]);
        assert!(std::ptr::eq(s.on("ſ").unwrap(), &s.exact));
    }

    #[test]
    fn a_text_without_the_needed_part_is_not_searched() {
        let r = PlaceRegex::new(r"(?i:\w+ corner)", &[]).needing("(?i:corner)");
        assert!(r.on("Main and 5th").is_none());
        assert!(r.on("Main CORNER").unwrap().is_match("Main CORNER"));
    }
}
