//! The store contract for duplicate candidates with a place key, a box or both: the same set and order as
//! "open, same category, in the window, at the place OR in the box, oldest first, limited" on both stores,
//! and on SQLite a plan that reads indexes only.

use connect311::store::{CandidateQuery, Change, NewRequest, StatusChange, Store};
use routing::duplicates::canonical_place;
use routing::{CloseReason, EventKind, RequestRef, Source};
use serde_json::json;

use super::new_request;
use crate::support;

const HOUR: i64 = 3_600_000;
/// South, west, north, east.
const BOX: [f64; 4] = [40.712, -74.007, 40.714, -74.005];
const PLACES: [&str; 3] = ["5th & main", "12 oak", "99 elm"];

/// One request the test wrote, as the reference filter sees it.
struct Row {
    reference: RequestRef,
    category: &'static str,
    place: &'static str,
    point: Option<(f64, f64)>,
    created: i64,
    open: bool,
}

/// Row `i`: every fifth another category, places in turn by pairs, no point / in the box / outside it in
/// turn, every seventh closed; one hour apart.
fn shape(i: i64) -> (&'static str, &'static str, Option<(f64, f64)>, bool) {
    let category = if i % 5 == 4 { "graffiti" } else { "pothole" };
    let place = PLACES[((i / 2) % 3) as usize];
    let point = match i % 3 {
        0 => None,
        1 => Some((40.7130 + (i as f64) * 1e-6, -74.0061)),
        _ => Some((40.80, -74.0060)),
    };
    (category, place, point, i % 7 != 6)
}

async fn write_rows(store: &Store, n: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in 0..n {
        let (category, place, point, open) = shape(i);
        let new = NewRequest {
            category: Some(category.into()),
            location_norm: Some(place.into()),
            lat: point.map(|p| p.0),
            lon: point.map(|p| p.1),
            ..new_request("a@example.test")
        };
        let created = i * HOUR + 1;
        let reference = store
            .create_request(&new, created, |_| Change::default())
            .await
            .unwrap();
        if !open {
            close(store, reference, created + 1).await;
        }
        rows.push(Row {
            reference,
            category,
            place,
            point,
            created,
            open,
        });
    }
    rows
}

async fn close(store: &Store, reference: RequestRef, now: i64) {
    let change = Change {
        events: vec![connect311::store::NewEvent::new(
            EventKind::Closed,
            "staff@city.test",
            Source::Chat,
            json!({}),
        )],
        status: Some(StatusChange::Closed {
            reason: CloseReason::Resolved,
        }),
        ..Change::default()
    };
    store.apply_change(reference, &change, now).await.unwrap();
}

fn at_place(row: &Row, q: &CandidateQuery) -> bool {
    q.place_key.as_deref() == Some(canonical_place(row.place).as_str())
}

fn in_box(row: &Row, q: &CandidateQuery) -> bool {
    match (q.bbox, row.point) {
        (Some([s, w, n, e]), Some((lat, lon))) => lat >= s && lat <= n && lon >= w && lon <= e,
        _ => false,
    }
}

/// What the search must find: the old single statement's meaning, computed from the rows written.
fn expected(rows: &[Row], q: &CandidateQuery) -> Vec<RequestRef> {
    let mut hits: Vec<&Row> = rows
        .iter()
        .filter(|r| r.open && r.category == q.category.as_str())
        .filter(|r| r.created >= q.since && r.created <= q.until)
        .filter(|r| at_place(r, q) || in_box(r, q))
        .collect();
    hits.sort_by_key(|r| (r.created, r.reference));
    hits.iter()
        .take(q.limit as usize)
        .map(|r| r.reference)
        .collect()
}

fn query(
    place: Option<&str>,
    bbox: Option<[f64; 4]>,
    window: (i64, i64),
    limit: i64,
) -> CandidateQuery {
    CandidateQuery {
        category: "pothole".into(),
        place_key: place.map(canonical_place),
        bbox,
        since: window.0,
        until: window.1,
        limit,
    }
}

#[tokio::test]
async fn place_only_box_only_and_both_matches_come_once_each_oldest_first_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let rows = write_rows(&store, 48).await;
        // The whole window holds matches of every kind, so no case below is empty by construction.
        let all = query(Some(PLACES[0]), Some(BOX), (0, 100 * HOUR), 100);
        let open: Vec<&Row> = rows
            .iter()
            .filter(|r| r.open && r.category == "pothole")
            .collect();
        assert!(
            open.iter().any(|r| at_place(r, &all) && !in_box(r, &all)),
            "{d}: place only"
        );
        assert!(
            open.iter().any(|r| !at_place(r, &all) && in_box(r, &all)),
            "{d}: box only"
        );
        assert!(
            open.iter().any(|r| at_place(r, &all) && in_box(r, &all)),
            "{d}: both"
        );
        for (place, bbox) in [
            (Some(PLACES[0]), None),
            (None, Some(BOX)),
            (Some(PLACES[0]), Some(BOX)),
        ] {
            for window in [(0, 100 * HOUR), (10 * HOUR, 30 * HOUR + 1)] {
                for limit in [1, 2, 3, 5, 8, 100] {
                    let q = query(place, bbox, window, limit);
                    let found: Vec<RequestRef> = store
                        .duplicate_candidates(&q)
                        .await
                        .unwrap()
                        .iter()
                        .map(|c| c.reference)
                        .collect();
                    assert_eq!(found, expected(&rows, &q), "{d}: {q:?}");
                }
            }
        }
        let full = store.duplicate_candidates(&all).await.unwrap();
        assert!(
            full.len() > 8,
            "{d}: {} candidates; the limits above cut",
            full.len()
        );
    }
}

/// `EXPLAIN QUERY PLAN` of `q`'s statement on the SQLite database at `url`: one detail line per step.
async fn sqlite_plan(url: &str, q: &CandidateQuery) -> Vec<String> {
    use sqlx::Row as _;
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let sql = format!("EXPLAIN QUERY PLAN {}", q.statement());
    let mut plan = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&q.category)
        .bind(q.since)
        .bind(q.until)
        .bind(&q.place_key);
    if let Some([south, west, north, east]) = q.bbox {
        plan = plan.bind(south).bind(north).bind(west).bind(east);
    }
    let rows = plan.bind(q.limit).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.iter().map(|r| r.get::<String, _>("detail")).collect()
}

#[tokio::test]
async fn on_sqlite_the_search_reads_the_place_and_box_indexes_and_never_scans_requests() {
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_sqlite_url(dir.path());
    let store = Store::connect(&url).await.unwrap();
    write_rows(&store, 12).await;
    let window = (0, 100 * HOUR);
    for (q, indexes) in [
        (
            query(Some(PLACES[0]), None, window, 10),
            &["requests_duplicate_place"][..],
        ),
        (
            query(Some(PLACES[0]), Some(BOX), window, 10),
            &["requests_duplicate_place", "requests_duplicate_box"][..],
        ),
    ] {
        let plan = sqlite_plan(&url, &q).await;
        let on_requests: Vec<&String> = plan.iter().filter(|d| d.contains(" requests")).collect();
        assert!(
            on_requests
                .iter()
                .all(|d| d.starts_with("SEARCH requests USING")),
            "a step on requests that is not an index search: {plan:#?}"
        );
        for index in indexes {
            assert!(
                on_requests
                    .iter()
                    .any(|d| d.contains(&format!("INDEX {index} "))),
                "{index} unused: {plan:#?}"
            );
        }
    }
    store.close().await;
}
