//! Finds where a report is about: map links, coordinates, street addresses, intersections, "between" spans and
//! neighbourhoods (EN + ES), returning the matched span and a normalized form for duplicate detection.

use regex::Regex;
use serde::{Deserialize, Serialize};

pub use crate::place_names::normalize_place;
use crate::place_names::{
    is_time, name_start, plausible_street, strong_street, trim_end, trim_name,
};

/// What sort of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Address,
    Intersection,
    Between,
    Neighborhood,
    Coordinates,
    MapLink,
}

impl std::fmt::Display for LocationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LocationKind::Address => "address",
            LocationKind::Intersection => "intersection",
            LocationKind::Between => "between",
            LocationKind::Neighborhood => "neighborhood",
            LocationKind::Coordinates => "coordinates",
            LocationKind::MapLink => "map_link",
        })
    }
}

/// A place found in a message: the span as written (byte offsets into the classified text) and its normal form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub kind: LocationKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// Lowercase, accents removed, abbreviations expanded (`st` -> `street`); used to spot duplicates.
    pub normalized: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

const SUFFIX: &str = r"(?i:street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|place|pl|court|ct|terrace|ter|way|parkway|pkwy|highway|hwy|square|sq|circle|cir|plaza|expressway|expy|turnpike|tpke)\b\.?";
const ORDINAL: &str = r"\d{1,4}(?i:st|nd|rd|th)\b";

/// The compiled location recognisers.
#[derive(Debug, Clone)]
pub struct LocationFinder {
    url: Regex,
    at_latlon: Regex,
    q_latlon: Regex,
    osm_map: Regex,
    osm_marker: Regex,
    coords: Regex,
    address: Regex,
    block_of: Regex,
    address_es: Regex,
    corner: Regex,
    crossing: Regex,
    esquina: Regex,
    between: Regex,
    colonia: Regex,
    neighborhood: Regex,
}

impl Default for LocationFinder {
    fn default() -> Self {
        Self::new()
    }
}

fn re(src: &str) -> Regex {
    // Built-in constants covered by tests: failing to compile is a programming error.
    Regex::new(src).expect("built-in location regex compiles")
}

impl LocationFinder {
    /// Compiles the recognisers.
    pub fn new() -> LocationFinder {
        let street = format!(
            r"(?:(?i:north|south|east|west|[nsew]\.?)\s+)?(?:{ORDINAL}(?:\s+{SUFFIX})?|(?:[\p{{L}}][\w'-]*\s+){{0,2}}[\p{{L}}\d][\w'-]*\s+{SUFFIX}|\p{{Lu}}[\w'-]+)"
        );
        let name_es = r"\p{Lu}[\w'.]*(?:\s+(?:(?i:de|del|la|las|los)\s+)?[\p{Lu}\d][\w'.]*){0,3}";
        LocationFinder {
            url: re(r"https?://[^\s<>()]+"),
            at_latlon: re(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)"),
            q_latlon: re(r"[?&](?:q|query|ll|center)=(-?\d{1,2}\.\d+)(?:,|%2C)\s*(-?\d{1,3}\.\d+)"),
            osm_map: re(r"#map=\d+/(-?\d{1,2}\.\d+)/(-?\d{1,3}\.\d+)"),
            osm_marker: re(r"mlat=(-?\d{1,2}\.\d+)&(?:amp;)?mlon=(-?\d{1,3}\.\d+)"),
            coords: re(r"(?:^|[^\w.])(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})\b"),
            address: re(&format!(
                r"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,5}})?\s+(?:(?:[\p{{L}}\d][\w'-]*)\s+){{0,3}}?{SUFFIX}"
            )),
            block_of: re(&format!(
                r"\b\d{{1,6}}\s+(?i:block\s+of)\s+(?:(?:[\p{{L}}\d][\w'-]*\s+){{0,2}}?{SUFFIX}|\p{{Lu}}[\w'-]+)"
            )),
            address_es: re(&format!(
                r"\b(?:(?i:calle|c\.|av\.|avenida|blvd\.?|boulevard|bulevar|paseo|privada|cerrada|calzada|callejon|callejón|carretera|prolongaci[oó]n|retorno|circuito)\s+{name_es}\s+#?\s?\d{{1,5}}\b|{name_es}\s+#\s?\d{{1,5}}\b)"
            )),
            corner: re(
                r"(?i:corner\s+of|intersection\s+(?:of|at)|esquina\s+de|cruce\s+de)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3}?)\s+(?i:and|&|y|con|with)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3})",
            ),
            crossing: re(&format!(r"({street})\s+(?i:(and|&|at))\s+({street})")),
            esquina: re(&format!(
                r"({name_es})\s+(?i:esq\.?|esquina(?:\s+con)?|cruce\s+con)\s+({name_es})"
            )),
            between: re(
                r"(?i:between|b/w|btwn|entre)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3}?)\s+(?i:and|&|y)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3})",
            ),
            colonia: re(
                r"\b(?i:col\.|colonia|fracc\.|fraccionamiento|barrio)\s+([^\s,;:!?()]+(?:\s+[^\s,;:!?()]+){0,3})",
            ),
            neighborhood: re(
                r"\b(\p{Lu}[\w'-]+(?:\s+\p{Lu}[\w'-]+){0,2})\s+(?i:neighborhood|neighbourhood)\b",
            ),
        }
    }

    /// The most specific location in `text`, or `None`.
    pub fn find(&self, text: &str) -> Option<Location> {
        let mut best: Option<(u8, Location)> = None;
        let mut offer = |rank: u8, loc: Location| {
            let better = match &best {
                None => true,
                Some((r, b)) => rank < *r || (rank == *r && loc.start < b.start),
            };
            if better {
                best = Some((rank, loc));
            }
        };
        let mut url_spans = Vec::new();
        for m in self.url.find_iter(text) {
            url_spans.push((m.start(), m.end()));
            if let Some(loc) = self.map_link(text, m.start(), m.end()) {
                offer(if loc.lat.is_some() { 0 } else { 5 }, loc);
            }
        }
        let in_url = |p: usize| url_spans.iter().any(|&(s, e)| p >= s && p < e);
        for c in self.coords.captures_iter(text) {
            let (a, b) = (c.get(1).unwrap(), c.get(2).unwrap());
            if in_url(a.start()) {
                continue;
            }
            if let Some((lat, lon)) = lat_lon(a.as_str(), b.as_str()) {
                offer(
                    1,
                    located(
                        LocationKind::Coordinates,
                        text,
                        a.start(),
                        b.end(),
                        Some((lat, lon)),
                    ),
                );
            }
        }
        for m in self.address.find_iter(text) {
            if !in_url(m.start()) && plausible_street(m.as_str(), true) {
                offer(
                    2,
                    located(LocationKind::Address, text, m.start(), m.end(), None),
                );
            }
        }
        for m in self.block_of.find_iter(text) {
            offer(
                2,
                located(LocationKind::Address, text, m.start(), m.end(), None),
            );
        }
        for m in self.address_es.find_iter(text) {
            if let Some(start) = name_start(text, m.start(), m.end()) {
                offer(
                    2,
                    located(
                        LocationKind::Address,
                        text,
                        start,
                        trim_end(text, start, m.end()),
                        None,
                    ),
                );
            }
        }
        for c in self.corner.captures_iter(text) {
            let y = c.get(2).unwrap();
            let end = trim_name(text, y.start(), y.end());
            if end > y.start() && plausible_street(c.get(1).unwrap().as_str(), false) {
                let start = c.get(0).unwrap().start();
                offer(
                    3,
                    located(LocationKind::Intersection, text, start, end, None),
                );
            }
        }
        // Matches are tried from every word, not just after the previous match: in "Pothole at 5th and Main" the
        // rejected "Pothole at 5th" must not hide "5th and Main".
        let mut from = 0;
        while let Some(c) = self.crossing.captures_at(text, from) {
            let (x, op, y) = (c.get(1).unwrap(), c.get(2).unwrap(), c.get(3).unwrap());
            from = x.end();
            let Some(start) = name_start(text, x.start(), x.end()) else {
                continue;
            };
            let x = &text[start..x.end()];
            let (sx, sy) = (strong_street(x), strong_street(y.as_str()));
            let ok = if op.as_str().eq_ignore_ascii_case("at") {
                sx && sy
            } else {
                sx || sy
            };
            if ok && plausible_street(x, false) && plausible_street(y.as_str(), false) {
                offer(
                    3,
                    located(
                        LocationKind::Intersection,
                        text,
                        start,
                        trim_end(text, start, y.end()),
                        None,
                    ),
                );
            }
        }
        for c in self.esquina.captures_iter(text) {
            let (m, x) = (c.get(0).unwrap(), c.get(1).unwrap());
            if let Some(start) = name_start(text, x.start(), x.end()) {
                offer(
                    3,
                    located(
                        LocationKind::Intersection,
                        text,
                        start,
                        trim_end(text, start, m.end()),
                        None,
                    ),
                );
            }
        }
        for c in self.between.captures_iter(text) {
            let (x, y) = (c.get(1).unwrap(), c.get(2).unwrap());
            let end = trim_name(text, y.start(), y.end());
            if end > y.start() && plausible_street(x.as_str(), false) && !is_time(x.as_str()) {
                let start = c.get(0).unwrap().start();
                offer(4, located(LocationKind::Between, text, start, end, None));
            }
        }
        for c in self.colonia.captures_iter(text) {
            let y = c.get(1).unwrap();
            let end = trim_name(text, y.start(), y.end());
            if end > y.start() {
                offer(
                    6,
                    located(
                        LocationKind::Neighborhood,
                        text,
                        c.get(0).unwrap().start(),
                        end,
                        None,
                    ),
                );
            }
        }
        for c in self.neighborhood.captures_iter(text) {
            let m = c.get(0).unwrap();
            if plausible_street(c.get(1).unwrap().as_str(), false) {
                offer(
                    6,
                    located(LocationKind::Neighborhood, text, m.start(), m.end(), None),
                );
            }
        }
        best.map(|(_, l)| l)
    }

    fn map_link(&self, text: &str, start: usize, end: usize) -> Option<Location> {
        let url = text[start..end].trim_end_matches(['.', ',', ';', ')']);
        let end = start + url.len();
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
        let coords = caps.and_then(|c| lat_lon(&c[1], &c[2]));
        Some(located(LocationKind::MapLink, text, start, end, coords))
    }
}

fn located(
    kind: LocationKind,
    text: &str,
    start: usize,
    end: usize,
    coords: Option<(f64, f64)>,
) -> Location {
    let span = &text[start..end];
    let normalized = match coords {
        Some((lat, lon)) => format!("{lat:.5},{lon:.5}"),
        None if kind == LocationKind::MapLink => span.to_ascii_lowercase(),
        None => normalize_place(span),
    };
    Location {
        kind,
        text: span.to_string(),
        start,
        end,
        normalized,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
    }
}

fn lat_lon(lat: &str, lon: &str) -> Option<(f64, f64)> {
    let (lat, lon): (f64, f64) = (lat.parse().ok()?, lon.parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

#[cfg(test)]
#[path = "location_tests.rs"]
mod tests;
