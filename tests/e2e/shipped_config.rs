//! Every config file shipped in `config/` loads and passes `check-config` (the streets CSV through the city file
//! that names it); broken ones are refused with the key.

use std::path::Path;

#[test]
fn every_shipped_config_file_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    let (mut csv_files, mut named) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => {}
            Some("csv") => {
                csv_files.push(path.file_name().unwrap().to_string_lossy().to_string());
                continue;
            }
            _ => continue,
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let summary = connect311::cli::check_text(&text, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{} is invalid: {e:#}", path.display()));
        assert!(summary.contains("valid"), "{summary}");
        if let Ok(city) = routing::CityConfig::from_toml_str(&text) {
            named.extend(city.geography.streets_file);
            assert!(
                summary.contains(" streets)") && !summary.contains(" 0 streets"),
                "{summary}"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected the settings, city and templates files, checked {checked}"
    );
    csv_files.retain(|f| !named.contains(f));
    assert!(csv_files.is_empty(), "no city file loads {csv_files:?}");
}

#[test]
fn a_broken_or_missing_streets_file_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("city.toml");
    std::fs::write(&city, connect311::config::EXAMPLE_CITY).unwrap();
    let origin = city.display().to_string();
    let err = connect311::cli::check_text(connect311::config::EXAMPLE_CITY, &origin)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("geography.streets_file") && err.contains("streets.csv"),
        "{err}"
    );
    let broken = connect311::city::EXAMPLE_STREETS.replacen(
        "intersection,1st St,,N Main St,",
        "intersection,1st St,,N Mian St,",
        1,
    );
    assert_ne!(broken, connect311::city::EXAMPLE_STREETS);
    std::fs::write(dir.path().join("streets.csv"), broken).unwrap();
    let err = connect311::cli::check_text(connect311::config::EXAMPLE_CITY, &origin)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("streets.csv: geography.streets_file: line ")
            && err.contains("cross_street: `N Mian St` has no `street` row"),
        "{err}"
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
