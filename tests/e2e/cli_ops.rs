//! The operator's command line at its edges: `--version` names the commit, `--help` documents the log
//! variables, read commands refuse a data directory or database that does not exist (exit 2, nothing
//! created), and `request list` refuses an unknown status or department with the valid values.

use std::process::Command;

use crate::support::cli::{run, text};

fn config(dir: &std::path::Path, data_dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("connect311.toml");
    std::fs::write(&path, format!("data_dir = \"{}\"\n", data_dir.display())).unwrap();
    path
}

#[test]
fn version_names_the_crate_version_and_the_commit_it_was_built_from() {
    let out = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let version = text(&out.stdout);
    let head = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("git runs (the tests run in a checkout)");
    let commit = text(&head.stdout).trim().to_string();
    assert!(!commit.is_empty(), "git names HEAD");
    assert_eq!(
        version.trim(),
        format!("connect311 {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_documents_the_log_level_and_format() {
    let out = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("--help")
        .output()
        .unwrap();
    let help = text(&out.stdout);
    for needle in [
        "CONNECT311_LOG ",
        "RUST_LOG",
        "--log-format",
        "CONNECT311_LOG_FORMAT",
        "json",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(["--log-format", "xml", "classify", "pothole"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("text, json"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn read_commands_refuse_a_missing_data_directory_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-data");
    let cfg = config(dir.path(), &missing);
    for args in [
        &["request", "list"][..],
        &["request", "show", "311-000001"],
        &["request", "close", "311-000001", "--note", "done"],
        &["request", "merge", "311-000002", "--into", "311-000001"],
        &["report"],
        &["quarantine", "list"],
        &["quarantine", "release", "1"],
        &["outbox", "list", "--failed"],
        &["outbox", "retry", "--all-failed"],
    ] {
        let out = run(args, &cfg, b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("does not exist") && err.contains(&missing.display().to_string()),
            "{args:?}: {err}"
        );
        assert!(!missing.exists(), "{args:?} created the data directory");
    }
}

#[test]
fn read_commands_refuse_a_missing_database_in_an_existing_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), dir.path());
    let db = dir.path().join("connect311.db");
    for args in [
        &["request", "list"][..],
        &["outbox", "list"],
        &["quarantine", "list"],
    ] {
        let out = run(args, &cfg, b"");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&db.display().to_string()), "{args:?}: {err}");
        assert!(!db.exists(), "{args:?} created the database");
    }
    // Filing a report is how a fresh installation starts: it may create the database.
    let filed = run(
        &["request", "new", "Streetlight out at 5th and Main"],
        &cfg,
        b"",
    );
    assert!(filed.status.success(), "{}", text(&filed.stderr));
    assert!(db.exists());
    let listed = run(&["request", "list"], &cfg, b"");
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(text(&listed.stdout).contains("311-000001"));
}

#[test]
fn request_list_names_the_valid_statuses_and_departments_when_given_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), dir.path());
    let filed = run(&["request", "new", "Pothole at 120 Main St"], &cfg, b"");
    assert!(filed.status.success(), "{}", text(&filed.stderr));

    let out = run(&["request", "list", "--status", "finished"], &cfg, b"");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("finished") && err.contains("open, acknowledged, closed, reopened"),
        "{err}"
    );

    let out = run(&["request", "list", "--department", "roads"], &cfg, b"");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("unknown department `roads`"), "{err}");
    for known in ["streets", "streetlights", "graffiti"] {
        assert!(err.contains(known), "{known} missing from: {err}");
    }
    let ok = run(
        &[
            "request",
            "list",
            "--department",
            "streets",
            "--status",
            "open",
        ],
        &cfg,
        b"",
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("311-000001"),
        "{}",
        text(&ok.stdout)
    );
}

#[test]
fn the_packaged_settings_file_passes_check_config_with_its_paths_in_place() {
    // The Debian package's settings name /etc/connect311 and /var/lib/connect311; here those are a temporary
    // data directory and the repository's config directory (the files the package installs there).
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = std::fs::read_to_string(root.join("packaging/connect311.toml")).unwrap();
    assert!(
        shipped.contains("/etc/connect311/city.toml") && shipped.contains("/var/lib/connect311")
    );
    let settings = shipped
        .replace(
            "/etc/connect311",
            &root.join("config").display().to_string(),
        )
        .replace("/var/lib/connect311", &dir.path().display().to_string());
    let file = dir.path().join("connect311.toml");
    std::fs::write(&file, settings).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
