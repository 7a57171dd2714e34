//! The fast path of the location regexes (ASCII twins, needed parts; see `place_regex`) against the regexes as
//! written, on generated texts built to touch every `\b` with non-ASCII characters: the same matches, groups
//! and places, or the test fails.

use std::sync::{Arc, LazyLock};

use super::*;
use crate::place_crossings::next_word;
use crate::place_regex::{exactly, PlaceRegex};

/// Pieces that put accents, non-ASCII digits and case-folding letters beside suffixes, ordinals, digits,
/// relation words and capitals — where an ASCII and a Unicode word boundary disagree.
const PIECES: &[&str] = &[
    "Main",
    "St",
    "St.",
    "Street",
    "Streeté",
    "Ter",
    "Terán",
    "án",
    "Stéphane",
    "5th",
    "5thé",
    "3rd",
    "Ave",
    "Avé",
    "Ave.",
    "calle",
    "Calle",
    "Juárez",
    "Ángel",
    "ÁLAMO",
    "Álamo",
    "número",
    "Núm.",
    "núm",
    "no.",
    "al",
    "ñal",
    "el",
    "ñel",
    "45",
    "١٢",
    "٣rd",
    "4٣",
    "ſt",
    "Firſt",
    "K",
    "parK",
    "park",
    "parkó",
    "niños",
    "Apt",
    "apt 4b",
    "apt 4ñ",
    "#3é",
    "#é",
    "# 12",
    "unit 5ñ",
    "neighborhood",
    "neighborhoodé",
    "Ñuñoa",
    "in front of",
    "éin front of the library",
    "cerca del",
    "ácerca del mercado",
    "frente al",
    "la escuela",
    "parqueé",
    "and",
    "y",
    "e",
    "at",
    "&",
    "/",
    "corner of",
    "at the corner of",
    "intersection",
    "esq.",
    "esquina con",
    "casi esquina con",
    "cruce con",
    "between",
    "entre",
    "where",
    "crosses",
    "block of",
    "N",
    "South",
    "Blvd",
    "Blvd.",
    "Terrace",
    "Terraceé",
    "Rd",
    "Rdñ",
    "1st",
    "Firstá",
    "twelfthü",
    "Lnü",
    "Ln",
    "Cedar",
    "dé",
    "Morelos",
    "Hidalgo",
    "REFORMA",
    "Sonora",
    "Col.",
    "colonia",
    "Las Palmas",
    "1200",
    "Oak",
    "Walnut",
    "Madison",
    "Hopkins",
    "600 E.",
    "210 S. Mill",
    "_",
    "'",
    "-",
    ",",
    ".",
    "\n",
    "🙂",
    "’",
    "é",
    "ü",
    "Ō",
    "the",
    "la",
    "de",
    "pothole",
    "bache",
    "is",
    "Pothole at",
    // Whole phrases with the risky spot inside: a Kelvin sign and a long s ending a noun, a wide character
    // after a landmark or a unit number or before a street type, a capital with an accent, "cruce con".
    "near the par\u{212A}",
    "frente al jardín de niñoſ",
    "near the parkó",
    "cerca del parqueé",
    "next to the schoolñ",
    "Álamo neighborhood",
    "12 Oak St apt 4ñ",
    "12 Oak St apt Bñ",
    "ñcalle Juárez 45",
    "Reforma cruce con Sonora",
];

/// A small deterministic generator (xorshift), so that a failure names a text that can be rerun.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `n` texts of 2–9 pieces, joined by a space or glued together (`Ter` + `án`).
fn generated(n: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|_| {
            let mut text = String::new();
            for _ in 0..2 + rng.below(8) {
                if !text.is_empty() && rng.below(4) > 0 {
                    text.push(' ');
                }
                text.push_str(PIECES[rng.below(PIECES.len())]);
            }
            text
        })
        .collect()
}

/// Every group span of every match, as `captures_iter` finds them and as the crossing loop does (again from
/// the word after each match's start).
fn matches(re: Option<&regex::Regex>, text: &str) -> Vec<Vec<Option<(usize, usize)>>> {
    let Some(re) = re else {
        return Vec::new();
    };
    let spans = |c: regex::Captures| -> Vec<Option<(usize, usize)>> {
        c.iter().map(|g| g.map(|m| (m.start(), m.end()))).collect()
    };
    let mut out: Vec<_> = re.captures_iter(text).map(spans).collect();
    let mut from = 0;
    while let Some(c) = re.captures_at(text, from) {
        from = next_word(text, c.get(0).map_or(text.len(), |m| m.start()));
        out.push(spans(c));
        if from >= text.len() {
            break;
        }
    }
    out
}

static FINDERS: LazyLock<[LocationFinder; 2]> = LazyLock::new(|| {
    let streets = crate::gazetteer::Gazetteer::from_csv(include_str!("../../config/streets.csv"))
        .expect("streets read");
    [
        LocationFinder::new(),
        LocationFinder::with_gazetteer(Arc::new(streets)),
    ]
});

fn twins(f: &LocationFinder) -> Vec<(&'static str, &PlaceRegex)> {
    let mut all = f.forms.twins();
    all.extend(f.crossings.twins());
    all.extend(f.landmarks.twins());
    all
}

#[test]
fn every_twin_finds_what_the_regex_as_written_finds() {
    let texts = generated(700);
    let (mut twin, mut risky, mut skipped) = (0, 0, 0);
    for (name, form) in twins(&FINDERS[0]) {
        for text in &texts {
            let fast = form.on(text);
            let exact = exactly(|| form.on(text));
            match fast {
                None => skipped += 1,
                Some(f) if Some(f.as_str()) == exact.map(regex::Regex::as_str) => risky += 1,
                Some(_) => twin += 1,
            }
            assert_eq!(
                matches(fast, text),
                matches(exact, text),
                "{name} on {text:?}"
            );
        }
    }
    // The generated texts reach all three paths: the twin, the exact regex on a risky text, and no search.
    assert!(
        twin > 0 && risky > 0 && skipped > 0,
        "twin {twin}, risky {risky}, skipped {skipped}"
    );
}

#[test]
fn places_are_the_same_on_the_fast_path() {
    let set: Vec<String> =
        csv::Reader::from_reader(include_str!("../tests/location_set.csv").as_bytes())
            .records()
            .map(|r| r.expect("location set row")[4].to_string())
            .collect();
    for finder in FINDERS.iter() {
        for text in generated(300).iter().chain(&set) {
            assert_eq!(
                finder.find_all(text),
                exactly(|| finder.find_all(text)),
                "{text:?}"
            );
        }
    }
}
