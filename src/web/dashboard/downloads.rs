//! The dashboard's CSV downloads: the filtered public requests (as Open311 publishes them, streamed a page at
//! a time so memory stays flat), and the figures (overall, per department, per service, per week).

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::stream;

use super::figures::{Dashboard, Line};
use super::query::ListFilter;
use crate::desk::Desk;
use crate::http::georeport::service_request;
use crate::store::SlaTally;

/// Rows fetched per query while streaming.
const CHUNK: u32 = 500;
/// The most rows one download holds (narrow the dates for more).
pub const MAX_CSV_ROWS: i64 = 50_000;

const ROW_HEADER: [&str; 13] = [
    "service_request_id",
    "status",
    "service_code",
    "service_name",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
    "description",
    "status_notes",
];

fn attachment(name: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn record<I, S>(fields: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// The public requests matching `filter` (its page ignored), newest first, at most [`MAX_CSV_ROWS`].
pub fn rows(desk: Desk, filter: ListFilter) -> Response {
    let header = Bytes::from(record(ROW_HEADER));
    let pages = stream::unfold(Some(0i64), move |offset| {
        let (desk, filter) = (desk.clone(), filter.clone());
        async move {
            let offset = offset?;
            let mut f = filter.public_filter(&desk, CHUNK);
            f.offset = offset;
            f.limit = i64::from(CHUNK).min(MAX_CSV_ROWS - offset);
            let rows = match desk.store().public_requests(&f).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "dashboard CSV query failed");
                    return Some((
                        Err(std::io::Error::other("the request database failed")),
                        None,
                    ));
                }
            };
            let mut out = Vec::new();
            for r in &rows {
                let s = service_request(&desk, r, None);
                let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
                out.extend(record([
                    s.service_request_id,
                    s.status.to_string(),
                    s.service_code,
                    s.service_name,
                    s.agency_responsible,
                    s.requested_datetime,
                    s.updated_datetime,
                    s.expected_datetime,
                    s.address.unwrap_or_default(),
                    opt(s.lat),
                    opt(s.long),
                    s.description,
                    s.status_notes.unwrap_or_default(),
                ]));
            }
            let next_offset = offset + rows.len() as i64;
            let next = (rows.len() as i64 == f.limit && f.limit > 0 && next_offset < MAX_CSV_ROWS)
                .then_some(next_offset);
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), next))
        }
    });
    let body = stream::StreamExt::chain(stream::iter([Ok(header)]), pages);
    attachment("requests.csv", Body::from_stream(body))
}

const SUMMARY_HEADER: [&str; 15] = [
    "level",
    "key",
    "name",
    "received",
    "duplicates",
    "median_hours_to_acknowledge",
    "median_hours_to_close",
    "response_met",
    "response_missed",
    "response_pending",
    "response_on_time_percent",
    "resolution_met",
    "resolution_missed",
    "resolution_pending",
    "resolution_on_time_percent",
];

fn hours(m: Option<(i64, i64)>) -> String {
    m.map(|(_, ms)| format!("{:.2}", ms as f64 / 3_600_000.0))
        .unwrap_or_default()
}

fn sla(s: &SlaTally) -> [String; 4] {
    [
        s.met.to_string(),
        s.missed.to_string(),
        s.pending.to_string(),
        s.percent().map(|p| format!("{p:.1}")).unwrap_or_default(),
    ]
}

fn line(level: &str, x: &Line) -> Vec<u8> {
    let mut f = vec![
        level.to_string(),
        x.key.clone(),
        x.name.clone(),
        x.volume.to_string(),
        x.duplicates.to_string(),
        hours(x.median_ack),
        hours(x.median_close),
    ];
    f.extend(sla(&x.response));
    f.extend(sla(&x.resolution));
    record(f)
}

/// The figures: one line overall, then per department, per service and per week.
pub fn summary(d: &Dashboard) -> Response {
    let mut out = record(SUMMARY_HEADER);
    out.extend(line("all", &d.overall));
    for x in &d.departments {
        out.extend(line("department", x));
    }
    for x in &d.categories {
        out.extend(line("service", x));
    }
    for w in &d.weeks {
        let mut f = vec![
            "week".to_string(),
            w.iso.clone(),
            w.first_day.to_string(),
            w.volume.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        f.extend(sla(&w.response));
        f.extend([String::new(), String::new(), String::new(), String::new()]);
        out.extend(record(f));
    }
    attachment("dashboard-summary.csv", Body::from(out))
}
