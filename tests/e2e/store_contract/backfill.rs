//! Migration 0004 on a database written before it (both stores): the rows of an older release, written with
//! its schema, read back with the same answers and get the facts the new queries need — place keys (filled
//! when the store opens), reopen counts and the sweep's first look.

use std::path::{Path, PathBuf};

use connect311::store::{CandidateQuery, Store};
use routing::RequestRef;
use sqlx::migrate::Migrator;

use crate::support::Backend;

const HOUR: i64 = 3_600_000;

/// The migrations before 0004, copied into `dir`, for one dialect.
fn old_migrations(dialect: &str, dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let dst = dir.join(format!("old-{dialect}"));
    std::fs::create_dir_all(&dst).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0004" {
            std::fs::copy(&path, dst.join(name)).unwrap();
        }
    }
    dst
}

/// One old row: (id, status, location_norm, emergency, created, response due, resolution due).
type OldRow = (
    i64,
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
    i64,
    i64,
);

/// Rows as the release before 0004 wrote them: (id, status, location_norm, emergency, created, response due,
/// resolution due), and two `reopened` events for request 3.
const OLD_ROWS: [OldRow; 4] = [
    (
        1,
        "open",
        "corner of main street and 5th",
        None,
        10 * HOUR,
        20 * HOUR,
        40 * HOUR,
    ),
    (
        2,
        "closed",
        "main and 5th",
        None,
        11 * HOUR,
        21 * HOUR,
        41 * HOUR,
    ),
    (
        3,
        "reopened",
        "12 oak",
        None,
        12 * HOUR,
        30 * HOUR,
        25 * HOUR,
    ),
    (
        4,
        "open",
        "9 elm",
        Some("fire"),
        13 * HOUR,
        14 * HOUR,
        15 * HOUR,
    ),
];

const INSERT_REQUEST: &str = "INSERT INTO requests (id, status, department, category, language, priority, emergency, \
    location_norm, source, requester, subject, description, decision, created_at, updated_at, response_due_at, \
    resolution_due_at, closed_at) VALUES ($1, $2, 'streets', 'pothole', 'en', 'normal', $3, $4, 'email', \
    'a@example.test', 's', 'd', '{}', $5, $5, $6, $7, CASE WHEN $2 = 'closed' THEN $5 END)";

const INSERT_EVENT: &str = "INSERT INTO events (request_id, kind, actor, source, at, payload) \
    VALUES (3, 'reopened', 'a@example.test', 'email', $1, '{}')";

/// Runs the old migrations on `$pool`, writes `OLD_ROWS` and their events, then `$after` statements.
macro_rules! write_old_release {
    ($pool:expr, $migrations:expr, $after:expr) => {{
        let pool = $pool;
        Migrator::new($migrations)
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for (id, status, place, emergency, created, response, resolution) in OLD_ROWS {
            sqlx::query(INSERT_REQUEST)
                .bind(id)
                .bind(status)
                .bind(emergency)
                .bind(place)
                .bind(created)
                .bind(response)
                .bind(resolution)
                .execute(&pool)
                .await
                .unwrap();
        }
        for at in [13 * HOUR, 14 * HOUR] {
            sqlx::query(INSERT_EVENT)
                .bind(at)
                .execute(&pool)
                .await
                .unwrap();
        }
        for statement in $after {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }};
}

/// PostgreSQL's id sequence after explicit ids (SQLite's AUTOINCREMENT follows on its own).
const PG_SEQUENCE: &str = "SELECT setval(pg_get_serial_sequence('requests', 'id'), 4)";

async fn old_database(backend: Backend, dir: &Path) -> String {
    let url = backend.fresh_url(dir).await;
    match backend {
        Backend::Sqlite => {
            let opts: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
            let sqlite_pool = sqlx::SqlitePool::connect_with(opts.create_if_missing(true))
                .await
                .unwrap();
            write_old_release!(
                sqlite_pool,
                old_migrations("sqlite", dir).as_path(),
                [] as [&str; 0]
            );
        }
        Backend::Postgres => {
            let pg_pool = sqlx::PgPool::connect(&url).await.unwrap();
            write_old_release!(
                pg_pool,
                old_migrations("postgres", dir).as_path(),
                [PG_SEQUENCE]
            );
        }
    }
    url
}

fn r(n: u64) -> RequestRef {
    RequestRef::new(n).unwrap()
}

#[tokio::test]
async fn an_older_database_migrates_with_the_same_answers_and_the_new_facts() {
    let dir = tempfile::tempdir().unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let url = old_database(backend, dir.path()).await;
        let store = Store::connect(&url).await.expect("migrates");
        let d = store.dialect();
        // Same answers as before: the rows, their overdue state.
        let overdue: Vec<_> = store.overdue_requests(22 * HOUR, None).await.unwrap();
        let overdue: Vec<_> = overdue.iter().map(|q| q.reference).collect();
        assert_eq!(overdue, vec![r(1), r(4)], "{d}");
        let first: Vec<_> = store.overdue_first(26 * HOUR, None, 10).await.unwrap();
        assert_eq!(
            first.iter().map(|q| q.reference).collect::<Vec<_>>(),
            vec![r(1), r(3), r(4)],
            "{d}"
        );
        // Place keys were filled: the old open request is found by the key of today's report.
        let q = CandidateQuery {
            category: "pothole".into(),
            place_key: Some("5th & main".into()),
            bbox: None,
            since: 0,
            until: 100 * HOUR,
            limit: 10,
        };
        let found: Vec<_> = store.duplicate_candidates(&q).await.unwrap();
        assert_eq!(
            found.iter().map(|c| c.reference).collect::<Vec<_>>(),
            vec![r(1)],
            "{d}"
        );
        // Reopens counted from the events.
        let mut reopens = Vec::new();
        store
            .each_report_row(0, 100 * HOUR, None, |row| {
                reopens.push((row.reference, row.reopened_count))
            })
            .await
            .unwrap();
        reopens.sort();
        assert_eq!(
            reopens,
            vec![(r(1), 0), (r(2), 0), (r(3), 2), (r(4), 0)],
            "{d}"
        );
        // The sweep's first look: nothing is owed before the earlier due time; an emergency from creation.
        let due = |now| {
            let store = store.clone();
            async move {
                let page = store.sweep_due(now, None, 10).await.unwrap();
                page.into_iter()
                    .map(|(_, q)| q.reference)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(due(13 * HOUR).await, vec![r(4)], "{d}");
        assert_eq!(due(25 * HOUR).await, vec![r(4), r(1), r(3)], "{d}");
        // New requests continue the numbering.
        let next = store
            .create_request(&super::new_request("b@example.test"), 50 * HOUR, |_| {
                Default::default()
            })
            .await
            .unwrap();
        assert_eq!(next, r(5), "{d}");
        store.close().await;
    }
}
