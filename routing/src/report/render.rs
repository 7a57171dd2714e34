//! The report as readable text (`Display`) and as CSV.

use std::fmt::{self, Write as _};

use super::{Count, DepartmentSla, OriginFigures, Report, SlaCounts, Timing};

/// A local date-time for headings, in the report's time zone with its abbreviation (`2026-06-01 00:00 EDT`).
pub(super) fn when(report: &Report, ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| {
            t.with_timezone(&report.timezone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
}

fn hours(h: Option<f64>) -> String {
    h.map_or("-".into(), |h| format!("{h:.1} h"))
}

fn pct(p: Option<f64>) -> String {
    p.map_or("n/a".into(), |p| format!("{p:.1}%"))
}

fn sla_cell(s: &SlaCounts) -> String {
    let mut cell = format!("{}/{} {}", s.met, s.met + s.missed, pct(s.percent));
    if s.pending > 0 {
        let _ = write!(cell, " (+{} pending)", s.pending);
    }
    cell
}

fn table(f: &mut fmt::Formatter<'_>, title: &str, rows: &[Count]) -> fmt::Result {
    writeln!(f, "\n{title}")?;
    if rows.is_empty() {
        return writeln!(f, "  (none)");
    }
    let width = rows
        .iter()
        .map(|c| c.key.chars().count())
        .max()
        .unwrap_or(0);
    for c in rows {
        writeln!(f, "  {:<width$}  {:>5}", c.key, c.count)?;
    }
    Ok(())
}

fn timing_line(f: &mut fmt::Formatter<'_>, title: &str, t: &Timing) -> fmt::Result {
    writeln!(
        f,
        "  {title:<16} n={:<4} median {} business ({} wall), p90 {} business ({} wall)",
        t.count,
        hours(t.median_business_hours),
        hours(t.median_wall_hours),
        hours(t.p90_business_hours),
        hours(t.p90_wall_hours),
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "311 report: {} to {} ({}), as of {}",
            when(self, self.from_ms),
            when(self, self.to_ms),
            self.timezone,
            when(self, self.now_ms)
        )?;
        writeln!(
            f,
            "Requests received: {} ({} duplicates merged)",
            self.total, self.duplicates_merged
        )?;
        origin_lines(f, &self.by_origin)?;
        table(f, "By category", &self.by_category)?;
        table(f, "By department", &self.by_department)?;
        table(f, "By ISO week", &self.by_week)?;
        table(f, "By language", &self.by_language)?;
        writeln!(f, "\nTime taken (nearest-rank percentiles)")?;
        timing_line(f, "to acknowledge", &self.acknowledge)?;
        timing_line(f, "to close", &self.close)?;
        writeln!(f, "\nSLA compliance (met/judged)")?;
        let width = self
            .sla
            .iter()
            .map(|s| s.department.as_str().len())
            .max()
            .unwrap_or(0)
            .max(3);
        let line = |f: &mut fmt::Formatter<'_>, s: &DepartmentSla| {
            writeln!(
                f,
                "  {:<width$}  acknowledged on time {:<26} closed on time {}",
                s.department.as_str(),
                sla_cell(&s.response),
                sla_cell(&s.resolution)
            )
        };
        for s in &self.sla {
            line(f, s)?;
        }
        line(f, &self.sla_overall)?;
        let buckets: Vec<String> = self
            .backlog
            .iter()
            .map(|c| format!("{} {}", c.key, c.count))
            .collect();
        writeln!(
            f,
            "\nOpen backlog: {} ({})",
            self.backlog_total,
            buckets.join(", ")
        )?;
        writeln!(
            f,
            "Reopened: {} of {} closed ({})",
            self.reopens.reopened,
            self.reopens.closed,
            pct(self.reopens.percent)
        )?;
        table(f, "Top locations", &self.top_locations)
    }
}

/// Public and internal requests side by side: volume, backlog and SLA compliance.
fn origin_lines(f: &mut fmt::Formatter<'_>, origins: &[OriginFigures]) -> fmt::Result {
    writeln!(
        f,
        "\nBy origin (residents' requests vs internal work orders)"
    )?;
    for o in origins {
        writeln!(
            f,
            "  {:<8}  received {:>5} ({} duplicates)  open {:>5}  acknowledged on time {:<26} closed on time {}",
            o.origin.as_str(),
            o.total,
            o.duplicates_merged,
            o.backlog,
            sla_cell(&o.response),
            sla_cell(&o.resolution)
        )?;
    }
    Ok(())
}

/// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:.2}"))
}

impl Report {
    /// The report as CSV, one section per table. Each section is a line with the section's name, a header
    /// line, its rows, then a blank line. Sections, in order, with their columns:
    ///
    /// - `summary`: `metric,value` — `from`, `to`, `now` (local `YYYY-MM-DD HH:MM`), `timezone`, `total`,
    ///   `duplicates_merged`, `backlog_total`, `closed_at_least_once`, `reopened`, `reopen_percent`
    /// - `volume_by_category`: `category,count`; `volume_by_department`: `department,count`;
    ///   `volume_by_week`: `iso_week,count`; `volume_by_language`: `language,count`
    /// - `timing`: `measure,count,median_business_hours,p90_business_hours,median_wall_hours,p90_wall_hours`
    ///   with rows `acknowledge` and `close`
    /// - `sla_by_department`: `department,response_met,response_missed,response_pending,response_percent,
    ///   resolution_met,resolution_missed,resolution_pending,resolution_percent`, then a row `all`
    /// - `backlog`: `age,count`; `top_locations`: `location,count`
    /// - `by_origin`: `origin,total,duplicates_merged,backlog,response_met,response_missed,response_pending,
    ///   response_percent,resolution_met,resolution_missed,resolution_pending,resolution_percent` with rows
    ///   `public` and `internal`
    ///
    /// Hours and percentages have two decimals; a figure without data is an empty field.
    pub fn to_csv(&self) -> String {
        let pairs = |rows: &[Count]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|c| vec![c.key.clone(), c.count.to_string()])
                .collect()
        };
        let sections = [
            ("summary", "metric,value", self.summary_rows()),
            ("volume_by_category", "category,count", pairs(&self.by_category)),
            ("volume_by_department", "department,count", pairs(&self.by_department)),
            ("volume_by_week", "iso_week,count", pairs(&self.by_week)),
            ("volume_by_language", "language,count", pairs(&self.by_language)),
            (
                "timing",
                "measure,count,median_business_hours,p90_business_hours,median_wall_hours,p90_wall_hours",
                self.timing_rows(),
            ),
            (
                "sla_by_department",
                "department,response_met,response_missed,response_pending,response_percent,\
                 resolution_met,resolution_missed,resolution_pending,resolution_percent",
                self.sla_rows(),
            ),
            ("backlog", "age,count", pairs(&self.backlog)),
            ("top_locations", "location,count", pairs(&self.top_locations)),
            (
                "by_origin",
                "origin,total,duplicates_merged,backlog,response_met,response_missed,response_pending,\
                 response_percent,resolution_met,resolution_missed,resolution_pending,resolution_percent",
                self.origin_rows(),
            ),
        ];
        let mut out = String::new();
        for (name, header, rows) in sections {
            let _ = writeln!(out, "{name}\n{header}");
            for row in rows {
                let fields: Vec<String> = row.iter().map(|s| field(s)).collect();
                let _ = writeln!(out, "{}", fields.join(","));
            }
            out.push('\n');
        }
        out
    }

    /// The `summary` section: the period, totals and reopen figures as `metric,value` rows.
    fn summary_rows(&self) -> Vec<Vec<String>> {
        let r = &self.reopens;
        [
            ("from", when(self, self.from_ms)),
            ("to", when(self, self.to_ms)),
            ("now", when(self, self.now_ms)),
            ("timezone", self.timezone.name().to_string()),
            ("total", self.total.to_string()),
            ("duplicates_merged", self.duplicates_merged.to_string()),
            ("backlog_total", self.backlog_total.to_string()),
            ("closed_at_least_once", r.closed.to_string()),
            ("reopened", r.reopened.to_string()),
            ("reopen_percent", num(r.percent)),
        ]
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect()
    }

    /// The `timing` section: acknowledge and close times.
    fn timing_rows(&self) -> Vec<Vec<String>> {
        let timing = |name: &str, t: &Timing| {
            vec![
                name.to_string(),
                t.count.to_string(),
                num(t.median_business_hours),
                num(t.p90_business_hours),
                num(t.median_wall_hours),
                num(t.p90_wall_hours),
            ]
        };
        vec![
            timing("acknowledge", &self.acknowledge),
            timing("close", &self.close),
        ]
    }

    /// The `by_origin` section: public, then internal.
    fn origin_rows(&self) -> Vec<Vec<String>> {
        self.by_origin
            .iter()
            .map(|o| {
                let mut row = vec![
                    o.origin.as_str().to_string(),
                    o.total.to_string(),
                    o.duplicates_merged.to_string(),
                    o.backlog.to_string(),
                ];
                for c in [&o.response, &o.resolution] {
                    row.extend([
                        c.met.to_string(),
                        c.missed.to_string(),
                        c.pending.to_string(),
                        num(c.percent),
                    ]);
                }
                row
            })
            .collect()
    }

    /// The `sla_by_department` section: one row per department, then `all`.
    fn sla_rows(&self) -> Vec<Vec<String>> {
        let sla = |s: &DepartmentSla| {
            let mut row = vec![s.department.to_string()];
            for c in [&s.response, &s.resolution] {
                row.extend([
                    c.met.to_string(),
                    c.missed.to_string(),
                    c.pending.to_string(),
                    num(c.percent),
                ]);
            }
            row
        };
        self.sla
            .iter()
            .chain([&self.sla_overall])
            .map(sla)
            .collect()
    }
}
