//! The ways residents write a place, as compiled recognisers: map links, coordinates, street addresses (EN and
//! Mexican order), and neighbourhoods. Intersections and "between" spans are in `place_crossings`. Each
//! recogniser offers candidates; the finder picks among them.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::gazetteer::{Gazetteer, GeoPoint};
use crate::location::LocationKind;
use crate::place_names::{
    bare_name, cue_before, name_start, plausible_street, trim_end, trim_name,
};
use crate::place_regex::{risk_after, risk_before, PlaceRegex, RISK_DIGIT, WIDE_WORD};

/// A place found in the text, before it is keyed: its kind, span and parts as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub kind: LocationKind,
    pub start: usize,
    pub end: usize,
    pub place: Place,
}

/// The parts of a place, as the resident wrote them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Place {
    Address {
        number: String,
        street: String,
    },
    Corner {
        a: String,
        b: String,
    },
    Between {
        street: Option<String>,
        a: String,
        b: String,
    },
    Area(String),
    /// What stands there, as written (`the library`, `Lincoln Park`).
    Landmark(String),
    Point(GeoPoint),
    Link {
        url: String,
        point: Option<GeoPoint>,
    },
}

impl Found {
    pub fn new(kind: LocationKind, start: usize, end: usize, place: Place) -> Found {
        Found {
            kind,
            start,
            end,
            place,
        }
    }

    /// How specific the place is: lower is better (a point beats an address beats a corner ...).
    pub fn rank(&self) -> u8 {
        match (&self.kind, &self.place) {
            (LocationKind::MapLink, Place::Link { point: Some(_), .. }) => 0,
            (LocationKind::Coordinates, _) => 1,
            (LocationKind::Address, _) => 2,
            (LocationKind::Intersection, _) => 3,
            (LocationKind::Between, _) => 4,
            (LocationKind::Landmark, _) => 5,
            (LocationKind::MapLink, _) => 6,
            (LocationKind::Neighborhood, _) => 7,
            // Never found in text; ranked with coordinates should it ever be.
            (LocationKind::PhotoGps, _) => 1,
        }
    }
}

/// The words of [`SUFFIX`], without its boundary.
macro_rules! suffix_words {
    () => {
        r"(?i:street|st|str|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|place|pl|court|ct|terrace|ter|way|parkway|pkwy|highway|hwy|square|sq|circle|cir|plaza|plz|expressway|expy|turnpike|tpke|trail|trl)"
    };
}
/// The words of [`ORDINAL`], without its boundary.
macro_rules! ordinal_words {
    () => {
        r"(?:\d{1,4}(?i:st|nd|rd|th)|(?i:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth))"
    };
}
/// Street suffixes as written (`St.`, `Avenue`).
pub(crate) const SUFFIX: &str = concat!(suffix_words!(), r"\b\.?");
/// A numbered street: `5th`, `Third`.
pub(crate) const ORDINAL: &str = concat!(ordinal_words!(), r"\b");
/// Where the `\b` of a [`SUFFIX`] (always written after a space) may sit beside a non-ASCII word character.
pub(crate) static RISK_SUFFIX: LazyLock<String> =
    LazyLock::new(|| risk_after(concat!(r"\s", suffix_words!())));
/// Where the `\b` of an [`ORDINAL`] may sit beside a non-ASCII word character.
pub(crate) static RISK_ORDINAL: LazyLock<String> = LazyLock::new(|| risk_after(ordinal_words!()));
/// A compass direction after a house number (`S.`, `south`).
const DIRECTION: &str = r"(?i:north|south|east|west|[nsew]\.?)";
/// A Spanish street name: capitalised words, with `de`/`del`/`la` between them (`Jesús García`).
pub(crate) const NAME_ES: &str =
    r"\p{Lu}[\w'.]*(?:\s+(?:(?i:de|del|la|las|los)\s+)?[\p{Lu}\d][\w'.]*){0,3}";
/// Spanish street-type words written before the name.
pub(crate) const TYPE_ES: &str = r"(?i:calle|c\.|av\.?|avenida|avda\.?|blvd\.?|boulevard|bulevar|paseo|privada|cerrada|calzada|callej[oó]n|carretera|prolongaci[oó]n|retorno|circuito)";

/// Where the closing `\b` of an apartment or unit number (any word characters) may meet a wide one.
static RISK_UNIT: LazyLock<String> = LazyLock::new(|| {
    format!(r"(?:(?i:apt|apartment|unit|suite|ste)\.?\s*#?|#\s?)[\w-]{{0,6}}{WIDE_WORD}")
});

pub(crate) fn re(src: &str) -> Regex {
    // Built-in constants covered by tests: failing to compile is a programming error.
    regex::RegexBuilder::new(src)
        .dfa_size_limit(DFA_CACHE)
        .build()
        .expect("built-in location regex compiles")
}

/// The lazy DFA's cache per location regex, in bytes. The street forms are large Unicode automata: with the
/// crate's default of 2 MiB the cache fills on varied real reports, is cleared again and again, and the engine
/// falls back to its NFA — classification on real 311 texts ran about three times slower.
const DFA_CACHE: usize = 8 << 20;

/// The recognisers of this module.
#[derive(Debug, Clone)]
pub(crate) struct PlaceForms {
    url: Regex,
    at_latlon: Regex,
    q_latlon: Regex,
    osm_map: Regex,
    osm_marker: Regex,
    coords: Regex,
    address: PlaceRegex,
    address_dir: PlaceRegex,
    address_bare: PlaceRegex,
    block_of: PlaceRegex,
    address_es: PlaceRegex,
    address_hash: PlaceRegex,
    number_of_street: PlaceRegex,
    colonia: PlaceRegex,
    neighborhood: PlaceRegex,
}

impl PlaceForms {
    pub fn new() -> PlaceForms {
        let words = r"(?:[\p{L}\d][\w'-]*\s+){1,3}?";
        PlaceForms {
            url: re(r"https?://[^\s<>()]+"),
            at_latlon: re(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)"),
            q_latlon: re(r"[?&](?:q|query|ll|center)=(-?\d{1,2}\.\d+)(?:,|%2C)\s*(-?\d{1,3}\.\d+)"),
            osm_map: re(r"#map=\d+/(-?\d{1,2}\.\d+)/(-?\d{1,3}\.\d+)"),
            osm_marker: re(r"mlat=(-?\d{1,2}\.\d+)&(?:amp;)?mlon=(-?\d{1,3}\.\d+)"),
            coords: re(r"(?:^|[^\w.])(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})\b"),
            address: PlaceRegex::new(
                &format!(
                    r"\b(?P<num>\d{{1,6}}[A-Za-z]?(?:-\d{{1,5}})?)\s+(?P<street>(?:{DIRECTION}\s+)?{words}{SUFFIX})(?:,?\s*(?i:apt|apartment|unit|suite|ste)\.?\s*#?[\w-]{{1,6}}\b|\s*#\s?[\w-]{{1,6}}\b)?"
                ),
                &[RISK_DIGIT, &RISK_SUFFIX, &RISK_UNIT],
            ),
            address_dir: PlaceRegex::new(
                &format!(
                    r"\b(?P<num>\d{{1,6}}[A-Za-z]?)\s+(?P<street>{DIRECTION}\s+(?:\p{{Lu}}[\w'-]+|{ORDINAL}))"
                ),
                &[RISK_DIGIT, &RISK_ORDINAL],
            ),
            // The closing `\b` follows any word character: risky wherever the name holds or meets a wide one.
            address_bare: PlaceRegex::new(
                r"\b(?P<num>\d{1,6})\s+(?P<street>\p{Lu}[\w'-]+)\b",
                &[RISK_DIGIT, &format!(r"\d\s+\p{{Lu}}[\w'-]*{WIDE_WORD}")],
            ),
            block_of: PlaceRegex::plain(&format!(
                r"\b(?P<num>\d{{1,6}})\s+(?i:block\s+of)\s+(?P<street>(?:{DIRECTION}\s+)?(?:{words}{SUFFIX}|\p{{Lu}}[\w'-]+))"
            )),
            address_es: PlaceRegex::new(
                &format!(
                    r"\b(?P<street>{TYPE_ES}\s+(?:\d{{1,2}}\s+de\s+)?{NAME_ES})(?:\s*#\s*|\s+(?:(?i:n[uú]mero|n[uú]m\.?|no\.)\s*)?)(?P<num>\d{{1,5}})\b"
                ),
                &[RISK_DIGIT, &risk_before(TYPE_ES)],
            ),
            address_hash: PlaceRegex::plain(&format!(
                r"(?P<street>{NAME_ES})\s*#\s?(?P<num>\d{{1,5}})\b"
            )),
            number_of_street: PlaceRegex::plain(&format!(
                r"(?P<cue>(?i:\bn[uú]mero|\bn[uú]m\.?|\bno\.|#|\bal|\bel))\s*(?P<num>\d{{1,5}})\s+(?i:de)\s+(?:(?i:la)\s+)?(?P<type>{TYPE_ES}\s+)?(?P<street>{ORDINAL}|{NAME_ES})"
            )),
            colonia: PlaceRegex::plain(
                r"\b(?i:col\.|colonia|fracc\.|fraccionamiento|barrio)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3})",
            ),
            // The opening `\b` is before a capital, which may itself be a wide word character.
            neighborhood: PlaceRegex::new(
                r"\b(\p{Lu}[\w'-]+(?:\s+\p{Lu}[\w'-]+){0,2})\s+(?i:neighborhood|neighbourhood)\b",
                &[
                    r"[\p{Lu}&&[^A-Z]]",
                    &risk_before(r"\p{Lu}"),
                    &risk_after("(?i:neighborhood|neighbourhood)"),
                ],
            )
            .needing("(?i:neighbo)"),
        }
    }

    /// The recognisers with fast twins, by name, for the tests that compare the twins with the exact regexes.
    #[cfg(test)]
    pub fn twins(&self) -> Vec<(&'static str, &PlaceRegex)> {
        vec![
            ("address", &self.address),
            ("address_dir", &self.address_dir),
            ("address_bare", &self.address_bare),
            ("address_es", &self.address_es),
            ("neighborhood", &self.neighborhood),
            ("block_of", &self.block_of),
            ("address_hash", &self.address_hash),
            ("number_of_street", &self.number_of_street),
            ("colonia", &self.colonia),
        ]
    }

    /// Every candidate of this module's kinds in `text`; the gazetteer lets bare `600 Hopkins` through.
    pub fn candidates(&self, text: &str, gazetteer: Option<&Gazetteer>, out: &mut Vec<Found>) {
        let urls = self.links(text, out);
        self.coordinates(text, &urls, out);
        self.addresses(text, &urls, gazetteer, out);
        self.spanish_addresses(text, out);
        self.areas(text, out);
    }

    fn links(&self, text: &str, out: &mut Vec<Found>) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        for m in self.url.find_iter(text) {
            spans.push((m.start(), m.end()));
            if let Some(found) = self.map_link(text, m.start(), m.end()) {
                out.push(found);
            }
        }
        spans
    }

    fn map_link(&self, text: &str, start: usize, end: usize) -> Option<Found> {
        let url = text[start..end].trim_end_matches(['.', ',', ';', ')']);
        let lower = url.to_ascii_lowercase();
        let google = lower.contains("google.") && lower.contains("/maps")
            || lower.contains("maps.google.")
            || lower.contains("maps.app.goo.gl")
            || lower.contains("goo.gl/maps");
        let osm = lower.contains("openstreetmap.org") || lower.contains("osm.org");
        let caps = if google {
            self.at_latlon
                .captures(url)
                .or_else(|| self.q_latlon.captures(url))
        } else if osm {
            self.osm_marker
                .captures(url)
                .or_else(|| self.osm_map.captures(url))
        } else {
            return None;
        };
        let point = caps.and_then(|c| lat_lon(&c[1], &c[2]));
        let place = Place::Link {
            url: url.to_string(),
            point,
        };
        Some(Found::new(
            LocationKind::MapLink,
            start,
            start + url.len(),
            place,
        ))
    }

    fn coordinates(&self, text: &str, urls: &[(usize, usize)], out: &mut Vec<Found>) {
        for c in self.coords.captures_iter(text) {
            let (a, b) = (group(&c, 1), group(&c, 2));
            if inside(urls, a.start()) {
                continue;
            }
            if let Some(point) = lat_lon(a.as_str(), b.as_str()) {
                let place = Place::Point(point);
                out.push(Found::new(
                    LocationKind::Coordinates,
                    a.start(),
                    b.end(),
                    place,
                ));
            }
        }
    }

    fn addresses(
        &self,
        text: &str,
        urls: &[(usize, usize)],
        gazetteer: Option<&Gazetteer>,
        out: &mut Vec<Found>,
    ) {
        for c in scan(&self.address, text) {
            let street = named(&c, "street");
            if !inside(urls, street.start()) && plausible_after_direction(street.as_str(), true) {
                out.push(address(text, &c, street.as_str()));
            }
        }
        for c in scan(&self.address_dir, text) {
            let street = named(&c, "street");
            if !inside(urls, street.start()) && plausible_after_direction(street.as_str(), false) {
                out.push(address(text, &c, street.as_str()));
            }
        }
        for c in self.block_of.any(text).captures_iter(text) {
            out.push(address(text, &c, named(&c, "street").as_str()));
        }
        // `1402 Walnut`: one of the city's streets, or without a gazetteer a name after a cue (`in front of`).
        for c in scan(&self.address_bare, text) {
            let (start, street) = (group(&c, 0).start(), named(&c, "street").as_str());
            let known = match gazetteer {
                Some(g) => g.knows(street),
                None => cue_before(text, start) && bare_name(street),
            };
            if known && !inside(urls, start) {
                out.push(address(text, &c, street));
            }
        }
    }

    fn spanish_addresses(&self, text: &str, out: &mut Vec<Found>) {
        for c in scan(&self.address_es, text) {
            out.push(address(text, &c, named(&c, "street").as_str()));
        }
        for c in self.address_hash.any(text).captures_iter(text) {
            let m = group(&c, 0);
            let Some(start) = name_start(text, m.start(), named(&c, "street").end()) else {
                continue;
            };
            let street = &text[start..named(&c, "street").end()];
            let end = trim_end(text, start, m.end());
            let number = named(&c, "num").as_str().to_string();
            let place = Place::Address {
                number,
                street: street.to_string(),
            };
            out.push(Found::new(LocationKind::Address, start, end, place));
        }
        for c in self.number_of_street.any(text).captures_iter(text) {
            let cue = named(&c, "cue").as_str().to_lowercase();
            // "el 5 de Mayo" is a date; "al 318 de la calle Walnut" is an address.
            if (cue == "al" || cue == "el") && c.name("type").is_none() {
                continue;
            }
            let street = named(&c, "street");
            let end = trim_name(text, street.start(), street.end());
            let place = Place::Address {
                number: named(&c, "num").as_str().to_string(),
                street: text[street.start()..end].to_string(),
            };
            out.push(Found::new(
                LocationKind::Address,
                group(&c, 0).start(),
                end,
                place,
            ));
        }
    }

    fn areas(&self, text: &str, out: &mut Vec<Found>) {
        for c in self.colonia.any(text).captures_iter(text) {
            let name = group(&c, 1);
            let end = trim_name(text, name.start(), name.end());
            if end > name.start() {
                let place = Place::Area(text[name.start()..end].to_string());
                out.push(Found::new(
                    LocationKind::Neighborhood,
                    group(&c, 0).start(),
                    end,
                    place,
                ));
            }
        }
        for c in scan(&self.neighborhood, text) {
            let name = group(&c, 1);
            if plausible_street(name.as_str(), false) {
                let place = Place::Area(name.as_str().to_string());
                let m = group(&c, 0);
                out.push(Found::new(
                    LocationKind::Neighborhood,
                    m.start(),
                    m.end(),
                    place,
                ));
            }
        }
    }
}

/// An address candidate from a match with `num` and `street` groups.
fn address(text: &str, c: &Captures, street: &str) -> Found {
    let m = group(c, 0);
    let place = Place::Address {
        number: named(c, "num").as_str().to_string(),
        street: street.to_string(),
    };
    Found::new(
        LocationKind::Address,
        m.start(),
        trim_end(text, m.start(), m.end()),
        place,
    )
}

/// Every match of `form` in `text`, by the fastest regex that finds the same ones.
pub(crate) fn scan<'r, 't>(
    form: &'r PlaceRegex,
    text: &'t str,
) -> impl Iterator<Item = Captures<'t>> + use<'r, 't> {
    form.on(text)
        .into_iter()
        .flat_map(move |r| r.captures_iter(text))
}

pub(crate) fn group<'t>(c: &Captures<'t>, i: usize) -> regex::Match<'t> {
    c.get(i)
        .expect("group of a built-in regex that always takes part")
}

pub(crate) fn named<'t>(c: &Captures<'t>, name: &str) -> regex::Match<'t> {
    c.name(name)
        .expect("named group of a built-in regex that always takes part")
}

/// A street name is plausible once a leading direction is set aside (`E.` is also the Spanish "and").
fn plausible_after_direction(street: &str, anything_goes: bool) -> bool {
    let mut words = street.split_whitespace();
    let first = words.next().unwrap_or_default();
    let folded = first.trim_end_matches('.').to_lowercase();
    let rest: Vec<&str> = words.collect();
    if crate::place_words::direction_letter(&folded, false).is_some() && !rest.is_empty() {
        plausible_street(&rest.join(" "), anything_goes)
    } else {
        plausible_street(street, anything_goes)
    }
}

fn inside(spans: &[(usize, usize)], p: usize) -> bool {
    spans.iter().any(|&(s, e)| p >= s && p < e)
}

fn lat_lon(lat: &str, lon: &str) -> Option<GeoPoint> {
    let (lat, lon): (f64, f64) = (lat.parse().ok()?, lon.parse().ok()?);
    let on_earth = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    on_earth.then_some(GeoPoint { lat, lon })
}
