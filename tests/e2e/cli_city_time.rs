//! Times staff and residents read are the city's: in a city on Arizona time (UTC−7 all year, "MST"), the
//! operator's `request list` / `request show` and the resident's status reply show local times with the
//! zone's abbreviation, never UTC.

use chrono::{FixedOffset, TimeZone};

use crate::support::cli::{run, text};

/// A settings file for a city like the example one, but in America/Phoenix.
fn phoenix_city(dir: &std::path::Path) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let city = std::fs::read_to_string(root.join("city.toml")).unwrap();
    assert!(city.contains("timezone = \"America/New_York\""));
    let city = city.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/Phoenix\"",
    );
    std::fs::write(dir.join("city.toml"), city).unwrap();
    std::fs::copy(root.join("streets.csv"), dir.join("streets.csv")).unwrap();
    let cfg = dir.join("connect311.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"{d}\"\ncity_file = \"{d}/city.toml\"\n",
            d = dir.display()
        ),
    )
    .unwrap();
    cfg
}

/// `ms` as Arizona's clocks read it, computed here from the fixed offset (not by the code under test).
fn arizona(ms: i64) -> String {
    let mst = FixedOffset::west_opt(7 * 3600).unwrap();
    mst.timestamp_millis_opt(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M MST")
        .to_string()
}

fn show_json(cfg: &std::path::Path, reference: &str) -> serde_json::Value {
    let out = run(&["request", "show", reference, "--json"], cfg, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn mails(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("outgoing-mail"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn the_cli_and_a_status_reply_read_in_the_city_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = phoenix_city(dir.path());
    let report = b"From: Lee <lee@example.test>\r\nTo: 311@city.test\r\nSubject: Pothole\r\n\
Message-ID: <tz-1@example.test>\r\n\r\nDeep pothole in front of 120 Main St.\r\n";
    let first = run(&["ingest", "--deliver", "-"], &cfg, report);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let reference = text(&first.stdout).trim().to_string();

    let v = show_json(&cfg, &reference);
    let created = v["request"]["created_at"].as_i64().unwrap();
    let list = text(&run(&["request", "list"], &cfg, b"").stdout);
    let line = list.lines().find(|l| l.contains(&reference)).unwrap();
    assert!(line.contains(&arizona(created)), "{line}");
    assert!(!list.contains("UTC"), "{list}");
    let show = text(&run(&["request", "show", &reference], &cfg, b"").stdout);
    assert!(
        show.contains(&format!("created:    {}", arizona(created))),
        "{show}"
    );
    let due = v["request"]["resolution_due_at"].as_i64().unwrap();
    assert!(show.contains(&arizona(due)), "{show}");

    // The resident asks where it stands, in the acknowledgement's thread.
    let ack = mails(dir.path()).pop().expect("the acknowledgement");
    let ack_id = ack
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("the acknowledgement's Message-ID")
        .trim()
        .to_string();
    let updated = show_json(&cfg, &reference)["request"]["updated_at"]
        .as_i64()
        .unwrap();
    let question = format!(
        "From: Lee <lee@example.test>\r\nTo: 311@city.test\r\nSubject: Re: Pothole\r\n\
Message-ID: <tz-2@example.test>\r\nIn-Reply-To: {ack_id}\r\nReferences: {ack_id}\r\n\r\nstatus\r\n"
    );
    let asked = run(&["ingest", "--deliver", "-"], &cfg, question.as_bytes());
    assert!(asked.status.success(), "{}", text(&asked.stderr));
    assert!(
        text(&asked.stderr).contains("status"),
        "{}",
        text(&asked.stderr)
    );
    let reply = mails(dir.path())
        .into_iter()
        .find(|m| m.contains("Subject: Status of your request"))
        .expect("the status reply");
    assert!(
        reply.contains(&format!("Last update:   {}", arizona(updated))),
        "{reply}"
    );
    assert!(!reply.contains("UTC"), "{reply}");
}
