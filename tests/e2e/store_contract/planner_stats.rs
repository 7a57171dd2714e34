//! The store contract for planner statistics: on PostgreSQL a table that grew past its last analysis is
//! analysed (its planner row estimate becomes its real size) and then left alone until it changes again; on
//! SQLite there is nothing to do.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::support;
use connect311::store::Store;

/// Rows enough to count as a table grown by half past its last analysis (500 + half its rows).
const GROWN: usize = 1_200;

#[tokio::test]
async fn a_table_grown_past_its_last_analysis_is_analysed_once() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::connect(&support::fresh_sqlite_url(dir.path()))
        .await
        .unwrap();
    assert!(sqlite.refresh_planner_stats().await.unwrap().is_empty());
    assert!(!sqlite.autovacuum_off().await.unwrap());

    let url = support::fresh_pg_url().await;
    let store = Store::connect(&url).await.unwrap();
    let untouched = store.refresh_planner_stats().await.unwrap();
    assert!(
        !untouched.contains(&"requests".to_string()),
        "an empty table is not analysed: {untouched:?}"
    );
    super::many_requests(&store, GROWN).await;

    // The server counts the rows when the writing connection reports its figures (within a second or so of
    // going idle): look until it has.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let analysed = store.refresh_planner_stats().await.unwrap();
        if analysed.contains(&"requests".to_string()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "requests grew by {GROWN} rows and was never analysed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let estimate: f32 =
        sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'requests'::regclass")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(
        (estimate - GROWN as f32).abs() < 1.0,
        "the planner's estimate is the table's size: {estimate}"
    );
    let again = store.refresh_planner_stats().await.unwrap();
    assert!(
        !again.contains(&"requests".to_string()),
        "an unchanged table is not analysed again: {again:?}"
    );
}
