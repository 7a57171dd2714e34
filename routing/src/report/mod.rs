//! The manager's report, computed from plain request rows: volume, time to acknowledge and close, SLA
//! compliance per department, the open backlog, duplicates, reopens and hot spots. Rendered as text
//! (`Display`), CSV ([`Report::to_csv`]), JSON (serde) and an SVG chart ([`Report::svg_chart`]).
//!
//! How each figure is counted:
//! - **The period's requests** are the rows created in `from_ms..to_ms` (end excluded), judged on everything known
//!   at `now_ms` (an acknowledgement or close after `now_ms` is ignored). Volume, timings, SLA, duplicates,
//!   reopens and top locations are about them. The **backlog** is every row still open at `now_ms`, whenever it
//!   was created — so pass the period's rows plus every open row.
//! - **Acknowledged** means `acknowledged_ms`, or the close when a request was closed without one.
//! - **Duplicates** (`duplicate_of` set or closed as `duplicate`) count in volume, top locations and
//!   `duplicates_merged`, but not in timings, SLA or the reopen rate: they are not work done.
//! - **Timings** are nearest-rank percentiles: the p-th percentile of n sorted values is the value at rank
//!   ⌈p·n/100⌉ (1-based); the median is the 50th (the lower middle value when n is even). Each is given in
//!   business hours on the city calendar and in wall-clock hours.
//! - **SLA compliance**: a target is met when acknowledged (closed) at or before `response_due_ms`
//!   (`resolution_due_ms`), missed when done later or still not done at `now_ms` after the due time, and
//!   pending otherwise; the percentage is met / (met + missed), pending ones left out.
//! - **Backlog ages** are wall-clock `now_ms - created_ms`, in buckets `<1d`, `1-3d`, `3-7d`, `7-30d`, `>30d`,
//!   each including its lower bound (exactly 3 days old is `3-7d`).
//! - **Reopen rate**: of the period's requests closed at least once, the share reopened at least once.
//! - **Weeks** are ISO weeks (`2026-W24`) of the creation date in the city's time zone; every week the period
//!   touches is listed, empty ones as zero.
//! - **Top locations**: the 10 most frequent places, compared as [`crate::duplicates::canonical_place`] forms.
//! - **By origin**: the same volume, duplicate, backlog and SLA counts split between residents' (`public`)
//!   requests and internal work orders one department filed for another (`internal`); the two add up to the
//!   report's totals.

pub mod internal;
mod render;
#[cfg(test)]
mod render_tests;
mod svg;
mod tally;
#[cfg(test)]
mod tests;

pub use tally::ReportTally;

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use crate::calendar::{Calendar, HOUR_MS};
use crate::lifecycle::{CloseReason, Status};
use crate::reference::RequestRef;
use crate::types::{CategoryId, DepartmentId, Language};

/// One request as the report needs it (the store's row, flattened).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    pub reference: RequestRef,
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub language: Language,
    pub created_ms: i64,
    pub acknowledged_ms: Option<i64>,
    /// The current close; ignored unless `status` is `closed`.
    pub closed_ms: Option<i64>,
    pub close_reason: Option<CloseReason>,
    pub status: Status,
    pub response_due_ms: i64,
    pub resolution_due_ms: i64,
    pub location_norm: Option<String>,
    pub duplicate_of: Option<RequestRef>,
    pub reopened_count: u32,
    /// Filed by one department for another (an internal work order), not by a resident.
    pub internal: bool,
}

/// A labelled count in one of the report's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: u32,
}

/// Median and 90th percentile of a duration, in business and wall-clock hours; `None` without data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    pub count: u32,
    pub median_business_hours: Option<f64>,
    pub p90_business_hours: Option<f64>,
    pub median_wall_hours: Option<f64>,
    pub p90_wall_hours: Option<f64>,
}

/// How many of a target were met, missed and still pending; `percent` = met / (met + missed) × 100.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SlaCounts {
    pub met: u32,
    pub missed: u32,
    pub pending: u32,
    pub percent: Option<f64>,
}

/// One department's SLA compliance: acknowledged by `response_due` and closed by `resolution_due`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentSla {
    pub department: DepartmentId,
    pub response: SlaCounts,
    pub resolution: SlaCounts,
}

/// Where requests came from: residents (`public`) or one department asking another (`internal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Public,
    Internal,
}

impl Origin {
    /// The origin of a row.
    pub fn of(row: &ReportRequest) -> Origin {
        if row.internal {
            Origin::Internal
        } else {
            Origin::Public
        }
    }

    /// `public` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Public => "public",
            Origin::Internal => "internal",
        }
    }
}

/// One origin's share of the report: the period's requests, duplicates among them, the open backlog, and SLA
/// compliance (duplicates left out, as everywhere).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginFigures {
    pub origin: Origin,
    pub total: u32,
    pub duplicates_merged: u32,
    pub backlog: u32,
    pub response: SlaCounts,
    pub resolution: SlaCounts,
}

/// Reopens among the period's requests that were closed at least once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reopens {
    pub closed: u32,
    pub reopened: u32,
    pub percent: Option<f64>,
}

fn zone_name<S: serde::Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

/// The manager's report for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    /// The city's zone (from its calendar, checked when the city loaded); serialized as its IANA name.
    #[serde(serialize_with = "zone_name")]
    pub timezone: chrono_tz::Tz,
    /// Requests created in the period.
    pub total: u32,
    pub by_category: Vec<Count>,
    pub by_department: Vec<Count>,
    pub by_week: Vec<Count>,
    pub by_language: Vec<Count>,
    pub acknowledge: Timing,
    pub close: Timing,
    /// Per department, in id order.
    pub sla: Vec<DepartmentSla>,
    pub sla_overall: DepartmentSla,
    /// Open requests by age, in bucket order.
    pub backlog: Vec<Count>,
    pub backlog_total: u32,
    pub duplicates_merged: u32,
    pub reopens: Reopens,
    pub top_locations: Vec<Count>,
    /// Public then internal requests, always both (zeros when there are none).
    pub by_origin: Vec<OriginFigures>,
}

/// Backlog buckets: label and lower bound in days.
const BUCKETS: [(&str, i64); 5] = [
    ("<1d", 0),
    ("1-3d", 1),
    ("3-7d", 3),
    ("7-30d", 7),
    (">30d", 30),
];
const TOP_LOCATIONS: usize = 10;

/// A row's facts as known at `now`.
struct Known<'a> {
    row: &'a ReportRequest,
    closed: Option<i64>,
    acknowledged: Option<i64>,
    duplicate: bool,
}

impl<'a> Known<'a> {
    fn new(row: &'a ReportRequest, now: i64) -> Self {
        let closed = row
            .closed_ms
            .filter(|&t| row.status == Status::Closed && t <= now);
        let acked = row.acknowledged_ms.filter(|&t| t <= now);
        let acknowledged = match (acked, closed) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        let duplicate =
            row.duplicate_of.is_some() || row.close_reason == Some(CloseReason::Duplicate);
        Known {
            row,
            closed,
            acknowledged,
            duplicate,
        }
    }
}

impl Report {
    /// Computes the report for requests created in `from_ms..to_ms`, as things stand at `now_ms`.
    pub fn build(
        rows: &[ReportRequest],
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
        cal: &Calendar,
    ) -> Report {
        let mut tally = ReportTally::new(from_ms, to_ms, now_ms, cal);
        for row in rows {
            tally.add(row);
        }
        tally.finish()
    }
}

impl Timing {
    /// Percentiles of durations in business and wall-clock milliseconds (one of each per span).
    fn of_values(mut business: Vec<i64>, mut wall: Vec<i64>) -> Timing {
        business.sort_unstable();
        wall.sort_unstable();
        let hours = |v: &[i64], p| nearest_rank(v, p).map(|ms| ms as f64 / HOUR_MS as f64);
        Timing {
            count: wall.len() as u32,
            median_business_hours: hours(&business, 50),
            p90_business_hours: hours(&business, 90),
            median_wall_hours: hours(&wall, 50),
            p90_wall_hours: hours(&wall, 90),
        }
    }
}

/// The nearest-rank `p`-th percentile of sorted values: the value at 1-based rank ⌈p·n/100⌉.
pub fn nearest_rank(sorted: &[i64], p: u32) -> Option<i64> {
    let n = sorted.len();
    let rank = (p as usize * n).div_ceil(100).clamp(1, n.max(1));
    sorted.get(rank - 1).copied()
}

#[derive(Clone, Copy)]
enum Verdict {
    Met,
    Missed,
    Pending,
}

/// Whether a target due at `due` was met by `done`, as seen at `now`.
fn judge(done: Option<i64>, due: i64, now: i64) -> Verdict {
    match done {
        Some(t) if t <= due => Verdict::Met,
        Some(_) => Verdict::Missed,
        None if now > due => Verdict::Missed,
        None => Verdict::Pending,
    }
}

impl SlaCounts {
    fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Met => self.met += 1,
            Verdict::Missed => self.missed += 1,
            Verdict::Pending => self.pending += 1,
        }
    }
}

impl DepartmentSla {
    fn new(department: DepartmentId) -> Self {
        DepartmentSla {
            department,
            response: SlaCounts::default(),
            resolution: SlaCounts::default(),
        }
    }

    fn finish(mut self) -> Self {
        for s in [&mut self.response, &mut self.resolution] {
            s.percent = percent(s.met, s.met + s.missed);
        }
        self
    }
}

fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) * 100.0 / f64::from(whole))
}

/// Counts of each key, most frequent first (ties in key order), at most `limit` of them.
fn ranked_counts(counts: BTreeMap<String, u32>, limit: usize) -> Vec<Count> {
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    out.truncate(limit);
    out
}

/// The ISO week of an instant's local date, e.g. `2026-W24`.
fn iso_week(cal: &Calendar, ms: i64) -> String {
    let w = cal.local_date(ms).iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Every ISO week the period `from_ms..to_ms` touches, in order.
fn iso_weeks(cal: &Calendar, from_ms: i64, to_ms: i64) -> impl Iterator<Item = String> + '_ {
    let (first, last) = (
        cal.local_date(from_ms),
        cal.local_date((to_ms - 1).max(from_ms)),
    );
    let days = (last - first).num_days().clamp(0, 3660);
    (0..=days)
        .step_by(7)
        .map(move |d| first + chrono::Duration::days(d))
        .chain(std::iter::once(last))
        .map(|d| {
            let w = d.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        })
}
