//! Table tests for the gazetteer: reading a streets file, refusing bad rows with line and column, snapping
//! written names and finding points.

use super::*;

/// An invented town: two `3rd`s, a north and a south `Mill`, aliases in both languages.
const TOWN: &str = "\
# Testville streets
kind,street,aliases,cross_street,from_number,to_number,lat,lon,lat_to,lon_to
street,Main St,Main Street|Calle Principal
street,3rd St
street,3rd Ave
street,N Mill St
street,S Mill St
street,Hopkins Ave
street,Reforma Blvd,Avenida Reforma
intersection,Main St,,3rd St,,,40.0010,-75.0000
intersection,Main St,,N Mill St,,,40.0010,-75.0020
intersection,3rd Ave,,S Mill St,,,39.9990,-75.0020
range,Main St,,,100,198,40.0000,-75.0010,40.0000,-75.0000
";

fn town() -> Gazetteer {
    Gazetteer::from_csv(TOWN).expect("the test town reads")
}

fn name(g: &Gazetteer, id: Option<StreetId>) -> Option<&str> {
    id.map(|id| g.street(id).name.as_str())
}

#[test]
fn reads_streets_intersections_and_ranges() {
    let g = town();
    assert_eq!((g.len(), g.intersections()), (7, 3));
    assert_eq!(g.street(g.snap("Main").unwrap()).key, "main st");
    assert_eq!(g.street(g.snap("S Mill").unwrap()).key, "s mill st");
}

#[test]
fn snaps_written_names_to_streets() {
    let g = town();
    let cases = [
        ("Main", Some("Main St")),
        ("main street", Some("Main St")),
        ("MAIN ST.", Some("Main St")),
        ("Calle Principal", Some("Main St")),
        ("la calle Main", Some("Main St")),
        ("Mian St", Some("Main St")),
        ("Hopkns", Some("Hopkins Ave")),
        ("Hopkins Street", Some("Hopkins Ave")),
        ("Av. Reforma", Some("Reforma Blvd")),
        ("Blvd. Reforma", Some("Reforma Blvd")),
        ("3rd Ave", Some("3rd Ave")),
        ("Third Street", Some("3rd St")),
        ("S. Mill", Some("S Mill St")),
        ("South Mill Street", Some("S Mill St")),
        // Could be either: no guess.
        ("3rd", None),
        ("Mill", None),
        // Not in town, and not a typo of anything in it.
        ("Elm", None),
        ("4th St", None),
        ("Main Hopkins", None),
    ];
    for (written, want) in cases {
        assert_eq!(name(&g, g.snap(written)), want, "{written}");
    }
}

#[test]
fn the_crossing_settles_an_ambiguous_street() {
    let g = town();
    let cases = [
        (("3rd", "Main"), (Some("3rd St"), Some("Main St"))),
        (("Mill", "Main St"), (Some("N Mill St"), Some("Main St"))),
        (("Mill", "3rd"), (Some("S Mill St"), Some("3rd Ave"))),
        (("Hopkins", "3rd"), (Some("Hopkins Ave"), None)),
    ];
    for ((a, b), want) in cases {
        let (x, y) = g.snap_pair(a, b);
        assert_eq!((name(&g, x), name(&g, y)), want, "{a} & {b}");
    }
    let (main, third) = (g.snap("Main").unwrap(), g.snap("3rd St").unwrap());
    let p = g.crossing(third, main).unwrap();
    assert_eq!((p.lat, p.lon), (40.0010, -75.0000));
}

#[test]
fn house_numbers_are_interpolated_along_their_range() {
    let g = town();
    let main = g.snap("Main").unwrap();
    let lon = |n| g.address_point(main, n).map(|p| p.lon);
    assert_eq!(lon(100), Some(-75.0010));
    assert_eq!(lon(198), Some(-75.0000));
    let middle = lon(149).unwrap();
    assert!((middle - -75.0005).abs() < 1e-9, "{middle}");
    assert_eq!(lon(250), None);
    assert_eq!(g.address_point(g.snap("Hopkins").unwrap(), 120), None);
}

#[test]
fn bad_rows_are_refused_with_line_and_column() {
    let header = "kind,street,aliases,cross_street,from_number,to_number,lat,lon,lat_to,lon_to\n";
    let cases = [
        ("street,Main St\nstreet,Main Street\n", "line 3: street: `Main Street` is listed twice"),
        ("street,Main St\nintersection,Main St,,Mian St,,,40,-75\n", "line 3: cross_street: `Mian St` has no `street` row"),
        ("street,Main St\nintersection,Main St,,,,,40,-75\n", "line 3: cross_street: an `intersection` row needs one"),
        ("street,Main St\nintersection,Main St,,Main St,,,40,-75\n", "line 3: cross_street: a street does not cross itself"),
        ("street,Main St,,,,,40,-75\n", "line 2: lat: not used by a `street` row"),
        ("street,Main St\nrange,Main St,,,200,100,40,-75,40,-75\n", "line 3: from_number: 200 is above to_number 100"),
        ("street,Main St\nrange,Main St,,,100,200,95,-75,40,-75\n", "line 3: lat: 95 is not a latitude"),
        ("street,Main St\nrange,Main St,,,100,200,40,-75\n", "line 3: lat_to: this row needs a latitude"),
        ("street,Main St\nrange,Main St,,,ten,200,40,-75,40,-75\n", "line 3: field 4: invalid digit"),
        ("corner,Main St\n", "line 2: unknown variant `corner`"),
        ("street,Main St\nstreet,Oak St\nintersection,Main St,,Oak St,,,40,-75\nintersection,Oak St,,Main St,,,40,-75\n",
            "line 5: this intersection of `Main St` and `Oak St` is listed twice"),
    ];
    for (rows, want) in cases {
        let err = Gazetteer::from_csv(&format!("{header}{rows}"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(want), "{rows:?}: {err}");
    }
    let err = Gazetteer::from_csv("street,lat_form\nMain St,40\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `lat_form`"), "{err}");
    assert!(matches!(
        Gazetteer::from_csv(header),
        Err(GazetteerError::Empty)
    ));
}

#[test]
fn a_plain_list_of_names_is_enough() {
    let g = Gazetteer::from_csv("street\nMain St\nOak Ave\n").unwrap();
    assert_eq!((g.len(), g.intersections()), (2, 0));
    assert_eq!(name(&g, g.snap("oak")), Some("Oak Ave"));
}
