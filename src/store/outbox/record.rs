//! Recording what became of a batch of claimed outbox jobs: every outcome, and what each delivery left to
//! remember (where a card landed and the photos posted with it, a channel's digest message), in ONE
//! transaction of a few set-based statements. A batch whose record fails is recorded job by job, so one bad
//! record does not send its batch-mates again.

use serde_json::{json, Value};
use tracing::warn;

use super::super::requests::ref_id;
use super::super::{on_pool, AttachmentId, Backend, Store, StoreError, WorkOrderRow};

/// What became of one claimed job; a batch's outcomes are recorded together in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxOutcome {
    /// Delivered at `at`, leaving `record` to remember.
    Delivered {
        id: i64,
        at: i64,
        record: Option<DeliveryRecord>,
    },
    /// Failed: tried again at `next_attempt_at`, or given up at `now` when `give_up`.
    Failed {
        id: i64,
        error: String,
        next_attempt_at: i64,
        give_up: bool,
        now: i64,
    },
    /// Rate-limited: back at `next_attempt_at` (when the platform said), the attempt not counted.
    Deferred {
        id: i64,
        error: String,
        next_attempt_at: i64,
    },
}

/// What a delivery leaves for the store to remember, written with its outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryRecord {
    /// A work-order card landed at `work_order` (the request's earlier cards become inactive: it was
    /// reassigned), with `photos` posted with it.
    Card {
        work_order: WorkOrderRow,
        photos: Vec<AttachmentId>,
    },
    /// `message_id` is now the digest of `channel` (replacing an earlier one).
    Digest { channel: String, message_id: String },
}

/// The jobs of a batch whose record could not be written (they stay leased and are tried again when the lease
/// ends), with the first error met.
#[derive(Debug)]
pub struct Unrecorded {
    pub jobs: Vec<i64>,
    pub error: StoreError,
}

impl std::fmt::Display for Unrecorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} outcome(s) not recorded: {:#}",
            self.jobs.len(),
            self.error
        )
    }
}

impl std::error::Error for Unrecorded {}

impl OutboxOutcome {
    /// The job this is the outcome of.
    pub fn id(&self) -> i64 {
        match self {
            OutboxOutcome::Delivered { id, .. }
            | OutboxOutcome::Failed { id, .. }
            | OutboxOutcome::Deferred { id, .. } => *id,
        }
    }

    /// A delivery that leaves nothing to remember.
    pub fn delivered(id: i64, at: i64) -> Self {
        OutboxOutcome::Delivered {
            id,
            at,
            record: None,
        }
    }
}

pub(super) const RETRY: &str =
    "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
     failed_at = CASE WHEN $4 THEN $5 ELSE NULL END WHERE id = $1";
pub(super) const DEFER: &str =
    "UPDATE outbox SET last_error = $2, next_attempt_at = $3, locked_until = NULL, \
     attempts = attempts - 1 WHERE id = $1";
const DIGEST: &str = "INSERT INTO chat_digests (channel_id, message_id, updated_at) VALUES ($1, $2, $3) \
     ON CONFLICT (channel_id) DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at";

/// The set-based statements of a batch record, each over a JSON list (`$1`) of its rows.
struct SetStatements {
    /// `[[id, at], ...]`: rows delivered.
    done: &'static str,
    /// `[request_id, ...]`: requests whose earlier cards become inactive.
    retire: &'static str,
    /// `[[request_id, channel, message, thread, department, posted_at, active], ...]`: cards posted.
    cards: &'static str,
    /// `[[message_id, attachment_id], ...]`: photos posted with a card.
    photos: &'static str,
}

const SQLITE: SetStatements = SetStatements {
    done: "UPDATE outbox SET done_at = d.at, locked_until = NULL, last_error = NULL FROM \
           (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS at FROM json_each($1)) d \
           WHERE outbox.id = d.id",
    retire: "UPDATE work_orders SET active = 0 WHERE request_id IN (SELECT value FROM json_each($1))",
    cards: "INSERT INTO work_orders (request_id, channel_id, message_id, thread_id, department, posted_at, active) \
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
            json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'), \
            json_extract(value, '$[6]') FROM json_each($1) ORDER BY key",
    photos: "INSERT INTO work_order_photos (message_id, attachment_id) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($1) WHERE true \
             ON CONFLICT (message_id, attachment_id) DO NOTHING",
};

const POSTGRES: SetStatements = SetStatements {
    done: "UPDATE outbox SET done_at = d.at, locked_until = NULL, last_error = NULL FROM \
           (SELECT (v->>0)::bigint AS id, (v->>1)::bigint AS at FROM jsonb_array_elements($1::jsonb) AS v) d \
           WHERE outbox.id = d.id",
    // `= ANY` of an array, which the index on `request_id` seeks: planned as a semi-join on the list, the
    // update read every card ever posted, a cost growing with the city's history.
    retire: "UPDATE work_orders SET active = 0 WHERE request_id = ANY \
             (ARRAY(SELECT (jsonb_array_elements_text($1::jsonb))::bigint))",
    cards: "INSERT INTO work_orders (request_id, channel_id, message_id, thread_id, department, posted_at, active) \
            SELECT (v->>0)::bigint, v->>1, v->>2, v->>3, v->>4, (v->>5)::bigint, (v->>6)::bigint \
            FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(v, n) ORDER BY j.n",
    photos: "INSERT INTO work_order_photos (message_id, attachment_id) \
             SELECT v->>0, (v->>1)::bigint FROM jsonb_array_elements($1::jsonb) AS v \
             ON CONFLICT (message_id, attachment_id) DO NOTHING",
};

/// The PostgreSQL statement that retires a batch's earlier cards (`$1` a JSON list of request ids), for
/// query-plan checks.
pub fn postgres_retire_statement() -> &'static str {
    POSTGRES.retire
}

/// A batch's outcomes sorted into the lists the set-based statements write; failures, rate-limit waits and
/// digests (a few per batch at most) are written row by row.
#[derive(Default)]
struct Batch<'a> {
    done: Vec<Value>,
    retire: Vec<Value>,
    cards: Vec<Value>,
    photos: Vec<Value>,
    digests: Vec<(&'a str, &'a str, i64)>,
    others: Vec<&'a OutboxOutcome>,
}

impl<'a> Batch<'a> {
    fn of(outcomes: &'a [OutboxOutcome]) -> Self {
        let mut b = Batch::default();
        let mut cards: Vec<(i64, &WorkOrderRow, i64)> = Vec::new();
        for o in outcomes {
            let OutboxOutcome::Delivered { id, at, record } = o else {
                b.others.push(o);
                continue;
            };
            b.done.push(json!([id, at]));
            match record {
                None => {}
                Some(DeliveryRecord::Digest {
                    channel,
                    message_id,
                }) => b.digests.push((channel, message_id, *at)),
                Some(DeliveryRecord::Card { work_order, photos }) => {
                    cards.push((*id, work_order, *at));
                    let message = &work_order.message_id;
                    b.photos
                        .extend(photos.iter().map(|p| json!([message, p.get()])));
                }
            }
        }
        b.add_cards(cards);
        b
    }

    /// The cards in the order they were queued; of two cards of one request (reassigned twice within the
    /// batch's lanes), only the later stays active.
    fn add_cards(&mut self, mut cards: Vec<(i64, &WorkOrderRow, i64)>) {
        cards.sort_by_key(|(job, ..)| *job);
        for (i, (_, wo, at)) in cards.iter().enumerate() {
            let later = cards[i + 1..]
                .iter()
                .any(|(_, w, _)| w.reference == wo.reference);
            let request = ref_id(wo.reference);
            if !self.retire.contains(&json!(request)) {
                self.retire.push(json!(request));
            }
            self.cards.push(json!([
                request,
                wo.channel_id,
                wo.message_id,
                wo.thread_id,
                wo.department.as_str(),
                at,
                i64::from(!later)
            ]));
        }
    }
}

/// The list as a JSON text, or `None` when empty (its statement is skipped).
fn list(rows: &[Value]) -> Option<String> {
    (!rows.is_empty()).then(|| Value::from(rows.to_vec()).to_string())
}

impl Store {
    /// Records the outcomes of a batch of claimed jobs, with what their deliveries left to remember, in ONE
    /// transaction. When that fails, each outcome is recorded on its own; the jobs whose own record fails are
    /// told in the error and stay leased, to be tried again when their lease ends (at least once, never lost).
    pub async fn record_outbox_outcomes(
        &self,
        outcomes: &[OutboxOutcome],
    ) -> Result<(), Unrecorded> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let e = match self.record_together(outcomes).await {
            Ok(()) => return Ok(()),
            Err(error) if outcomes.len() == 1 => {
                return Err(Unrecorded {
                    jobs: vec![outcomes[0].id()],
                    error,
                })
            }
            Err(e) => e,
        };
        warn!(error = %format!("{e:#}"), jobs = outcomes.len(), "the batch's record failed; recording its jobs one by one");
        let mut unrecorded: Option<Unrecorded> = None;
        for o in outcomes {
            if let Err(error) = self.record_together(std::slice::from_ref(o)).await {
                unrecorded
                    .get_or_insert(Unrecorded {
                        jobs: Vec::new(),
                        error,
                    })
                    .jobs
                    .push(o.id());
            }
        }
        unrecorded.map_or(Ok(()), Err)
    }

    /// Records a posted work order (earlier posts of the same request become inactive: it was reassigned).
    pub async fn record_work_order(&self, wo: &WorkOrderRow, now: i64) -> Result<(), StoreError> {
        let mut b = Batch::default();
        b.add_cards(vec![(0, wo, now)]);
        self.write_batch(&b).await
    }

    /// Remembers which photos were posted with the card that is chat message `message_id`.
    pub async fn record_card_photos(
        &self,
        message_id: &str,
        photos: &[AttachmentId],
    ) -> Result<(), StoreError> {
        let rows: Vec<Value> = photos
            .iter()
            .map(|p| json!([message_id, p.get()]))
            .collect();
        let Some(rows) = list(&rows) else {
            return Ok(());
        };
        let s = self.set_statements();
        on_pool!(self, p => {
            sqlx::query(s.photos).bind(rows).execute(p).await?;
            Ok(())
        })
    }

    /// Remembers the digest message of `channel` (replacing an earlier one).
    pub async fn record_chat_digest(
        &self,
        channel: &str,
        message_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query(DIGEST).bind(channel).bind(message_id).bind(now).execute(p).await?;
            Ok(())
        })
    }

    async fn record_together(&self, outcomes: &[OutboxOutcome]) -> Result<(), StoreError> {
        self.write_batch(&Batch::of(outcomes)).await
    }

    fn set_statements(&self) -> &'static SetStatements {
        match self.backend {
            Backend::Sqlite(_) => &SQLITE,
            Backend::Postgres(_) => &POSTGRES,
        }
    }

    /// One transaction: the set-based statements (each only when it has rows), then the few row-by-row ones.
    async fn write_batch(&self, b: &Batch<'_>) -> Result<(), StoreError> {
        let s = self.set_statements();
        let sets = [
            (s.done, list(&b.done)),
            (s.retire, list(&b.retire)),
            (s.cards, list(&b.cards)),
            (s.photos, list(&b.photos)),
        ];
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            for (sql, rows) in &sets {
                if let Some(rows) = rows {
                    sqlx::query(*sql).bind(rows.as_str()).execute(&mut *tx).await?;
                }
            }
            for (channel, message, at) in &b.digests {
                sqlx::query(DIGEST).bind(*channel).bind(*message).bind(*at).execute(&mut *tx).await?;
            }
            for o in &b.others {
                let q = match o {
                    OutboxOutcome::Failed { id, error, next_attempt_at, give_up, now } => sqlx::query(RETRY)
                        .bind(*id).bind(error.as_str()).bind(*next_attempt_at).bind(*give_up).bind(*now),
                    OutboxOutcome::Deferred { id, error, next_attempt_at } => sqlx::query(DEFER)
                        .bind(*id).bind(error.as_str()).bind(*next_attempt_at),
                    OutboxOutcome::Delivered { .. } => continue,
                };
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
