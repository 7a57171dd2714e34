//! Spotting a new report of a problem the city already has open: same category, same place (the same address or
//! intersection in any word order and either language, or coordinates within a radius), reported recently.

use crate::place_key::canonical_key;
use crate::reference::RequestRef;
use crate::types::CategoryId;

/// One report as duplicate detection sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub reference: RequestRef,
    pub category: Option<CategoryId>,
    /// The location's normal form (`Location::normalized`), if one was found.
    pub location_norm: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub created_ms: i64,
}

/// Mean Earth radius in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The oldest open request that `new` duplicates, with a reason a person can read; `None` without a category,
/// without a comparable place, or when nothing open matches within `window_ms` before `new` was created.
pub fn find_duplicate(
    new: &Candidate,
    open: &[Candidate],
    window_ms: i64,
    radius_m: f64,
) -> Option<(RequestRef, String)> {
    let category = new.category.as_ref()?;
    let new_place = new
        .location_norm
        .as_deref()
        .map(canonical_place)
        .filter(|p| !p.is_empty());
    let new_point = point(new);
    if new_place.is_none() && new_point.is_none() {
        return None;
    }
    open.iter()
        .filter(|o| o.reference != new.reference && o.category.as_ref() == Some(category))
        .filter(|o| (0..=window_ms).contains(&(new.created_ms - o.created_ms)))
        .filter_map(|o| {
            let same_place = new_place
                .as_ref()
                .filter(|p| o.location_norm.as_deref().map(canonical_place).as_ref() == Some(*p));
            let reason = if let Some(place) = same_place {
                format!("same category `{category}` at the same place ({place})")
            } else {
                let d = haversine_m(new_point?, point(o)?);
                if d > radius_m {
                    return None;
                }
                format!("same category `{category}` {d:.0} m away (within {radius_m:.0} m)")
            };
            Some((o, reason))
        })
        .min_by_key(|(o, _)| (o.created_ms, o.reference))
        .map(|(o, reason)| (o.reference, reason))
}

/// A place's comparable form: its canonical key (see [`crate::location`]). Keys pass unchanged; the normal form
/// stored before keys existed (`corner of main street and 5th`) becomes today's key (`5th & main`), so requests
/// opened before an upgrade still match new reports of the same place.
pub fn canonical_place(norm: &str) -> String {
    canonical_key(norm)
}

fn point(c: &Candidate) -> Option<(f64, f64)> {
    match (c.lat, c.lon) {
        (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => Some((lat, lon)),
        _ => None,
    }
}

/// Great-circle distance in metres between two (latitude, longitude) points in degrees.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let (dlat, dlon) = ((b.0 - a.0).to_radians(), (b.1 - a.1).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn cand(
        n: u64,
        category: Option<&str>,
        place: Option<&str>,
        latlon: Option<(f64, f64)>,
        day: i64,
    ) -> Candidate {
        Candidate {
            reference: RequestRef::new(n).unwrap(),
            category: category.map(CategoryId::new),
            location_norm: place.map(String::from),
            lat: latlon.map(|p| p.0),
            lon: latlon.map(|p| p.1),
            created_ms: day * DAY,
        }
    }

    #[test]
    fn canonical_places() {
        let cases = [
            ("5th and main", "5th & main"),
            ("main and 5th", "5th & main"),
            ("corner of main & 5th", "5th & main"),
            ("the corner of 5th avenue and main street", "5th & main"),
            ("3rd st & main st", "3rd st & main st"),
            ("main st & 3rd ave", "3rd ave & main st"),
            ("esquina de juarez y morelos", "juarez & morelos"),
            ("morelos esquina con juarez", "juarez & morelos"),
            ("123 main street", "123 main"),
            ("at 123 main street", "123 main"),
            ("main street between 2nd and 1st", "main between 1st & 2nd"),
            ("oak and elm and pine", "oak and elm and pine"),
        ];
        for (raw, want) in cases {
            assert_eq!(canonical_place(raw), want, "{raw}");
        }
    }

    #[test]
    fn haversine_distances() {
        // One degree of latitude is about 111.2 km; 0.0003° about 33 m.
        assert!((haversine_m((40.0, -74.0), (41.0, -74.0)) - 111_195.0).abs() < 10.0);
        assert!((haversine_m((40.0, -74.0), (40.0003, -74.0)) - 33.4).abs() < 0.5);
        assert_eq!(haversine_m((40.0, -74.0), (40.0, -74.0)), 0.0);
    }

    #[test]
    fn duplicate_table() {
        let here = Some((40.7128, -74.0060));
        let near = Some((40.7130, -74.0061)); // about 24 m away
        let far = Some((40.7150, -74.0060)); // about 245 m away
        let new = cand(10, Some("pothole"), Some("main and 5th"), near, 20);
        let cases: Vec<(&str, Candidate, Vec<Candidate>, Option<u64>)> = vec![
            (
                "same intersection, other order",
                new.clone(),
                vec![cand(1, Some("pothole"), Some("5th & main"), None, 15)],
                Some(1),
            ),
            (
                "corner of",
                new.clone(),
                vec![cand(
                    1,
                    Some("pothole"),
                    Some("corner of 5th and main"),
                    None,
                    15,
                )],
                Some(1),
            ),
            (
                "within the radius",
                new.clone(),
                vec![cand(2, Some("pothole"), Some("elm street"), here, 15)],
                Some(2),
            ),
            (
                "outside the radius",
                new.clone(),
                vec![cand(2, Some("pothole"), Some("elm street"), far, 15)],
                None,
            ),
            (
                "other category",
                new.clone(),
                vec![cand(3, Some("graffiti"), Some("5th and main"), here, 15)],
                None,
            ),
            (
                "an older normal form of the same corner",
                new.clone(),
                vec![cand(
                    1,
                    Some("pothole"),
                    Some("the corner of main street and 5th avenue"),
                    None,
                    15,
                )],
                Some(1),
            ),
            (
                "the gazetteer says 3rd St and 3rd Ave differ",
                cand(10, Some("pothole"), Some("3rd st & main st"), None, 20),
                vec![cand(
                    1,
                    Some("pothole"),
                    Some("3rd ave & main st"),
                    None,
                    15,
                )],
                None,
            ),
            (
                "open one has no category",
                new.clone(),
                vec![cand(3, None, Some("5th and main"), here, 15)],
                None,
            ),
            (
                "new has no category",
                cand(10, None, Some("main and 5th"), near, 20),
                vec![cand(1, Some("pothole"), Some("5th and main"), None, 15)],
                None,
            ),
            (
                "no location on the new one",
                cand(10, Some("pothole"), None, None, 20),
                vec![cand(1, Some("pothole"), Some("5th and main"), here, 15)],
                None,
            ),
            (
                "no location on the open one",
                new.clone(),
                vec![cand(1, Some("pothole"), None, None, 15)],
                None,
            ),
            (
                "too old",
                new.clone(),
                vec![cand(1, Some("pothole"), Some("5th and main"), None, 5)],
                None,
            ),
            (
                "exactly at the window edge",
                new.clone(),
                vec![cand(1, Some("pothole"), Some("5th and main"), None, 6)],
                Some(1),
            ),
            (
                "newer than the report",
                new.clone(),
                vec![cand(11, Some("pothole"), Some("5th and main"), None, 21)],
                None,
            ),
            ("itself", new.clone(), vec![new.clone()], None),
            (
                "prefers the oldest match",
                new.clone(),
                vec![
                    cand(4, Some("pothole"), Some("5th and main"), None, 18),
                    cand(3, Some("pothole"), Some("elm street"), here, 12),
                    cand(5, Some("pothole"), Some("oak street"), far, 8),
                ],
                Some(3),
            ),
        ];
        for (why, new, open, want) in cases {
            let got = find_duplicate(&new, &open, 14 * DAY, 50.0);
            assert_eq!(
                got.as_ref().map(|(r, _)| r.number()),
                want,
                "{why}: {got:?}"
            );
            if let Some((_, reason)) = got {
                assert!(reason.contains("pothole"), "{reason}");
            }
        }
    }

    #[test]
    fn reasons_say_why() {
        let new = cand(10, Some("pothole"), Some("main and 5th"), None, 1);
        let (_, reason) = find_duplicate(
            &new,
            &[cand(1, Some("pothole"), Some("5th & main"), None, 0)],
            DAY,
            50.0,
        )
        .unwrap();
        assert_eq!(
            reason,
            "same category `pothole` at the same place (5th & main)"
        );
        let new = cand(10, Some("pothole"), None, Some((40.0, -74.0)), 1);
        let (_, reason) = find_duplicate(
            &new,
            &[cand(1, Some("pothole"), None, Some((40.0003, -74.0)), 0)],
            DAY,
            50.0,
        )
        .unwrap();
        assert_eq!(reason, "same category `pothole` 33 m away (within 50 m)");
    }
}
