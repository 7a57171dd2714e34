//! A duplicate report and its link to the original commit in ONE transaction, on SQLite and PostgreSQL: a
//! failure while writing the original's side leaves neither written and the mail unprocessed, so its
//! redelivery decides and writes both again.

use crate::support;

use crate::store_contract::new_request;
use connect311::desk::{Desk, IngestOutcome};
use connect311::store::{
    Change, Creation, NewEvent, RelatedChange, RequestFilter, Store, StoreError,
};
use routing::{CloseReason, EventKind, RequestRef, Source};
use serde_json::json;
use sqlx::Connection;
use support::{email, report, INBOX};

/// Makes the database refuse every `duplicate_linked` event, as a failure in the original's part would.
const REFUSE_LINK_SQLITE: &str =
    "CREATE TRIGGER refuse_link BEFORE INSERT ON events WHEN NEW.kind = 'duplicate_linked' \
     BEGIN SELECT RAISE(ABORT, 'duplicate link refused by the test'); END";
const REFUSE_LINK_PG: &str = "CREATE FUNCTION refuse_link() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'duplicate link refused by the test'; END $$ LANGUAGE plpgsql; \
     CREATE TRIGGER refuse_link BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.kind = 'duplicate_linked') EXECUTE FUNCTION refuse_link()";

/// Runs SQL on the desk's own database over a separate connection.
async fn run_sql(desk: &Desk, sql: &str) {
    let url = desk
        .settings()
        .database
        .url
        .clone()
        .expect("test desks name their database");
    let sql = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()));
    let done = if desk.store().dialect() == "postgres" {
        let mut conn = sqlx::PgConnection::connect(&url)
            .await
            .expect("connect to PostgreSQL");
        sql.execute(&mut conn).await.map(drop)
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("open SQLite");
        sql.execute(&mut conn).await.map(drop)
    };
    done.expect("test SQL runs");
}

async fn refuse_links(desk: &Desk) {
    if desk.store().dialect() == "postgres" {
        run_sql(desk, REFUSE_LINK_PG).await;
    } else {
        run_sql(desk, REFUSE_LINK_SQLITE).await;
    }
}

async fn allow_links(desk: &Desk) {
    let drop = if desk.store().dialect() == "postgres" {
        "DROP TRIGGER refuse_link ON events"
    } else {
        "DROP TRIGGER refuse_link"
    };
    run_sql(desk, drop).await;
}

/// How many requests exist, and the original's `duplicate_linked` events and card refreshes.
async fn written(desk: &Desk, original: RequestRef) -> (usize, Vec<serde_json::Value>, usize) {
    let all = desk
        .store()
        .list_requests(&RequestFilter::default())
        .await
        .unwrap();
    let links = desk
        .store()
        .events(original)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::DuplicateLinked)
        .map(|e| e.payload)
        .collect();
    let updates = desk
        .store()
        .outbox_rows(false)
        .await
        .unwrap()
        .iter()
        .filter(|o| o.kind == "chat_update" && o.reference == Some(original))
        .count();
    (all.len(), links, updates)
}

#[tokio::test]
async fn a_duplicate_and_the_originals_link_are_written_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let (sqlite, _) = support::desk(dir.path(), "").await;
    let (pg, _) = support::pg_desk(dir.path(), "").await;
    for desk in [sqlite, pg] {
        let d = desk.store().dialect();
        let original = report(
            &desk,
            "ann@example.test",
            "Pothole",
            "o1@example.test",
            "Big pothole at Mian St and 3rd",
        )
        .await;
        let raw = email(
            "beto@example.test",
            INBOX,
            "Bache",
            "d1@example.test",
            "",
            "Hay un bache enorme en la esquina de 3rd y Main St",
        );

        refuse_links(&desk).await;
        let failed = desk.ingest_email(&raw).await;
        assert!(
            matches!(&failed, Err(StoreError::Unexpected(e)) if format!("{e:#}").contains("duplicate link refused")),
            "{d}: {failed:?}"
        );
        assert_eq!(
            written(&desk, original).await,
            (1, vec![], 0),
            "{d}: nothing of the duplicate is written"
        );
        assert_eq!(
            desk.store()
                .inbound_seen(Source::Email, "d1@example.test")
                .await
                .unwrap(),
            None,
            "{d}: not processed"
        );
        assert!(
            support::emails_to(&desk, "beto@example.test")
                .await
                .is_empty(),
            "{d}: nobody told"
        );

        // Redelivered once the database accepts the link: both sides, in the same commit.
        allow_links(&desk).await;
        let outcome = desk.ingest_email(&raw).await.unwrap();
        let IngestOutcome::Created { reference: dup, .. } = outcome else {
            panic!("{d}: expected the duplicate's request, got {outcome:?}");
        };
        let req = desk.store().request(dup).await.unwrap().unwrap();
        assert_eq!(
            (req.close_reason, req.linked_to),
            (Some(CloseReason::Duplicate), Some(original)),
            "{d}"
        );
        let (count, links, updates) = written(&desk, original).await;
        assert_eq!((count, links.len(), updates), (2, 1, 1), "{d}");
        assert_eq!(links[0]["reference"], dup.to_string(), "{d}");
        assert_eq!(
            support::emails_to(&desk, "beto@example.test").await.len(),
            1,
            "{d}: told once"
        );
    }
}

fn event(kind: EventKind) -> Change {
    Change {
        events: vec![NewEvent::new(
            kind,
            "a@example.test",
            Source::Email,
            json!({}),
        )],
        ..Change::default()
    }
}

async fn kinds_of(store: &Store, reference: RequestRef) -> Vec<EventKind> {
    let events = store.events(reference).await.unwrap();
    events.into_iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_creation_that_cannot_write_its_change_to_another_request_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let original = store
            .create_request(&new_request("a@example.test"), 1_000, |_| {
                event(EventKind::Created)
            })
            .await
            .unwrap();
        let missing = RequestRef::new(original.number() + 100).unwrap();
        let related = |reference| RelatedChange {
            reference,
            change: event(EventKind::DuplicateLinked),
        };
        let err = store
            .create_request_with(&new_request("a@example.test"), 1_100, |_| Creation {
                change: event(EventKind::Created),
                related: vec![related(original), related(missing)],
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{d}: {err:?}");
        let all = store
            .list_requests(&RequestFilter::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{d}: the new request rolled back");
        let kinds = kinds_of(&store, original).await;
        assert_eq!(
            kinds,
            [EventKind::Created],
            "{d}: the original's part rolled back too"
        );

        let created = store
            .create_request_with(&new_request("a@example.test"), 1_200, |_| Creation {
                change: event(EventKind::Created),
                related: vec![related(original)],
            })
            .await
            .unwrap();
        let kinds = kinds_of(&store, original).await;
        assert_eq!(
            kinds,
            [EventKind::Created, EventKind::DuplicateLinked],
            "{d}"
        );
        assert_eq!(
            store.request(original).await.unwrap().unwrap().updated_at,
            1_200,
            "{d}"
        );
        assert!(store.request(created).await.unwrap().is_some(), "{d}");
    }
}
