//! The routing model from the command line: `train-routing` on a CSV and from the database, `classify
//! --model`, `eval-routing --model` and `--cross-validate`, and the errors a wrong file gets.

use crate::support::cli as cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cli_support::{run, text};

/// Authored resident-style reports (never real data): six departments, English and Spanish.
const REPORTS: &str = include_str!("../../routing/tests/fixtures/resident_reports.csv");

fn config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("connect311.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{0}\"\n[database]\nurl = \"sqlite://{0}/c.db\"\n{extra}",
            dir.display()
        ),
    )
    .unwrap();
    path
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn train_classify_evaluate_and_cross_validate_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let csv = dir.path().join("reports.csv");
    std::fs::write(&csv, REPORTS).unwrap();
    let model = dir.path().join("routing.model");
    let (csv_s, model_s) = (csv.to_str().unwrap(), model.to_str().unwrap());

    let out = ok(&run(&["train-routing", csv_s, "--out", model_s], &cfg, b""));
    assert!(out.contains("trained on 192 row(s)"), "{out}");
    assert!(out.contains("streetlights") && out.contains("32"), "{out}");
    assert!(std::fs::read(&model).unwrap().starts_with(b"C311RTM\n"));

    // Nothing in the rules says "lamp ... dark": the model does.
    let text_in = "The lamp on the pole outside number 9 is dark";
    let rules = ok(&run(&["classify", "--json", text_in], &cfg, b""));
    let with = ok(&run(
        &["classify", "--json", "--model", model_s, text_in],
        &cfg,
        b"",
    ));
    let v: serde_json::Value = serde_json::from_str(&with).unwrap();
    assert_eq!(v["department"], "streetlights", "{with}");
    let reasons = v["reasons"].to_string();
    assert!(reasons.contains("learned"), "{reasons}");
    assert_ne!(rules, with);

    let out = ok(&run(
        &["eval-routing", csv_s, "--model", model_s],
        &cfg,
        b"",
    ));
    assert!(out.contains("department accuracy"), "{out}");
    let english = out
        .lines()
        .find(|l| l.trim_start().starts_with("english"))
        .unwrap();
    let pct: f64 = english
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(pct > 95.0, "trained on these rows: {english}");

    let out = ok(&run(
        &["eval-routing", csv_s, "--cross-validate", "3", "--json"],
        &cfg,
        b"",
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["folds"].as_array().unwrap().len(), 3);
    assert_eq!(v["folds"][0]["train_rows"], 128);
    assert!(
        v["mean"]["english"].as_f64().unwrap() > 0.8,
        "{}",
        v["mean"]
    );
    let out = ok(&run(
        &["eval-routing", csv_s, "--cross-validate", "3"],
        &cfg,
        b"",
    ));
    assert!(
        out.contains("3-fold cross-validation") && out.contains("mean"),
        "{out}"
    );

    // The configured model is used by default; a broken one is named by its key.
    let cfg = config(dir.path(), &format!("[routing]\nmodel = \"{model_s}\"\n"));
    let v: serde_json::Value =
        serde_json::from_str(&ok(&run(&["classify", "--json", text_in], &cfg, b""))).unwrap();
    assert_eq!(v["department"], "streetlights");
    std::fs::write(&model, b"not a model").unwrap();
    let bad = run(&["classify", text_in], &cfg, b"");
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(
        err.contains("routing.model") && err.contains("not a connect311 routing model"),
        "{err}"
    );
}

#[test]
fn rows_for_a_department_the_city_lacks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let csv = dir.path().join("other-city.csv");
    std::fs::write(
        &csv,
        "text,department\nhole in the road,streets\nno water in the pool,aquatics\n",
    )
    .unwrap();
    let model = dir.path().join("m");
    let out = run(
        &[
            "train-routing",
            csv.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ],
        &cfg,
        b"",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("`aquatics`"),
        "{}",
        text(&out.stderr)
    );
    assert!(!model.exists(), "no model written");
}

fn email(id: u32, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Lee <lee{id}@example.test>\r\nTo: 311@city.test\r\nSubject: {subject}\r\nMessage-ID: <route-{id}@example.test>\r\n\
         Date: Mon, 2 Mar 2026 14:00:00 +0000\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

#[test]
fn trains_from_closed_and_reassigned_requests_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "");
    let reports = [
        ("Pothole", "Deep pothole in front of 120 Main St."),
        ("Light", "Streetlight out at 5th and Main."),
        ("Graffiti", "Graffiti on the library wall."),
    ];
    for (i, (s, b)) in reports.iter().enumerate() {
        ok(&run(&["ingest", "-"], &cfg, &email(i as u32, s, b)));
    }
    ok(&run(
        &["request", "close", "311-000001", "--note", "Filled."],
        &cfg,
        b"",
    ));
    ok(&run(
        &[
            "request",
            "reassign",
            "311-000002",
            "parks",
            "--why",
            "park path light",
        ],
        &cfg,
        b"",
    ));
    // 311-000003 is still open and untouched: nothing to learn from it yet.
    let model = dir.path().join("db.model");
    let out = run(
        &[
            "train-routing",
            "--from-database",
            "--out",
            model.to_str().unwrap(),
        ],
        &cfg,
        b"",
    );
    let stdout = ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("2 past request(s)") && stderr.contains("1 of them reassigned"),
        "{stderr}"
    );
    assert!(stdout.contains("trained on 2 row(s)"), "{stdout}");
    assert!(
        stdout.contains("parks") && stdout.contains("streets"),
        "{stdout}"
    );
    assert!(!stdout.contains("graffiti"), "{stdout}");
}

/// Reads the child's stderr on a thread and waits (bounded) for a line containing `needle`.
fn wait_for(lines: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) if l.contains(needle) => return l,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("no line with {needle:?} from serve within 30 s");
}

#[test]
fn serve_reloads_the_model_on_sighup_and_keeps_it_when_the_new_file_is_bad() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("reports.csv");
    std::fs::write(&csv, REPORTS).unwrap();
    let model = dir.path().join("routing.model");
    let train = |cfg: &Path| {
        ok(&run(
            &[
                "train-routing",
                csv.to_str().unwrap(),
                "--out",
                model.to_str().unwrap(),
            ],
            cfg,
            b"",
        ))
    };
    // Training gets its own settings (and data dir), apart from the running service's.
    let trainer_dir = dir.path().join("trainer");
    std::fs::create_dir(&trainer_dir).unwrap();
    let trainer = config(&trainer_dir, "");
    train(&trainer);
    let cfg = config(
        dir.path(),
        &format!("[routing]\nmodel = \"{}\"\n", model.display()),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(["serve", "--config"])
        .arg(&cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve runs");
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(l);
        }
    });
    let hup = |pid: u32| {
        let s = Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(s.success());
    };
    wait_for(&lines, "routing:  rules + model");
    wait_for(&lines, "Ctrl-C to stop");
    std::fs::write(&model, b"half a file").unwrap();
    hup(child.id());
    let l = wait_for(&lines, "SIGHUP");
    assert!(
        l.contains("not reloaded") && l.contains("routing.model"),
        "{l}"
    );
    train(&trainer);
    hup(child.id());
    let l = wait_for(&lines, "SIGHUP");
    assert!(l.contains("routing model reloaded"), "{l}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
