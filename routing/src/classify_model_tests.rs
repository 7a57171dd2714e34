//! Rules and model together: a strong rule wins, the model decides below it, both unsure is triage; a model
//! of departments the city does not have is refused.

use super::*;
use crate::model::{Policy, TrainOptions, TrainingRow};

/// Streets and police only, like the small test city of `classify_tests`.
fn small_city() -> Router {
    let depts = ["streets", "police", "triage", "dispatch"]
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!(
                "[[departments]]\nid = \"{d}\"\nname = \"{d}\"\nname_es = \"{d}\"\nemail = \"{d}@city.test\"\n\
                 chat_channel = \"{}\"\nresponse_hours = 1\nresolution_hours = 100\n",
                i + 1
            )
        })
        .collect::<String>();
    let toml = format!(
        r#"
[city]
name = "Testville"
timezone = "America/Chicago"
default_language = "en"
{depts}
[[categories]]
id = "pothole"
name = "Pothole"
name_es = "Bache"
department = "streets"
priority = "normal"
response_hours = 24
resolution_hours = 168
en = ["pothole^3", "road^0.5"]
[[categories]]
id = "noise"
name = "Noise"
name_es = "Ruido"
department = "police"
priority = "high"
response_hours = 2
resolution_hours = 12
en = ["noise^3", "loud^2"]
"#
    );
    Router::new(&CityConfig::from_toml_str(&toml).unwrap()).unwrap()
}

fn streets_and_police() -> Vec<TrainingRow> {
    crate::model::tests::fixture()
        .into_iter()
        .filter(|r| matches!(r.department.as_str(), "streets" | "police"))
        .collect()
}

fn with_model(router: &Router, rows: &[TrainingRow], policy: Policy) -> Router {
    let opts = TrainOptions {
        policy,
        ..crate::model::tests::small_options()
    };
    let model = router.train_model(rows, &opts).unwrap();
    router.with_model(model).unwrap()
}

#[test]
fn the_model_decides_what_the_rules_do_not_know() {
    let rules = small_city();
    let r = with_model(&rules, &streets_and_police(), Policy::default());
    let text = "The asphalt is crumbling and sinking near the school";
    assert_eq!(rules.classify(text).department, DepartmentId::triage());
    let d = r.classify(text);
    assert_eq!(d.department.as_str(), "streets", "{:?}", d.reasons);
    let why = d
        .reasons
        .iter()
        .find(|x| x.starts_with("learned from past requests: '"));
    assert!(
        why.is_some_and(|w| w.contains("asphalt") || w.contains("sinking")),
        "{:?}",
        d.reasons
    );
    // The category comes from the rules of the chosen department when they matched, else none.
    assert_eq!(d.category, None);
    let d = r.classify("People are racing cars on our road at night");
    assert_eq!(d.department.as_str(), "police", "{:?}", d.reasons);
}

#[test]
fn a_strong_rule_wins_over_the_model() {
    let rules = small_city();
    // Past requests (wrongly, for this test) filed potholes under police.
    let mut rows = streets_and_police();
    for place in [
        "Main St",
        "Oak Ave",
        "Elm Rd",
        "the school",
        "the bridge",
        "Cedar Lane",
    ] {
        rows.push(TrainingRow::new(format!("pothole on {place}"), "police"));
    }
    let policy = Policy {
        strong_rule_score: 3.0,
        min_confidence: 0.4,
    };
    let r = with_model(&rules, &rows, policy);
    let text = "pothole by the library";
    assert_eq!(
        r.model().unwrap().predict(text).department.as_str(),
        "police"
    );
    let d = r.classify(text);
    assert_eq!(d.department.as_str(), "streets", "{:?}", d.reasons);
    assert_eq!(d.category.as_ref().map(|c| c.as_str()), Some("pothole"));
    assert!(
        d.reasons
            .iter()
            .any(|x| x.contains("strong rule match (3.0 >= 3.0) decides")),
        "{:?}",
        d.reasons
    );
    // Below the strong score the model overrules the rule's weaker match.
    let weak = with_model(
        &rules,
        &rows,
        Policy {
            strong_rule_score: 3.5,
            ..policy
        },
    );
    assert_eq!(weak.classify(text).department.as_str(), "police");
}

#[test]
fn both_unsure_goes_to_triage_and_a_sure_model_does_not() {
    let rules = small_city();
    // With two departments every guess is at least 50% sure, and the fixture tells them apart so cleanly that
    // the calibrated model is very sure of what it knows: ask for near certainty.
    let policy = Policy {
        strong_rule_score: 8.0,
        min_confidence: 0.999,
    };
    let r = with_model(&rules, &streets_and_police(), policy);
    let d = r.classify("Please call me back about my question");
    assert_eq!(d.department, DepartmentId::triage(), "{:?}", d.reasons);
    assert!(
        d.reasons
            .iter()
            .any(|x| x.contains("no clear rule -> triage")),
        "{:?}",
        d.reasons
    );
    // A match below the rules' `min_score` is no clear rule either; a routed rule keeps its department.
    let d = r.classify("The road outside my house, again");
    assert_eq!(
        d.department,
        DepartmentId::triage(),
        "weak rule (0.5) alone: {:?}",
        d.reasons
    );
    let d = r.classify("Loud party, call me back");
    assert_eq!(d.department.as_str(), "police", "{:?}", d.reasons);
}

#[test]
fn a_model_of_other_departments_is_refused() {
    let rules = small_city();
    let model = rules
        .train_model(
            &crate::model::tests::fixture(),
            &crate::model::tests::small_options(),
        )
        .unwrap();
    let err = rules.with_model(model).unwrap_err();
    assert!(err.to_string().contains("`parks`"), "{err}");
    assert!(err.to_string().contains("does not have"), "{err}");
}

#[test]
fn emergencies_still_go_to_dispatch_with_a_model() {
    let rules = small_city();
    let r = with_model(&rules, &streets_and_police(), Policy::default());
    let d = r.classify("I smell gas near the crumbling asphalt");
    assert_eq!(d.department, DepartmentId::dispatch());
    assert!(r.without_model().model().is_none());
}
