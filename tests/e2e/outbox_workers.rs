//! The outbox worker as the service runs it: woken by the commits that queue rows rather than by its poll (60 s
//! here, longer than any wait below), at the due time of a scheduled retry, on PostgreSQL by a row another
//! instance committed (also after its LISTEN connection was killed); and two workers racing over one database
//! deliver each row once, every lane in order. SQLite and PostgreSQL alike.

use crate::support::{self, Backend};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connect311::clock::SystemClock;
use connect311::desk::Desk;
use connect311::effect::Effect;
use connect311::monitor::Monitor;
use connect311::outbox_worker::{run, Deliverers};
use connect311::store::{Change, NewOutbox, Store};
use mail::inbound::Address;
use mail::outbound::{AutoSubmitted, MailSender, OutgoingMail, SendError};
use tokio_util::sync::CancellationToken;

/// The safety-net poll is a minute; a failed row is retried 200 ms later.
const SLOW_POLL: &str = "[outbox]\npoll_ms = 60000\nbackoff_base_ms = 200\nbackoff_max_ms = 200\n";
/// How long a test waits for a delivery: half the poll, so only a wake-up can deliver in time.
const WAIT: Duration = Duration::from_secs(30);

/// A relay that notes every mail it accepts (by subject, with the worker that sent it); an address in `flaky`
/// is refused once (421) and accepted after.
#[derive(Default)]
struct Relay {
    sent: Mutex<Vec<(usize, String)>>,
    flaky: Mutex<HashSet<String>>,
}

impl Relay {
    fn subjects(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// Waits (at most [`WAIT`]) until a mail with `subject` was accepted.
    async fn wait_for(&self, subject: &str) {
        let seen = async {
            while !self.subjects().iter().any(|s| s == subject) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(WAIT, seen).await.unwrap_or_else(|_| {
            panic!("`{subject}` not delivered within {WAIT:?} (the poll is 60 s): no wake-up")
        });
    }
}

/// The relay as one worker's sender, tagged with the worker's number.
struct Tagged(usize, Arc<Relay>);

#[async_trait::async_trait]
impl MailSender for Tagged {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        if self.1.flaky.lock().unwrap().remove(&mail.to.email) {
            return Err(SendError::Transient(anyhow::anyhow!(
                "421 4.3.0 try again later (test)"
            )));
        }
        // A send takes a moment, as a real one does, so two workers' batches overlap.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let mut sent = self.1.sent.lock().unwrap();
        sent.push((self.0, mail.subject.clone()));
        Ok(())
    }
}

fn mail(to: &str, subject: &str) -> NewOutbox {
    Effect::Email(OutgoingMail {
        from: Address::new("311@city.test"),
        to: Address::new(to),
        reply_to: None,
        subject: subject.into(),
        text: "Thank you.".into(),
        message_id: support::unique("wake"),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: AutoSubmitted::AutoReplied,
        language: Some("en".into()),
        attachments: Vec::new(),
    })
    .into()
}

/// A desk on `url` with the real clock (the worker sleeps until due times) and the slow poll.
async fn desk_on(url: &str, dir: &std::path::Path) -> Desk {
    let mut s = support::settings(dir, SLOW_POLL);
    s.database.url = Some(url.to_string());
    connect311::app::open_with(s, Arc::new(SystemClock))
        .await
        .expect("desk")
}

/// A running `outbox_worker::run`, as `serve` starts it.
struct Worker {
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    fn start(desk: &Desk, tag: usize, relay: &Arc<Relay>) -> Self {
        let d = Deliverers {
            mail: Arc::new(Tagged(tag, relay.clone())),
            chat: connect311::app::local_chat(desk),
        };
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(desk.clone(), d, Monitor::default(), cancel.clone()));
        Self { cancel, task }
    }

    async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the worker stops when cancelled")
            .expect("the worker does not panic");
    }
}

/// Lets the worker finish its pass and reach its wait. A pause too short could only let a test pass without
/// the wake-up under test (the row found by the pass itself), never fail a worker that wakes.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_row_committed_while_the_worker_is_idle_is_delivered_without_waiting_for_the_poll() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk_on(&backend.fresh_url(dir.path()).await, dir.path()).await;
        let relay = Arc::<Relay>::default();
        let worker = Worker::start(&desk, 0, &relay);
        settle().await;
        desk.store()
            .enqueue(&mail("a@example.test", "queued alone"), desk.now())
            .await
            .unwrap();
        relay.wait_for("queued alone").await;
        settle().await;
        // The intake path: a request and its acknowledgement committed in one transaction.
        let new = crate::store_contract::new_request("b@example.test");
        desk.store()
            .create_request(&new, desk.now(), |_| Change {
                outbox: vec![mail("b@example.test", "with its request")],
                ..Change::default()
            })
            .await
            .unwrap();
        relay.wait_for("with its request").await;
        worker.stop().await;
    }
}

#[tokio::test]
async fn a_retry_is_attempted_at_its_due_time_not_at_the_next_poll() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk_on(&backend.fresh_url(dir.path()).await, dir.path()).await;
        let relay = Arc::<Relay>::default();
        relay
            .flaky
            .lock()
            .unwrap()
            .insert("flaky@example.test".into());
        let worker = Worker::start(&desk, 0, &relay);
        desk.store()
            .enqueue(&mail("flaky@example.test", "refused once"), desk.now())
            .await
            .unwrap();
        relay.wait_for("refused once").await;
        worker.stop().await;
        let rows = desk.store().outbox_rows(false).await.unwrap();
        let attempts: Vec<_> = rows
            .iter()
            .map(|r| (r.attempts, r.done_at.is_some()))
            .collect();
        assert_eq!(
            attempts,
            [(2, true)],
            "{backend:?}: refused, then sent on its retry"
        );
    }
}

#[tokio::test]
async fn postgres_a_row_committed_by_another_instance_wakes_the_worker_even_after_its_listen_is_killed(
) {
    let dir = tempfile::tempdir().unwrap();
    let url = support::fresh_pg_url().await;
    let desk = desk_on(&url, dir.path()).await;
    // Another instance: its own pool, its own in-process signal, which this worker does not hear.
    let other = Store::connect(&url).await.unwrap();
    let relay = Arc::<Relay>::default();
    let worker = Worker::start(&desk, 0, &relay);
    settle().await;
    other
        .enqueue(
            &mail("a@example.test", "from the other instance"),
            desk.now(),
        )
        .await
        .unwrap();
    relay.wait_for("from the other instance").await;

    let killed = kill_listeners(&url).await;
    assert_eq!(killed, 1, "one worker, one LISTEN connection");
    settle().await;
    other
        .enqueue(
            &mail("a@example.test", "after the listener died"),
            desk.now(),
        )
        .await
        .unwrap();
    relay.wait_for("after the listener died").await;
    worker.stop().await;
}

/// Terminates every connection on `url`'s database whose last statement was a `LISTEN`; returns how many.
async fn kill_listeners(url: &str) -> usize {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let killed = sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    killed.len()
}

#[tokio::test]
async fn two_workers_racing_deliver_every_row_once_and_every_lane_in_order() {
    const LANES: usize = 8;
    const BEFORE: usize = 15;
    const DURING: usize = 5;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let url = backend.fresh_url(dir.path()).await;
        let a = desk_on(&url, dir.path()).await;
        // PostgreSQL: a second instance (its own pool, woken by LISTEN). SQLite is one process: a second worker
        // on the same store.
        let b = match backend {
            Backend::Postgres => desk_on(&url, &dir.path().join("b")).await,
            Backend::Sqlite => a.clone(),
        };
        let queue = |desk: &Desk, n: usize| {
            let desk = desk.clone();
            async move {
                for lane in 0..LANES {
                    let m = mail(
                        &format!("lane{lane}@example.test"),
                        &format!("lane{lane} #{n}"),
                    );
                    desk.store().enqueue(&m, desk.now()).await.unwrap();
                }
            }
        };
        for n in 0..BEFORE {
            queue(&a, n).await;
        }
        let relay = Arc::<Relay>::default();
        let workers = [Worker::start(&a, 0, &relay), Worker::start(&b, 1, &relay)];
        for n in BEFORE..BEFORE + DURING {
            queue(&b, n).await;
        }
        let total = LANES * (BEFORE + DURING);
        let all_sent = async {
            while relay.subjects().len() < total
                || !a.store().outbox_rows(true).await.unwrap().is_empty()
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(WAIT, all_sent)
            .await
            .unwrap_or_else(|_| panic!("{backend:?}: not all {total} rows delivered"));
        for w in workers {
            w.stop().await;
        }
        let mut by_lane: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for s in relay.subjects() {
            let (lane, n) = s.split_once(" #").unwrap();
            by_lane
                .entry(lane.to_string())
                .or_default()
                .push(n.parse().unwrap());
        }
        let in_order: Vec<usize> = (0..BEFORE + DURING).collect();
        assert_eq!(by_lane.len(), LANES, "{backend:?}");
        for (lane, got) in &by_lane {
            assert_eq!(
                got, &in_order,
                "{backend:?}: {lane} doubled, lost or reordered"
            );
        }
        let per_worker = |w: usize| {
            relay
                .sent
                .lock()
                .unwrap()
                .iter()
                .filter(|(t, _)| *t == w)
                .count()
        };
        println!(
            "{backend:?}: worker 0 sent {}, worker 1 sent {}",
            per_worker(0),
            per_worker(1)
        );
    }
}
