//! Finds where a report is about — map links, coordinates, street addresses, intersections, "between" spans and
//! neighbourhoods, in English and Spanish — and gives each place its canonical key (see [`crate::place_key`])
//! for duplicate detection. With the city's gazetteer, street names are snapped to the city's own and places
//! get coordinates. A message may name several places: [`LocationFinder::find_all`] returns them all.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::CityConfig;
use crate::gazetteer::Gazetteer;
use crate::place_crossings::CrossingForms;
use crate::place_forms::{Found, PlaceForms};
use crate::place_landmarks::LandmarkForms;
use crate::place_resolve::resolve;

/// What sort of place a location is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Address,
    Intersection,
    Between,
    Neighborhood,
    /// A place named by what stands there: `in front of the library`, `cerca del mercado`.
    Landmark,
    Coordinates,
    MapLink,
    /// Where a resident's photo was taken, from its EXIF GPS (see [`crate::photo_place`]).
    PhotoGps,
}

impl std::fmt::Display for LocationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LocationKind::Address => "address",
            LocationKind::Intersection => "intersection",
            LocationKind::Between => "between",
            LocationKind::Neighborhood => "neighborhood",
            LocationKind::Landmark => "landmark",
            LocationKind::Coordinates => "coordinates",
            LocationKind::MapLink => "map_link",
            LocationKind::PhotoGps => "photo_gps",
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
    /// The place's canonical key, the same whatever the word order, suffix or language (`3rd & main`,
    /// `210 s mill`); used to spot duplicates and stored as the request's `location_norm`.
    pub normalized: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The compiled location recognisers, and the city's gazetteer when it has one.
#[derive(Debug, Clone)]
pub struct LocationFinder {
    forms: PlaceForms,
    crossings: CrossingForms,
    landmarks: LandmarkForms,
    gazetteer: Option<Arc<Gazetteer>>,
}

impl Default for LocationFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl LocationFinder {
    /// The recognisers, without a gazetteer: places are keyed as written, without coordinates.
    pub fn new() -> LocationFinder {
        LocationFinder {
            forms: PlaceForms::new(),
            crossings: CrossingForms::new(),
            landmarks: LandmarkForms::new(),
            gazetteer: None,
        }
    }

    /// The recognisers with a city's streets: names are snapped and places get coordinates.
    pub fn with_gazetteer(gazetteer: Arc<Gazetteer>) -> LocationFinder {
        LocationFinder {
            gazetteer: Some(gazetteer),
            ..LocationFinder::new()
        }
    }

    /// The finder for a city: with its gazetteer when one was attached to the config.
    pub fn for_city(cfg: &CityConfig) -> LocationFinder {
        match &cfg.gazetteer {
            Some(g) => LocationFinder::with_gazetteer(Arc::clone(g)),
            None => LocationFinder::new(),
        }
    }

    /// The most specific location in `text`, or `None`.
    pub fn find(&self, text: &str) -> Option<Location> {
        self.find_all(text).into_iter().next()
    }

    /// Every place in `text`, the most specific first (a point, an address, an intersection, a "between" span,
    /// a neighbourhood), places of the same kind in the order written.
    pub fn find_all(&self, text: &str) -> Vec<Location> {
        let g = self.gazetteer.as_deref();
        let mut found = Vec::new();
        self.forms.candidates(text, g, &mut found);
        self.crossings.candidates(text, g, &mut found);
        self.landmarks.candidates(text, &mut found);
        choose(found)
            .into_iter()
            .map(|f| locate(text, f, g))
            .collect()
    }
}

/// Keeps one candidate per stretch of text: the most specific, except that a longer match of the same kind,
/// or a "between" span around an intersection, wins over what it contains.
fn choose(mut found: Vec<Found>) -> Vec<Found> {
    found.sort_by_key(|f| (f.rank(), f.start, std::cmp::Reverse(f.end)));
    let mut chosen: Vec<Found> = Vec::new();
    for f in found {
        let overlapping: Vec<usize> = (0..chosen.len())
            .filter(|&i| chosen[i].start < f.end && f.start < chosen[i].end)
            .collect();
        if overlapping.is_empty() {
            chosen.push(f);
        } else if overlapping.iter().all(|&i| swallows(&f, &chosen[i])) {
            for i in overlapping.into_iter().rev() {
                chosen.remove(i);
            }
            chosen.push(f);
        }
    }
    chosen.sort_by_key(|f| (f.rank(), f.start));
    chosen
}

/// `outer` is a fuller reading of the text `inner` covers.
fn swallows(outer: &Found, inner: &Found) -> bool {
    let contains = outer.start <= inner.start
        && inner.end <= outer.end
        && outer.end - outer.start > inner.end - inner.start;
    let related = outer.kind == inner.kind
        || (outer.kind == LocationKind::Between && inner.kind == LocationKind::Intersection);
    contains && related
}

fn locate(text: &str, f: Found, g: Option<&Gazetteer>) -> Location {
    let resolved = resolve(&f.place, g);
    Location {
        kind: f.kind,
        text: text[f.start..f.end].to_string(),
        start: f.start,
        end: f.end,
        normalized: resolved.key,
        lat: resolved.point.map(|p| p.lat),
        lon: resolved.point.map(|p| p.lon),
    }
}

#[cfg(test)]
#[path = "location_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "place_regex_tests.rs"]
mod twin_tests;

#[cfg(test)]
#[path = "location_gazetteer_tests.rs"]
mod gazetteer_tests;
