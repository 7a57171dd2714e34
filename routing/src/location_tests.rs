//! Table tests for the location finder: each kind in English and Spanish, and ordinary sentences that are not places.

use super::*;

fn find(text: &str) -> Option<Location> {
    LocationFinder::new().find(text)
}

#[test]
fn finds_each_kind_with_its_span() {
    use LocationKind::*;
    let cases = [
        (
            "Pothole in front of 123 Main St. please fix",
            Address,
            "123 Main St.",
            "123 main street",
        ),
        (
            "Pothole at 1200 block of Elm Avenue",
            Address,
            "1200 block of Elm Avenue",
            "1200 block of elm avenue",
        ),
        (
            "Bache en Calle Juárez 45, Col. Centro",
            Address,
            "Calle Juárez 45",
            "calle juarez 45",
        ),
        (
            "Light out at 5th and Main",
            Intersection,
            "5th and Main",
            "5th and main",
        ),
        (
            "Pothole at 5th and Main",
            Intersection,
            "5th and Main",
            "5th and main",
        ),
        (
            "Pothole at Main and 5th",
            Intersection,
            "Main and 5th",
            "main and 5th",
        ),
        (
            "Trash on the corner of Oak St & Pine Ave",
            Intersection,
            "corner of Oak St & Pine Ave",
            "corner of oak street and pine avenue",
        ),
        (
            "Flooding on Main St at 5th Ave",
            Intersection,
            "Main St at 5th Ave",
            "main street at 5th avenue",
        ),
        (
            "Bache en la esquina de Reforma y Sonora",
            Intersection,
            "esquina de Reforma y Sonora",
            "esquina de reforma y sonora",
        ),
        (
            "Fuga en Morelos esq. Juárez",
            Intersection,
            "Morelos esq. Juárez",
            "morelos esquina juarez",
        ),
        (
            "Pothole between Elm St and Oak Ave on the north side",
            Between,
            "between Elm St and Oak Ave",
            "between elm street and oak avenue",
        ),
        (
            "Bacheo en Luis Orci entre Reyes y Jesús García",
            Between,
            "entre Reyes y Jesús García",
            "entre reyes y jesus garcia",
        ),
        (
            "Basura en la colonia Las Palmas desde hace días",
            Neighborhood,
            "colonia Las Palmas",
            "colonia las palmas",
        ),
        (
            "Mucha basura en Col. Centro",
            Neighborhood,
            "Col. Centro",
            "colonia centro",
        ),
        (
            "Tree down at 40.7128, -74.0060",
            Coordinates,
            "40.7128, -74.0060",
            "40.71280,-74.00600",
        ),
    ];
    for (text, kind, span, normalized) in cases {
        let loc = find(text).unwrap_or_else(|| panic!("no location in {text:?}"));
        assert_eq!((loc.kind, loc.text.as_str()), (kind, span), "{text}");
        assert_eq!(&text[loc.start..loc.end], span, "{text}");
        assert_eq!(loc.normalized, normalized, "{text}");
    }
}

#[test]
fn map_links_carry_coordinates() {
    for url in [
        "https://www.google.com/maps/@40.7128,-74.0060,17z",
        "https://maps.google.com/?q=40.7128,-74.0060",
        "https://www.openstreetmap.org/#map=18/40.71280/-74.00600",
        "https://www.openstreetmap.org/?mlat=40.7128&mlon=-74.0060#map=18/40.7/-74.0",
    ] {
        let text = format!("Tree down here: {url}");
        let loc = find(&text).unwrap();
        assert_eq!(loc.kind, LocationKind::MapLink, "{url}");
        assert_eq!(loc.text, url);
        assert_eq!((loc.lat, loc.lon), (Some(40.7128), Some(-74.006)), "{url}");
    }
}

#[test]
fn ordinary_sentences_are_not_places() {
    for text in [
        "Loud music and parties every night",
        "3 cars in the street for weeks",
        "between 2 and 3 pm the noise starts",
        "I called between the rain and the snow",
        "Garbage was not picked up",
        "Hay un bache muy grande",
        "version 1.2, build 3.4",
    ] {
        assert_eq!(find(text), None, "{text}");
    }
}
