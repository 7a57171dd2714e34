//! `connect311 outbox list [--failed]` and `outbox retry` on both stores: the acknowledgement to a resident
//! fails while the relay is down and the outbox gives up; the operator sees the row and its error, a retry
//! naming a row that is not failed changes nothing, and once the relay is fixed the retry delivers it — the
//! failure and the retry both on the request's timeline.

use crate::support::cli::{run, text};
use crate::support::Backend;

const REPORT: &[u8] = b"From: Lee <lee@example.test>\r\nTo: 311@city.test\r\nSubject: Pothole\r\n\
Message-ID: <ob-1@example.test>\r\n\r\nDeep pothole in front of 120 Main St.\r\n";

/// Settings on `db`; with `relay_down`, SMTP to a port where nothing listens and one attempt per row.
fn config(dir: &std::path::Path, db: &str, relay_down: bool) -> std::path::PathBuf {
    let path = dir.join(if relay_down {
        "down.toml"
    } else {
        "fixed.toml"
    });
    let smtp = if relay_down {
        "[mail.smtp]\nhost = \"127.0.0.1\"\nport = 9\nsecurity = \"plain\"\n[outbox]\nmax_attempts = 1\n"
    } else {
        ""
    };
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{db}\"\n{smtp}",
            dir.display()
        ),
    )
    .unwrap();
    path
}

fn rows(cfg: &std::path::Path, failed: bool) -> Vec<serde_json::Value> {
    let mut args = vec!["outbox", "list", "--json"];
    if failed {
        args.push("--failed");
    }
    let out = run(&args, cfg, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn event_kinds(cfg: &std::path::Path) -> Vec<String> {
    let out = run(&["request", "show", "311-000001", "--json"], cfg, b"");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn scenario(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.fresh_url(dir.path()).await;
    let (down, fixed) = (
        config(dir.path(), &db, true),
        config(dir.path(), &db, false),
    );
    let filed = run(&["ingest", "--deliver", "-"], &down, REPORT);
    assert!(filed.status.success(), "{}", text(&filed.stderr));

    let failed = rows(&down, true);
    assert_eq!(failed.len(), 1, "{backend:?}: {failed:?}");
    let (id, error) = (
        failed[0]["id"].as_i64().unwrap(),
        failed[0]["last_error"].to_string(),
    );
    assert_eq!(failed[0]["kind"], "email");
    assert_eq!(failed[0]["recipient"], "lee@example.test");
    assert!(
        error.contains("127.0.0.1") || error.to_lowercase().contains("connect"),
        "{error}"
    );
    let listed = text(&run(&["outbox", "list", "--failed"], &down, b"").stdout);
    assert!(
        listed.contains("failed") && listed.contains("lee@example.test"),
        "{listed}"
    );
    let delivered = rows(&down, false)
        .into_iter()
        .find(|r| r["done_at"].is_i64())
        .expect("the work order was posted to the local chat log");
    let delivered_id = delivered["id"].as_i64().unwrap();

    // A retry naming a delivered row (or no row) is refused whole: the failed row stays failed.
    for bad in [delivered_id.to_string(), "999999".to_string()] {
        let refused = run(&["outbox", "retry", &id.to_string(), &bad], &down, b"");
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
        assert!(
            text(&refused.stderr).contains("nothing queued"),
            "{}",
            text(&refused.stderr)
        );
    }
    assert_eq!(rows(&down, true).len(), 1, "{backend:?}");
    assert!(!event_kinds(&down).contains(&"delivery_retried".to_string()));

    // The relay is fixed (here: mail goes to the local outgoing-mail folder); the retry delivers it.
    let retried = run(
        &["outbox", "retry", &id.to_string(), "--deliver"],
        &fixed,
        b"",
    );
    assert!(retried.status.success(), "{}", text(&retried.stderr));
    assert!(
        text(&retried.stdout).contains("1 row(s) queued again"),
        "{}",
        text(&retried.stdout)
    );
    assert!(rows(&fixed, true).is_empty());
    let row = rows(&fixed, false)
        .into_iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert!(row["done_at"].is_i64(), "{row}");
    let mails: Vec<String> = std::fs::read_dir(dir.path().join("outgoing-mail"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(mails
        .iter()
        .any(|m| m.contains("To: lee@example.test") && m.contains("311-000001")));
    let kinds = event_kinds(&fixed);
    let failed_at = kinds
        .iter()
        .position(|k| k == "delivery_failed")
        .expect("failure recorded");
    let retried_at = kinds
        .iter()
        .position(|k| k == "delivery_retried")
        .expect("retry recorded");
    assert!(failed_at < retried_at, "{kinds:?}");
    let none = run(&["outbox", "retry", "--all-failed"], &fixed, b"");
    assert!(
        text(&none.stdout).contains("0 row(s) queued again"),
        "{}",
        text(&none.stdout)
    );
}

#[tokio::test]
async fn failed_deliveries_are_listed_and_retried_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test]
async fn failed_deliveries_are_listed_and_retried_on_postgres() {
    scenario(Backend::Postgres).await;
}
