//! The operator's logs: `serve --log-format json` writes one JSON object per line, and every new request has
//! an intake line naming its reference, department and category by name — an emergency's at WARN. The
//! `CONNECT311_LOG_FORMAT` and `CONNECT311_LOG` variables do the same for one-shot commands.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::cli::text;

const POTHOLE: &str = "From: Ana <ana@example.test>\r\nTo: 311@city.test\r\nSubject: Pothole\r\n\
Message-ID: <log-1@example.test>\r\n\r\nDeep pothole in front of 120 Main St.\r\n";

const FIRE: &str = "From: Bo <bo@example.test>\r\nTo: 311@city.test\r\nSubject: Help\r\n\
Message-ID: <log-2@example.test>\r\n\r\nThe house at 40 Oak Ave is on fire and there are people inside!\r\n";

/// Drops a message into the local Maildir's new/ as a mail system would (written elsewhere, then renamed).
fn deliver(data: &std::path::Path, name: &str, msg: &str) {
    let tmp = data.join(format!("inbox/tmp-{name}"));
    std::fs::write(&tmp, msg).unwrap();
    std::fs::rename(&tmp, data.join(format!("inbox/new/{name}.eml"))).unwrap();
}

/// The JSON line whose `reference` field is `reference`, waiting for it (a guard, not a measurement).
fn intake_line(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    reference: &str,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = seen
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["reference"] == reference)
        {
            return v;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "no intake line for {reference}; serve wrote:\n{}",
                seen.join("\n")
            ),
        }
    }
}

#[test]
fn serve_writes_json_lines_and_names_each_new_request_by_department_and_category() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(["serve", "--log-format", "json"])
        .current_dir(dir.path())
        .env_remove("CONNECT311_CONFIG")
        .env_remove("CONNECT311_LOG")
        .env_remove("RUST_LOG")
        .env_remove("CONNECT311_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let data = dir.path().join("data");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !data.join("inbox/new").is_dir() {
        assert!(Instant::now() < deadline, "serve never made its inbox");
        std::thread::sleep(Duration::from_millis(50));
    }
    deliver(&data, "1", POTHOLE);
    let mut seen = Vec::new();
    let pothole = intake_line(&lines, &mut seen, "311-000001");
    deliver(&data, "2", FIRE);
    let fire = intake_line(&lines, &mut seen, "311-000002");

    assert_eq!(pothole["level"], "INFO", "{pothole}");
    assert_eq!(
        pothole["department"], "Streets and Transportation",
        "{pothole}"
    );
    assert_eq!(pothole["department_id"], "streets", "{pothole}");
    assert_eq!(pothole["category"], "Pothole", "{pothole}");
    assert_eq!(pothole["source"], "email", "{pothole}");
    assert!(pothole["message"]
        .as_str()
        .unwrap()
        .contains("Streets and Transportation"));
    assert_eq!(fire["level"], "WARN", "{fire}");
    assert_eq!(fire["department"], "Police and Fire Dispatch", "{fire}");
    assert!(
        fire["emergency"].as_str().is_some_and(|k| !k.is_empty()),
        "{fire}"
    );

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = child.wait().unwrap();
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    assert!(
        status.success(),
        "serve did not stop cleanly:\n{}",
        seen.join("\n")
    );
    for line in seen.iter().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v["timestamp"].is_string() && v["level"].is_string(),
            "{line}"
        );
        assert!(
            !line.contains("Some(") && !line.contains("Created {"),
            "Debug formatting: {line}"
        );
    }
}

#[test]
fn the_log_format_and_level_variables_apply_to_one_shot_commands() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("connect311.toml");
    std::fs::write(&cfg, format!("data_dir = \"{}\"\n", dir.path().display())).unwrap();
    let run = |envs: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect311"));
        cmd.args(["ingest", "-", "--config"])
            .arg(&cfg)
            .env_remove("CONNECT311_LOG")
            .env_remove("RUST_LOG")
            .env_remove("CONNECT311_LOG_FORMAT")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(POTHOLE.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&[("CONNECT311_LOG_FORMAT", "json")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Vec<serde_json::Value> = text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let intake = json
        .iter()
        .find(|v| v["reference"] == "311-000001")
        .unwrap_or_else(|| panic!("no JSON intake line in:\n{}", text(&out.stderr)));
    assert_eq!(intake["category"], "Pothole");

    // A level of `error` keeps the intake line (INFO) out; the command's own answer stays.
    let again = POTHOLE
        .replace("log-1@", "log-3@")
        .replace("120 Main", "300 Elm");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect311"));
    let quiet = {
        use std::io::Write;
        let mut child = cmd
            .args(["ingest", "-", "--config"])
            .arg(&cfg)
            .env("CONNECT311_LOG", "error")
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(again.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert_eq!(text(&quiet.stdout).trim(), "311-000002");
    let err = text(&quiet.stderr);
    assert!(
        !err.contains("new request"),
        "CONNECT311_LOG=error still logged the intake: {err}"
    );
    assert!(err.contains("created 311-000002"), "{err}");
}
