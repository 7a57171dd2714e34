//! The dashboard's figures: the store's SQL aggregates for the window, put together per department, per
//! service and overall, with names in the visitor's language and weeks on the city's calendar.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveTime};
use routing::{CategoryId, DepartmentId, Language};

use crate::desk::Desk;
use crate::store::{
    BacklogRow, DashboardScope, GroupFigures, MedianBy, MedianFigure, Milestone, SlaTally,
    StoreError, WeekFigures, BACKLOG_BUCKET_DAYS,
};

const DAY_MS: i64 = 86_400_000;

/// The figures of one department, one service, or everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    /// The department or category id (`other` for requests without a category; `all` overall).
    pub key: String,
    pub name: String,
    pub volume: i64,
    pub duplicates: i64,
    pub response: SlaTally,
    pub resolution: SlaTally,
    /// The median time to acknowledge and to close, in ms, with how many requests each is of.
    pub median_ack: Option<(i64, i64)>,
    pub median_close: Option<(i64, i64)>,
    /// Open now (any creation date); only for departments and overall.
    pub open: Option<i64>,
}

/// One week: its ISO name (`2026-W10`), its first day, and its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    pub iso: String,
    pub first_day: chrono::NaiveDate,
    pub volume: i64,
    pub response: SlaTally,
}

/// Open requests of one department by age bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    pub key: String,
    pub name: String,
    pub buckets: [i64; BACKLOG_BUCKET_DAYS.len()],
}

/// Everything the page and the summary CSV show.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub from: i64,
    pub to: i64,
    pub window_days: u32,
    pub overall: Line,
    pub departments: Vec<Line>,
    pub categories: Vec<Line>,
    pub weeks: Vec<Week>,
    pub backlog: Vec<Backlog>,
    pub backlog_total: [i64; BACKLOG_BUCKET_DAYS.len()],
}

/// The last `window_days` up to now, judged now, public requests only.
pub fn scope(desk: &Desk, window_days: u32) -> DashboardScope {
    let now = desk.now();
    DashboardScope {
        from: now - i64::from(window_days) * DAY_MS,
        to: now + 1,
        now,
        published_internal: desk.published_internal_categories(),
    }
}

/// Reads and assembles the figures (a handful of aggregate queries, whatever the history's size).
pub async fn build(desk: &Desk, lang: Language, window_days: u32) -> Result<Dashboard, StoreError> {
    let s = scope(desk, window_days);
    let store = desk.store();
    let groups = store.dashboard_groups(&s).await?;
    let medians = Medians::read(desk, &s).await?;
    let backlog_rows = store.dashboard_backlog(&s).await?;
    let week_bounds = weeks_of(desk, s.from, s.to);
    let bounds: Vec<(i64, i64)> = week_bounds.iter().map(|w| (w.1, w.2)).collect();
    let week_figures = store.dashboard_weeks(&s, &bounds).await?;

    let mut overall = Line {
        key: "all".into(),
        name: super::labels::labels(lang).all.into(),
        ..Line::default()
    };
    groups.iter().for_each(|g| add(&mut overall, g));
    overall.median_ack = medians.of(MedianBy::All, Milestone::Acknowledged, None);
    overall.median_close = medians.of(MedianBy::All, Milestone::Closed, None);
    let departments = department_lines(desk, lang, &groups, &backlog_rows, &medians);
    let categories = category_lines(desk, lang, &groups, &medians);
    let (backlog, backlog_total) = backlog_of(&departments, &backlog_rows);
    overall.open = Some(backlog_total.iter().sum());
    Ok(Dashboard {
        from: s.from,
        to: s.to,
        window_days,
        overall,
        departments,
        categories,
        weeks: weeks_from(week_bounds, &week_figures),
        backlog,
        backlog_total,
    })
}

/// The six median figures (by department, service and overall; to acknowledge and to close).
struct Medians(BTreeMap<(u8, u8), Vec<MedianFigure>>);

impl Medians {
    async fn read(desk: &Desk, s: &DashboardScope) -> Result<Self, StoreError> {
        let mut medians = BTreeMap::new();
        for by in [MedianBy::Department, MedianBy::Category, MedianBy::All] {
            for m in [Milestone::Acknowledged, Milestone::Closed] {
                let figures = desk.store().dashboard_medians(s, by, m).await?;
                medians.insert((by as u8, m as u8), figures);
            }
        }
        Ok(Medians(medians))
    }

    /// `(count, median ms)` of one group (`None` key: overall, or requests without a category).
    fn of(&self, by: MedianBy, m: Milestone, key: Option<&str>) -> Option<(i64, i64)> {
        self.0[&(by as u8, m as u8)]
            .iter()
            .find(|f| f.key.as_deref() == key)
            .map(|f| (f.count, f.median_ms))
    }
}

/// One line per department with requests in the window or open now, in the city file's order.
fn department_lines(
    desk: &Desk,
    lang: Language,
    groups: &[GroupFigures],
    backlog_rows: &[BacklogRow],
    medians: &Medians,
) -> Vec<Line> {
    let mut by_dept: BTreeMap<DepartmentId, Line> = BTreeMap::new();
    for g in groups {
        add(by_dept.entry(g.department.clone()).or_default(), g);
    }
    for b in backlog_rows {
        by_dept.entry(b.department.clone()).or_default();
    }
    let open_of = |d: &DepartmentId| {
        backlog_rows
            .iter()
            .find(|b| &b.department == d)
            .map_or(0, |b| b.buckets.iter().sum())
    };
    let mut lines: Vec<Line> = by_dept
        .into_iter()
        .map(|(id, mut l)| {
            let key = Some(id.as_str());
            l.median_ack = medians.of(MedianBy::Department, Milestone::Acknowledged, key);
            l.median_close = medians.of(MedianBy::Department, Milestone::Closed, key);
            l.open = Some(open_of(&id));
            l.name = desk.department_name(&id, lang);
            l.key = id.to_string();
            l
        })
        .collect();
    let order = desk.city().departments.iter().map(|d| d.id.as_str());
    sort_in_city_order(&mut lines, order);
    lines
}

/// One line per service (category) with requests in the window, in the city file's order.
fn category_lines(
    desk: &Desk,
    lang: Language,
    groups: &[GroupFigures],
    medians: &Medians,
) -> Vec<Line> {
    let mut by_cat: BTreeMap<Option<CategoryId>, Line> = BTreeMap::new();
    for g in groups {
        add(by_cat.entry(g.category.clone()).or_default(), g);
    }
    let mut lines: Vec<Line> = by_cat
        .into_iter()
        .map(|(id, mut l)| {
            let key = id.as_ref().map(|c| c.as_str());
            l.median_ack = medians.of(MedianBy::Category, Milestone::Acknowledged, key);
            l.median_close = medians.of(MedianBy::Category, Milestone::Closed, key);
            l.name = desk.category_name(id.as_ref(), lang);
            l.key = key.unwrap_or("other").to_string();
            l
        })
        .collect();
    let order = desk.city().categories.iter().map(|c| c.id.as_str());
    sort_in_city_order(&mut lines, order);
    lines
}

/// The open backlog of each department line by age bucket, and the buckets' totals.
fn backlog_of(
    departments: &[Line],
    backlog_rows: &[BacklogRow],
) -> (Vec<Backlog>, [i64; BACKLOG_BUCKET_DAYS.len()]) {
    let mut total = [0; BACKLOG_BUCKET_DAYS.len()];
    let backlog = departments
        .iter()
        .map(|d| {
            let buckets = backlog_rows
                .iter()
                .find(|b| b.department.as_str() == d.key)
                .map_or([0; BACKLOG_BUCKET_DAYS.len()], |b| b.buckets);
            for (t, n) in total.iter_mut().zip(buckets) {
                *t += n;
            }
            Backlog {
                key: d.key.clone(),
                name: d.name.clone(),
                buckets,
            }
        })
        .collect();
    (backlog, total)
}

/// Every week of the window, with its figures (zero when nothing came in that week).
fn weeks_from(bounds: Vec<(chrono::NaiveDate, i64, i64)>, figures: &[WeekFigures]) -> Vec<Week> {
    bounds
        .into_iter()
        .map(|(first_day, lo, _)| {
            let f = figures.iter().find(|w| w.start == lo);
            let w = first_day.iso_week();
            Week {
                iso: format!("{}-W{:02}", w.year(), w.week()),
                first_day,
                volume: f.map_or(0, |f| f.volume),
                response: f.map_or_else(SlaTally::default, |f| f.response),
            }
        })
        .collect()
}

fn add(line: &mut Line, g: &GroupFigures) {
    line.volume += g.volume;
    line.duplicates += g.duplicates;
    line.response.add(&g.response);
    line.resolution.add(&g.resolution);
}

/// Lines in the order the city lists them; ids it no longer lists go last, by id.
fn sort_in_city_order<'a>(lines: &mut [Line], order: impl Iterator<Item = &'a str>) {
    let order: Vec<&str> = order.collect();
    lines.sort_by_key(|l| {
        (
            order.iter().position(|o| *o == l.key).unwrap_or(usize::MAX),
            l.key.clone(),
        )
    });
}

/// The ISO weeks (Monday to Monday on the city's calendar) the window `[from, to)` touches, each as its Monday
/// and its `[start, end)` cut to the window.
pub fn weeks_of(desk: &Desk, from: i64, to: i64) -> Vec<(chrono::NaiveDate, i64, i64)> {
    let cal = &desk.city().calendar;
    let first = cal.local_date(from);
    let mut monday = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    let mut out = Vec::new();
    loop {
        let start = cal.instant(monday, NaiveTime::MIN);
        if start >= to {
            break;
        }
        let next = monday + Duration::days(7);
        let end = cal.instant(next, NaiveTime::MIN);
        out.push((monday, start.max(from), end.min(to)));
        monday = next;
    }
    out
}
