//! `connect311 quarantine list|show|release` on both stores: a message that kept killing its handler is
//! quarantined; the operator sees why, releases it once the cause is fixed and it becomes a request (the
//! release recorded on the message and on the request); one that still fails stays quarantined as it was.

use sha2::{Digest, Sha256};

use crate::support::cli::{run, text};
use crate::support::{email, Backend, INBOX};
use connect311::desk::IngestOutcome;

/// A desk on `backend` whose database and data directory the CLI opens through the returned settings file.
async fn desk_and_config(
    backend: Backend,
    dir: &std::path::Path,
) -> (connect311::desk::Desk, std::path::PathBuf) {
    let (desk, _clock) = backend.desk(dir, "").await;
    let cfg = dir.join("connect311.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"{}\"\n[database]\nurl = \"{}\"\n",
            dir.display(),
            desk.settings().database_url()
        ),
    )
    .unwrap();
    (desk, cfg)
}

/// Quarantines `raw` the way a message that stopped the process on each of its attempts ends up there.
async fn quarantine_as_crashing(desk: &connect311::desk::Desk, raw: &[u8]) -> String {
    let key = format!("sha256:{}", hex::encode(Sha256::digest(raw)));
    for _ in 0..desk.settings().mail.max_processing_attempts {
        desk.store().begin_attempt(&key, desk.now()).await.unwrap();
    }
    match desk.ingest_email(raw).await.unwrap() {
        IngestOutcome::Quarantined { reason } => reason,
        other => panic!("expected quarantine, got {other:?}"),
    }
}

async fn quarantined_ids(desk: &connect311::desk::Desk) -> Vec<i64> {
    let rows = desk.store().quarantined(false, 100).await.unwrap();
    rows.iter().map(|m| m.id).collect()
}

async fn scenario(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, cfg) = desk_and_config(backend, dir.path()).await;
    let good = email(
        "lee@example.test",
        INBOX,
        "Pothole",
        "q-1@example.test",
        "",
        "Deep pothole at 120 Main St.",
    );
    let reason = quarantine_as_crashing(&desk, &good).await;
    assert!(
        reason.contains("gave up after 3 failed attempts"),
        "{reason}"
    );
    let panic_header = format!("{}: still broken\r\n", connect311::test_hooks::PANIC_HEADER);
    let bad = email(
        "kim@example.test",
        INBOX,
        "Graffiti",
        "q-2@example.test",
        &panic_header,
        "Graffiti at 200 Oak Ave.",
    );
    quarantine_as_crashing(&desk, &bad).await;
    let ids = quarantined_ids(&desk).await;
    assert_eq!(ids.len(), 2, "{backend:?}");
    let (bad_id, good_id) = (ids[0], ids[1]);

    let list = run(&["quarantine", "list"], &cfg, b"");
    assert!(list.status.success(), "{}", text(&list.stderr));
    let listed = text(&list.stdout);
    assert!(
        listed.contains("lee@example.test") && listed.contains("gave up after 3"),
        "{listed}"
    );
    assert!(
        listed.contains(" EST ") || listed.contains(" EDT "),
        "city time: {listed}"
    );
    let show = text(&run(&["quarantine", "show", &good_id.to_string()], &cfg, b"").stdout);
    assert!(
        show.contains("Subject: Pothole") && show.contains("Deep pothole"),
        "{show}"
    );

    let released = run(&["quarantine", "release", &good_id.to_string()], &cfg, b"");
    assert!(
        released.status.success(),
        "{backend:?}: {}",
        text(&released.stderr)
    );
    assert!(
        text(&released.stdout).contains("released: created 311-000001"),
        "{}",
        text(&released.stdout)
    );
    let r: routing::RequestRef = "311-000001".parse().unwrap();
    let events = desk.store().events(r).await.unwrap();
    let release = events
        .iter()
        .find(|e| e.kind == routing::EventKind::ReleasedFromQuarantine)
        .expect("the release is on the request's timeline");
    assert!(release.actor.starts_with("cli:"), "{release:?}");
    assert_eq!(release.payload["message"], good_id);
    let all = desk.store().quarantined(true, 100).await.unwrap();
    let row = all.iter().find(|m| m.id == good_id).unwrap();
    assert_eq!(row.disposition, "released");
    let note = row.reason.as_deref().unwrap();
    assert!(
        note.contains("released by cli:") && note.contains("then created 311-000001"),
        "{note}"
    );

    // Released already: refused, nothing processed twice.
    let again = run(&["quarantine", "release", &good_id.to_string()], &cfg, b"");
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("not quarantined"),
        "{}",
        text(&again.stderr)
    );

    // Still broken: the handler panics again, the operator is told and the message stays quarantined.
    let failed = run(&["quarantine", "release", &bad_id.to_string()], &cfg, b"");
    assert_eq!(failed.status.code(), Some(2), "{}", text(&failed.stderr));
    assert!(
        text(&failed.stderr).contains("stays quarantined"),
        "{}",
        text(&failed.stderr)
    );
    assert_eq!(quarantined_ids(&desk).await, vec![bad_id], "{backend:?}");
    let unknown = run(&["quarantine", "show", "999999"], &cfg, b"");
    assert_eq!(unknown.status.code(), Some(2));
    // The later marker: the next request is 311-000002, so the broken message made none.
    let later = email(
        "ann@example.test",
        INBOX,
        "Streetlight",
        "q-3@example.test",
        "",
        "Streetlight out at 5th and Main.",
    );
    assert_eq!(
        crate::support::created(&desk.ingest_email(&later).await.unwrap()).to_string(),
        "311-000002"
    );
}

#[tokio::test]
async fn quarantined_mail_is_listed_shown_and_released_through_the_desk_on_sqlite() {
    scenario(Backend::Sqlite).await;
}

#[tokio::test]
async fn quarantined_mail_is_listed_shown_and_released_through_the_desk_on_postgres() {
    scenario(Backend::Postgres).await;
}
