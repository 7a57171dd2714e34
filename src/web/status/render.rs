//! The status page's markup: the request's facts, its timeline, the files the resident sent, and the two
//! forms; and the short pages for a wrong link and a refused form.

use maud::{html, Markup};
use routing::{Language, Status};

use super::text::{other, text, when, Text};
use super::timeline::{Entry, What};
use crate::desk::Desk;
use crate::store::Request;
use crate::web::layout::page;

/// Whether the page offers "it is not fixed".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReopenOffer {
    /// The request is not closed.
    Hidden,
    Open,
    /// Closed longer ago than the window (days).
    WindowOver(u32),
}

/// A file the resident sent, and where to see it when that is wired (see [`super::photo_url`]).
pub struct FileView {
    pub name: String,
    pub url: Option<String>,
}

/// Everything the page shows.
pub struct View<'a> {
    pub desk: &'a Desk,
    pub req: &'a Request,
    pub lang: Language,
    pub entries: Vec<Entry>,
    pub files: Vec<FileView>,
    /// `/r/<reference>/<key>`.
    pub base: String,
    pub notice: Option<String>,
    pub alert: Option<String>,
    pub comment_token: String,
    pub not_fixed_token: String,
    /// What the resident had typed, kept when their form was refused.
    pub comment_draft: String,
    pub not_fixed_draft: String,
    pub reopen: ReopenOffer,
}

impl View<'_> {
    /// The whole page.
    pub fn render(&self) -> Markup {
        let (t, req) = (text(self.lang), self.req);
        let title = format!("{} {} · {}", t.request, req.reference, self.city());
        page(
            self.lang,
            &title,
            html! {
                (self.header(t))
                h1 { (t.request) " " (req.reference.to_string()) }
                @if let Some(n) = &self.notice { p class="notice" role="status" { (n) } }
                @if let Some(a) = &self.alert { p class="alert" role="alert" { (a) } }
                (self.facts(t))
                h2 { (t.history) }
                (self.timeline(t))
                @if !self.files.is_empty() {
                    h2 { (t.photos) }
                    ul class="files" {
                        @for f in &self.files {
                            li { @if let Some(u) = &f.url { a href=(u) { (f.name) } } @else { (f.name) } }
                        }
                    }
                }
                (self.forms(t))
                footer { p { (t.footer) } }
            },
        )
    }

    fn city(&self) -> String {
        format!("{} 311", self.desk.city().city.name)
    }

    fn header(&self, t: &Text) -> Markup {
        let other = other(self.lang);
        html! {
            header class="site" {
                p {
                    (self.city())
                    a class="lang" href={ (self.base) "?lang=" (other.as_str()) } lang=(other.as_str()) {
                        (t.other_language)
                    }
                }
            }
        }
    }

    fn facts(&self, t: &Text) -> Markup {
        let (desk, req, lang) = (self.desk, self.req, self.lang);
        let status = desk.templates().status_word(req.status, lang);
        html! {
            dl class="facts" {
                dt { (t.status) }
                dd { span class={ "status status-" (req.status.as_str()) } { (status) } }
                dt { (t.category) }
                dd { (desk.category_name(req.category.as_ref(), lang)) }
                dt { (t.department) }
                dd { (desk.department_name(&req.department, lang)) }
                @if let Some(place) = &req.location_text { dt { (t.location) } dd { (place) } }
                @if req.status.is_active() && req.acknowledged_at.is_none() {
                    dt { (t.response_due) }
                    dd { (desk.human_due(req.response_due_at, lang)) }
                }
                @if req.status.is_active() {
                    dt { (t.resolution_due) }
                    dd { (desk.human_due(req.resolution_due_at, lang)) }
                }
            }
        }
    }

    fn timeline(&self, t: &Text) -> Markup {
        let cal = &self.desk.city().calendar;
        html! {
            ol class="timeline" {
                @for e in &self.entries {
                    @let local = cal.local(e.at);
                    li {
                        time datetime=(local.to_rfc3339()) { (when(local, self.lang)) }
                        (self.entry(t, &e.what))
                    }
                }
            }
        }
    }

    fn entry(&self, t: &Text, what: &What) -> Markup {
        let (desk, lang) = (self.desk, self.lang);
        let name = |d| desk.department_name(d, lang);
        let by = |who: &Option<String>| html! { @if let Some(w) = who { " (" (t.by) " " (w) ")" } };
        html! {
            @match what {
                What::Received => span { (t.received) },
                What::SentTo { department } => span { (t.sent_to) " " (name(department)) "." },
                What::Acknowledged { department, by: who } => span { (name(department)) " " (t.working_on_it) (by(who)) },
                What::MovedTo { department, by: who } => span { (t.moved_to) " " (name(department)) "." (by(who)) },
                What::CityMessage { text: m, by: who } => {
                    span { (t.city_message) (by(who)) }
                    blockquote { (m) }
                }
                What::YouWrote { text: m } => {
                    span { (t.you_wrote) }
                    blockquote { (m) }
                }
                What::Closed { reason, note, by: who } => {
                    span {
                        (t.closed) " "
                        @if let Some(r) = reason { (desk.templates().close_outcome(lang.as_str(), *r)) }
                        (by(who))
                    }
                    @if !note.is_empty() { span { " " (t.note) } blockquote { (note) } }
                }
                What::Reopened { your_words } => {
                    span { (t.reopened) }
                    @if let Some(w) = your_words { blockquote { (w) } }
                }
                What::FollowupAsked => span { (t.followup_asked) },
                What::FollowupConfirmed => span { (t.followup_confirmed) },
            }
        }
    }

    fn forms(&self, t: &Text) -> Markup {
        let base = &self.base;
        html! {
            h2 id="comment-heading" { (t.comment_heading) }
            form method="post" action={ (base) "/comment" } aria-labelledby="comment-heading" {
                input type="hidden" name="csrf" value=(self.comment_token);
                label for="comment-text" { (t.comment_label) }
                p class="hint" id="comment-hint" { (t.comment_hint) }
                textarea id="comment-text" name="text" required maxlength=(super::MAX_TEXT_CHARS)
                    aria-describedby="comment-hint" { (self.comment_draft) }
                p { button type="submit" { (t.comment_button) } }
            }
            @match self.reopen {
                ReopenOffer::Hidden => {}
                ReopenOffer::WindowOver(days) => {
                    h2 { (t.not_fixed_heading) }
                    p { (t.window_over.replace("{days}", &days.to_string())) }
                }
                ReopenOffer::Open => {
                    h2 id="not-fixed-heading" { (t.not_fixed_heading) }
                    form method="post" action={ (base) "/not-fixed" } aria-labelledby="not-fixed-heading" {
                        input type="hidden" name="csrf" value=(self.not_fixed_token);
                        label for="not-fixed-text" { (t.not_fixed_label) }
                        p class="hint" id="not-fixed-hint" { (t.not_fixed_hint) }
                        textarea id="not-fixed-text" name="text" maxlength=(super::MAX_TEXT_CHARS)
                            aria-describedby="not-fixed-hint" { (self.not_fixed_draft) }
                        p { button type="submit" class="secondary" { (t.not_fixed_button) } }
                    }
                }
            }
        }
    }
}

/// Whether the page offers a reopen for `req` at `now`.
pub fn reopen_offer(desk: &Desk, req: &Request, now: i64) -> ReopenOffer {
    if req.status != Status::Closed {
        return ReopenOffer::Hidden;
    }
    let days = desk.city().accountability.reopen_window_days;
    let closed = req.closed_at.unwrap_or(req.updated_at);
    if now - closed > i64::from(days) * 86_400_000 {
        ReopenOffer::WindowOver(days)
    } else {
        ReopenOffer::Open
    }
}

/// The page for a link that opens nothing: the same for an unknown request and a wrong key, in both
/// languages (the link's language is not known).
pub fn not_found() -> Markup {
    page(
        Language::En,
        "Page not found · Página no encontrada",
        html! {
            h1 { "Page not found" }
            p { "This link does not open a request. Check that the whole link from your email was copied." }
            h2 lang="es" { "Página no encontrada" }
            p lang="es" { "Este enlace no abre ninguna solicitud. Revise que copió el enlace completo de su correo." }
        },
    )
}

/// The page for a refused form: nothing was changed; the way back to the request.
pub fn refused(lang: Language, body: &str, back: &str) -> Markup {
    let t = text(lang);
    page(
        lang,
        t.forbidden_title,
        html! {
            h1 { (t.forbidden_title) }
            p { (body) }
            p { a href=(back) { (t.back) } }
        },
    )
}
