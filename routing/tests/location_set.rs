//! The authored location set: everyday ways residents write a place, in English and Spanish, each with the
//! kind and canonical key expected, scored without a gazetteer and with Riverton's (`config/streets.csv`).
//! Run with `--nocapture` to see the score and every miss.

use std::sync::Arc;

use routing::gazetteer::Gazetteer;
use routing::location::LocationFinder;

const SET: &str = include_str!("location_set.csv");
const RIVERTON: &str = include_str!("../../config/streets.csv");
/// The bar: at least this share of rows right, kind and key.
const BAR: f64 = 0.95;

#[derive(Debug, serde::Deserialize)]
struct Row {
    lang: String,
    kind: String,
    key: String,
    riverton: String,
    text: String,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = csv::Reader::from_reader(SET.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("the location set reads");
    assert!(rows.len() >= 60, "{} rows", rows.len());
    rows
}

/// The share of rows whose first place has the expected kind and key; prints each miss.
fn score<'r>(
    finder: &LocationFinder,
    rows: impl Iterator<Item = (&'r Row, &'r str)>,
    label: &str,
) -> f64 {
    let (mut n, mut right) = (0, 0);
    for (row, want_key) in rows {
        n += 1;
        let got = finder.find(&row.text);
        let (kind, key) = got
            .as_ref()
            .map_or(("none".to_string(), String::new()), |l| {
                (l.kind.to_string(), l.normalized.clone())
            });
        if kind == row.kind && key == want_key {
            right += 1;
        } else {
            println!(
                "{label} miss [{}] {:?}: want {} {want_key:?}, got {kind} {key:?}",
                row.lang, row.text, row.kind
            );
        }
    }
    let share = f64::from(right) / f64::from(n);
    println!("{label}: {right}/{n} right ({:.1}%)", share * 100.0);
    share
}

#[test]
fn the_location_set_is_understood_without_a_gazetteer() {
    let rows = rows();
    let share = score(
        &LocationFinder::new(),
        rows.iter().map(|r| (r, r.key.as_str())),
        "plain",
    );
    assert!(share >= BAR, "{:.1}% < {:.0}%", share * 100.0, BAR * 100.0);
    for lang in ["en", "es"] {
        let of_lang = rows.iter().filter(|r| r.lang == lang);
        let share = score(
            &LocationFinder::new(),
            of_lang.map(|r| (r, r.key.as_str())),
            lang,
        );
        assert!(share >= BAR, "{lang}: {:.1}%", share * 100.0);
    }
}

#[test]
fn the_location_set_is_understood_with_rivertons_streets() {
    let g = Arc::new(Gazetteer::from_csv(RIVERTON).expect("Riverton's streets read"));
    let finder = LocationFinder::with_gazetteer(g);
    let rows = rows();
    let share = score(
        &finder,
        rows.iter().map(|r| (r, r.riverton.as_str())),
        "riverton",
    );
    assert!(share >= BAR, "{:.1}% < {:.0}%", share * 100.0, BAR * 100.0);
}
