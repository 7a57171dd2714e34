//! Model tests on authored resident-style reports (`routing/tests/fixtures/resident_reports.csv`): learning,
//! determinism, the file format and its checks.

use super::*;

/// The authored fixture: 32 reports (24 English, 8 Spanish) for each of six departments.
pub(crate) fn fixture() -> Vec<TrainingRow> {
    let text = include_str!("../../tests/fixtures/resident_reports.csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    rdr.records()
        .map(|r| {
            let r = r.expect("fixture row");
            let mut row = TrainingRow::new(&r[0], &r[1]);
            row.language = r[2].parse().ok();
            row
        })
        .collect()
}

/// A small model for tests: fewer buckets keep it fast.
pub(crate) fn small_options() -> TrainOptions {
    TrainOptions {
        features: FeatureConfig {
            hash_bits: 14,
            ..FeatureConfig::default()
        },
        ..TrainOptions::default()
    }
}

pub(crate) fn trained() -> Model {
    train(&fixture(), &small_options()).expect("fixture trains")
}

#[test]
fn routes_held_out_reports_it_never_saw() {
    let m = trained();
    // Written separately from the fixture: other words, other places, the same kinds of problems.
    let held_out = [
        ("My car hit a hole in the road on Walnut Street", "streets"),
        (
            "The pavement on Elm Court is cracked and sinking",
            "streets",
        ),
        (
            "The lamp on the pole outside number 9 is dark",
            "streetlights",
        ),
        ("Street lamp flickering all night long", "streetlights"),
        ("Nobody collected our garbage on Monday", "sanitation"),
        ("Trash bags piling up behind the store", "sanitation"),
        ("The playground swing is broken again", "parks"),
        ("Grass in the park has not been mowed", "parks"),
        ("Loud music from the neighbors until dawn", "police"),
        ("A van is parked across our driveway", "police"),
        ("The fire hydrant on Pine St is leaking", "water"),
        ("Brown water coming out of the tap", "water"),
        ("Hay un hoyo enorme en el pavimento de mi calle", "streets"),
        (
            "La lámpara del poste de la esquina no prende",
            "streetlights",
        ),
        ("No pasó el camión de la basura el lunes", "sanitation"),
        ("Fuga de agua en la tubería de la banqueta", "water"),
    ];
    for (text, dept) in held_out {
        let p = m.predict(text);
        assert_eq!(p.department.as_str(), dept, "{text}: {p:?}");
        assert!(p.confidence > 1.0 / 6.0, "{text}: {p:?}");
    }
}

#[test]
fn explains_itself_with_the_words_that_weighed_most() {
    let p = trained().predict("The lamp on the pole is dark");
    assert_eq!(p.department.as_str(), "streetlights");
    assert!(!p.evidence.is_empty() && p.evidence.len() <= 3, "{p:?}");
    assert!(
        p.evidence
            .iter()
            .any(|w| w.contains("lamp") || w.contains("dark")),
        "{p:?}"
    );
    assert!(!p.evidence.iter().any(|w| w == "the" || w == "is"), "{p:?}");
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let rows = fixture();
    let a = train(&rows, &small_options()).unwrap();
    let b = train(&rows, &small_options()).unwrap();
    assert_eq!(a.to_bytes(), b.to_bytes());
    let other = TrainOptions {
        seed: 9,
        ..small_options()
    };
    assert_ne!(a.to_bytes(), train(&rows, &other).unwrap().to_bytes());
}

#[test]
fn round_trips_through_its_file() {
    let m = trained();
    let bytes = m.to_bytes();
    assert!(bytes.starts_with(MAGIC));
    let back = Model::from_bytes(&bytes).unwrap();
    assert_eq!(back, m);
    let text = "the street lamp is dark";
    assert_eq!(back.predict(text), m.predict(text));
    assert_eq!(back.summary().rows, 192);
    assert_eq!(back.departments().len(), 6);
}

#[test]
fn refuses_other_files_other_versions_and_damage() {
    let bytes = trained().to_bytes();
    assert_eq!(
        Model::from_bytes(b"{\"not\": \"a model\"}"),
        Err(ModelError::NotAModel)
    );
    let mut newer = bytes.clone();
    newer[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = Model::from_bytes(&newer).unwrap_err();
    assert_eq!(
        err,
        ModelError::Version {
            found: FORMAT_VERSION + 1,
            expected: FORMAT_VERSION
        }
    );
    assert!(err.to_string().contains("train the model again"), "{err}");
    let truncated = &bytes[..bytes.len() / 2];
    assert!(matches!(
        Model::from_bytes(truncated),
        Err(ModelError::Corrupt(_))
    ));
}

#[test]
fn names_departments_the_city_does_not_have() {
    let m = trained();
    assert_eq!(m.check_departments(|_| true), Ok(()));
    let err = m
        .check_departments(|d| d.as_str() != "water" && d.as_str() != "parks")
        .unwrap_err();
    assert_eq!(
        err,
        ModelError::UnknownDepartments(vec!["`parks`".into(), "`water`".into()])
    );
}

#[test]
fn needs_two_working_departments_and_skips_triage_and_dispatch() {
    let one = vec![
        TrainingRow::new("hole in the road", "streets"),
        TrainingRow::new("sorted by hand", "triage"),
        TrainingRow::new("gas smell", "dispatch"),
    ];
    let err = train(&one, &small_options()).unwrap_err();
    assert!(
        err.to_string().contains("at least two departments"),
        "{err}"
    );
    let mut rows = fixture();
    rows.push(TrainingRow::new("sorted by hand", "triage"));
    let m = train(&rows, &small_options()).unwrap();
    assert_eq!(m.summary().skipped, 1);
    assert!(!m.departments().contains(&DepartmentId::triage()));
}

#[test]
fn a_correction_counts_more_than_a_plain_row() {
    // Two rows say "sidewalk" is streets; one staff correction (weight 3) says parks.
    let mut rows = fixture();
    rows.push(TrainingRow::new("overgrown sidewalk hedge", "streets"));
    rows.push(TrainingRow::new("overgrown sidewalk hedge", "streets"));
    let plain = train(&rows, &small_options()).unwrap();
    let mut fix = TrainingRow::new("overgrown sidewalk hedge", "parks");
    fix.weight = 3.0;
    rows.push(fix);
    let corrected = train(&rows, &small_options()).unwrap();
    let text = "overgrown sidewalk hedge";
    assert_eq!(plain.predict(text).department.as_str(), "streets");
    assert_eq!(corrected.predict(text).department.as_str(), "parks");
}

#[test]
fn refuses_unusable_svm_options() {
    for bad in [
        TrainOptions {
            c: 0.0,
            ..small_options()
        },
        TrainOptions {
            rules_c: f32::NAN,
            ..small_options()
        },
        TrainOptions {
            temperature: Some(0.0),
            ..small_options()
        },
    ] {
        let err = train(&fixture(), &bad).unwrap_err();
        assert!(err.to_string().contains("must be positive"), "{err}");
    }
}

#[test]
fn the_sgd_learner_is_still_available() {
    let opts = TrainOptions {
        loss: Loss::Logistic,
        ..small_options()
    };
    let m = train(&fixture(), &opts).unwrap();
    for (text, dept) in [
        ("Street lamp flickering all night long", "streetlights"),
        ("Nobody collected our garbage on Monday", "sanitation"),
        ("Fuga de agua en la tubería de la banqueta", "water"),
    ] {
        assert_eq!(m.predict(text).department.as_str(), dept, "{text}");
    }
    assert_ne!(m.to_bytes(), trained().to_bytes());
}

#[test]
fn fitted_confidence_is_neither_saturated_nor_flat() {
    // Reports mixing two departments' words: a calibrated model is less sure of them than of plain ones.
    let m = trained();
    let plain = m
        .predict("Nobody collected our garbage on Monday")
        .confidence;
    let mixed = m
        .predict("Garbage bags dumped next to the broken street lamp")
        .confidence;
    assert!(plain > 0.5 && plain < 1.0, "{plain}");
    assert!(mixed < plain, "{mixed} vs {plain}");
}
