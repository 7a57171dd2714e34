//! Process-local counters (ingested messages, deliveries, restarts, panics) and the intake latency histogram,
//! and their Prometheus text exposition. They count what this process did since it started.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Component, Snapshot};

/// Every outcome of one inbound message, as `connect311_ingested_messages_total{outcome}` names it.
pub const INGEST_OUTCOMES: [&str; 7] = [
    "created",
    "appended",
    "duplicate",
    "automated",
    "bounce",
    "quarantined",
    "error",
];
const DELIVERY_KINDS: [&str; 2] = ["mail", "chat"];
const DELIVERY_OUTCOMES: [&str; 3] = ["sent", "retry", "failed"];
/// Upper bounds (seconds) of the inbox-to-commit latency buckets.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The counters of one process.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub ingested: BTreeMap<&'static str, u64>,
    /// By (kind, outcome).
    pub deliveries: BTreeMap<(&'static str, &'static str), u64>,
    /// Panics while handling one message (inbox) or job (outbox), caught and turned into a retry.
    pub unit_panics: BTreeMap<Component, u64>,
    pub ingest_latency: Histogram,
}

/// A Prometheus histogram over [`LATENCY_BUCKETS`].
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Observations per bucket (not cumulative); one more slot for `+Inf`.
    per_bucket: [u64; LATENCY_BUCKETS.len() + 1],
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        let i = LATENCY_BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.per_bucket[i] += 1;
        self.sum += seconds;
        self.count += 1;
    }

    /// `(le, cumulative count)` for every bucket, `+Inf` last.
    pub fn cumulative(&self) -> Vec<(String, u64)> {
        let mut total = 0;
        let mut out = Vec::with_capacity(self.per_bucket.len());
        for (i, n) in self.per_bucket.iter().enumerate() {
            total += n;
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            out.push((le, total));
        }
        out
    }
}

/// Appends the process-local series: build info, ingest and delivery counters, restarts, panics and latency.
/// Every label combination is written, zeros included, so a series never appears out of nowhere.
pub fn render(out: &mut String, s: &Snapshot) {
    let c = &s.counters;
    head(
        out,
        "connect311_build_info",
        "gauge",
        "Always 1; the version label says which build runs.",
    );
    let _ = writeln!(
        out,
        "connect311_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    head(out, "connect311_ingested_messages_total", "counter",
        "Inbound messages handled by this process's inbox worker, by outcome (process-local, since start).");
    for o in INGEST_OUTCOMES {
        let n = c.ingested.get(o).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "connect311_ingested_messages_total{{outcome=\"{o}\"}} {n}"
        );
    }
    head(out, "connect311_deliveries_total", "counter",
        "Outbox delivery attempts by this process, by kind and outcome (process-local, since start).");
    for k in DELIVERY_KINDS {
        for o in DELIVERY_OUTCOMES {
            let n = c.deliveries.get(&(k, o)).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "connect311_deliveries_total{{kind=\"{k}\",outcome=\"{o}\"}} {n}"
            );
        }
    }
    render_supervision(out, s);
    render_latency(out, &c.ingest_latency);
}

fn render_supervision(out: &mut String, s: &Snapshot) {
    head(
        out,
        "connect311_worker_restarts_total",
        "counter",
        "Restarts of a supervised worker after it failed or panicked (process-local, since start).",
    );
    for (c, w) in &s.workers {
        let _ = writeln!(
            out,
            "connect311_worker_restarts_total{{component=\"{}\"}} {}",
            c.as_str(),
            w.restarts
        );
    }
    head(out, "connect311_panics_total", "counter",
        "Panics caught by this process: of a whole worker (unit=worker), or of one inbound message (unit=message) \
         or outbox job (unit=job), which is then retried with backoff (process-local, since start).");
    for (c, w) in &s.workers {
        let _ = writeln!(
            out,
            "connect311_panics_total{{component=\"{}\",unit=\"worker\"}} {}",
            c.as_str(),
            w.panics
        );
    }
    for (c, unit) in [(Component::Inbox, "message"), (Component::Outbox, "job")] {
        let n = s.counters.unit_panics.get(&c).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "connect311_panics_total{{component=\"{}\",unit=\"{unit}\"}} {n}",
            c.as_str()
        );
    }
}

fn render_latency(out: &mut String, h: &Histogram) {
    let name = "connect311_ingest_commit_seconds";
    head(out, name, "histogram",
        "Time from an inbound message reaching the inbox worker's handler to the desk's commit (process-local).");
    for (le, n) in h.cumulative() {
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_sum {}", h.sum);
    let _ = writeln!(out, "{name}_count {}", h.count);
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_with_inf_last() {
        let mut h = Histogram::default();
        for s in [0.001, 0.2, 0.2, 99.0] {
            h.observe(s);
        }
        let b = h.cumulative();
        assert_eq!(b[0], ("0.005".to_string(), 1));
        assert_eq!(b.iter().find(|(le, _)| le == "0.25").unwrap().1, 3);
        assert_eq!(b.last().unwrap(), &("+Inf".to_string(), 4));
        assert_eq!(h.count, 4);
    }

    #[test]
    fn every_series_is_written_with_zeros() {
        let mut s = Snapshot::default();
        s.workers
            .insert(Component::Sweeper, super::super::Worker::default());
        let mut out = String::new();
        render(&mut out, &s);
        for series in [
            "connect311_ingested_messages_total{outcome=\"error\"} 0",
            "connect311_deliveries_total{kind=\"chat\",outcome=\"failed\"} 0",
            "connect311_worker_restarts_total{component=\"sweeper\"} 0",
            "connect311_panics_total{component=\"inbox\",unit=\"message\"} 0",
            "connect311_ingest_commit_seconds_bucket{le=\"+Inf\"} 0",
        ] {
            assert!(
                out.lines().any(|l| l == series),
                "{series} missing in\n{out}"
            );
        }
    }
}
