//! The public performance dashboard at `/`: for the last 90 days (`[http.dashboard] window_days`), volume,
//! median times to acknowledge and close, on-time response and resolution, the backlog by age and the weekly
//! trend, per department and service, in English or Spanish; the recent public requests with filters and
//! paging; and CSV downloads (`/dashboard.csv` or `/?format=csv` for the filtered requests,
//! `/dashboard/summary.csv` for the figures). Public data only, as Open311 publishes it.

mod charts;
mod downloads;
pub mod figures;
mod labels;
pub mod lang;
mod list;
mod page;
mod query;

use axum::extract::{RawQuery as UriQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use routing::Language;

use crate::config::DashboardSettings;
use crate::desk::Desk;
use crate::store::StoreError;
use labels::labels;
use query::{FieldError, ListFilter, RawQuery};

pub use downloads::MAX_CSV_ROWS;
pub use query::MAX_PAGE;

/// The dashboard's routes (state: the desk).
pub fn routes() -> Router<Desk> {
    Router::new()
        .route("/", get(dashboard))
        .route("/dashboard.csv", get(rows_csv))
        .route("/dashboard/summary.csv", get(summary_csv))
}

fn settings(desk: &Desk) -> DashboardSettings {
    desk.settings()
        .http
        .as_ref()
        .map(|h| h.dashboard.clone())
        .unwrap_or_default()
}

/// The query and the language it asks for; a query that does not parse at all reads as empty, with an error.
fn read_query(
    desk: &Desk,
    q: Option<&str>,
    headers: &HeaderMap,
) -> (RawQuery, Language, Vec<FieldError>) {
    let (raw, mut errors) = match serde_urlencoded::from_str::<RawQuery>(q.unwrap_or("")) {
        Ok(raw) => (raw, Vec::new()),
        Err(e) => (RawQuery::default(), vec![("query", e.to_string())]),
    };
    let lang = lang::negotiate(
        RawQuery::field(&raw.lang),
        headers,
        desk.city().city.default_language,
    );
    if let Some(f) = errors.first_mut() {
        f.1 = match lang {
            Language::Es => format!("la dirección no se pudo leer: {}", f.1),
            Language::En => format!("the address could not be read: {}", f.1),
        };
    }
    (raw, lang, errors)
}

fn unavailable(lang: Language, e: &StoreError) -> Response {
    tracing::error!(error = format!("{e:#}"), "dashboard query failed");
    let text = match lang {
        Language::Es => "Las cifras no están disponibles en este momento; inténtelo más tarde.",
        Language::En => "The figures are unavailable right now; please try again later.",
    };
    let body = super::layout::page(lang, text, html! { h1 { (text) } });
    (StatusCode::SERVICE_UNAVAILABLE, Html(body.into_string())).into_response()
}

async fn dashboard(
    State(desk): State<Desk>,
    UriQuery(q): UriQuery,
    headers: HeaderMap,
) -> Response {
    let (raw, lang, mut errors) = read_query(&desk, q.as_deref(), &headers);
    let filter = match query::parse(&desk, &raw, lang == Language::Es) {
        Ok(f) => f,
        Err(e) => {
            errors.extend(e);
            ListFilter {
                page: 1,
                ..ListFilter::default()
            }
        }
    };
    let wants_csv = q.as_deref().is_some_and(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .unwrap_or_default()
            .iter()
            .any(|(k, v)| k == "format" && v == "csv")
    });
    if wants_csv && errors.is_empty() {
        return downloads::rows(desk, filter);
    }
    match render(&desk, lang, &raw, &filter, &errors).await {
        Ok(body) => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            let mut r = (status, Html(body.into_string())).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(lang.code()),
            );
            h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
            r
        }
        Err(e) => unavailable(lang, &e),
    }
}

/// The whole page: figures, then the list (filtered unless the filters were refused).
async fn render(
    desk: &Desk,
    lang: Language,
    raw: &RawQuery,
    filter: &ListFilter,
    errors: &[FieldError],
) -> Result<Markup, StoreError> {
    let s = settings(desk);
    let l = labels(lang);
    let d = figures::build(desk, lang, s.window_days).await?;
    let mut f = filter.public_filter(desk, s.page_size);
    if !errors.is_empty() {
        f = ListFilter {
            page: 1,
            ..ListFilter::default()
        }
        .public_filter(desk, s.page_size);
    }
    let mut rows = desk.store().public_requests(&f).await?;
    let more = rows.len() > s.page_size as usize;
    rows.truncate(s.page_size as usize);
    let other = match lang {
        Language::Es => Language::En,
        Language::En => Language::Es,
    };
    let cal = &desk.city().calendar;
    let title = format!("{} — {}", desk.city().city.name, l.title);
    let body = html! {
        header {
            p class="lang-switch" {
                a href=(format!("/?{}", filter.query_string(other, None))) hreflang=(other.code()) lang=(other.code()) {
                    (l.other_language)
                }
            }
            h1 { (title) }
            p { (l.intro) }
            p class="muted" id="window" {
                (l.window) " " (d.window_days) " " (l.days) " (" (cal.local_date(d.from)) " – " (cal.local_date(d.to - 1)) ")."
            }
        }
        (page::tiles(lang, &d))
        h2 id="by-department" { (l.by_department) }
        (page::sla_chart(lang, &d))
        (page::lines_table(lang, "departments", l.by_department, l.department, &d.departments, &d.overall))
        h2 id="by-service" { (l.by_category) }
        (page::lines_table(lang, "services", l.by_category, l.category, &d.categories, &without_open(&d.overall)))
        h2 id="weekly-trend" { (l.weekly) }
        (page::weekly(lang, &d))
        h2 id="backlog-age" { (l.backlog) }
        (page::backlog(lang, &d))
        details { summary { (l.how_counted) } p { (l.how_counted_text) } }
        p { a href=(format!("/dashboard/summary.csv?lang={}", lang.code())) download { (l.download_summary) } }
        h2 id="recent-requests" { (l.recent) }
        (list::form(desk, lang, raw, errors))
        (list::table(desk, lang, &rows, filter, more))
        p { a id="csv-rows" href=(format!("/dashboard.csv?{}", filter.query_string(lang, None))) download { (l.download_rows) } }
    };
    Ok(super::layout::page(lang, &title, body))
}

fn without_open(l: &figures::Line) -> figures::Line {
    figures::Line {
        open: None,
        ..l.clone()
    }
}

async fn rows_csv(State(desk): State<Desk>, UriQuery(q): UriQuery, headers: HeaderMap) -> Response {
    let (raw, lang, errors) = read_query(&desk, q.as_deref(), &headers);
    let parsed = if errors.is_empty() {
        query::parse(&desk, &raw, lang == Language::Es)
    } else {
        Err(errors)
    };
    match parsed {
        Ok(f) => downloads::rows(desk, f),
        Err(errors) => {
            let text: Vec<String> = errors
                .into_iter()
                .map(|(k, e)| format!("{k}: {e}"))
                .collect();
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                text.join("\n"),
            )
                .into_response()
        }
    }
}

async fn summary_csv(
    State(desk): State<Desk>,
    UriQuery(q): UriQuery,
    headers: HeaderMap,
) -> Response {
    let (_, lang, _) = read_query(&desk, q.as_deref(), &headers);
    match figures::build(&desk, lang, settings(&desk).window_days).await {
        Ok(d) => downloads::summary(&d),
        Err(e) => unavailable(lang, &e),
    }
}
