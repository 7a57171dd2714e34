//! The intake's parse workers: a few long-lived threads that parse and classify mail. The regex engines keep a
//! lazy-DFA cache (megabytes each, for the reply stripper and the place finder) per thread that searches, in
//! a pool keyed by thread; on tokio's blocking pool, shared with file writes, every short-lived thread that
//! ever ran a parse left its own set of caches behind. Here they exist once per worker.
//!
//! A job that overruns its caller's deadline keeps its worker (a thread cannot be killed); the next job then
//! finds no idle worker and starts another, which ends after a while idle, so a stuck parse never holds up
//! the ones behind it.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// How long a worker beyond the first few waits idle before it ends.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// Workers that stay however long they are idle: the intake's parse concurrency.
pub(super) fn kept() -> usize {
    if let Some(n) = std::env::var("C311_PARSE_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    idle: usize,
    workers: usize,
}

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
    kept: usize,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool {
    state: Mutex::default(),
    wake: Condvar::new(),
    kept: kept(),
});

/// What a job gave, or the payload of its panic.
pub type Outcome<T> = std::thread::Result<T>;

/// Runs `f` on a parse worker; the answer is its result, or its panic (the worker lives on).
pub fn run<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> oneshot::Receiver<Outcome<T>> {
    let (tx, rx) = oneshot::channel();
    POOL.submit(Box::new(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    }));
    rx
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A job's panic is caught inside it, so the lock is never held by a panicking thread.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `job`; wakes an idle worker for it, or starts one when none is idle.
    fn submit(&'static self, job: Job) {
        let mut s = self.lock();
        s.queue.push_back(job);
        if s.idle >= s.queue.len() {
            self.wake.notify_one();
            return;
        }
        s.workers += 1;
        drop(s);
        let started = std::thread::Builder::new()
            .name("c311-parse".into())
            .spawn(move || self.work());
        if let Err(e) = started {
            // The job waits for a worker that is busy now; its caller's deadline still holds.
            tracing::warn!(error = %e, "could not start a parse worker");
            self.lock().workers -= 1;
        }
    }

    /// A worker's life: jobs in order; beyond the kept few, it ends after [`IDLE_EXIT`] without work.
    fn work(&self) {
        let mut s = self.lock();
        loop {
            if let Some(job) = s.queue.pop_front() {
                drop(s);
                job();
                s = self.lock();
                continue;
            }
            s.idle += 1;
            let (guard, waited) = self
                .wake
                .wait_timeout(s, IDLE_EXIT)
                .unwrap_or_else(|p| p.into_inner());
            s = guard;
            s.idle -= 1;
            if waited.timed_out() && s.queue.is_empty() && s.workers > self.kept {
                s.workers -= 1;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_answer_and_a_panic_is_its_own_answer() {
        let answers: Vec<_> = (0..20).map(|i| run(move || i * 2)).collect();
        for (i, a) in answers.into_iter().enumerate() {
            assert_eq!(a.await.unwrap().unwrap(), i * 2);
        }
        let boom = run(|| -> u8 { panic!("boom") }).await.unwrap();
        assert!(boom.is_err());
        assert_eq!(run(|| 7).await.unwrap().unwrap(), 7, "the pool lives on");
    }

    #[tokio::test]
    async fn a_stuck_job_does_not_hold_up_the_next() {
        let held: Vec<_> = (0..kept() + 1)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::channel::<()>();
                let r = run(move || {
                    let _ = rx.recv();
                });
                (tx, r)
            })
            .collect();
        // Every kept worker (and one more) is busy; the next job still runs (a minute bounds a hang, not speed).
        let next = tokio::time::timeout(Duration::from_secs(60), run(|| 42)).await;
        assert_eq!(
            next.expect("the next job waited for the stuck ones")
                .unwrap()
                .unwrap(),
            42
        );
        for (tx, r) in held {
            drop(tx);
            r.await.unwrap().unwrap();
        }
    }
}
