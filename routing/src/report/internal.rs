//! The department-to-department table: how departments serve each other's internal requests, per pair
//! (asking department → working department).
//!
//! How each figure is counted (the same rules as the main report, see `super`):
//! - A pair's requests are the internal requests **created** in `from_ms..to_ms`, keyed by the department that
//!   asked and the department that holds them at `now_ms`.
//! - **Answered** means closed at or before `now_ms`; **open** is the rest.
//! - **Acknowledged** is `acknowledged_ms`, or the close when closed without one.
//! - **Median** times are nearest-rank medians in business hours on the city calendar (wall clock beside).
//! - **SLA**: met when done at or before the due time, missed when done later or not done by `now_ms` after
//!   the due time, pending otherwise; the percentage is met / (met + missed).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::Serialize;

use super::{nearest_rank, SlaCounts};
use crate::calendar::{Calendar, HOUR_MS};
use crate::types::DepartmentId;

/// One internal request as the table needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalRow {
    /// The department that asked.
    pub asked_by: DepartmentId,
    /// The department that holds the request now.
    pub assigned_to: DepartmentId,
    pub created_ms: i64,
    pub acknowledged_ms: Option<i64>,
    /// Set only when the request is closed now.
    pub closed_ms: Option<i64>,
    pub response_due_ms: i64,
    pub resolution_due_ms: i64,
}

/// One pair of departments' figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairFigures {
    pub asked_by: DepartmentId,
    pub assigned_to: DepartmentId,
    pub asked: u32,
    pub answered: u32,
    pub open: u32,
    pub median_acknowledge_business_hours: Option<f64>,
    pub median_acknowledge_wall_hours: Option<f64>,
    pub median_close_business_hours: Option<f64>,
    pub median_close_wall_hours: Option<f64>,
    pub response: SlaCounts,
    pub resolution: SlaCounts,
}

/// The whole table for one period, pairs in (asked_by, assigned_to) order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InternalTable {
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    pub pairs: Vec<PairFigures>,
}

impl InternalTable {
    /// Computes the table for internal requests created in `from_ms..to_ms`, as things stand at `now_ms`.
    pub fn build(
        rows: &[InternalRow],
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
        cal: &Calendar,
    ) -> InternalTable {
        let mut pairs: BTreeMap<(&DepartmentId, &DepartmentId), Vec<&InternalRow>> =
            BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| (from_ms..to_ms).contains(&r.created_ms))
        {
            pairs
                .entry((&r.asked_by, &r.assigned_to))
                .or_default()
                .push(r);
        }
        InternalTable {
            from_ms,
            to_ms,
            now_ms,
            pairs: pairs
                .into_iter()
                .map(|((from, to), rows)| pair(from, to, &rows, now_ms, cal))
                .collect(),
        }
    }

    /// The table as aligned text, one line per pair.
    pub fn to_text(&self) -> String {
        let mut out = String::from("\nDepartment to department (internal requests)\n");
        if self.pairs.is_empty() {
            out.push_str("  (none)\n");
            return out;
        }
        let _ = writeln!(
            out,
            "  {:<28} {:>5} {:>8} {:>10} {:>10} {:>16} {:>16}",
            "asked by → assigned to",
            "asked",
            "answered",
            "med. ack",
            "med. close",
            "response SLA",
            "resolution SLA"
        );
        for p in &self.pairs {
            let _ = writeln!(
                out,
                "  {:<28} {:>5} {:>8} {:>10} {:>10} {:>16} {:>16}",
                format!("{} → {}", p.asked_by, p.assigned_to),
                p.asked,
                p.answered,
                hours(p.median_acknowledge_business_hours),
                hours(p.median_close_business_hours),
                sla(&p.response),
                sla(&p.resolution),
            );
        }
        out
    }

    /// The table as CSV (one header line, one line per pair; hours in business hours, empty when unknown).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "asked_by,assigned_to,asked,answered,open,median_ack_business_hours,median_close_business_hours,\
             response_met,response_missed,response_pending,resolution_met,resolution_missed,resolution_pending\n",
        );
        let num = |h: Option<f64>| h.map_or(String::new(), |h| format!("{h:.2}"));
        for p in &self.pairs {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{}",
                p.asked_by,
                p.assigned_to,
                p.asked,
                p.answered,
                p.open,
                num(p.median_acknowledge_business_hours),
                num(p.median_close_business_hours),
                p.response.met,
                p.response.missed,
                p.response.pending,
                p.resolution.met,
                p.resolution.missed,
                p.resolution.pending,
            );
        }
        out
    }
}

impl fmt::Display for InternalTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn pair(
    from: &DepartmentId,
    to: &DepartmentId,
    rows: &[&InternalRow],
    now: i64,
    cal: &Calendar,
) -> PairFigures {
    let closed = |r: &InternalRow| r.closed_ms.filter(|&t| t <= now);
    let acknowledged = |r: &InternalRow| {
        let acked = r.acknowledged_ms.filter(|&t| t <= now);
        match (acked, closed(r)) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        }
    };
    let mut response = SlaCounts::default();
    let mut resolution = SlaCounts::default();
    for r in rows {
        count(&mut response, acknowledged(r), r.response_due_ms, now);
        count(&mut resolution, closed(r), r.resolution_due_ms, now);
    }
    let acks: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|r| Some((r.created_ms, acknowledged(r)?)))
        .collect();
    let closes: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|r| Some((r.created_ms, closed(r)?)))
        .collect();
    let answered = closes.len() as u32;
    PairFigures {
        asked_by: from.clone(),
        assigned_to: to.clone(),
        asked: rows.len() as u32,
        answered,
        open: rows.len() as u32 - answered,
        median_acknowledge_business_hours: median(&acks, |a, b| cal.business_ms_between(a, b)),
        median_acknowledge_wall_hours: median(&acks, |a, b| (b - a).max(0)),
        median_close_business_hours: median(&closes, |a, b| cal.business_ms_between(a, b)),
        median_close_wall_hours: median(&closes, |a, b| (b - a).max(0)),
        response: finish(response),
        resolution: finish(resolution),
    }
}

/// Adds one target's verdict: met by `done` at or before `due`, missed after it (or not done by `now`).
fn count(s: &mut SlaCounts, done: Option<i64>, due: i64, now: i64) {
    match done {
        Some(t) if t <= due => s.met += 1,
        Some(_) => s.missed += 1,
        None if now > due => s.missed += 1,
        None => s.pending += 1,
    }
}

fn finish(mut s: SlaCounts) -> SlaCounts {
    let judged = s.met + s.missed;
    s.percent = (judged > 0).then(|| f64::from(s.met) * 100.0 / f64::from(judged));
    s
}

/// The nearest-rank median of the spans measured by `length`, in hours.
fn median(spans: &[(i64, i64)], length: impl Fn(i64, i64) -> i64) -> Option<f64> {
    let mut v: Vec<i64> = spans.iter().map(|&(a, b)| length(a, b)).collect();
    v.sort_unstable();
    nearest_rank(&v, 50).map(|ms| ms as f64 / HOUR_MS as f64)
}

fn hours(h: Option<f64>) -> String {
    h.map_or("-".into(), |h| format!("{h:.1} h"))
}

fn sla(s: &SlaCounts) -> String {
    let judged = s.met + s.missed;
    match s.percent {
        Some(p) => format!("{}/{judged} {p:.0}%", s.met),
        None => "n/a".into(),
    }
}

#[cfg(test)]
#[path = "internal_tests.rs"]
mod tests;
