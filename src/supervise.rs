//! Supervision: each long-running worker runs under a loop that restarts it when it returns (with an error,
//! or at all before shutdown) or panics, after an exponential backoff that starts over once it ran healthily
//! for a while; every restart, panic and last error goes to the [`Monitor`]. Stops on the service's token.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::monitor::{Component, HealthSettings, Monitor};

/// How a failed worker is restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    pub min: Duration,
    pub max: Duration,
    /// A worker that ran this long before failing starts again from `min`.
    pub healthy_after: Duration,
}

impl RestartPolicy {
    /// `min · 2^(failures-1)`, capped at `max`.
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
        self.min.saturating_mul(factor).min(self.max)
    }
}

impl From<&HealthSettings> for RestartPolicy {
    fn from(h: &HealthSettings) -> Self {
        RestartPolicy {
            min: h.restart_min,
            max: h.restart_max,
            healthy_after: h.restart_healthy_after,
        }
    }
}

/// Spawns supervised workers on the service's tracker.
#[derive(Clone)]
pub struct Supervisor {
    pub tracker: TaskTracker,
    pub cancel: CancellationToken,
    pub monitor: Monitor,
    pub policy: RestartPolicy,
}

impl Supervisor {
    /// Runs `start()`'s worker as `component` until the token is cancelled, restarting it as needed. A worker
    /// should return only once cancelled; returning earlier, even with `Ok`, counts as a failure.
    pub fn spawn<F, Fut>(&self, component: Component, start: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let s = self.clone();
        self.monitor.worker_started(component);
        self.tracker
            .spawn(async move { s.supervise(component, start).await });
    }

    async fn supervise<F, Fut>(self, component: Component, mut start: F)
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let mut failures = 0u32;
        loop {
            self.monitor.worker_started(component);
            let began = Instant::now();
            let outcome = AssertUnwindSafe(async { start().await })
                .catch_unwind()
                .await;
            if self.cancel.is_cancelled() {
                break;
            }
            let (error, panicked) = describe(outcome);
            failures = if began.elapsed() >= self.policy.healthy_after {
                1
            } else {
                failures.saturating_add(1)
            };
            let delay = self.policy.delay(failures);
            self.monitor.worker_failed(component, &error, panicked);
            tracing::error!(component = component.as_str(), %error, panicked, failures,
                restart_in_ms = delay.as_millis() as u64, "worker stopped; restarting it after a delay");
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
            }
            self.monitor.worker_restarting(component);
        }
        tracing::debug!(
            component = component.as_str(),
            "worker stopped for shutdown"
        );
    }
}

/// Why a worker ended, and whether it panicked.
fn describe(outcome: Result<anyhow::Result<()>, Box<dyn Any + Send>>) -> (String, bool) {
    match outcome {
        Ok(Ok(())) => ("stopped without being asked to".into(), false),
        Ok(Err(e)) => (format!("{e:#}"), false),
        Err(payload) => (format!("panicked: {}", panic_text(payload.as_ref())), true),
    }
}

/// The message a panic carried (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    fn policy() -> RestartPolicy {
        RestartPolicy {
            min: Duration::from_millis(1),
            max: Duration::from_millis(4),
            healthy_after: Duration::from_secs(3600),
        }
    }

    #[test]
    fn delays_double_and_cap() {
        let p = RestartPolicy {
            min: Duration::from_secs(1),
            max: Duration::from_secs(60),
            healthy_after: Duration::from_secs(60),
        };
        let got: Vec<u64> = (1..=8).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.delay(u32::MAX).as_secs(), 60);
    }

    #[tokio::test]
    async fn errors_and_panics_are_restarted_counted_and_remembered() {
        let sup = Supervisor {
            tracker: TaskTracker::new(),
            cancel: CancellationToken::new(),
            monitor: Monitor::default(),
            policy: policy(),
        };
        let runs = Arc::new(AtomicU32::new(0));
        let (r, cancel) = (runs.clone(), sup.cancel.clone());
        sup.spawn(Component::Sweeper, move || {
            let (n, cancel) = (r.fetch_add(1, Ordering::SeqCst), cancel.clone());
            async move {
                match n {
                    0 => anyhow::bail!("database is locked"),
                    1 => panic!("index out of bounds"),
                    _ => {
                        cancel.cancelled().await;
                        Ok(())
                    }
                }
            }
        });
        let third_run = async {
            while runs.load(Ordering::SeqCst) < 3 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), third_run)
            .await
            .expect("restarted twice");
        let w = sup.monitor.snapshot().workers[&Component::Sweeper].clone();
        assert!(w.running);
        assert_eq!((w.restarts, w.panics), (2, 1));
        assert_eq!(w.last_error.unwrap().text, "panicked: index out of bounds");
        sup.cancel.cancel();
        sup.tracker.close();
        sup.tracker.wait().await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "not restarted after shutdown"
        );
    }
}
