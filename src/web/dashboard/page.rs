//! The dashboard's figures as HTML: headline tiles, the department and service tables, and the three charts
//! (weekly volume, backlog by age, on-time response by department), each followed by a table of its figures.
//! Every figure cell carries `data-figure="{line}:{measure}"` so that tests and scrapers can read it.

use maud::{html, Markup};
use routing::Language;

use super::charts::{columns, percent_rows, Bar};
use super::figures::{Dashboard, Line};
use super::labels::{duration, labels, percent, Labels};
use crate::store::SlaTally;

fn median_text(lang: Language, m: Option<(i64, i64)>) -> String {
    match m {
        Some((_, ms)) => duration(lang, ms),
        None => labels(lang).not_yet.to_string(),
    }
}

fn sla_text(lang: Language, s: &SlaTally) -> String {
    match s.percent() {
        Some(p) => percent(lang, p),
        None => labels(lang).not_yet.to_string(),
    }
}

/// A cell with a figure, named for machines (`data-figure`) and shown for people.
fn figure(line: &str, measure: &str, text: String) -> Markup {
    html! { td class="num" data-figure=(format!("{line}:{measure}")) { (text) } }
}

/// Headline tiles for the whole window.
pub fn tiles(lang: Language, d: &Dashboard) -> Markup {
    let l = labels(lang);
    let o = &d.overall;
    let tiles: [(&str, &str, String); 6] = [
        ("received", l.received, o.volume.to_string()),
        ("median_ack", l.median_ack, median_text(lang, o.median_ack)),
        (
            "median_close",
            l.median_close,
            median_text(lang, o.median_close),
        ),
        ("response", l.on_time_response, sla_text(lang, &o.response)),
        (
            "resolution",
            l.on_time_resolution,
            sla_text(lang, &o.resolution),
        ),
        ("open", l.open_now, o.open.unwrap_or(0).to_string()),
    ];
    html! {
        ul class="tiles" {
            @for (key, label, value) in tiles {
                li { span class="figure" data-figure=(format!("all:{key}")) { (value) } (label) }
            }
        }
    }
}

/// The per-department (with open counts) or per-service table.
pub fn lines_table(
    lang: Language,
    id: &str,
    caption: &str,
    first: &str,
    lines: &[Line],
    total: &Line,
) -> Markup {
    let l = labels(lang);
    let with_open = total.open.is_some() && lines.iter().all(|x| x.open.is_some());
    html! {
        div class="table-wrap" {
            table id=(id) {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (first) }
                    th scope="col" class="num" { (l.received) }
                    th scope="col" class="num" { (l.duplicates) }
                    th scope="col" class="num" { (l.median_ack) }
                    th scope="col" class="num" { (l.median_close) }
                    th scope="col" class="num" { (l.on_time_response) }
                    th scope="col" class="num" { (l.on_time_resolution) }
                    @if with_open { th scope="col" class="num" { (l.open_now) } }
                } }
                tbody {
                    @for x in lines.iter().chain(std::iter::once(total)) {
                        tr { th scope="row" { (x.name) } (line_cells(lang, x, with_open)) }
                    }
                }
            }
        }
    }
}

fn line_cells(lang: Language, x: &Line, with_open: bool) -> Markup {
    html! {
        (figure(&x.key, "received", x.volume.to_string()))
        (figure(&x.key, "duplicates", x.duplicates.to_string()))
        (figure(&x.key, "median_ack", median_text(lang, x.median_ack)))
        (figure(&x.key, "median_close", median_text(lang, x.median_close)))
        (figure(&x.key, "response", sla_text(lang, &x.response)))
        (figure(&x.key, "resolution", sla_text(lang, &x.resolution)))
        @if with_open { (figure(&x.key, "open", x.open.unwrap_or(0).to_string())) }
    }
}

/// Weekly volume: the chart, then the table (week, received, acknowledged on time).
pub fn weekly(lang: Language, d: &Dashboard) -> Markup {
    let l = labels(lang);
    let bars: Vec<Bar> = d
        .weeks
        .iter()
        .map(|w| Bar {
            label: w.first_day.format("%m-%d").to_string(),
            value: w.volume as f64,
            shown: w.volume.to_string(),
        })
        .collect();
    html! {
        figure {
            (columns("chart-weekly", l.weekly, l.weekly_desc, &bars, None))
            figcaption class="muted" { (l.weekly_desc) }
        }
        div class="table-wrap" {
            table id="weekly" {
                caption { (l.weekly) }
                thead { tr {
                    th scope="col" { (l.week) }
                    th scope="col" class="num" { (l.received) }
                    th scope="col" class="num" { (l.on_time_response) }
                } }
                tbody {
                    @for w in &d.weeks {
                        tr {
                            th scope="row" { (w.iso) " (" (l.week_of) " " (w.first_day) ")" }
                            (figure(&w.iso, "received", w.volume.to_string()))
                            (figure(&w.iso, "response", sla_text(lang, &w.response)))
                        }
                    }
                }
            }
        }
    }
}

/// Backlog by age: the chart of the totals, then the table per department.
pub fn backlog(lang: Language, d: &Dashboard) -> Markup {
    let l = labels(lang);
    let bars: Vec<Bar> = l
        .buckets
        .iter()
        .zip(d.backlog_total)
        .map(|(b, n)| Bar {
            label: b.to_string(),
            value: n as f64,
            shown: n.to_string(),
        })
        .collect();
    html! {
        figure {
            (columns("chart-backlog", l.backlog, l.backlog_desc, &bars, None))
            figcaption class="muted" { (l.backlog_desc) }
        }
        div class="table-wrap" {
            table id="backlog" {
                caption { (l.backlog) }
                thead { tr {
                    th scope="col" { (l.department) }
                    @for b in l.buckets { th scope="col" class="num" { (b) } }
                    th scope="col" class="num" { (l.total) }
                } }
                tbody {
                    @for row in &d.backlog {
                        (backlog_row(&row.key, &row.name, &row.buckets))
                    }
                    (backlog_row("all", l.all, &d.backlog_total))
                }
            }
        }
    }
}

fn backlog_row(key: &str, name: &str, buckets: &[i64]) -> Markup {
    html! {
        tr {
            th scope="row" { (name) }
            @for (i, n) in buckets.iter().enumerate() {
                (figure(key, &format!("age{i}"), n.to_string()))
            }
            (figure(key, "open", buckets.iter().sum::<i64>().to_string()))
        }
    }
}

/// On-time response by department, as horizontal bars (the department table has the figures).
pub fn sla_chart(lang: Language, d: &Dashboard) -> Markup {
    let l: &Labels = labels(lang);
    let rows: Vec<(String, Option<f64>, String)> = d
        .departments
        .iter()
        .map(|x| {
            (
                x.name.clone(),
                x.response.percent(),
                sla_text(lang, &x.response),
            )
        })
        .collect();
    html! {
        figure {
            (percent_rows("chart-sla", l.sla_chart, l.sla_chart_desc, &rows))
            figcaption class="muted" { (l.sla_chart_desc) }
        }
    }
}
