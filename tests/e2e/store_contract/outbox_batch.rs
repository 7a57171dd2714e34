//! The store contract for batch claims (both stores): up to `limit` due lane heads in ONE statement, at most
//! one row per lane, oldest due first; a batch's outcomes recorded together; the next due time counts lane
//! heads only (a row behind a waiting head is not due, however old).

use connect311::effect::Effect;
use connect311::store::{OutboxOutcome, Store};

use super::mail_to;
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
                OutboxOutcome::Delivered {
                    id: lane[0][0],
                    at: 1_002,
                },
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
            .record_outbox_outcomes(&[OutboxOutcome::Delivered {
                id: lane[0][1],
                at: 1_004,
            }])
            .await
            .unwrap();
        // Oldest due first, at most `limit`: lane 0's last row (due at 1 000), then lane 2's deferred head
        // (3 000); lane 1's head (5 000) is left for the next batch.
        let mut oldest_two = vec![lane[0][2], lane[2][0]];
        oldest_two.sort();
        assert_eq!(claim(&store, 5_000, 2).await, oldest_two, "{d}");
        assert_eq!(claim(&store, 5_000, 2).await, vec![lane[1][0]], "{d}");
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
