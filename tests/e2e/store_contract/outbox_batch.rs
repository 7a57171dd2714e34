//! The store contract for batch claims (both stores): up to `limit` due lane heads, at most one row per lane,
//! the lanes in turn (every lane with a due head served before any is served twice); a batch's outcomes recorded together; the next due time counts lane
//! heads only (a row behind a waiting head is not due, however old).

use connect311::effect::Effect;
use connect311::store::{Change, DeliveryRecord, OutboxOutcome, Store, WorkOrderRow};
use routing::RequestRef;

use super::{mail_to, new_request};
use crate::support;

/// Queues three mails to each of three recipients (a recipient is a lane) at 1 000; returns the ids per lane.
async fn three_lanes(store: &Store) -> Vec<Vec<i64>> {
    for _ in 0..3 {
        for lane in 0..3 {
            let mail = Effect::Email(mail_to(&format!("lane{lane}@example.test")));
            store.enqueue(&mail.into(), 1_000).await.unwrap();
        }
    }
    let rows = store.outbox_rows(false).await.unwrap();
    (0..3)
        .map(|lane| {
            let to = format!("lane{lane}@example.test");
            let of_lane = rows.iter().filter(|r| r.recipient.as_deref() == Some(&to));
            of_lane.map(|r| r.id).collect()
        })
        .collect()
}

/// The ids claimed, in id order (the store's order for a batch: its rows are of different lanes).
async fn claim(store: &Store, now: i64, limit: i64) -> Vec<i64> {
    let jobs = store.claim_outbox_batch(now, 60_000, limit).await.unwrap();
    jobs.iter().map(|j| j.id).collect()
}

#[tokio::test]
async fn batch_claims_take_one_head_per_lane_and_record_a_batch_together() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        assert_eq!(
            store.next_outbox_due().await.unwrap(),
            None,
            "{d}: nothing pending"
        );
        let lane = three_lanes(&store).await;
        let heads = vec![lane[0][0], lane[1][0], lane[2][0]];
        assert_eq!(
            claim(&store, 1_000, 10).await,
            heads,
            "{d}: the heads, one per lane"
        );
        assert!(
            claim(&store, 1_001, 10).await.is_empty(),
            "{d}: leased heads hold their lanes"
        );
        assert_eq!(
            store.next_outbox_due().await.unwrap(),
            Some(61_000),
            "{d}: the leases' end"
        );

        store
            .record_outbox_outcomes(&[
                OutboxOutcome::delivered(lane[0][0], 1_002),
                OutboxOutcome::Failed {
                    id: lane[1][0],
                    error: "421 later".into(),
                    next_attempt_at: 5_000,
                    give_up: false,
                    now: 1_002,
                },
                OutboxOutcome::Deferred {
                    id: lane[2][0],
                    error: "429".into(),
                    next_attempt_at: 3_000,
                },
            ])
            .await
            .unwrap();
        assert_eq!(
            store.next_outbox_due().await.unwrap(),
            Some(1_000),
            "{d}: lane 0 goes on"
        );
        assert_eq!(
            claim(&store, 1_003, 10).await,
            vec![lane[0][1]],
            "{d}: lanes 1 and 2 wait"
        );
        store
            .record_outbox_outcomes(&[OutboxOutcome::delivered(lane[0][1], 1_004)])
            .await
            .unwrap();
        // The lanes in turn, at most `limit`: the last claim ended at lane 0, so lanes 1 and 2 come first (their
        // heads due at 5 000 and 3 000); then the turn goes round to lane 0 (due since 1 000).
        assert_eq!(
            claim(&store, 5_000, 2).await,
            vec![lane[1][0], lane[2][0]],
            "{d}: the lanes after the last one claimed"
        );
        assert_eq!(
            claim(&store, 5_000, 2).await,
            vec![lane[0][2]],
            "{d}: round to the first lane"
        );
        let rows = store.outbox_rows(false).await.unwrap();
        let attempts = |id: i64| rows.iter().find(|r| r.id == id).unwrap().attempts;
        assert_eq!(
            attempts(lane[2][0]),
            1,
            "{d}: the rate-limit wait was not an attempt"
        );
        assert_eq!(attempts(lane[1][0]), 2, "{d}: the retry was");

        // A head given up frees its lane.
        store
            .record_outbox_outcomes(&[OutboxOutcome::Failed {
                id: lane[1][0],
                error: "550 no such user".into(),
                next_attempt_at: 9_000,
                give_up: true,
                now: 5_001,
            }])
            .await
            .unwrap();
        assert_eq!(claim(&store, 5_002, 10).await, vec![lane[1][1]], "{d}");
        let rows = store.outbox_rows(false).await.unwrap();
        let given_up = rows.iter().find(|r| r.id == lane[1][0]).unwrap();
        assert_eq!(given_up.failed_at, Some(5_001), "{d}");
    }
}

/// Queues `n` mails to one recipient (one lane) at 1 000.
async fn long_lane(store: &Store, to: &str, n: usize) {
    for _ in 0..n {
        let mail = Effect::Email(mail_to(to));
        store.enqueue(&mail.into(), 1_000).await.unwrap();
    }
}

#[tokio::test]
async fn a_claim_takes_the_heads_of_long_lanes_and_skips_the_rows_behind_them() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        // Two long lanes (cards queued behind their channel's head, say) and a short one between them.
        long_lane(&store, "a@example.test", 300).await;
        long_lane(&store, "m@example.test", 1).await;
        long_lane(&store, "z@example.test", 300).await;
        let rows = store.outbox_rows(false).await.unwrap();
        let first_of = |to: &str| {
            let of = rows.iter().filter(|r| r.recipient.as_deref() == Some(to));
            of.map(|r| r.id).min().unwrap()
        };
        let heads = vec![
            first_of("a@example.test"),
            first_of("m@example.test"),
            first_of("z@example.test"),
        ];
        assert_eq!(claim(&store, 1_000, 32).await, heads, "{d}: one per lane");
        assert!(claim(&store, 1_000, 32).await.is_empty(), "{d}: all leased");
        assert_eq!(store.next_outbox_due().await.unwrap(), Some(61_000), "{d}");
        let done: Vec<_> = heads
            .iter()
            .map(|id| OutboxOutcome::delivered(*id, 1_001))
            .collect();
        store.record_outbox_outcomes(&done).await.unwrap();
        let next = claim(&store, 1_002, 32).await;
        assert_eq!(
            next.len(),
            2,
            "{d}: the short lane is done; the long ones go on"
        );
        assert!(next.iter().all(|id| !heads.contains(id)), "{d}");
    }
}

#[tokio::test]
async fn claims_serve_the_lanes_in_turn_each_once_before_any_twice() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        // 100 lanes of two rows each, all due: a backlog's mail, a lane per request.
        for k in 0..100 {
            long_lane(&store, &format!("r{k:03}@example.test"), 2).await;
        }
        let rows = store.outbox_rows(false).await.unwrap();
        let lane_of = |id: i64| {
            let r = rows.iter().find(|r| r.id == id).unwrap();
            r.recipient.clone().unwrap()
        };
        let mut seen = std::collections::BTreeSet::new();
        for (turn, now) in (1_000..1_004).enumerate() {
            let got = claim(&store, now, 32).await;
            assert_eq!(got.len(), 32, "{d}: a full batch in claim {turn}");
            let done: Vec<_> = got
                .iter()
                .map(|id| OutboxOutcome::delivered(*id, now))
                .collect();
            store.record_outbox_outcomes(&done).await.unwrap();
            let lanes: std::collections::BTreeSet<String> = got.into_iter().map(lane_of).collect();
            assert_eq!(lanes.len(), 32, "{d}: one row per lane");
            let new = lanes.difference(&seen).count();
            // Three batches of 32 lanes, then the last 4 lanes of the round and 28 of the next.
            let expected = if turn < 3 { 32 } else { 4 };
            assert_eq!(
                new, expected,
                "{d}: lanes not served before, in claim {turn}"
            );
            seen.extend(lanes);
        }
        assert_eq!(seen.len(), 100, "{d}: every lane served in the first round");
    }
}

#[tokio::test]
async fn on_sqlite_a_claim_seeks_lane_heads_in_the_pending_index_and_scans_no_table() {
    use sqlx::Row as _;
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_sqlite_url(dir.path());
    let store = Store::connect(&url).await.unwrap();
    long_lane(&store, "a@example.test", 50).await;
    long_lane(&store, "b@example.test", 50).await;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    for sql in connect311::store::sqlite_claim_statements() {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows = sqlx::query(sqlx::AssertSqlSafe(explain))
            .bind(1_000_i64)
            .bind(61_000_i64)
            .bind(32_i64)
            .bind("")
            .fetch_all(&pool)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get("detail")).collect();
        let text = plan.join("\n");
        assert!(
            text.contains("outbox_lane_pending"),
            "the walk seeks the pending index:\n{text}"
        );
        // Only the walk's own rows (the CTEs, one row per lane) are scanned; the outbox is only searched, and
        // every step of the walk is one seek in the lane index (never all pending rows, sorted).
        let ctes = ["SCAN w", "SCAN h", "SCAN walk", "SCAN turn", "SCAN heads"];
        let scans: Vec<&String> = plan
            .iter()
            .filter(|l| l.starts_with("SCAN") && !ctes.contains(&l.as_str()))
            .collect();
        assert!(scans.is_empty(), "a scan of a table: {scans:?}\n{text}");
        let steps: Vec<&String> = plan.iter().filter(|l| l.starts_with("SEARCH x")).collect();
        assert!(
            !steps.is_empty()
                && steps
                    .iter()
                    .all(|l| l.contains("outbox_lane_pending (lane>?)")),
            "{steps:?}\n{text}"
        );
        assert!(!text.contains("outbox_due"), "{text}");
    }
    pool.close().await;
}

/// A request of its own to hang a card on.
async fn request(store: &Store, who: &str) -> RequestRef {
    store
        .create_request(&new_request(who), 1_000, |_| Change::default())
        .await
        .unwrap()
}

fn card(reference: RequestRef, message: &str) -> WorkOrderRow {
    WorkOrderRow {
        reference,
        channel_id: "streets-channel".into(),
        message_id: message.into(),
        thread_id: Some(format!("thread-{message}")),
        department: "streets".into(),
        active: true,
    }
}

fn posted(id: i64, work_order: WorkOrderRow) -> OutboxOutcome {
    OutboxOutcome::Delivered {
        id,
        at: 2_000,
        record: Some(DeliveryRecord::Card {
            work_order,
            photos: Vec::new(),
        }),
    }
}

#[tokio::test]
async fn a_batch_records_the_cards_and_digest_its_deliveries_left_with_its_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let (a, b) = (
            request(&store, "a@example.test").await,
            request(&store, "b@example.test").await,
        );
        store
            .record_work_order(&card(b, "old-b"), 1_500)
            .await
            .unwrap();
        long_lane(&store, "x@example.test", 1).await;
        let jobs = store.claim_outbox_batch(1_000, 60_000, 32).await.unwrap();
        let mail = jobs.iter().map(|j| j.id).max().unwrap();
        let outcomes = [
            posted(mail + 10, card(a, "card-a")),
            posted(mail + 11, card(b, "new-b")),
            OutboxOutcome::Delivered {
                id: mail + 12,
                at: 2_000,
                record: Some(DeliveryRecord::Digest {
                    channel: "streets-channel".into(),
                    message_id: "digest-1".into(),
                }),
            },
            OutboxOutcome::delivered(mail, 2_000),
        ];
        store.record_outbox_outcomes(&outcomes).await.unwrap();
        assert_eq!(
            store.work_order_for(a).await.unwrap(),
            Some(card(a, "card-a")),
            "{d}"
        );
        assert_eq!(
            store.work_order_for(b).await.unwrap(),
            Some(card(b, "new-b")),
            "{d}: the reassigned card is the active one"
        );
        let old = store.work_order_by_chat("old-b").await.unwrap().unwrap();
        assert!(!old.active, "{d}: the earlier card is retired");
        assert_eq!(
            store
                .chat_digest("streets-channel")
                .await
                .unwrap()
                .as_deref(),
            Some("digest-1"),
            "{d}"
        );
        let rows = store.outbox_rows(false).await.unwrap();
        assert_eq!(
            rows.iter().find(|r| r.id == mail).unwrap().done_at,
            Some(2_000),
            "{d}"
        );
    }
}

#[tokio::test]
async fn one_record_that_cannot_be_written_does_not_undo_its_batch_mates() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let a = request(&store, "a@example.test").await;
        long_lane(&store, "x@example.test", 1).await;
        long_lane(&store, "y@example.test", 1).await;
        let jobs = store.claim_outbox_batch(1_000, 60_000, 32).await.unwrap();
        let [x, y] = [jobs[0].id, jobs[1].id];
        // A card of a request that does not exist breaks the foreign key, and with it the batch's transaction.
        let ghost = RequestRef::new(999_999).unwrap();
        let outcomes = [
            OutboxOutcome::delivered(x, 2_000),
            posted(y, card(ghost, "ghost")),
            posted(y + 1, card(a, "card-a")),
        ];
        let unrecorded = store.record_outbox_outcomes(&outcomes).await.unwrap_err();
        assert_eq!(
            unrecorded.jobs,
            vec![y],
            "{d}: the one job whose record failed is told, and only it"
        );
        let rows = store.outbox_rows(false).await.unwrap();
        let done = |id: i64| rows.iter().find(|r| r.id == id).unwrap().done_at;
        assert_eq!(done(x), Some(2_000), "{d}: a batch-mate is recorded");
        assert_eq!(
            done(y),
            None,
            "{d}: the bad one stays leased, to be tried again"
        );
        assert_eq!(
            store.work_order_for(a).await.unwrap(),
            Some(card(a, "card-a")),
            "{d}"
        );
    }
}

#[tokio::test]
async fn on_postgres_a_batch_retires_earlier_cards_through_the_request_index() {
    use sqlx::{Connection, Row as _};
    let url = support::fresh_pg_url().await;
    let store = Store::connect(&url).await.unwrap();
    super::many_requests(&store, 3_000).await;
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO work_orders (request_id, channel_id, message_id, thread_id, department, posted_at, active) \
         SELECT id, 'streets-channel', 'card-' || id, NULL, 'streets', 1000, 1 FROM requests; \
         ANALYZE work_orders",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let explain = format!("EXPLAIN {}", connect311::store::postgres_retire_statement());
    let rows = sqlx::query(sqlx::AssertSqlSafe(explain))
        .bind("[17, 1200, 2999]")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let plan: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let text = plan.join("\n");
    assert!(
        text.contains("work_orders_request") && !text.contains("Seq Scan on work_orders"),
        "a batch's few requests are sought in the index, not found by reading every card:\n{text}"
    );
}
