//! A regex and its ASCII twin: the same pattern with every class cut to ASCII, every non-ASCII literal made
//! impossible and every Unicode word boundary made an ASCII one. On an ASCII text the twin finds exactly the
//! matches (and groups) of the regex as written, with a far smaller automaton: less to compile, and a lazy-DFA
//! cache per searching thread that stays small (Unicode `\w`, `\p{L}` and case folding make every state of the
//! written form wide). Most reports are ASCII; the rest take the written form.
//!
//! Why it is exact on ASCII: a class or literal can only match characters the text holds, all ASCII; a Unicode
//! and an ASCII word boundary agree wherever both neighbours are ASCII; anchors, repetitions, groups and their
//! order (leftmost-first priority) are untouched.

use regex::Regex;
use regex_syntax::hir::{
    Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind,
    Literal, Look, Repetition,
};

/// `src` as written, and its ASCII twin for ASCII texts.
#[derive(Debug, Clone)]
pub struct AsciiTwin {
    written: Regex,
    ascii: Regex,
}

impl AsciiTwin {
    /// Both forms of `src`, compiled with `build` (the same builder settings for both).
    pub fn new(src: &str, build: impl Fn(&str) -> Regex) -> AsciiTwin {
        AsciiTwin {
            written: build(src),
            ascii: build(&ascii_pattern(src)),
        }
    }

    /// Both forms of a pattern that may not compile (a city's own), with the crate's default settings. Should
    /// the ASCII form of a pattern that compiles not parse, the form as written serves for both.
    pub fn try_new(src: &str) -> Result<AsciiTwin, regex::Error> {
        let written = Regex::new(src)?;
        let ascii = match try_ascii_pattern(src) {
            Some(p) => Regex::new(&p)?,
            None => written.clone(),
        };
        Ok(AsciiTwin { written, ascii })
    }

    /// The regex to search `text` with: the twin when `text` is ASCII (same matches, same groups).
    pub fn on(&self, text: &str) -> &Regex {
        if text.is_ascii() {
            &self.ascii
        } else {
            &self.written
        }
    }

    /// The ASCII twin.
    pub fn ascii(&self) -> &Regex {
        &self.ascii
    }

    /// The regex as written.
    pub fn written(&self) -> &Regex {
        &self.written
    }
}

/// `src` rewritten to its ASCII twin, as pattern text the regex crate compiles with its usual flags.
///
/// # Panics
/// When `src` is not a valid pattern: every caller passes a built-in constant covered by tests.
pub fn ascii_pattern(src: &str) -> String {
    try_ascii_pattern(src).expect("built-in regex parses")
}

/// [`ascii_pattern`] of a pattern that may not parse (a city's own), parsed as the regex crate parses it;
/// `None` when it does not.
pub fn try_ascii_pattern(src: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(src).ok()?;
    Some(ascii_hir(hir).to_string())
}

fn ascii_hir(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(Literal(bytes)) if bytes.is_ascii() => Hir::literal(bytes),
        HirKind::Literal(_) => Hir::fail(),
        HirKind::Class(Class::Unicode(mut c)) => {
            c.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7F')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(mut c)) => {
            c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7F)]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(look) => Hir::look(ascii_look(look)),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(ascii_hir(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(ascii_hir(*c.sub)),
            ..c
        }),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(ascii_hir).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.into_iter().map(ascii_hir).collect()),
    }
}

fn ascii_look(look: Look) -> Look {
    match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twin(src: &str) -> AsciiTwin {
        AsciiTwin::new(src, |s| Regex::new(s).unwrap())
    }

    /// Every match of both forms on `text`, with every group's span.
    fn spans(r: &Regex, text: &str) -> Vec<Vec<Option<(usize, usize)>>> {
        r.captures_iter(text)
            .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
            .collect()
    }

    #[test]
    fn on_ascii_texts_the_twin_finds_what_the_written_form_finds() {
        let patterns = [
            r"(?i)\b(?P<n>\d{1,5})\s+(?P<s>(?:[\p{L}\d][\w'-]*\s+){0,3}(?:street|st)\b\.?)",
            r"(?i:esquina|cruce)\s+(?:con\s+)?(?P<b>\p{Lu}[\w'.]*)",
            r"^\s*\S.{0,40}(\d|wrote|escribi[óo]).{0,40}<[^<>\s]+@[^<>\s]+>\s*:\s*$",
            r"(?i)\bskate\b|\bſ\w+",
        ];
        let texts = [
            "Pothole at 1200 north Main St. and 12 Oak Street",
            "esquina con Hidalgo, cruce Juarez",
            "On 3 May 2024 Jane <jane@example.test>:",
            "a skateboard; skate park; SKATE",
            "",
            "Kk sS 5th st",
        ];
        for p in patterns {
            let t = twin(p);
            for text in texts {
                assert_eq!(
                    spans(t.on(text), text),
                    spans(t.written(), text),
                    "{p} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn the_twin_is_only_taken_for_ascii_texts() {
        let t = twin(r"(?i)\bcalle\s+(?P<n>\w+)");
        let text = "calle Jesús García";
        assert!(std::ptr::eq(t.on(text), t.written()));
        assert_eq!(&t.on(text).captures(text).unwrap()["n"], "Jesús");
        assert_eq!(
            &t.on("calle Juarez").captures("calle Juarez").unwrap()["n"],
            "Juarez"
        );
    }

    #[test]
    fn the_twin_is_ascii_and_keeps_the_group_names() {
        let p = ascii_pattern(r"(?i)(?P<street>\w+)\s+(?:st|ſt)\b|ñ");
        let r = Regex::new(&p).unwrap();
        assert_eq!(r.capture_names().flatten().collect::<Vec<_>>(), ["street"]);
        assert!(!r.is_match("ñ"), "{p}: a non-ASCII literal cannot match");
        assert!(!r.is_match("é st"), "{p}: classes hold only ASCII");
        assert!(p.is_ascii(), "{p}");
    }
}
