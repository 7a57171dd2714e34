//! Decision tests: categories, triage on weak or tied scores, emergencies overriding the department, reasons.

use super::*;
use crate::location::LocationKind;

fn shipped() -> Router {
    let cfg = CityConfig::from_toml_str(include_str!("../../config/city.toml")).unwrap();
    Router::new(&cfg).unwrap()
}

fn small(min_score: f32, tie_margin: f32) -> Router {
    let toml = format!(
        r#"
[city]
name = "Testville"
timezone = "America/Chicago"
default_language = "en"
[routing]
min_score = {min_score}
tie_margin = {tie_margin}
{dept}
[[categories]]
id = "pothole"
name = "Pothole"
name_es = "Bache"
department = "streets"
priority = "normal"
response_hours = 24
resolution_hours = 168
en = ["pothole^3", "road^0.5"]
es = ["bache^3"]
[[categories]]
id = "sidewalk"
name = "Sidewalk"
name_es = "Banqueta"
department = "streets"
priority = "low"
response_hours = 48
resolution_hours = 336
en = ["sidewalk^3"]
es = ["banqueta^3"]
[[categories]]
id = "noise"
name = "Noise"
name_es = "Ruido"
department = "police"
priority = "high"
response_hours = 2
resolution_hours = 12
en = ["noise^3", "loud^2"]
es = ["ruido^3"]
"#,
        dept = ["streets", "police", "triage", "dispatch"]
            .iter()
            .enumerate()
            .map(|(i, d)| format!(
                "[[departments]]\nid = \"{d}\"\nname = \"{d}\"\nname_es = \"{d}\"\nemail = \"{d}@city.test\"\n\
                 chat_channel = \"{}\"\nresponse_hours = {}\nresolution_hours = 100\n",
                i + 1,
                i + 1
            ))
            .collect::<String>()
    );
    Router::new(&CityConfig::from_toml_str(&toml).unwrap()).unwrap()
}

#[test]
fn best_category_wins_with_its_sla_and_reasons() {
    let d = small(1.0, 0.25).classify("Big pothole on the road outside");
    assert_eq!(d.department.as_str(), "streets");
    assert_eq!(d.category.as_ref().map(|c| c.as_str()), Some("pothole"));
    assert_eq!(
        (d.priority, d.response_hours, d.resolution_hours),
        (Priority::Normal, 24, 168)
    );
    assert_eq!(d.score, 3.5);
    assert!(
        d.reasons
            .iter()
            .any(|r| r.contains("category pothole: matched \"pothole\" (+3.0)")),
        "{:?}",
        d.reasons
    );
    assert!(d.reasons[0].starts_with("language en"), "{:?}", d.reasons);
}

#[test]
fn weak_or_tied_scores_go_to_triage() {
    let r = small(1.0, 0.25);
    let cases = [
        ("The road outside", "weak score 0.5"),
        ("Nothing to see here", "no category matched"),
        (
            "Pothole and noise every night",
            "tie between pothole and noise -> triage",
        ),
    ];
    for (text, reason) in cases {
        let d = r.classify(text);
        assert_eq!(d.department, DepartmentId::triage(), "{text}");
        assert_eq!(d.category, None, "{text}");
        assert_eq!(
            (d.response_hours, d.priority),
            (3, Priority::Normal),
            "triage SLA for {text}"
        );
        assert!(
            d.reasons.iter().any(|x| x.contains(reason)),
            "{text}: {:?}",
            d.reasons
        );
    }
    // A tie inside one department still reaches it, without a category.
    let d = r.classify("Pothole next to the broken sidewalk");
    assert_eq!(
        (d.department.as_str(), d.category.as_ref()),
        ("streets", None)
    );
    // A wider margin turns a narrow win into a tie.
    assert_eq!(
        r.classify("loud noise and a pothole").department.as_str(),
        "police"
    );
    assert_eq!(
        small(1.0, 3.0)
            .classify("loud noise and a pothole")
            .department,
        DepartmentId::triage()
    );
}

#[test]
fn emergencies_go_to_dispatch_and_keep_the_category() {
    let r = shipped();
    let cases = [
        (
            "I smell gas near the pothole on Elm St",
            "gas_leak",
            Some("pothole"),
        ),
        (
            "Power line down and sparking across the road",
            "power_line",
            None,
        ),
        (
            "Huele a gas en la esquina de Reforma y Sonora",
            "gas_leak",
            None,
        ),
        (
            "Hay un incendio en el parque",
            "fire",
            Some("park_maintenance"),
        ),
    ];
    for (text, kind, category) in cases {
        let d = r.classify(text);
        assert_eq!(d.department, DepartmentId::dispatch(), "{text}");
        assert_eq!(d.priority, Priority::Urgent, "{text}");
        assert_eq!(
            d.emergency.as_ref().map(|e| e.kind.as_str()),
            Some(kind),
            "{text}"
        );
        if category.is_some() {
            assert_eq!(d.category.as_ref().map(|c| c.as_str()), category, "{text}");
        }
        assert!(
            d.reasons
                .iter()
                .any(|x| x.starts_with(&format!("emergency {kind}"))),
            "{:?}",
            d.reasons
        );
    }
}

#[test]
fn shipped_city_routes_everyday_reports() {
    let r = shipped();
    let cases = [
        ("Huge pothole on Maple Ave", "streets", "en"),
        (
            "Street light out in front of 14 Oak St",
            "streetlights",
            "en",
        ),
        ("Loud music next door every night", "police", "en"),
        ("Car blocking my driveway", "police", "en"),
        ("Missed trash pickup on Tuesday", "sanitation", "en"),
        ("Graffiti on the library wall", "graffiti", "en"),
        ("Rats in the alley behind the restaurant", "health", "en"),
        ("Fire hydrant leaking on the corner", "water", "en"),
        (
            "Dead tree about to fall on the sidewalk, it's a fire hazard",
            "parks",
            "en",
        ),
        (
            "Broken swing at the playground, a child could get hurt",
            "parks",
            "en",
        ),
        (
            "No heat in my apartment and the landlord ignores us",
            "code_enforcement",
            "en",
        ),
        (
            "C. REPORTA BACHE EN CALLE MORELOS ENTRE SONORA Y JALISCO",
            "streets",
            "es",
        ),
        (
            "La luminaria de mi calle está apagada",
            "streetlights",
            "es",
        ),
        ("Fuga de agua potable frente a mi casa", "water", "es"),
        ("El hidrante está tirando agua", "water", "es"),
        ("Grafiti en la barda de la escuela", "graffiti", "es"),
    ];
    for (text, dept, lang) in cases {
        let d = r.classify(text);
        assert_eq!(d.department.as_str(), dept, "{text}: {:?}", d.reasons);
        assert_eq!(d.language.code(), lang, "{text}");
        assert_eq!(d.emergency, None, "{text}");
    }
}

#[test]
fn decision_serializes_with_snake_case_kinds() {
    let d = shipped().classify("Huele a gas en Calle Juárez 45");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["emergency"]["kind"], "gas_leak");
    assert_eq!(json["language"], "es");
    assert_eq!(json["location"]["kind"], "address");
    assert_eq!(json["priority"], "urgent");
    let back: Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn router_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Router>();
}

#[test]
fn decision_names_the_words_that_made_its_category_win() {
    let r = shipped();
    let d = r.classify("There is a huge POT HOLE on the road");
    assert_eq!(d.category.as_ref().map(|c| c.as_str()), Some("pothole"));
    assert!(d.matched.iter().any(|w| w == "pot hole"), "{:?}", d.matched);
    // A regex rule is named by the text it matched, not by its pattern.
    let d = r.classify("There is a dead raccoon on the curb");
    assert!(
        d.matched.iter().any(|w| w == "dead raccoon"),
        "{:?} {:?}",
        d.category,
        d.matched
    );
    // Nothing chosen, nothing named.
    let d = r.classify("hello, is anyone there?");
    assert_eq!(d.category, None);
    assert!(d.matched.is_empty(), "{:?}", d.matched);
}

#[test]
fn decision_carries_every_place_found_most_specific_first() {
    let d = shipped()
        .classify("Pothole at 120 Oak Street, and another at the corner of Elm St and 5th Ave");
    let kinds: Vec<LocationKind> = d.locations.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [LocationKind::Address, LocationKind::Intersection],
        "{:?}",
        d.locations
    );
    assert_eq!(d.location.as_ref(), d.locations.first());
    assert!(shipped().classify("pothole").locations.is_empty());
}
