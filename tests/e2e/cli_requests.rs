//! `connect311 request new` (a report taken by phone or at the counter) and `request merge` (a manual
//! duplicate), on both stores: routing, emergencies, the department override and the acknowledgement apply as
//! for mail; a merge closes the duplicate, links it, tells its resident, and both timelines show it; bad input
//! is refused with the reason and changes nothing.

use crate::support::cli::{run, text};
use crate::support::Backend;

fn config(dir: &std::path::Path, db: &str) -> std::path::PathBuf {
    let path = dir.join("connect311.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{db}\"\n",
            dir.display()
        ),
    )
    .unwrap();
    path
}

fn show(cfg: &std::path::Path, r: &str) -> serde_json::Value {
    let out = run(&["request", "show", r, "--json"], cfg, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn kinds(v: &serde_json::Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Files a report; its reference (standard output) and what the operator was told (standard error).
fn file(cfg: &std::path::Path, args: &[&str]) -> (String, String) {
    let mut all = vec!["request", "new"];
    all.extend_from_slice(args);
    let out = run(&all, cfg, b"");
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    (text(&out.stdout).trim().to_string(), text(&out.stderr))
}

fn outgoing(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("outgoing-mail"))
        .map(|d| {
            d.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

async fn phone_and_counter_reports(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &backend.fresh_url(dir.path()).await);
    let (r1, said) = file(
        &cfg,
        &[
            "--phone",
            "555-0100",
            "--name",
            "Pat Doe",
            "Streetlight out at 5th and Main",
        ],
    );
    assert_eq!(r1, "311-000001");
    assert!(said.contains("Street Lighting"), "{said}");
    let v = show(&cfg, &r1);
    assert_eq!(v["request"]["department"], "streetlights");
    assert_eq!(v["request"]["requester"], "phone:555-0100");
    assert_eq!(v["request"]["requester_name"], "Pat Doe");
    assert_eq!(v["events"][0]["payload"]["channel"], "phone");
    assert!(v["events"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("cli:"));
    assert!(
        outgoing(dir.path()).is_empty(),
        "no email address, no email"
    );

    // The operator knows better than the rules: the department is theirs, and the timeline says so.
    let (r2, _) = file(
        &cfg,
        &[
            "--department",
            "parks",
            "--address",
            "Riverside Park",
            "--email",
            "Kim@Example.test",
            "Broken swing and a pothole on the path",
        ],
    );
    let v = show(&cfg, &r2);
    assert_eq!(v["request"]["department"], "parks", "{backend:?}");
    assert_eq!(v["request"]["requester"], "kim@example.test");
    let ack = outgoing(dir.path());
    assert!(
        ack.iter()
            .any(|m| m.contains("To: kim@example.test") && m.contains(&r2)),
        "{ack:?}"
    );

    // An emergency goes to dispatch whatever the operator chose.
    let (r3, said) = file(
        &cfg,
        &[
            "--department",
            "parks",
            "The house at 40 Oak Ave is on fire and there are people inside",
        ],
    );
    assert!(said.contains("EMERGENCY") && said.contains("911"), "{said}");
    assert!(said.contains("not used"), "{said}");
    assert_eq!(show(&cfg, &r3)["request"]["department"], "dispatch");

    // Refused, with the reason, and nothing filed: the next reference is still the next one.
    for (args, why) in [
        (
            &["--department", "roads", "Pothole at 9 Elm St"][..],
            "valid: streets",
        ),
        (
            &["--email", "not-an-address", "Pothole at 9 Elm St"],
            "not an email address",
        ),
        (&["   "], "needs a description"),
    ] {
        let mut all = vec!["request", "new"];
        all.extend_from_slice(args);
        let out = run(&all, &cfg, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let (r4, _) = file(&cfg, &["Graffiti on the library wall at 200 Oak Ave"]);
    assert_eq!(
        r4, "311-000004",
        "{backend:?}: a refused report took a reference"
    );
    // The internal form still works.
    let (internal, _) = file(
        &cfg,
        &[
            "--on-behalf-of",
            "parks",
            "--by",
            "Sam",
            "Streetlight out in the park lot",
        ],
    );
    let internal = internal.split_whitespace().next().unwrap().to_string();
    assert!(show(&cfg, &internal)["internal"]["department"] == "parks");
}

async fn manual_merge(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &backend.fresh_url(dir.path()).await);
    let (orig, _) = file(
        &cfg,
        &[
            "--email",
            "ann@example.test",
            "Pothole in front of 120 Main St",
        ],
    );
    let (dup, _) = file(
        &cfg,
        &[
            "--email",
            "bo@example.test",
            "Big hole in the road near the bakery on Main",
        ],
    );
    let (other, _) = file(&cfg, &["Graffiti on the library wall at 200 Oak Ave"]);
    assert_eq!(
        show(&cfg, &dup)["request"]["status"],
        "open",
        "not caught as a duplicate by itself"
    );

    let refusals = [
        (
            vec!["request", "merge", &dup, "--into", &dup],
            "into itself",
        ),
        (
            vec!["request", "merge", &dup, "--into", "311-000999"],
            "no request 311-000999",
        ),
    ];
    for (args, why) in refusals {
        let out = run(&args, &cfg, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    let before = kinds(&show(&cfg, &dup)).len();

    let merged = run(&["request", "merge", &dup, "--into", &orig], &cfg, b"");
    assert!(
        merged.status.success(),
        "{backend:?}: {}",
        text(&merged.stderr)
    );
    assert!(text(&merged.stdout).contains(&format!("duplicate of {orig}")));
    let d = show(&cfg, &dup);
    assert_eq!(d["request"]["status"], "closed");
    assert_eq!(d["request"]["close_reason"], "duplicate");
    assert_eq!(d["request"]["linked_to"], orig.as_str());
    let closed = d["events"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            closed["kind"].as_str(),
            closed["payload"]["duplicate_of"].as_str()
        ),
        (Some("closed"), Some(orig.as_str()))
    );
    assert_eq!(kinds(&d).len(), before + 1);
    let o = show(&cfg, &orig);
    let link = o["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "duplicate_linked")
        .expect("the original's timeline shows it");
    assert_eq!(link["payload"]["reference"], dup.as_str());
    assert!(link["actor"].as_str().unwrap().starts_with("cli:"));
    let text_show = text(&run(&["request", "show", &orig], &cfg, b"").stdout);
    assert!(text_show.contains("duplicate_linked"), "{text_show}");
    assert!(
        outgoing(dir.path())
            .iter()
            .any(|m| m.contains("To: bo@example.test") && m.contains(&orig)),
        "the duplicate's resident is told"
    );

    // Into a duplicate, or from a closed request: refused, the timelines unchanged.
    for (args, why) in [
        (
            vec!["request", "merge", &other, "--into", &dup],
            "itself a duplicate",
        ),
        (
            vec!["request", "merge", &dup, "--into", &other],
            "already closed",
        ),
    ] {
        let out = run(&args, &cfg, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(kinds(&show(&cfg, &dup)).len(), before + 1);
    assert_eq!(show(&cfg, &other)["request"]["status"], "open");
    // Closing the original tells the merged duplicate's resident too.
    let closed = run(
        &["request", "close", &orig, "--note", "Filled this morning."],
        &cfg,
        b"",
    );
    assert!(closed.status.success(), "{}", text(&closed.stderr));
    assert!(outgoing(dir.path())
        .iter()
        .any(|m| m.contains("To: bo@example.test") && m.contains("Filled this morning.")));
}

#[tokio::test]
async fn phone_and_counter_reports_go_through_the_desk_on_sqlite() {
    phone_and_counter_reports(Backend::Sqlite).await;
}

#[tokio::test]
async fn phone_and_counter_reports_go_through_the_desk_on_postgres() {
    phone_and_counter_reports(Backend::Postgres).await;
}

#[tokio::test]
async fn a_manual_merge_closes_links_and_shows_on_both_timelines_on_sqlite() {
    manual_merge(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_manual_merge_closes_links_and_shows_on_both_timelines_on_postgres() {
    manual_merge(Backend::Postgres).await;
}
