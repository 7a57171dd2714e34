//! The report's running totals: rows are added one at a time, in any order (streamed from the store), and the
//! figures are finished at the end, so memory holds counts and the period's durations, never the rows.

use std::collections::BTreeMap;

use super::{
    iso_week, iso_weeks, judge, percent, ranked_counts, Count, DepartmentSla, Known, Origin,
    OriginFigures, Reopens, Report, ReportRequest, SlaCounts, Timing, BUCKETS, TOP_LOCATIONS,
};
use crate::calendar::{Calendar, DAY_MS};
use crate::duplicates::canonical_place;
use crate::types::DepartmentId;

/// Durations from creation to one milestone, in business and wall-clock milliseconds.
#[derive(Default)]
struct Spans {
    business: Vec<i64>,
    wall: Vec<i64>,
}

impl Spans {
    fn add(&mut self, cal: &Calendar, start: i64, end: i64) {
        self.business.push(cal.business_ms_between(start, end));
        self.wall.push((end - start).max(0));
    }
}

/// Everything [`Report`] counts, accumulated row by row.
pub struct ReportTally<'c> {
    from_ms: i64,
    to_ms: i64,
    now_ms: i64,
    cal: &'c Calendar,
    total: u32,
    weeks: BTreeMap<String, u32>,
    categories: BTreeMap<String, u32>,
    departments: BTreeMap<String, u32>,
    languages: BTreeMap<String, u32>,
    acknowledge: Spans,
    close: Spans,
    per_dept: BTreeMap<DepartmentId, DepartmentSla>,
    overall: DepartmentSla,
    backlog: [u32; BUCKETS.len()],
    duplicates: u32,
    ever_closed: u32,
    reopened: u32,
    places: BTreeMap<String, u32>,
    /// Public, then internal.
    origins: [OriginFigures; 2],
}

fn origin_figures(origin: Origin) -> OriginFigures {
    OriginFigures {
        origin,
        total: 0,
        duplicates_merged: 0,
        backlog: 0,
        response: SlaCounts::default(),
        resolution: SlaCounts::default(),
    }
}

fn bump(map: &mut BTreeMap<String, u32>, key: String) {
    *map.entry(key).or_default() += 1;
}

impl<'c> ReportTally<'c> {
    /// Totals for requests created in `from_ms..to_ms`, as things stand at `now_ms`.
    pub fn new(from_ms: i64, to_ms: i64, now_ms: i64, cal: &'c Calendar) -> Self {
        ReportTally {
            from_ms,
            to_ms,
            now_ms,
            cal,
            total: 0,
            weeks: iso_weeks(cal, from_ms, to_ms).map(|w| (w, 0)).collect(),
            categories: BTreeMap::new(),
            departments: BTreeMap::new(),
            languages: BTreeMap::new(),
            acknowledge: Spans::default(),
            close: Spans::default(),
            per_dept: BTreeMap::new(),
            overall: DepartmentSla::new(DepartmentId::new("all")),
            backlog: [0; BUCKETS.len()],
            duplicates: 0,
            ever_closed: 0,
            reopened: 0,
            places: BTreeMap::new(),
            origins: [
                origin_figures(Origin::Public),
                origin_figures(Origin::Internal),
            ],
        }
    }

    fn origin(&mut self, row: &ReportRequest) -> &mut OriginFigures {
        &mut self.origins[usize::from(row.internal)]
    }

    /// Counts one row: in the period's figures if created in the period, in the backlog if open now. Each
    /// row must be added once.
    pub fn add(&mut self, row: &ReportRequest) {
        if row.status.is_active() && row.created_ms <= self.now_ms {
            let age_days = (self.now_ms - row.created_ms) / DAY_MS;
            let i = BUCKETS
                .iter()
                .rposition(|&(_, lower)| age_days >= lower)
                .unwrap_or(0);
            self.backlog[i] += 1;
            self.origin(row).backlog += 1;
        }
        if (self.from_ms..self.to_ms).contains(&row.created_ms) {
            self.add_to_period(&Known::new(row, self.now_ms));
        }
    }

    fn add_to_period(&mut self, k: &Known) {
        let r = k.row;
        self.total += 1;
        self.origin(r).total += 1;
        bump(&mut self.weeks, iso_week(self.cal, r.created_ms));
        let category = r.category.as_ref();
        bump(
            &mut self.categories,
            category.map_or("uncategorised".into(), |c| c.to_string()),
        );
        bump(&mut self.departments, r.department.to_string());
        bump(&mut self.languages, r.language.code().to_string());
        if let Some(place) = r.location_norm.as_deref() {
            bump(&mut self.places, canonical_place(place));
        }
        if k.duplicate {
            self.duplicates += 1;
            self.origin(r).duplicates_merged += 1;
            return;
        }
        if let Some(t) = k.acknowledged {
            self.acknowledge.add(self.cal, r.created_ms, t);
        }
        if let Some(t) = k.closed {
            self.close.add(self.cal, r.created_ms, t);
        }
        let response = judge(k.acknowledged, r.response_due_ms, self.now_ms);
        let resolution = judge(k.closed, r.resolution_due_ms, self.now_ms);
        let dept = self
            .per_dept
            .entry(r.department.clone())
            .or_insert_with(|| DepartmentSla::new(r.department.clone()));
        for s in [dept, &mut self.overall] {
            s.response.add(response);
            s.resolution.add(resolution);
        }
        let origin = &mut self.origins[usize::from(r.internal)];
        origin.response.add(response);
        origin.resolution.add(resolution);
        if k.closed.is_some() || r.reopened_count > 0 {
            self.ever_closed += 1;
            self.reopened += u32::from(r.reopened_count > 0);
        }
    }

    /// The finished report.
    pub fn finish(self) -> Report {
        let timing = |s: Spans| Timing::of_values(s.business, s.wall);
        Report {
            from_ms: self.from_ms,
            to_ms: self.to_ms,
            now_ms: self.now_ms,
            timezone: self.cal.timezone(),
            total: self.total,
            by_category: ranked_counts(self.categories, usize::MAX),
            by_department: ranked_counts(self.departments, usize::MAX),
            by_week: self
                .weeks
                .into_iter()
                .map(|(key, count)| Count { key, count })
                .collect(),
            by_language: ranked_counts(self.languages, usize::MAX),
            acknowledge: timing(self.acknowledge),
            close: timing(self.close),
            sla: self
                .per_dept
                .into_values()
                .map(DepartmentSla::finish)
                .collect(),
            sla_overall: self.overall.finish(),
            backlog: BUCKETS
                .iter()
                .zip(self.backlog)
                .map(|(&(key, _), count)| Count {
                    key: key.into(),
                    count,
                })
                .collect(),
            backlog_total: self.backlog.iter().sum(),
            duplicates_merged: self.duplicates,
            reopens: Reopens {
                closed: self.ever_closed,
                reopened: self.reopened,
                percent: percent(self.reopened, self.ever_closed),
            },
            top_locations: ranked_counts(self.places, TOP_LOCATIONS),
            by_origin: self
                .origins
                .into_iter()
                .map(|mut o| {
                    for s in [&mut o.response, &mut o.resolution] {
                        s.percent = percent(s.met, s.met + s.missed);
                    }
                    o
                })
                .collect(),
        }
    }
}
