//! Table tests for the location finder with a gazetteer (Riverton's shipped streets): snapping, coordinates,
//! and names the city does not have.

use std::sync::{Arc, LazyLock};

use super::*;

static PLAIN: LazyLock<LocationFinder> = LazyLock::new(LocationFinder::new);
static RIVERTON: LazyLock<LocationFinder> = LazyLock::new(|| {
    let csv = include_str!("../../config/streets.csv");
    LocationFinder::with_gazetteer(Arc::new(Gazetteer::from_csv(csv).unwrap()))
});

/// `(text, key, (lat, lon))` with Riverton's streets.
#[test]
fn a_gazetteer_snaps_streets_and_gives_points() {
    let cases = [
        (
            "Pothole at Mian St and 3rd",
            "3rd st & n main st",
            Some((41.5027, -88.0000)),
        ),
        (
            "Light out at Main and Hopkins",
            "e hopkins ave & n main st",
            Some((41.5000, -88.0000)),
        ),
        (
            "Bache en la calle Juárez esquina con Reforma",
            "juarez st & reforma blvd",
            Some((41.4955, -87.9952)),
        ),
        (
            "Leak in front of 150 Oak",
            "150 oak st",
            Some((41.49685, -87.9988)),
        ),
        (
            "Tree down at 600 E. Hopkins",
            "600 e hopkins ave",
            Some((41.5000, -87.9928)),
        ),
        (
            "Pothole on Cedar Ln between 6th and 8th",
            "cedar ln between 6th st & 8th st",
            Some((41.5063, -87.9964)),
        ),
        (
            "theres a pothole on 3rd st by main",
            "3rd st & n main st",
            Some((41.5027, -88.0000)),
        ),
        // Two Mill streets and two Hopkins: the one that meets 2nd is the north one.
        (
            "Leak where Mill crosses 2nd",
            "2nd st & n mill st",
            Some((41.5018, -88.0012)),
        ),
        // Could be north or south Mill: keyed as written, no point.
        ("Fuga en la calle Mill número 230", "230 mill", None),
        // Not one of Riverton's streets: keyed as written.
        ("Bache en Morelos esq. Hidalgo", "hidalgo & morelos", None),
    ];
    for (text, key, point) in cases {
        let loc = RIVERTON
            .find(text)
            .unwrap_or_else(|| panic!("no location in {text:?}"));
        assert_eq!(loc.normalized, key, "{text}");
        let got = loc.lat.zip(loc.lon);
        match (got, point) {
            (Some((lat, lon)), Some((la, lo))) => {
                assert!(
                    (lat - la).abs() < 1e-4 && (lon - lo).abs() < 1e-4,
                    "{text}: {got:?}"
                )
            }
            _ => assert_eq!(got, point, "{text}"),
        }
    }
}

#[test]
fn a_gazetteer_turns_away_names_it_does_not_know() {
    for text in [
        "Pothole at Walmart and Target",
        "Rats at Pothole and 5th St",
    ] {
        assert_eq!(RIVERTON.find(text), None, "{text}");
        assert!(
            PLAIN.find(text).is_some(),
            "without a gazetteer {text:?} reads as a corner"
        );
    }
}
