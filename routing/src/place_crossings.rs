//! Intersections and stretches between cross streets as residents write them (EN and ES): `corner of X and Y`,
//! `X at the corner of Y`, `X and Y`, `X & Y`, `X/Y`, `where X crosses Y`, `X esquina con Y`, `X casi esquina
//! con Y`, `en el cruce de X y Y`, `on X between Y and Z`, `en X entre Y y Z`.

use regex::Captures;

use crate::gazetteer::Gazetteer;
use crate::location::LocationKind;
use crate::normalize::lowercase;
use crate::place_forms::{
    group, named, scan, Found, Place, NAME_ES, ORDINAL, RISK_ORDINAL, RISK_SUFFIX, SUFFIX, TYPE_ES,
};
use crate::place_key::{Source, StreetName};
use crate::place_names::{
    bare_name, common_word, cue_before, is_time, name_start, plausible_street, skip_lowercase_lead,
    strong_street, trim_end, trim_name,
};
use crate::place_regex::PlaceRegex;
use crate::place_words::PARTICLES;

/// The recognisers of this module.
#[derive(Debug, Clone)]
pub(crate) struct CrossingForms {
    corner_of: PlaceRegex,
    at_corner: PlaceRegex,
    crossing: PlaceRegex,
    crossing_es: PlaceRegex,
    crosses: PlaceRegex,
    esquina: PlaceRegex,
    between: PlaceRegex,
    street_before: PlaceRegex,
}

/// An English street name: an ordinal, words and a suffix, or a `bare` name, after an optional direction.
fn street_pattern(bare: &str) -> String {
    format!(
        r"(?:(?:North|South|East|West|[NSEW]\.?)\s+)?(?:{ORDINAL}(?:\s+{SUFFIX})?|(?:[\p{{L}}\d][\w'-]*\s+){{0,3}}[\p{{L}}\d][\w'-]*\s+{SUFFIX}|{bare})"
    )
}

/// How far before "between" its street is looked for, in bytes.
const WINDOW: usize = 80;

/// A name, loosely: up to five words without punctuation, cut later at the first stop-word.
const LOOSE: &str = r"[^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,4}";

impl CrossingForms {
    pub fn new() -> CrossingForms {
        let street = street_pattern(r"\p{Lu}[\w'-]+");
        // Crossings also read a lowercase name (`main and 3rd`); `accept_crossing` decides whether it is one.
        let street_any = street_pattern(r"\p{L}[\w'-]+");
        let es = format!(r"(?:{ORDINAL}|{NAME_ES})");
        let lead = r"(?:(?i:la\s+calle|calle|la\s+avenida|avenida|the|la|el)\s+)?";
        // A street's `\b`s are those of its ordinal and its suffix.
        let streets: [&str; 2] = [&RISK_ORDINAL, &RISK_SUFFIX];
        CrossingForms {
            corner_of: PlaceRegex::plain(&format!(
                r"(?i:corner\s+of|intersection\s+(?:of|at)|esquina\s+de|cruce(?:ro)?\s+de)\s+(?P<a>[^\s,;:!?()&/]+(?:\s+[^\s,;:!?()&/]+){{0,4}}?)(?:\s+(?i:and|y|e|con|with)\s+|\s*[&/]\s*)(?P<b>{LOOSE})"
            )),
            at_corner: PlaceRegex::new(
                &format!(
                    r"(?P<a>{street})\s+(?i:(?:at|on|near|by)\s+(?:the\s+)?(?:corner|intersection)\s+(?:of|with)|corner\s+of)\s+(?P<b>{street})"
                ),
                &streets,
            )
            .needing("(?i:corner|intersection)"),
            crossing: PlaceRegex::new(
                &format!(
                    r"(?P<a>{street_any})(?P<op>\s+(?i:and|at|by|y|x)\s+(?:(?i:la|el)\s+)?|\s*[&/]\s*)(?P<b>{street_any})"
                ),
                &streets,
            ),
            crossing_es: PlaceRegex::new(
                &format!(
                    r"(?P<a>(?:{TYPE_ES}\s+)?{es})\s+(?P<op>(?i:y|e))\s+{lead}(?P<b>(?:{TYPE_ES}\s+)?{es})"
                ),
                &[&RISK_ORDINAL],
            ),
            crosses: PlaceRegex::plain(&format!(
                r"\b(?i:where|donde)\s+{lead}(?P<a>{street}|{es})\s+(?i:crosses|meets|intersects|se\s+cruza\s+con|cruza\s+con|cruza)\s+{lead}(?P<b>{street}|{es})"
            )),
            esquina: PlaceRegex::new(
                &format!(
                    r"(?P<a>(?:{TYPE_ES}\s+)?{es})\s+(?i:(?:casi\s+)?(?:esq\.?|esquina)(?:\s+con)?|cruce\s+con)\s+{lead}(?P<b>{es})"
                ),
                &[&RISK_ORDINAL],
            )
            .needing("(?i:esq|cruce)"),
            between: PlaceRegex::plain(&format!(
                r"(?i:\bbetween\b|\bbtwn\b|\bb/w\b|\bentre\b)\s+(?:(?i:las\s+calles|calles|the\s+streets)\s+)?(?P<a>[^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){{0,3}}?)\s+(?i:and|&|y)\s+(?P<b>{LOOSE})"
            )),
            street_before: PlaceRegex::plain(&format!(r"(?P<s>{street}|{es})\s*,?\s*$")),
        }
    }

    /// The recognisers with fast twins, by name (see `PlaceForms::twins`).
    #[cfg(test)]
    pub fn twins(&self) -> Vec<(&'static str, &PlaceRegex)> {
        vec![
            ("at_corner", &self.at_corner),
            ("crossing", &self.crossing),
            ("crossing_es", &self.crossing_es),
            ("esquina", &self.esquina),
            ("corner_of", &self.corner_of),
            ("crosses", &self.crosses),
            ("between", &self.between),
            ("street_before", &self.street_before),
        ]
    }

    /// Every intersection and "between" candidate in `text`.
    pub fn candidates(&self, text: &str, gazetteer: Option<&Gazetteer>, out: &mut Vec<Found>) {
        self.corners_of(text, gazetteer, out);
        self.at_corners(text, out);
        self.crossings(&self.crossing, text, gazetteer, out);
        self.crossings(&self.crossing_es, text, gazetteer, out);
        self.crosses(text, out);
        self.esquinas(text, out);
        self.betweens(text, out);
    }

    fn corners_of(&self, text: &str, g: Option<&Gazetteer>, out: &mut Vec<Found>) {
        for c in self.corner_of.any(text).captures_iter(text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let end = trim_name(text, b.start(), b.end());
            // "corner of" says a street follows, even typed in lowercase (`esquina de oak y 7th`).
            let a_ok = plausible_street(a.as_str(), false)
                || match side(a.as_str(), g) {
                    Side::Named => true,
                    Side::Word => strong_street(&text[b.start()..end]),
                    _ => false,
                };
            if end > b.start() && a_ok {
                let start = group(&c, 0).start();
                out.push(corner(text, start, end, a.as_str(), &text[b.start()..end]));
            }
        }
    }

    fn at_corners(&self, text: &str, out: &mut Vec<Found>) {
        for c in scan(&self.at_corner, text) {
            let Some(a) = street_start(text, &c) else {
                continue;
            };
            let (x, b) = (&text[a..named(&c, "a").end()], named(&c, "b"));
            // "Pothole at the corner of Main": the word before "at" must be a street, or follow a cue.
            let street = strong_street(x) || cue_before(text, a);
            if street && plausible_street(x, false) && plausible_street(b.as_str(), false) {
                let end = trim_end(text, a, b.end());
                out.push(corner(text, a, end, x, b.as_str()));
            }
        }
    }

    /// `X op Y` by `form`: the English one (one word or a street with its suffix each side) or the Spanish one
    /// (names of several words: `Revolución y Luis Orci`).
    fn crossings(
        &self,
        form: &PlaceRegex,
        text: &str,
        g: Option<&Gazetteer>,
        out: &mut Vec<Found>,
    ) {
        let Some(form) = form.on(text) else {
            return;
        };
        // Matches are tried from every word, not just after the previous match: in "Pothole at 5th and Main"
        // the rejected "Pothole at 5th" must not hide "5th and Main".
        let mut from = 0;
        while let Some(c) = form.captures_at(text, from) {
            from = next_word(text, group(&c, 0).start());
            let Some(start) = street_start(text, &c) else {
                continue;
            };
            let b = named(&c, "b");
            let end = trim_name(text, b.start(), b.end());
            let (a, b) = (&text[start..named(&c, "a").end()], &text[b.start()..end]);
            let op = named(&c, "op").as_str().trim().to_lowercase();
            if accept_crossing(text, (start, end), (a, &op, b), g) {
                out.push(corner(text, start, end, a, b));
            }
        }
    }

    fn crosses(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.crosses.any(text).captures_iter(text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let end = trim_name(text, b.start(), b.end());
            let b_name = &text[b.start()..end];
            if plausible_street(a.as_str(), false) && plausible_street(b_name, false) {
                out.push(corner(
                    text,
                    a.start(),
                    end,
                    a.as_str(),
                    &text[b.start()..end],
                ));
            }
        }
    }

    fn esquinas(&self, text: &str, out: &mut Vec<Found>) {
        for c in scan(&self.esquina, text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let Some(start) = name_start(text, a.start(), a.end()) else {
                continue;
            };
            let end = trim_name(text, b.start(), b.end());
            let (x, y) = (&text[start..a.end()], &text[b.start()..end]);
            // "EN LA ESQUINA DE REFORMA": upper-case text reads as names; "esquina de" is `corners_of`'s form.
            if end > b.start() && !is_particle(x) && !starts_with_particle(y) {
                out.push(corner(text, start, end, x, y));
            }
        }
    }

    fn betweens(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.between.any(text).captures_iter(text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let end = trim_name(text, b.start(), b.end());
            if end <= b.start() || !plausible_street(a.as_str(), false) || is_time(a.as_str()) {
                continue;
            }
            let keyword = group(&c, 0).start();
            let street = self.street_before(text, keyword);
            let start = street.map_or(keyword, |(s, _)| s);
            let place = Place::Between {
                street: street.map(|(s, e)| text[s..e].to_string()),
                a: a.as_str().trim_end_matches('.').to_string(),
                b: text[b.start()..end].to_string(),
            };
            out.push(Found::new(LocationKind::Between, start, end, place));
        }
    }

    /// The street written just before "between" (`on Cedar Ln between ...`), as a byte range.
    fn street_before(&self, text: &str, at: usize) -> Option<(usize, usize)> {
        // A street name is a few words: look only that far back, so a long message costs no more per "between".
        let mut from = at.saturating_sub(WINDOW);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        if from > 0 {
            // Start at a word, not inside one.
            from += text[from..at]
                .find(char::is_whitespace)
                .unwrap_or(at - from);
        }
        let window = &text[from..at];
        let c = self.street_before.any(window).captures(window)?;
        let s = named(&c, "s");
        let (s_start, s_end) = (from + s.start(), from + s.end());
        let start = name_start(text, s_start, s_end)?;
        let start = skip_lowercase_lead(text, start, s_end);
        let end = trim_end(text, start, s_end);
        let name = &text[start..end];
        let ok = match side(name, None) {
            Side::Street => true,
            Side::Named => cue_before(text, start) && !is_particle(name),
            Side::Word | Side::No => false,
        };
        ok.then_some((start, end))
    }
}

/// How clearly one side of `X op Y` is a street.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// A suffix or an ordinal: `Oak St`, `5th`.
    Street,
    /// A name: with a gazetteer one of the city's, without one a capitalised word (`Hopkins`).
    Named,
    /// A lowercase word that might be a name (`main`).
    Word,
    /// Not a street: stop-words, a weekday, punctuation.
    No,
}

fn side(s: &str, g: Option<&Gazetteer>) -> Side {
    let lowercase = s.chars().next().is_some_and(char::is_lowercase);
    // "license plates blocking city street": a lowercase run that long is a sentence, not a name.
    let sentence = lowercase && s.split_whitespace().count() > 3;
    // A name that is an ordinary word (`dead end`, `city street`), any word of it when typed in lowercase.
    let core = StreetName::parse(s, Source::Written).map_or_else(String::new, |n| n.core);
    let common = common_word(&core).is_some()
        || (lowercase
            && core
                .split(' ')
                .any(|w| common_word(w).is_some() || w.ends_with("ing")));
    if !plausible_street(s, true) || sentence || common {
        return Side::No;
    }
    if strong_street(s) {
        return Side::Street;
    }
    let word = !s.contains(' ') && common_word(&crate::normalize::lowercase(s)).is_none();
    match g {
        Some(g) if g.recognizes(s) => Side::Named,
        None if bare_name(s) => Side::Named,
        None if lowercase && word => Side::Word,
        _ => Side::No,
    }
}

/// Accepts `X op Y` as an intersection. `at`/`by` need a clear street before them (`Main St at 5th`); `and`,
/// `&`, `/`, `y` need one clear street and a name, or two names after a cue (`at Main and Hopkins`) or alone on
/// their line (a subject `Juárez y Reforma`). With a gazetteer a name must be the city's; without one a
/// lowercase word passes only beside a clear street after a cue (`pothole at main and 3rd`).
fn accept_crossing(
    text: &str,
    (start, end): (usize, usize),
    (a, op, b): (&str, &str, &str),
    g: Option<&Gazetteer>,
) -> bool {
    use Side::*;
    let (x, y) = (side(a, g), side(b, g));
    let cue = || cue_before(text, start) || alone_on_line(text, start, end);
    match op {
        "at" => x == Street && matches!(y, Street | Named),
        "by" => x == Street && (y == Street || (y == Named && g.is_some())),
        _ => match (x, y) {
            (Street, Street) | (Street, Named) | (Named, Street) => true,
            (Street, Word) | (Word, Street) => cue(),
            (Named, Named) => g.is_some() || cue(),
            _ => false,
        },
    }
}

/// Nothing but spaces and punctuation around `start..end` on its line.
fn alone_on_line(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].rsplit('\n').next().unwrap_or_default();
    let after = text[end..].split('\n').next().unwrap_or_default();
    let blank = |s: &str| s.chars().all(|c| !c.is_alphanumeric());
    blank(before) && blank(after)
}

/// Where the `a` street of a match really starts, or `None` when the match is part of a "between" span.
fn street_start(text: &str, c: &Captures) -> Option<usize> {
    let a = named(c, "a");
    let start = name_start(text, a.start(), a.end())?;
    Some(skip_lowercase_lead(text, start, a.end()))
}

fn corner(text: &str, start: usize, end: usize, a: &str, b: &str) -> Found {
    let clean = |s: &str| s.trim().trim_end_matches([',', '.']).to_string();
    let end = trim_end(text, start, end);
    let place = Place::Corner {
        a: clean(a),
        b: clean(b),
    };
    Found::new(LocationKind::Intersection, start, end, place)
}

fn is_particle(s: &str) -> bool {
    PARTICLES.contains(&&*lowercase(s.trim()))
}

fn starts_with_particle(s: &str) -> bool {
    s.split_whitespace().next().is_some_and(is_particle)
}

/// The byte offset of the word after the one at `at`.
pub(crate) fn next_word(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let gap = rest[word..]
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(rest.len() - word);
    at + (word + gap).clamp(1, rest.len())
}
