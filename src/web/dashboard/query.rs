//! The dashboard's query string: language, the list's filters (department, service, status, dates) and page,
//! parsed into typed values; every bad field is reported by name, and what the visitor typed is kept.

use chrono::{Duration, NaiveDate, NaiveTime};
use routing::{CategoryId, DepartmentId};
use serde::Deserialize;

use crate::desk::Desk;
use crate::store::{PublicFilter, PublicStatus};

/// The furthest page a visitor may ask for (paging deeper is what the CSV is for).
pub const MAX_PAGE: u32 = 1000;

/// The query as typed (every field optional text; unknown fields ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawQuery {
    pub lang: Option<String>,
    pub department: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
}

impl RawQuery {
    /// A field's value, trimmed, or `None` when empty.
    pub fn field(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
}

/// The list's filters, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub department: Option<DepartmentId>,
    pub category: Option<CategoryId>,
    pub status: Option<PublicStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: u32,
}

/// What is wrong with one field (its name and why), in the visitor's language.
pub type FieldError = (&'static str, String);

/// Checks every filter; all problems are reported together.
pub fn parse(desk: &Desk, q: &RawQuery, es: bool) -> Result<ListFilter, Vec<FieldError>> {
    let mut c = Checks {
        es,
        errors: Vec::new(),
    };
    let mut f = ListFilter {
        department: c.department(desk, &q.department),
        category: c.category(desk, &q.category),
        status: c.status(&q.status),
        from: c.date("from", &q.from),
        to: c.date("to", &q.to),
        page: 1,
    };
    if let (Some(a), Some(b)) = (f.from, f.to) {
        if a > b {
            c.fail(
                "to",
                "the end date is before the start date".into(),
                "la fecha final es anterior a la inicial".into(),
            );
        }
    }
    f.page = c.page(&q.page);
    if c.errors.is_empty() {
        Ok(f)
    } else {
        Err(c.errors)
    }
}

/// The field checks of one query, gathering every problem in the visitor's language.
struct Checks {
    es: bool,
    errors: Vec<FieldError>,
}

impl Checks {
    fn fail(&mut self, field: &'static str, en: String, sp: String) {
        self.errors.push((field, if self.es { sp } else { en }));
    }

    fn department(&mut self, desk: &Desk, raw: &Option<String>) -> Option<DepartmentId> {
        let d = RawQuery::field(raw)?;
        let found = desk.city().departments.iter().find(|x| x.id.as_str() == d);
        if found.is_none() {
            self.fail(
                "department",
                format!("no department `{d}`"),
                format!("no existe el departamento «{d}»"),
            );
        }
        found.map(|x| x.id.clone())
    }

    fn category(&mut self, desk: &Desk, raw: &Option<String>) -> Option<CategoryId> {
        let c = RawQuery::field(raw)?;
        let found = desk.city().categories.iter().find(|x| x.id.as_str() == c);
        if found.is_none() {
            self.fail(
                "category",
                format!("no service `{c}`"),
                format!("no existe el servicio «{c}»"),
            );
        }
        found.map(|x| x.id.clone())
    }

    fn status(&mut self, raw: &Option<String>) -> Option<PublicStatus> {
        match RawQuery::field(raw)? {
            "open" => Some(PublicStatus::Open),
            "closed" => Some(PublicStatus::Closed),
            s => {
                self.fail(
                    "status",
                    format!("`{s}` is not open or closed"),
                    format!("«{s}» no es abierta ni cerrada"),
                );
                None
            }
        }
    }

    fn date(&mut self, field: &'static str, raw: &Option<String>) -> Option<NaiveDate> {
        let v = RawQuery::field(raw)?;
        let parsed = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.fail(
                field,
                format!("`{v}` is not a date (YYYY-MM-DD)"),
                format!("«{v}» no es una fecha (AAAA-MM-DD)"),
            );
        }
        parsed
    }

    fn page(&mut self, raw: &Option<String>) -> u32 {
        let Some(p) = RawQuery::field(raw) else {
            return 1;
        };
        match p.parse::<u32>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                self.fail(
                    "page",
                    format!("pages go from 1 to {MAX_PAGE}"),
                    format!("las páginas van de 1 a {MAX_PAGE}"),
                );
                1
            }
        }
    }
}

impl ListFilter {
    /// The store's filter for one page of `page_size` rows (one more is asked for, to know if a next exists).
    pub fn public_filter(&self, desk: &Desk, page_size: u32) -> PublicFilter {
        let cal = &desk.city().calendar;
        PublicFilter {
            departments: self.department.iter().cloned().collect(),
            categories: self.category.iter().cloned().collect(),
            status: self.status,
            created_from: self.from.map(|d| cal.instant(d, NaiveTime::MIN)),
            created_to: self
                .to
                .map(|d| cal.instant(d + Duration::days(1), NaiveTime::MIN) - 1),
            limit: i64::from(page_size) + 1,
            offset: i64::from(self.page - 1) * i64::from(page_size),
            published_internal: desk.published_internal_categories(),
            ..PublicFilter::default()
        }
    }

    /// The query string of these filters (and `lang`) at `page`, for links.
    pub fn query_string(&self, lang: routing::Language, page: Option<u32>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("lang", lang.code().to_string())];
        if let Some(d) = &self.department {
            pairs.push(("department", d.to_string()));
        }
        if let Some(c) = &self.category {
            pairs.push(("category", c.to_string()));
        }
        match self.status {
            Some(PublicStatus::Open) => pairs.push(("status", "open".into())),
            Some(PublicStatus::Closed) => pairs.push(("status", "closed".into())),
            None => {}
        }
        if let Some(d) = self.from {
            pairs.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            pairs.push(("to", d.to_string()));
        }
        if let Some(p) = page {
            pairs.push(("page", p.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}
