//! Table tests for the location finder without a gazetteer: each kind and each everyday phrasing in English and
//! Spanish, one key per place, several places in one message, ordinary sentences that are not places.

use std::sync::LazyLock;

use super::*;
use LocationKind::*;

static PLAIN: LazyLock<LocationFinder> = LazyLock::new(LocationFinder::new);

fn find(text: &str) -> Option<Location> {
    PLAIN.find(text)
}

/// `(text, kind, span as written, key)`: the first place found must be exactly this.
fn check(cases: &[(&str, LocationKind, &str, &str)]) {
    for &(text, kind, span, key) in cases {
        let loc = find(text).unwrap_or_else(|| panic!("no location in {text:?}"));
        assert_eq!((loc.kind, loc.text.as_str()), (kind, span), "{text}");
        assert_eq!(&text[loc.start..loc.end], span, "{text}");
        assert_eq!(loc.normalized, key, "{text}");
        // Without a gazetteer only coordinates written out give a point.
        let point = kind == Coordinates;
        assert_eq!(
            (loc.lat.is_some(), loc.lon.is_some()),
            (point, point),
            "{text}"
        );
    }
}

#[test]
fn finds_each_kind_with_its_span() {
    check(&[
        (
            "Pothole in front of 123 Main St. please fix",
            Address,
            "123 Main St.",
            "123 main",
        ),
        (
            "Pothole at 1200 block of Elm Avenue",
            Address,
            "1200 block of Elm Avenue",
            "1200 elm",
        ),
        (
            "Bache en Calle Juárez 45, Col. Centro",
            Address,
            "Calle Juárez 45",
            "45 juarez",
        ),
        (
            "Light out at 5th and Main",
            Intersection,
            "5th and Main",
            "5th & main",
        ),
        (
            "Pothole at Main and 5th",
            Intersection,
            "Main and 5th",
            "5th & main",
        ),
        (
            "Trash on the corner of Oak St & Pine Ave",
            Intersection,
            "corner of Oak St & Pine Ave",
            "oak & pine",
        ),
        (
            "Flooding on Main St at 5th Ave",
            Intersection,
            "Main St at 5th Ave",
            "5th & main",
        ),
        (
            "Bache en la esquina de Reforma y Sonora",
            Intersection,
            "esquina de Reforma y Sonora",
            "reforma & sonora",
        ),
        (
            "Fuga en Morelos esq. Juárez",
            Intersection,
            "Morelos esq. Juárez",
            "juarez & morelos",
        ),
        (
            "Pothole between Elm St and Oak Ave on the north side",
            Between,
            "between Elm St and Oak Ave",
            "between elm & oak",
        ),
        (
            "Bacheo en Luis Orci entre Reyes y Jesús García",
            Between,
            "Luis Orci entre Reyes y Jesús García",
            "luis orci between jesus garcia & reyes",
        ),
        (
            "Basura en la colonia Las Palmas desde hace días",
            Neighborhood,
            "colonia Las Palmas",
            "area las palmas",
        ),
        (
            "Mucha basura en Col. Centro",
            Neighborhood,
            "Col. Centro",
            "area centro",
        ),
        (
            "Tree down at 40.7128, -74.0060",
            Coordinates,
            "40.7128, -74.0060",
            "40.71280,-74.00600",
        ),
    ]);
}

#[test]
fn everyday_english_phrasings() {
    check(&[
        (
            "Pothole on Main St at the corner of 3rd",
            Intersection,
            "Main St at the corner of 3rd",
            "3rd & main",
        ),
        (
            "Light out at Mill and Hopkins",
            Intersection,
            "Mill and Hopkins",
            "hopkins & mill",
        ),
        (
            "Trash at Oak/Pine since Friday",
            Intersection,
            "Oak/Pine",
            "oak & pine",
        ),
        (
            "Trash at Oak St/Pine Ave",
            Intersection,
            "Oak St/Pine Ave",
            "oak & pine",
        ),
        (
            "Sign down at Mill & Hopkins",
            Intersection,
            "Mill & Hopkins",
            "hopkins & mill",
        ),
        (
            "Flooding where Mill crosses Hopkins",
            Intersection,
            "Mill crosses Hopkins",
            "hopkins & mill",
        ),
        (
            "Hydrant open where 5th Street meets Oak",
            Intersection,
            "5th Street meets Oak",
            "5th & oak",
        ),
        (
            "Pothole on Mill St between 2nd and 3rd",
            Between,
            "Mill St between 2nd and 3rd",
            "mill between 2nd & 3rd",
        ),
        (
            "Pothole in front of 210 S. Mill St.",
            Address,
            "210 S. Mill St.",
            "210 s mill",
        ),
        (
            "Branch down at 600 E. Hopkins",
            Address,
            "600 E. Hopkins",
            "600 e hopkins",
        ),
        (
            "Leak at 1200 N Main Street Apt 4, water everywhere",
            Address,
            "1200 N Main Street Apt 4",
            "1200 n main",
        ),
        (
            "Car on the 300 block of West Elm St for weeks",
            Address,
            "300 block of West Elm St",
            "300 w elm",
        ),
        (
            "Dark streetlight near Third and Elm",
            Intersection,
            "Third and Elm",
            "3rd & elm",
        ),
        (
            "pothole at main and 3rd",
            Intersection,
            "main and 3rd",
            "3rd & main",
        ),
        (
            "bache en la esquina de oak y 7th",
            Intersection,
            "esquina de oak y 7th",
            "7th & oak",
        ),
        (
            "Glass on a small side street between Pine Ave and Elm Ave",
            Between,
            "between Pine Ave and Elm Ave",
            "between elm & pine",
        ),
    ]);
}

#[test]
fn everyday_spanish_phrasings() {
    check(&[
        (
            "Bache en la calle Juárez esquina con Morelos",
            Intersection,
            "calle Juárez esquina con Morelos",
            "juarez & morelos",
        ),
        (
            "Fuga en Hidalgo casi esquina con Morelos",
            Intersection,
            "Hidalgo casi esquina con Morelos",
            "hidalgo & morelos",
        ),
        (
            "Basura frente al número 120 de la calle Hidalgo",
            Address,
            "número 120 de la calle Hidalgo",
            "120 hidalgo",
        ),
        (
            "Luminaria apagada en Blvd. Kino 310",
            Address,
            "Blvd. Kino 310",
            "310 kino",
        ),
        (
            "Fuga de agua en Av. Reforma #215",
            Address,
            "Av. Reforma #215",
            "215 reforma",
        ),
        (
            "Bache en la calle Sonora entre Reyes y Rosales",
            Between,
            "Sonora entre Reyes y Rosales",
            "sonora between reyes & rosales",
        ),
        (
            "Hay basura entre Reyes y Rosales",
            Between,
            "entre Reyes y Rosales",
            "between reyes & rosales",
        ),
        (
            "Coladera tapada en el cruce de Sonora y Reforma",
            Intersection,
            "cruce de Sonora y Reforma",
            "reforma & sonora",
        ),
        (
            "Árbol caído donde Reforma cruza con Sonora",
            Intersection,
            "Reforma cruza con Sonora",
            "reforma & sonora",
        ),
        (
            "Hay un bache en Venustiano Carranza y Álvaro Obregón",
            Intersection,
            "Venustiano Carranza y Álvaro Obregón",
            "alvaro obregon & venustiano carranza",
        ),
        (
            "BACHE EN PASEO DEL RIO Y GENERAL PIÑA",
            Intersection,
            "PASEO DEL RIO Y GENERAL PIÑA",
            "general pina & rio",
        ),
        (
            "Bache en Domingo Sarmiento entre Hidalgo y Allende",
            Between,
            "Domingo Sarmiento entre Hidalgo y Allende",
            "domingo sarmiento between allende & hidalgo",
        ),
    ]);
}

#[test]
fn one_key_per_place_whatever_the_order_suffix_or_language() {
    let groups: &[&[&str]] = &[
        &[
            "Pothole at Main St y 3rd St",
            "Pothole at 3rd and Main",
            "Pothole at the corner of Main Street and 3rd",
            "Bache en la esquina de 3rd y Main",
            "Trash at 3rd St/Main St",
        ],
        &[
            "Fuga en Calle Reforma esquina Juárez",
            "Fuga en Juárez y Reforma",
            "Leak at the corner of Juarez St and Reforma Ave",
        ],
        &[
            "Leak at 45 Juárez St",
            "Fuga en Calle Juárez 45",
            "Fuga frente al número 45 de la calle Juárez",
        ],
        &[
            "Pothole on Mill St between 2nd and 3rd",
            "Pothole on Mill between 3rd St and 2nd St",
            "Bache en la calle Mill entre 2nd y 3rd",
        ],
    ];
    for group in groups {
        let keys: Vec<String> = group
            .iter()
            .map(|t| {
                find(t)
                    .unwrap_or_else(|| panic!("no location in {t:?}"))
                    .normalized
            })
            .collect();
        assert!(keys.iter().all(|k| *k == keys[0]), "{group:?} → {keys:?}");
    }
    let different = [
        ("Pothole at 3rd and Main", "Pothole at 4th and Main"),
        ("Leak at 210 S Mill St", "Leak at 210 N Mill St"),
        ("Leak at 210 S Mill St", "Leak at 212 S Mill St"),
        (
            "Pothole on Mill St between 2nd and 3rd",
            "Pothole on Elm St between 2nd and 3rd",
        ),
    ];
    for (a, b) in different {
        assert_ne!(
            find(a).unwrap().normalized,
            find(b).unwrap().normalized,
            "{a} / {b}"
        );
    }
}

#[test]
fn every_place_in_a_message_best_first() {
    let cases: &[(&str, &[(LocationKind, &str)])] = &[
        (
            "Potholes at 3rd & Oak and in front of 210 S. Mill St.",
            &[(Address, "210 s mill"), (Intersection, "3rd & oak")],
        ),
        (
            "Two lights out: 5th and Elm, then 7th and Elm",
            &[(Intersection, "5th & elm"), (Intersection, "7th & elm")],
        ),
        (
            "Bache en Calle Juárez 45, Col. Centro",
            &[(Address, "45 juarez"), (Neighborhood, "area centro")],
        ),
        (
            "Pothole on Mill St between 2nd and 3rd",
            &[(Between, "mill between 2nd & 3rd")],
        ),
        ("Loud music every night", &[]),
    ];
    for (text, want) in cases {
        let got: Vec<(LocationKind, String)> = PLAIN
            .find_all(text)
            .into_iter()
            .map(|l| (l.kind, l.normalized))
            .collect();
        let want: Vec<(LocationKind, String)> =
            want.iter().map(|(k, s)| (*k, s.to_string())).collect();
        assert_eq!(got, want, "{text}");
        assert_eq!(
            find(text).map(|l| l.kind),
            want.first().map(|w| w.0),
            "{text}"
        );
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
        assert_eq!(loc.normalized, "40.71280,-74.00600");
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
        "Pothole at the corner, please hurry",
        "The noise from Smith and Wesson range is constant",
        "Open 24/7 and nobody cares",
        "Se escucha música entre las 3 y las 4 de la mañana",
        "Nos vemos el 5 de Mayo en la plaza",
        "Pothole at Main St at night",
        "Loud music and 3rd floor parties",
        "Pothole on 3rd St by Tuesday please",
        "Sidewalk and road are both cracked",
        "Flooded street/stop sign down",
        "Licence plates blocking the city street at night",
        "Nos vemos el domingo y el lunes",
    ] {
        assert_eq!(find(text), None, "{text}");
    }
}

#[test]
fn a_place_alone_on_a_line_needs_no_cue() {
    let text = "Juárez y Reforma\nHay un bache enorme";
    assert_eq!(
        find(text).map(|l| l.normalized).as_deref(),
        Some("juarez & reforma")
    );
    assert_eq!(find("Smith and Wesson range noise"), None);
}

#[test]
fn landmarks_are_places_of_their_own_kind_and_streets_win_over_them() {
    let f = LocationFinder::new();
    let cases = [
        ("Broken bench in front of the library", "near library"),
        ("Trash everywhere near Lincoln Park", "near lincoln park"),
        ("Basura cerca del mercado", "near mercado"),
        ("Lámpara apagada junto a la escuela", "near escuela"),
    ];
    for (text, key) in cases {
        let got = f
            .find(text)
            .unwrap_or_else(|| panic!("nothing in {text:?}"));
        assert_eq!(
            (got.kind, got.normalized.as_str()),
            (LocationKind::Landmark, key),
            "{text}"
        );
    }
    // A street or an address beside a landmark is the more precise place; both are kept, the street first.
    let all = f.find_all("Pothole in front of 42 Maple Ave, near the school");
    let kinds: Vec<LocationKind> = all.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [LocationKind::Address, LocationKind::Landmark],
        "{all:?}"
    );
    // Not landmarks: a street, a house, an ordinary thing, a day.
    for text in [
        "Dead raccoon near Third and Maple",
        "Leak frente a mi casa",
        "Rats behind the bakery",
        "Pothole near Oak St",
    ] {
        assert!(
            f.find_all(text)
                .iter()
                .all(|l| l.kind != LocationKind::Landmark),
            "{text}: {:?}",
            f.find_all(text)
        );
    }
}
