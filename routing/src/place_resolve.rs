//! From a place as written to its canonical key and, with the city's gazetteer, its point: streets snapped to
//! the city's names, intersections at their listed point, house numbers interpolated along their range, a
//! "between" span at the middle of its two corners.

use crate::gazetteer::{Gazetteer, GeoPoint, StreetId};
use crate::place_forms::Place;
use crate::place_key::{
    address_key, area_key, between_key, corner_key, landmark_key, point_key, street_key, Source,
};

/// A place's key and, when known, its point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub key: String,
    pub point: Option<GeoPoint>,
}

/// Keys a place, snapping its streets when a gazetteer is given.
pub(crate) fn resolve(place: &Place, g: Option<&Gazetteer>) -> Resolved {
    match place {
        Place::Address { number, street } => address(number, street, g),
        Place::Corner { a, b } => corner(a, b, g),
        Place::Between { street, a, b } => between(street.as_deref(), a, b, g),
        Place::Area(name) => unplaced(area_key(name)),
        Place::Landmark(name) => unplaced(landmark_key(name)),
        Place::Point(p) | Place::Link { point: Some(p), .. } => Resolved {
            key: point_key(p.lat, p.lon),
            point: Some(*p),
        },
        Place::Link { url, point: None } => unplaced(url.to_ascii_lowercase()),
    }
}

fn unplaced(key: String) -> Resolved {
    Resolved { key, point: None }
}

/// A street's part of a key: the gazetteer's key when snapped, else the written name's.
fn part(
    g: Option<&Gazetteer>,
    id: Option<StreetId>,
    written: &str,
    with_direction: bool,
) -> String {
    match (g, id) {
        (Some(g), Some(id)) => g.street(id).key.clone(),
        _ => street_key(written, Source::Written, with_direction),
    }
}

fn address(number: &str, street: &str, g: Option<&Gazetteer>) -> Resolved {
    let id = g.and_then(|g| g.snap(street));
    let house: Option<u32> = number
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok());
    let point = match (g, id, house) {
        (Some(g), Some(id), Some(n)) => g.address_point(id, n),
        _ => None,
    };
    Resolved {
        key: address_key(number, &part(g, id, street, true)),
        point,
    }
}

fn corner(a: &str, b: &str, g: Option<&Gazetteer>) -> Resolved {
    let (x, y) = g.map_or((None, None), |g| g.snap_pair(a, b));
    let point = match (g, x, y) {
        (Some(g), Some(x), Some(y)) => g.crossing(x, y),
        _ => None,
    };
    Resolved {
        key: corner_key(&part(g, x, a, false), &part(g, y, b, false)),
        point,
    }
}

fn between(street: Option<&str>, a: &str, b: &str, g: Option<&Gazetteer>) -> Resolved {
    let Some(street) = street else {
        let (x, y) = (g.and_then(|g| g.snap(a)), g.and_then(|g| g.snap(b)));
        return unplaced(between_key(
            None,
            &part(g, x, a, false),
            &part(g, y, b, false),
        ));
    };
    let (s, x) = g.map_or((None, None), |g| g.snap_pair(street, a));
    let y = g.and_then(|g| g.snap_pair(street, b).1);
    let point = match (g, s, x, y) {
        (Some(g), Some(s), Some(x), Some(y)) => g
            .crossing(s, x)
            .zip(g.crossing(s, y))
            .map(|(p, q)| p.toward(q, 0.5)),
        _ => None,
    };
    let key = between_key(
        Some(&part(g, s, street, false)),
        &part(g, x, a, false),
        &part(g, y, b, false),
    );
    Resolved { key, point }
}
