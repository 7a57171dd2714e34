//! Reports for managers: rows from the store handed to the pure report in `routing`, rendered as text, CSV,
//! JSON or an SVG chart, and the short weekly scorecard posted to chat.

use anyhow::{Context, Result};
use routing::report::internal::InternalTable;
use routing::report::{Origin, Report, ReportTally};
use routing::DepartmentId;

use crate::desk::Desk;

/// The department-to-department table for internal requests created in `[from, to)` (optionally only pairs
/// that involve `department`, asking or asked), judged as of now.
pub async fn internal_table(
    desk: &Desk,
    from: i64,
    to: i64,
    department: Option<&DepartmentId>,
) -> Result<InternalTable> {
    let mut rows = desk.store().internal_rows(from, to).await?;
    rows.retain(|r| department.is_none_or(|d| &r.asked_by == d || &r.assigned_to == d));
    Ok(InternalTable::build(
        &rows,
        from,
        to,
        desk.now(),
        &desk.city().calendar,
    ))
}

/// Builds the report for requests created in `[from, to)` (plus the open backlog), judged as of now. The rows
/// are streamed into running totals: memory does not grow with the history.
pub async fn build(
    desk: &Desk,
    from: i64,
    to: i64,
    department: Option<&DepartmentId>,
) -> Result<Report> {
    let now = desk.now();
    let mut tally = ReportTally::new(from, to, now, &desk.city().calendar);
    desk.store()
        .each_report_row(from, to, department, |row| tally.add(&row))
        .await?;
    Ok(tally.finish())
}

fn pct(met: u32, missed: u32) -> String {
    if met + missed == 0 {
        "—".into()
    } else {
        format!("{:.0}%", 100.0 * f64::from(met) / f64::from(met + missed))
    }
}

/// A few lines for chat: volume, residents' and internal requests apart, SLA compliance per department, backlog.
pub fn scorecard_text(r: &Report) -> String {
    let mut out =
        format!(
        "{} new requests · backlog {} · duplicates merged {} · on-time response {} / resolution {}",
        r.total,
        r.backlog_total,
        r.duplicates_merged,
        pct(r.sla_overall.response.met, r.sla_overall.response.missed),
        pct(r.sla_overall.resolution.met, r.sla_overall.resolution.missed)
    );
    for o in &r.by_origin {
        out.push_str(&format!(
            "\n{} {}: {} new · open {} · on-time response {} / resolution {}",
            match o.origin {
                Origin::Public => "👥",
                Origin::Internal => "🏛️",
            },
            match o.origin {
                Origin::Public => "Residents",
                Origin::Internal => "Internal (department to department)",
            },
            o.total,
            o.backlog,
            pct(o.response.met, o.response.missed),
            pct(o.resolution.met, o.resolution.missed)
        ));
    }
    for d in &r.sla {
        out.push_str(&format!(
            "\n• {}: response {} · resolution {}",
            d.department,
            pct(d.response.met, d.response.missed),
            pct(d.resolution.met, d.resolution.missed)
        ));
    }
    out
}

/// Parses `YYYY-MM-DD` as the start of that day in the city's time zone.
pub fn parse_day(desk: &Desk, s: &str) -> Result<i64> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("`{s}` is not a date (YYYY-MM-DD)"))?;
    Ok(desk.city().calendar.instant(d, chrono::NaiveTime::MIN))
}
