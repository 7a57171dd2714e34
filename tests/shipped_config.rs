//! Every config file shipped in `config/` loads and passes `check-config`; broken ones are refused with the key.

use std::path::Path;

#[test]
fn every_shipped_config_file_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let summary = connect311::cli::check_text(&text, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{} is invalid: {e:#}", path.display()));
        assert!(summary.contains("valid"), "{summary}");
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected the settings, city and templates files, checked {checked}"
    );
}

#[test]
fn broken_configs_name_file_key_and_reason() {
    let cases = [
        (
            "[mail]\nreplies_per_sender_per_hour = \"lots\"\n",
            "mail.replies_per_sender_per_hour",
        ),
        ("[outbox]\nmax_attempts = 0\n", "outbox.max_attempts"),
        ("[discord]\nguild_id = 1\n", "token"),
        ("unknown_key = 1\n", "unknown_key"),
    ];
    for (text, key) in cases {
        let err = connect311::cli::check_text(text, "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bad.toml") && err.contains(key),
            "{text:?} → {err}"
        );
    }
    let city = connect311::config::EXAMPLE_CITY.replacen(
        "department = \"streets\"",
        "department = \"stretes\"",
        1,
    );
    let err = connect311::cli::check_text(&city, "city.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("stretes"), "{err}");
    let tpl = connect311::config::EXAMPLE_TEMPLATES.replacen("{category}", "{kategorie}", 1);
    let err = connect311::cli::check_text(&tpl, "templates.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("kategorie") && err.contains("templates.toml"),
        "{err}"
    );
}
