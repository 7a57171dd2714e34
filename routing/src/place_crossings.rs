//! Intersections and stretches between cross streets as residents write them (EN and ES): `corner of X and Y`,
//! `X at the corner of Y`, `X and Y`, `X & Y`, `X/Y`, `where X crosses Y`, `X esquina con Y`, `X casi esquina
//! con Y`, `en el cruce de X y Y`, `on X between Y and Z`, `en X entre Y y Z`.

use regex::{Captures, Regex};

use crate::gazetteer::Gazetteer;
use crate::location::LocationKind;
use crate::place_forms::{group, named, re, Found, Place, NAME_ES, ORDINAL, SUFFIX, TYPE_ES};
use crate::place_names::{
    bare_name, cue_before, is_time, name_start, plausible_street, skip_lowercase_lead,
    strong_street, trim_end, trim_name, PARTICLES,
};

/// The recognisers of this module.
#[derive(Debug, Clone)]
pub(crate) struct CrossingForms {
    corner_of: Regex,
    at_corner: Regex,
    crossing: Regex,
    crosses: Regex,
    esquina: Regex,
    between: Regex,
    street_before: Regex,
}

/// A name, loosely: up to five words without punctuation, cut later at the first stop-word.
const LOOSE: &str = r"[^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,4}";

impl CrossingForms {
    pub fn new() -> CrossingForms {
        let street = format!(
            r"(?:(?:North|South|East|West|[NSEW]\.?)\s+)?(?:{ORDINAL}(?:\s+{SUFFIX})?|(?:[\p{{L}}\d][\w'-]*\s+){{0,3}}[\p{{L}}\d][\w'-]*\s+{SUFFIX}|\p{{Lu}}[\w'-]+)"
        );
        let es = format!(r"(?:{ORDINAL}|{NAME_ES})");
        let lead = r"(?:(?i:la\s+calle|calle|la\s+avenida|avenida|the|la|el)\s+)?";
        CrossingForms {
            corner_of: re(&format!(
                r"(?i:corner\s+of|intersection\s+(?:of|at)|esquina\s+de|cruce(?:ro)?\s+de)\s+(?P<a>[^\s,;:!?()&/]+(?:\s+[^\s,;:!?()&/]+){{0,4}}?)(?:\s+(?i:and|y|e|con|with)\s+|\s*[&/]\s*)(?P<b>{LOOSE})"
            )),
            at_corner: re(&format!(
                r"(?P<a>{street})\s+(?i:(?:at|on|near|by)\s+(?:the\s+)?(?:corner|intersection)\s+(?:of|with)|corner\s+of)\s+(?P<b>{street})"
            )),
            crossing: re(&format!(
                r"(?P<a>{street})(?P<op>\s+(?i:and|at|y|x)\s+(?:(?i:la|el)\s+)?|\s*[&/]\s*)(?P<b>{street})"
            )),
            crosses: re(&format!(
                r"\b(?i:where|donde)\s+{lead}(?P<a>{street}|{es})\s+(?i:crosses|meets|intersects|se\s+cruza\s+con|cruza\s+con|cruza)\s+{lead}(?P<b>{street}|{es})"
            )),
            esquina: re(&format!(
                r"(?P<a>(?:{TYPE_ES}\s+)?{es})\s+(?i:(?:casi\s+)?(?:esq\.?|esquina)(?:\s+con)?|cruce\s+con)\s+{lead}(?P<b>{es})"
            )),
            between: re(&format!(
                r"(?i:\bbetween\b|\bbtwn\b|\bb/w\b|\bentre\b)\s+(?:(?i:las\s+calles|calles|the\s+streets)\s+)?(?P<a>[^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){{0,3}}?)\s+(?i:and|&|y)\s+(?P<b>{LOOSE})"
            )),
            street_before: re(&format!(r"(?P<s>{street}|{es})\s*,?\s*$")),
        }
    }

    /// Every intersection and "between" candidate in `text`.
    pub fn candidates(&self, text: &str, gazetteer: Option<&Gazetteer>, out: &mut Vec<Found>) {
        self.corners_of(text, out);
        self.at_corners(text, out);
        self.crossings(text, gazetteer, out);
        self.crosses(text, out);
        self.esquinas(text, out);
        self.betweens(text, out);
    }

    fn corners_of(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.corner_of.captures_iter(text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let end = trim_name(text, b.start(), b.end());
            if end > b.start() && plausible_street(a.as_str(), false) {
                let start = group(&c, 0).start();
                out.push(corner(text, start, end, a.as_str(), &text[b.start()..end]));
            }
        }
    }

    fn at_corners(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.at_corner.captures_iter(text) {
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

    fn crossings(&self, text: &str, gazetteer: Option<&Gazetteer>, out: &mut Vec<Found>) {
        // Matches are tried from every word, not just after the previous match: in "Pothole at 5th and Main"
        // the rejected "Pothole at 5th" must not hide "5th and Main".
        let mut from = 0;
        while let Some(c) = self.crossing.captures_at(text, from) {
            from = next_word(text, group(&c, 0).start());
            let Some(start) = street_start(text, &c) else {
                continue;
            };
            let (a, b) = (&text[start..named(&c, "a").end()], named(&c, "b").as_str());
            let op = named(&c, "op").as_str().trim().to_lowercase();
            let end = trim_end(text, start, named(&c, "b").end());
            if accept_crossing(text, (start, end), (a, &op, b), gazetteer) {
                out.push(corner(text, start, end, a, b));
            }
        }
    }

    fn crosses(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.crosses.captures_iter(text) {
            let (a, b) = (named(&c, "a"), named(&c, "b"));
            let end = trim_name(text, b.start(), b.end());
            if plausible_street(a.as_str(), false) && end > b.start() {
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
        for c in self.esquina.captures_iter(text) {
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
        for c in self.between.captures_iter(text) {
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
        let c = self.street_before.captures(&text[..at])?;
        let s = named(&c, "s");
        let start = name_start(text, s.start(), s.end())?;
        let start = skip_lowercase_lead(text, start, s.end());
        let end = trim_end(text, start, s.end());
        let name = &text[start..end];
        let ok = plausible_street(name, false)
            && (strong_street(name) || (cue_before(text, start) && !is_particle(name)));
        ok.then_some((start, end))
    }
}

/// Accepts `X op Y` as an intersection. `at` needs a clear street before it (`Main St at 5th`); `and`, `&`,
/// `/`, `y` need one clear street, or two names after a cue (`at Main and Hopkins`) or alone on their line (a
/// subject `Juárez y Reforma`) — with a gazetteer, a name that is not clearly a street must be the city's.
fn accept_crossing(
    text: &str,
    (start, end): (usize, usize),
    (a, op, b): (&str, &str, &str),
    g: Option<&Gazetteer>,
) -> bool {
    if !(plausible_street(a, false) && plausible_street(b, false)) {
        return false;
    }
    let (sa, sb) = (strong_street(a), strong_street(b));
    let known = |s: &str, strong: bool| match g {
        Some(g) => strong || g.recognizes(s),
        None => true,
    };
    if op == "at" {
        return sa && (sb || bare_name(b)) && known(b, sb);
    }
    if sa || sb {
        return known(a, sa) && known(b, sb);
    }
    let bare = bare_name(a) && bare_name(b);
    match g {
        Some(g) => bare && g.recognizes(a) && g.recognizes(b),
        None => bare && (cue_before(text, start) || alone_on_line(text, start, end)),
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
    PARTICLES.contains(&s.trim().to_lowercase().as_str())
}

fn starts_with_particle(s: &str) -> bool {
    s.split_whitespace().next().is_some_and(is_particle)
}

/// The byte offset of the word after the one at `at`.
fn next_word(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let gap = rest[word..]
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(rest.len() - word);
    at + (word + gap).clamp(1, rest.len())
}
