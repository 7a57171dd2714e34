//! Config validation tests: the shipped city loads, and each kind of mistake names its key.

use super::*;

const SHIPPED: &str = include_str!("../../config/city.toml");

#[test]
fn shipped_city_config_is_valid() {
    let cfg = CityConfig::from_toml_str(SHIPPED).expect("config/city.toml is valid");
    for id in [
        "streets",
        "streetlights",
        "sanitation",
        "parks",
        "police",
        "code_enforcement",
        "health",
        "graffiti",
        "water",
        "triage",
        "dispatch",
    ] {
        let d = cfg
            .department(&DepartmentId::new(id))
            .unwrap_or_else(|| panic!("department {id}"));
        assert_eq!(d.email, format!("{id}@city.test"));
    }
    assert_eq!(cfg.departments.len(), 11);
    assert!(cfg.categories.len() >= 25);
    assert!(
        cfg.categories
            .iter()
            .all(|c| !c.en.is_empty() && !c.es.is_empty()),
        "every category has EN and ES"
    );
    assert!(cfg.category(&CategoryId::new("pothole")).is_some());
    crate::Router::new(&cfg).expect("router compiles");
}

pub(crate) const MINI: &str = r#"
[city]
name = "Testville"
timezone = "America/Chicago"
default_language = "en"

[[departments]]
id = "streets"
name = "Streets"
name_es = "Calles"
email = "streets@city.test"
chat_channel = "1"
response_hours = 1
resolution_hours = 2

[[departments]]
id = "triage"
name = "Triage"
name_es = "Triage"
email = "triage@city.test"
chat_channel = "2"
response_hours = 1
resolution_hours = 2

[[departments]]
id = "dispatch"
name = "Dispatch"
name_es = "Despacho"
email = "dispatch@city.test"
chat_channel = "3"
response_hours = 1
resolution_hours = 2

[[categories]]
id = "pothole"
name = "Pothole"
name_es = "Bache"
department = "streets"
priority = "normal"
response_hours = 1
resolution_hours = 2
en = ["pothole^3"]
es = ["bache^3"]
"#;

fn err(toml: &str) -> String {
    CityConfig::from_toml_str(toml).unwrap_err().to_string()
}

#[test]
fn minimal_config_is_valid() {
    let cfg = CityConfig::from_toml_str(MINI).unwrap();
    assert_eq!(cfg.routing, Tuning::default());
}

#[test]
fn errors_name_the_key_and_reason() {
    let cases = [
        (
            MINI.replace("department = \"streets\"", "department = \"stretes\""),
            "categories[0].department: unknown department `stretes`",
        ),
        (
            MINI.replace(
                "es = [\"bache^3\"]",
                "es = [\"bache^3\"]\nregex = ['(unclosed']",
            ),
            "categories[0].regex[0]",
        ),
        (
            MINI.replace(
                "es = [\"bache^3\"]",
                "es = [\"bache^3\"]\nkeywords = [\"x\"]",
            ),
            "unknown field `keywords`",
        ),
        (
            MINI.replace("id = \"triage\"", "id = \"sorting\""),
            "missing required department `triage`",
        ),
        (
            MINI.replace("id = \"triage\"", "id = \"streets\""),
            "departments[1].id: duplicate id `streets`",
        ),
        (
            MINI.replace("en = [\"pothole^3\"]", "en = [\"pothole^3\", \"Pothole\"]"),
            "categories[0].en[1]",
        ),
        (
            MINI.replace("priority = \"normal\"", "priority = \"meh\""),
            "unknown variant `meh`",
        ),
        (
            MINI.replace("chat_channel = \"1\"", "chat_channel = \"#streets\""),
            "departments[0].chat_channel",
        ),
        (
            format!("{MINI}\n[routing]\nmin_score = -1.0\n"),
            "routing.min_score",
        ),
        (
            MINI.replace(
                "resolution_hours = 2\nen =",
                "resolution_hours = 4294967295\nen =",
            ),
            "categories[0].resolution_hours: 4294967295 hours is more than a year",
        ),
        (
            MINI.replacen("resolution_hours = 2", "resolution_hours = 8761", 1),
            "departments[0].resolution_hours",
        ),
    ];
    for (toml, expected) in cases {
        let msg = err(&toml);
        assert!(msg.contains(expected), "expected {expected:?} in {msg:?}");
    }
}

#[test]
fn toml_errors_carry_line_and_column() {
    let msg = err(&MINI.replace("[city]", "[city]\noops = "));
    assert!(msg.contains("line"), "{msg}");
}

#[test]
fn a_bad_city_time_zone_is_refused_at_load_never_read_as_utc() {
    for zone in ["Mars/Olympus", "", "utc+2"] {
        let toml = MINI.replace("\"America/Chicago\"", &format!("{zone:?}"));
        let msg = err(&toml);
        assert!(msg.contains("city.timezone"), "{zone:?}: {msg}");
    }
}

#[test]
fn toml_errors_are_one_line_and_name_the_dotted_key() {
    let cases = [
        (
            MINI.replace("priority = \"normal\"", "priority = \"meh\""),
            "categories[0].priority: unknown variant `meh`",
        ),
        (
            MINI.replacen("response_hours = 1", "response_hours = \"soon\"", 1),
            "departments[0].response_hours: invalid type",
        ),
        (MINI.replace("[city]", "[city]\noops = "), "line 3, column"),
        (
            MINI.replace("timezone = \"America/Chicago\"\n", ""),
            "city: missing field `timezone`",
        ),
    ];
    for (toml, expected) in cases {
        let msg = err(&toml);
        assert!(
            msg.starts_with(expected),
            "expected {expected:?} at the start of {msg:?}"
        );
        assert!(!msg.contains('\n'), "one line: {msg:?}");
    }
}
