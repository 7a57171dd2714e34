//! Table tests for canonical place keys: street names taken apart, keys in order, older normal forms.

use super::*;

#[test]
fn street_names_come_apart() {
    let cases = [
        ("S. Mill St.", Some('s'), "mill", Some("st")),
        ("Main Street", None, "main", Some("st")),
        ("Calle Juárez", None, "juarez", None),
        ("Av. Reforma", None, "reforma", Some("ave")),
        ("Avenida de la Reforma", None, "reforma", Some("ave")),
        ("la calle Mill", None, "mill", None),
        ("Third Street", None, "3rd", Some("st")),
        ("E St", None, "e", Some("st")),
        ("North Main", Some('n'), "main", None),
        ("Luis Orci", None, "luis orci", None),
        ("Court St", None, "court", Some("st")),
    ];
    for (written, direction, core, suffix) in cases {
        let s = StreetName::parse(written, Source::Written).unwrap();
        assert_eq!(
            (s.direction, s.core.as_str(), s.suffix),
            (direction, core, suffix),
            "{written}"
        );
    }
    assert_eq!(
        StreetName::parse("Calle", Source::Written).unwrap().core,
        "calle"
    );
}

#[test]
fn stored_keys_keep_their_short_suffixes() {
    assert_eq!(street_key("3rd st", Source::Stored, false), "3rd st");
    assert_eq!(street_key("s mill st", Source::Stored, true), "s mill st");
    assert_eq!(
        street_key("south mill street", Source::Stored, true),
        "s mill"
    );
    assert_eq!(
        street_key("north main street", Source::Stored, false),
        "main"
    );
    assert_eq!(street_key("elm way", Source::Stored, false), "elm way");
    assert_eq!(street_key("Elm Way", Source::Written, false), "elm");
}

#[test]
fn keys_put_streets_in_order() {
    assert_eq!(corner_key("main", "3rd"), "3rd & main");
    assert_eq!(corner_key("3rd", "main"), "3rd & main");
    assert_eq!(
        between_key(Some("mill"), "2nd", "1st"),
        "mill between 1st & 2nd"
    );
    assert_eq!(
        between_key(None, "reyes", "jesus garcia"),
        "between jesus garcia & reyes"
    );
    assert_eq!(address_key("12A", "s mill"), "12a s mill");
    assert_eq!(area_key("Las Palmas"), "area las palmas");
    assert_eq!(point_key(40.7128, -74.006), "40.71280,-74.00600");
}

#[test]
fn older_normal_forms_become_todays_keys() {
    let cases = [
        ("5th and main", "5th & main"),
        ("corner of main & 5th", "5th & main"),
        ("the corner of 5th avenue and main street", "5th & main"),
        ("esquina de juarez y morelos", "juarez & morelos"),
        ("morelos esquina con juarez", "juarez & morelos"),
        ("morelos casi esquina con juarez", "juarez & morelos"),
        ("main street at 5th avenue", "5th & main"),
        ("123 main street", "123 main"),
        ("1200 block of elm avenue", "1200 elm"),
        ("210 south mill street", "210 s mill"),
        ("calle juarez 45", "45 juarez"),
        ("between elm street and oak avenue", "between elm & oak"),
        ("entre reyes y jesus garcia", "between jesus garcia & reyes"),
        ("main street between 2nd and 1st", "main between 1st & 2nd"),
        ("colonia las palmas", "area las palmas"),
        ("las palmas neighborhood", "area las palmas"),
        ("40.71280,-74.00600", "40.71280,-74.00600"),
        ("https://maps.example/x", "https://maps.example/x"),
        ("oak and elm and pine", "oak and elm and pine"),
        ("Main St. & 5th Ave", "5th & main"),
        ("123 Elm St", "123 elm"),
    ];
    for (old, want) in cases {
        assert_eq!(canonical_key(old), want, "{old}");
    }
}

#[test]
fn keys_are_their_own_canonical_form() {
    for key in [
        "3rd & main",
        "3rd st & n main st",
        "210 s mill",
        "210 s mill st",
        "45 juarez",
        "mill between 1st & 2nd",
        "mill st between 1st st & 2nd st",
        "between jesus garcia & reyes",
        "area las palmas",
        "40.71280,-74.00600",
        "elm way & oak ave",
    ] {
        assert_eq!(canonical_key(key), key);
    }
}
