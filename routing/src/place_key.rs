//! Canonical place keys: one string per place whatever the word order, street suffix or language, so that two
//! reports of the same corner or address compare equal (`Main St y 3rd St` = `3rd and Main` → `3rd & main`).
//!
//! Key shapes (lowercase, accents removed):
//! - address: `210 s mill` (number, direction if written, street without its suffix)
//! - intersection: `3rd & main` (the two streets in alphabetical order, without suffixes or directions)
//! - between: `mill between 1st & 2nd` (the street, then the two ends in order; no street: `between 1st & 2nd`)
//! - neighbourhood: `area las palmas`; coordinates: `40.71280,-74.00600`; map link: the lowercased URL.
//!
//! A street the city's gazetteer knows is keyed by the gazetteer's own name with its suffix (`3rd st`), because
//! then `3rd St` and `3rd Ave` are known to be different streets.

use crate::normalize::fold_phrase;
use crate::place_words::{
    direction_letter, is_spelled_out_suffix, ordinal_digits, suffix_short, type_prefix, PARTICLES,
};

/// Where a street name comes from, which decides how much of it is taken off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// As a resident wrote it: any suffix (`St.`, `Street`) and direction (`S.`, `South`) is recognised.
    Written,
    /// A stored key or an older normal form: only words written out in full (`street`, `south`) are taken off,
    /// so a key stays what it is (`3rd st` keeps its gazetteer suffix).
    Stored,
}

/// A street name taken apart: `S. Mill St.` → direction `s`, core `mill`, suffix `st`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreetName {
    pub direction: Option<char>,
    /// The name itself, folded: `mill`, `3rd`, `luis orci`.
    pub core: String,
    /// The short form of the suffix written (`st`, `ave`), or of a Spanish type word that names one (`Av.`).
    pub suffix: Option<&'static str>,
}

impl StreetName {
    /// Takes a street name apart; `None` when nothing but type words is left.
    pub fn parse(s: &str, source: Source) -> Option<StreetName> {
        let folded = fold_phrase(s);
        let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let mut suffix = drop_type_prefix(&mut words);
        if let Some(written) = pop_suffixes(&mut words, source) {
            suffix = Some(written);
        }
        let direction = pop_direction(&mut words, source);
        if words.is_empty() {
            return None;
        }
        let core = match words.as_slice() {
            [one] => ordinal_digits(one).unwrap_or(one).to_string(),
            _ => words.join(" "),
        };
        Some(StreetName {
            direction,
            core,
            suffix,
        })
    }

    /// The street's part of a key without a gazetteer: the core, with the direction for addresses.
    pub fn key(&self, with_direction: bool) -> String {
        match self.direction {
            Some(d) if with_direction => format!("{d} {}", self.core),
            _ => self.core.clone(),
        }
    }

    /// Direction, core and suffix: how a gazetteer street is keyed (`s mill st`).
    pub fn full_key(&self) -> String {
        let mut key = self.key(true);
        if let Some(s) = self.suffix {
            key.push(' ');
            key.push_str(s);
        }
        key
    }
}

fn drop_type_prefix(words: &mut Vec<&str>) -> Option<&'static str> {
    while words.len() > 1 && PARTICLES.contains(&words[0]) {
        words.remove(0);
    }
    let suffix = type_prefix(words.first()?).filter(|_| words.len() > 1)?;
    words.remove(0);
    while words.len() > 1 && PARTICLES.contains(&words[0]) {
        words.remove(0);
    }
    suffix
}

fn pop_suffixes(words: &mut Vec<&str>, source: Source) -> Option<&'static str> {
    let mut outer = None;
    while words.len() > 1 {
        let last = words[words.len() - 1];
        let short = match source {
            Source::Written => suffix_short(last),
            Source::Stored => suffix_short(last).filter(|_| is_spelled_out_suffix(last)),
        };
        let Some(short) = short else { break };
        outer.get_or_insert(short);
        words.pop();
    }
    outer
}

fn pop_direction(words: &mut Vec<&str>, source: Source) -> Option<char> {
    if words.len() < 2 {
        return None;
    }
    let letter = direction_letter(words[0], source == Source::Stored)?;
    words.remove(0);
    Some(letter)
}

/// The key of an intersection from its two streets' keys.
pub(crate) fn corner_key(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("{first} & {second}")
}

/// The key of a street address from its number and street key.
pub(crate) fn address_key(number: &str, street: &str) -> String {
    format!("{} {street}", number.to_lowercase())
}

/// The key of a stretch of `street` between two cross streets (any order).
pub(crate) fn between_key(street: Option<&str>, a: &str, b: &str) -> String {
    let ends = corner_key(a, b);
    match street {
        Some(s) => format!("{s} between {ends}"),
        None => format!("between {ends}"),
    }
}

/// The key of a neighbourhood from its name (`Col. Las Palmas` → `area las palmas`).
pub(crate) fn area_key(name: &str) -> String {
    format!("area {}", fold_phrase(name))
}

/// The key of a landmark: `near` and its folded name without a leading article (`near lincoln park`,
/// `near mercado`).
pub(crate) fn landmark_key(name: &str) -> String {
    let folded = fold_phrase(name);
    let bare = ["the ", "la ", "el ", "los ", "las "]
        .iter()
        .find_map(|a| folded.strip_prefix(a))
        .unwrap_or(&folded);
    format!("near {bare}")
}

/// The key of a point, to about a metre.
pub(crate) fn point_key(lat: f64, lon: f64) -> String {
    format!("{lat:.5},{lon:.5}")
}

/// The street key of a name without a gazetteer.
pub(crate) fn street_key(name: &str, source: Source, with_direction: bool) -> String {
    StreetName::parse(name, source)
        .map(|s| s.key(with_direction))
        .unwrap_or_else(|| fold_phrase(name))
}

/// Words that say "the corner of" or "at" before a place without being part of it (older normal forms).
const LEADS: &[&[&str]] = &[
    &["the", "corner", "of"],
    &["corner", "of"],
    &["corner"],
    &["the", "intersection", "of"],
    &["intersection", "of"],
    &["la", "esquina", "de"],
    &["esquina", "de"],
    &["cruce", "de"],
    &["at"],
    &["on"],
    &["en"],
];

/// Words joining the two streets of an intersection in older normal forms, longest first.
const JOINERS: &[&[&str]] = &[
    &["casi", "esquina", "con"],
    &["esquina", "con"],
    &["esquina"],
    &["and"],
    &["y"],
    &["at"],
    &["con"],
    &["x"],
];

/// The key of a stored place: a key stays itself, and an older normal form (`corner of 5th avenue and main
/// street`) becomes the key the finder gives today (`5th & main`). Keys and normal forms are lowercase; text
/// with capitals was written by a person, so any suffix in it (`Elm St`) is taken off.
pub(crate) fn canonical_key(stored: &str) -> String {
    let s = stored.trim();
    let source = if s.chars().any(char::is_uppercase) {
        Source::Written
    } else {
        Source::Stored
    };
    if let Some(point) = as_point(s) {
        return point;
    }
    if s.starts_with("http://") || s.starts_with("https://") {
        return s.to_ascii_lowercase();
    }
    let folded = fold_phrase(&s.replace('&', " and "));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    while let Some(lead) = LEADS
        .iter()
        .find(|l| words.len() > l.len() && words.starts_with(l))
    {
        words.drain(..lead.len());
    }
    stored_between(&words, source)
        .or_else(|| stored_area(&words))
        .or_else(|| stored_corner(&words, source))
        .or_else(|| stored_address(&words, source))
        .unwrap_or_else(|| words.join(" "))
}

fn as_point(s: &str) -> Option<String> {
    let (lat, lon) = s.split_once(',')?;
    let (lat, lon): (f64, f64) = (lat.trim().parse().ok()?, lon.trim().parse().ok()?);
    Some(point_key(lat, lon))
}

fn stored_street(words: &[&str], source: Source, with_direction: bool) -> String {
    street_key(&words.join(" "), source, with_direction)
}

fn stored_between(words: &[&str], source: Source) -> Option<String> {
    let at = words
        .iter()
        .position(|w| *w == "between" || *w == "entre")?;
    let rest = &words[at + 1..];
    let join = rest.iter().position(|w| *w == "and" || *w == "y")?;
    let (a, b) = (&rest[..join], &rest[join + 1..]);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let street = (at > 0).then(|| stored_street(&words[..at], source, false));
    Some(between_key(
        street.as_deref(),
        &stored_street(a, source, false),
        &stored_street(b, source, false),
    ))
}

fn stored_area(words: &[&str]) -> Option<String> {
    let name = match words {
        [first, rest @ ..]
            if !rest.is_empty()
                && [
                    "area",
                    "colonia",
                    "col",
                    "barrio",
                    "fraccionamiento",
                    "fracc",
                ]
                .contains(first) =>
        {
            rest
        }
        [rest @ .., last]
            if !rest.is_empty() && (*last == "neighborhood" || *last == "neighbourhood") =>
        {
            rest
        }
        _ => return None,
    };
    Some(area_key(&name.join(" ")))
}

fn stored_corner(words: &[&str], source: Source) -> Option<String> {
    let (at, joiner) = (0..words.len()).find_map(|i| {
        JOINERS
            .iter()
            .find(|j| words[i..].starts_with(j))
            .map(|j| (i, j.len()))
    })?;
    let (a, b) = (&words[..at], &words[at + joiner..]);
    let joined_again = b
        .iter()
        .any(|w| JOINERS.iter().any(|j| j.len() == 1 && j[0] == *w));
    if a.is_empty() || b.is_empty() || joined_again {
        return None;
    }
    Some(corner_key(
        &stored_street(a, source, false),
        &stored_street(b, source, false),
    ))
}

fn stored_address(words: &[&str], source: Source) -> Option<String> {
    let starts_with_digit = |w: &str| w.chars().next().is_some_and(|c| c.is_ascii_digit());
    match words {
        [number, rest @ ..] if !rest.is_empty() && starts_with_digit(number) => {
            let rest = match rest {
                ["block", "of", street @ ..] if !street.is_empty() => street,
                _ => rest,
            };
            Some(address_key(number, &stored_street(rest, source, true)))
        }
        [rest @ .., number] if !rest.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => {
            Some(address_key(number, &stored_street(rest, source, true)))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "place_key_tests.rs"]
mod tests;
