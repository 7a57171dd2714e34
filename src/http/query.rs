//! The query of `requests.json` (GeoReport v2 parameters) turned into a store filter, with a GeoReport error
//! for anything malformed.

use std::collections::HashSet;

use chrono::DateTime;
use routing::RequestRef;
use serde::Deserialize;

use super::open311::Open311Error;
use crate::store::{PublicFilter, PublicStatus};

/// At most this many requests per answer (and per page); the default page size.
pub const MAX_RESULTS: i64 = 1000;
/// The last page a client may ask for: deeper lists are narrowed by date instead.
pub const MAX_PAGE: i64 = 1000;
/// At most this many entries in a `service_request_id` or `service_code` list: a client asks for what it shows.
pub const MAX_LIST_ITEMS: usize = 100;
/// At most this many bytes of query string: 100 ids or codes with their separators fit comfortably.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Without dates, `requests.json` covers this many days back from now.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The query parameters of `requests.json`, with the common paging extension (`page` from 1, `page_size` up to
/// [`MAX_RESULTS`]); others (`api_key`, `jurisdiction_id`, checked apart) are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct RequestsQuery {
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// The page asked for: `(page, page_size)`, page counted from 1.
pub fn paging(q: &RequestsQuery) -> Result<(i64, i64), Open311Error> {
    let number = |param: &str, v: &Option<String>, max: i64, default: i64| match nonempty(v) {
        None => Ok(default),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Open311Error::bad_request(format!(
                "{param}: `{s}` is not a whole number from 1 to {max}"
            ))),
        },
    };
    Ok((
        number("page", &q.page, MAX_PAGE, 1)?,
        number("page_size", &q.page_size, MAX_RESULTS, MAX_RESULTS)?,
    ))
}

/// The store filter for a `requests.json` query at `now`. `service_request_id` overrides every other
/// parameter (as GeoReport says); without dates, the last 90 days.
pub fn filter(q: &RequestsQuery, now: i64) -> Result<PublicFilter, Open311Error> {
    let (page, page_size) = paging(q)?;
    let mut f = PublicFilter {
        limit: page_size,
        offset: (page - 1) * page_size,
        ..PublicFilter::default()
    };
    if let Some(ids) = nonempty(&q.service_request_id) {
        for id in list("service_request_id", ids)? {
            let r: RequestRef = id.parse().map_err(|e: routing::reference::BadRef| {
                Open311Error::bad_request(format!("service_request_id: {e}"))
            })?;
            f.references.push(r);
        }
        return Ok(f);
    }
    if let Some(codes) = nonempty(&q.service_code) {
        f.categories = list("service_code", codes)?
            .into_iter()
            .map(routing::CategoryId::from)
            .collect();
    }
    if let Some(s) = nonempty(&q.status) {
        let mut open = false;
        let mut closed = false;
        for part in s.split(',').map(str::trim) {
            match part.to_ascii_lowercase().as_str() {
                "open" => open = true,
                "closed" => closed = true,
                other => {
                    return Err(Open311Error::bad_request(format!(
                        "status: `{other}` is neither open nor closed"
                    )))
                }
            }
        }
        f.status = match (open, closed) {
            (true, false) => Some(PublicStatus::Open),
            (false, true) => Some(PublicStatus::Closed),
            _ => None,
        };
    }
    let start = nonempty(&q.start_date)
        .map(|s| parse_datetime("start_date", s))
        .transpose()?;
    let end = nonempty(&q.end_date)
        .map(|s| parse_datetime("end_date", s))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(Open311Error::bad_request("start_date is after end_date"));
        }
    }
    let window = DEFAULT_WINDOW_DAYS * DAY_MS;
    f.created_from = Some(match (start, end) {
        (Some(s), _) => s,
        (None, Some(e)) => e - window,
        (None, None) => now - window,
    });
    f.created_to = end;
    Ok(f)
}

/// The distinct entries of a comma list, in order; more than [`MAX_LIST_ITEMS`] is refused before any is used.
fn list<'a>(param: &str, value: &'a str) -> Result<Vec<&'a str>, Open311Error> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (n, entry) in value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if n == MAX_LIST_ITEMS {
            return Err(Open311Error::bad_request(format!(
                "{param}: at most {MAX_LIST_ITEMS} values at once"
            )));
        }
        if seen.insert(entry) {
            out.push(entry);
        }
    }
    Ok(out)
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An RFC 3339 time as epoch ms. A `+` offset that arrived unescaped (decoded as a space) is accepted too.
fn parse_datetime(param: &str, value: &str) -> Result<i64, Open311Error> {
    DateTime::parse_from_rfc3339(value)
        .or_else(|e| DateTime::parse_from_rfc3339(&value.replace(' ', "+")).map_err(|_| e))
        .map(|t| t.timestamp_millis())
        .map_err(|e| {
            Open311Error::bad_request(format!(
                "{param}: `{value}` is not an RFC 3339 date-time such as 2026-09-01T00:00:00Z ({e})"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use routing::CategoryId;

    const NOW: i64 = 1_790_000_000_000;

    fn q(pairs: &[(&str, &str)]) -> RequestsQuery {
        let mut q = RequestsQuery::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "service_request_id" => q.service_request_id = v,
                "service_code" => q.service_code = v,
                "start_date" => q.start_date = v,
                "end_date" => q.end_date = v,
                "status" => q.status = v,
                "page" => q.page = v,
                "page_size" => q.page_size = v,
                _ => unreachable!(),
            }
        }
        q
    }

    #[test]
    fn defaults_to_the_last_90_days_and_1000_results() {
        let f = filter(&q(&[]), NOW).unwrap();
        assert_eq!(f.created_from, Some(NOW - 90 * DAY_MS));
        assert_eq!((f.created_to, f.status, f.limit), (None, None, 1000));
    }

    #[test]
    fn pages_are_counted_from_one_and_capped() {
        let f = filter(&q(&[("page", "3"), ("page_size", "50")]), NOW).unwrap();
        assert_eq!((f.limit, f.offset), (50, 100));
        let f = filter(&q(&[("page", "2")]), NOW).unwrap();
        assert_eq!((f.limit, f.offset), (1000, 1000));
        for bad in [
            ("page", "0"),
            ("page", "x"),
            ("page_size", "1001"),
            ("page_size", "-1"),
        ] {
            assert_eq!(
                filter(&q(&[bad]), NOW).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_override_everything_else() {
        let f = filter(
            &q(&[
                ("service_request_id", "311-000002, 311-000010"),
                ("status", "closed"),
            ]),
            NOW,
        )
        .unwrap();
        let refs: Vec<String> = f.references.iter().map(|r| r.to_string()).collect();
        assert_eq!(refs, ["311-000002", "311-000010"]);
        assert_eq!((f.status, f.created_from), (None, None));
        let e = filter(&q(&[("service_request_id", "311-000002,abc")]), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn lists_are_capped_and_deduplicated() {
        let codes = |n: usize| {
            (0..n)
                .map(|i| format!("c{}", i % 50))
                .collect::<Vec<_>>()
                .join(",")
        };
        let f = filter(&q(&[("service_code", &codes(MAX_LIST_ITEMS))]), NOW).unwrap();
        assert_eq!(f.categories.len(), 50, "duplicates count once");
        let e = filter(&q(&[("service_code", &codes(MAX_LIST_ITEMS + 1))]), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let ids = |n: usize| {
            (1..=n)
                .map(|i| format!("311-{i:06}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let f = filter(&q(&[("service_request_id", &ids(MAX_LIST_ITEMS))]), NOW).unwrap();
        assert_eq!(f.references.len(), MAX_LIST_ITEMS);
        let e = filter(&q(&[("service_request_id", &ids(MAX_LIST_ITEMS + 1))]), NOW).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn dates_status_and_codes() {
        let f = filter(
            &q(&[
                ("start_date", "2026-09-01T00:00:00Z"),
                ("end_date", "2026-09-02T00:00:00 02:00"),
                ("status", "Open"),
                ("service_code", "pothole,graffiti"),
            ]),
            NOW,
        )
        .unwrap();
        assert_eq!(f.created_from, Some(1_788_220_800_000));
        assert_eq!(f.created_to, Some(1_788_300_000_000));
        assert_eq!(f.status, Some(PublicStatus::Open));
        assert_eq!(
            f.categories,
            [CategoryId::new("pothole"), CategoryId::new("graffiti")]
        );
        let f = filter(&q(&[("status", "open,closed")]), NOW).unwrap();
        assert_eq!(f.status, None);
        for bad in [
            &[("status", "pending")][..],
            &[("start_date", "yesterday")],
            &[
                ("start_date", "2026-09-02T00:00:00Z"),
                ("end_date", "2026-09-01T00:00:00Z"),
            ],
        ] {
            assert_eq!(
                filter(&q(bad), NOW).unwrap_err().status,
                StatusCode::BAD_REQUEST
            );
        }
    }
}
