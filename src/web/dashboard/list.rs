//! The list of recent public requests: the filter form (a plain GET form, labelled fields), one page of
//! requests as Open311 publishes them (contact details and the resident's name removed), and the pager.

use maud::{html, Markup};
use routing::Language;

use super::labels::labels;
use super::query::{FieldError, ListFilter, RawQuery};
use crate::desk::Desk;
use crate::http::redact::redact;
use crate::store::PublicRequest;

/// Longest description shown in the list (the CSV has the whole published text).
const SHOWN_CHARS: usize = 240;

/// The filter form, showing what the visitor typed (`q`), with `errors` next to their fields.
pub fn form(desk: &Desk, lang: Language, q: &RawQuery, errors: &[FieldError]) -> Markup {
    let l = labels(lang);
    let chosen = |v: &Option<String>, x: &str| RawQuery::field(v) == Some(x);
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| e.clone())
    };
    html! {
        @if !errors.is_empty() {
            div class="error" role="alert" id="filter-errors" {
                p { strong { (l.bad_filter) } }
                ul { @for (_, e) in errors { li { (e) } } }
            }
        }
        form class="filters" method="get" action="/" aria-label=(l.filters) {
            input type="hidden" name="lang" value=(lang.code());
            div {
                label for="f-department" { (l.department) }
                select id="f-department" name="department" {
                    option value="" { (l.any) }
                    @for d in &desk.city().departments {
                        option value=(d.id.as_str()) selected[chosen(&q.department, d.id.as_str())] {
                            (desk.department_name(&d.id, lang))
                        }
                    }
                }
            }
            div {
                label for="f-category" { (l.category) }
                select id="f-category" name="category" {
                    option value="" { (l.any) }
                    @for c in &desk.city().categories {
                        option value=(c.id.as_str()) selected[chosen(&q.category, c.id.as_str())] {
                            (desk.category_name(Some(&c.id), lang))
                        }
                    }
                }
            }
            div {
                label for="f-status" { (l.status) }
                select id="f-status" name="status" {
                    option value="" { (l.any) }
                    option value="open" selected[chosen(&q.status, "open")] { (l.open) }
                    option value="closed" selected[chosen(&q.status, "closed")] { (l.closed) }
                }
            }
            @for (name, label, raw) in [("from", l.from, &q.from), ("to", l.to, &q.to)] {
                div {
                    label for=(format!("f-{name}")) { (label) }
                    input type="date" id=(format!("f-{name}")) name=(name) value=[RawQuery::field(raw)]
                        aria-invalid=[error_of(name).map(|_| "true")] aria-describedby=[error_of(name).map(|_| "filter-errors")];
                }
            }
            div { button type="submit" id="f-apply" { (l.apply) } }
        }
    }
}

/// One page of requests, then links to the neighbouring pages (keeping the filters).
pub fn table(
    desk: &Desk,
    lang: Language,
    rows: &[PublicRequest],
    filter: &ListFilter,
    more: bool,
) -> Markup {
    let l = labels(lang);
    let cal = &desk.city().calendar;
    html! {
        @if rows.is_empty() {
            p id="no-requests" { (l.none_found) }
        } @else {
            div class="table-wrap" {
                table id="recent" {
                    caption { (l.recent) " — " (l.page) " " (filter.page) }
                    thead { tr {
                        th scope="col" { (l.reference) } th scope="col" { (l.service) }
                        th scope="col" { (l.department) } th scope="col" { (l.status) }
                        th scope="col" { (l.received_at) } th scope="col" { (l.address) }
                        th scope="col" { (l.description) }
                    } }
                    tbody {
                        @for r in rows {
                            tr data-ref=(r.reference) {
                                th scope="row" { (r.reference) }
                                td { (desk.category_name(r.category.as_ref(), lang)) }
                                td { (desk.department_name(&r.department, lang)) }
                                td { (if r.status.is_active() { l.open } else { l.closed }) }
                                td { (cal.local(r.created_at).format("%Y-%m-%d %H:%M")) }
                                td { (r.location_text.as_deref().unwrap_or("")) }
                                td { (shown(&redact(&r.description, r.requester_name.as_deref()))) }
                            }
                        }
                    }
                }
            }
        }
        nav class="pager" aria-label=(l.page) {
            @if filter.page > 1 {
                a rel="prev" href=(format!("/?{}#recent-requests", filter.query_string(lang, Some(filter.page - 1)))) { (l.previous) }
            }
            @if more {
                a rel="next" href=(format!("/?{}#recent-requests", filter.query_string(lang, Some(filter.page + 1)))) { (l.next) }
            }
        }
    }
}

/// The published text cut for the list.
fn shown(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(SHOWN_CHARS - 1).collect();
    out.push('…');
    out
}
