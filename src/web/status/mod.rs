//! The resident's status page, `GET /r/<reference>/<key>`, and its two forms, `POST …/comment` and
//! `POST …/not-fixed` (CSRF-checked, applied once, then redirected back: POST-redirect-GET). A wrong key and
//! an unknown request get the same 404; the page is private (no caching, no referrer, no indexing).

mod render;
mod text;
mod timeline;

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::Markup;
use routing::{Language, RequestRef, Source};

use crate::desk::{Desk, ResidentAction, ResidentError, ResidentOutcome};
use crate::store::{AttachmentId, AttachmentInfo, Event, Request};
use crate::web::token::{self, FormRefusal};
use render::{FileView, View};
use text::text;

/// The longest comment (or "not fixed" explanation) the page accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;
/// At most this many page actions per request per hour: the department's thread is not a chat room.
pub const ACTIONS_PER_HOUR: usize = 10;
/// A form body larger than this is refused before it is read.
const MAX_FORM_BYTES: usize = 64 * 1024;

const COMMENT: &str = "comment";
const NOT_FIXED: &str = "not_fixed";

pub(super) fn routes() -> Router<Desk> {
    Router::new()
        .route("/r/{reference}/{key}", get(show))
        .route("/r/{reference}/{key}/comment", post(comment))
        .route("/r/{reference}/{key}/not-fixed", post(not_fixed))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

/// Where the resident's page links one of their files: a photo kept without its metadata opens through a
/// signed, expiring link (`/media/…`, on the page's own host); any other file is listed by name alone.
pub fn photo_url(desk: &Desk, file: &AttachmentInfo, now: i64) -> Option<String> {
    let id = AttachmentId::new(file.id).filter(|_| file.shown)?;
    Some(crate::http::media::signed_media_url(desk, "", id, now))
}

/// A request whose page link checked out, with its history.
struct Opened {
    req: Request,
    events: Vec<Event>,
    base: String,
}

/// The request `reference` names when `key` opens it; `None` for anything else (same answer either way).
async fn open(desk: &Desk, reference: &str, key: &str) -> Result<Option<Opened>, Response> {
    let Ok(r) = RequestRef::from_str(reference) else {
        return Ok(None);
    };
    if r.to_string() != reference || !token::status_key_valid(desk.reply_secret(), r, key) {
        return Ok(None);
    }
    let req = desk.store().request(r).await.map_err(unexpected)?;
    let Some(req) = req else { return Ok(None) };
    let events = desk.store().events(r).await.map_err(unexpected)?;
    let base = format!("/r/{reference}/{}", key.to_ascii_lowercase());
    Ok(Some(Opened { req, events, base }))
}

/// `GET /r/<reference>/<key>[?lang=es|en][&notice=…]`.
async fn show(
    State(desk): State<Desk>,
    Path((reference, key)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let opened = match open(&desk, &reference, &key).await {
        Ok(Some(o)) => o,
        Ok(None) => return html(StatusCode::NOT_FOUND, render::not_found()),
        Err(r) => return r,
    };
    let query = PageQuery::parse(query.as_deref());
    let lang = query.lang.unwrap_or(opened.req.language);
    let t = text(lang);
    let notice = query.notice.as_deref().and_then(|n| match n {
        "commented" => Some(t.notice_commented),
        "reopened" => Some(t.notice_reopened),
        "already" => Some(t.notice_already),
        _ => None,
    });
    match page(
        &desk,
        &opened,
        lang,
        notice.map(str::to_string),
        None,
        Drafts::default(),
    )
    .await
    {
        Ok(markup) => html(StatusCode::OK, markup),
        Err(r) => r,
    }
}

/// What the resident had typed in each form.
#[derive(Default)]
struct Drafts {
    comment: String,
    not_fixed: String,
}

/// The status page with fresh form tokens.
async fn page(
    desk: &Desk,
    o: &Opened,
    lang: Language,
    notice: Option<String>,
    alert: Option<String>,
    drafts: Drafts,
) -> Result<Markup, Response> {
    let (req, now) = (&o.req, desk.now());
    let staff_names = desk.city().accountability.staff_names_public;
    let form = |action| {
        token::form_token(
            desk.reply_secret(),
            req.reference,
            action,
            now,
            &token::fresh_nonce(),
        )
    };
    let view = View {
        desk,
        req,
        lang,
        entries: timeline::timeline(req, &o.events, staff_names),
        files: files(desk, req, &o.events, now).await?,
        base: o.base.clone(),
        notice,
        alert,
        comment_token: form(COMMENT),
        not_fixed_token: form(NOT_FIXED),
        comment_draft: drafts.comment,
        not_fixed_draft: drafts.not_fixed,
        reopen: render::reopen_offer(desk, req, now),
    };
    Ok(view.render())
}

/// The files the resident sent, with their links when those are wired.
async fn files(
    desk: &Desk,
    req: &Request,
    events: &[Event],
    now: i64,
) -> Result<Vec<FileView>, Response> {
    let mut names = timeline::resident_files(req, events);
    let kept = desk
        .store()
        .attachment_list(req.reference)
        .await
        .map_err(unexpected)?;
    let mut out = Vec::new();
    for file in kept {
        if let Some(i) = names.iter().position(|n| *n == file.filename) {
            names.remove(i);
            out.push(FileView {
                url: photo_url(desk, &file, now),
                name: file.filename,
            });
        }
    }
    Ok(out)
}

/// `POST …/comment`: `csrf`, `text`.
async fn comment(
    State(desk): State<Desk>,
    Path((reference, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    act(&desk, &reference, &key, COMMENT, &body).await
}

/// `POST …/not-fixed`: `csrf`, optional `text`.
async fn not_fixed(
    State(desk): State<Desk>,
    Path((reference, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    act(&desk, &reference, &key, NOT_FIXED, &body).await
}

/// Checks the link, the form's token, the rate and the text, then applies the action through the desk and
/// sends the resident back to the page.
async fn act(desk: &Desk, reference: &str, key: &str, action: &str, body: &[u8]) -> Response {
    let o = match open(desk, reference, key).await {
        Ok(Some(o)) => o,
        Ok(None) => return html(StatusCode::NOT_FOUND, render::not_found()),
        Err(r) => return r,
    };
    let lang = o.req.language;
    let t = text(lang);
    let form = Form::parse(body);
    let token = form.csrf.as_deref().unwrap_or_default();
    let checked = token::check_form_token(
        desk.reply_secret(),
        o.req.reference,
        action,
        token,
        desk.now(),
    );
    let form_id = match checked {
        Ok(nonce) => nonce,
        Err(why) => {
            let body = match why {
                FormRefusal::Invalid => t.forbidden_body,
                FormRefusal::Expired => t.expired_body,
            };
            return html(StatusCode::FORBIDDEN, render::refused(lang, body, &o.base));
        }
    };
    let text = form.text.unwrap_or_default().trim().to_string();
    let drafts = || match action {
        COMMENT => Drafts {
            comment: text.clone(),
            ..Drafts::default()
        },
        _ => Drafts {
            not_fixed: text.clone(),
            ..Drafts::default()
        },
    };
    let refuse = |status, alert: String| refused_page(desk, &o, lang, status, alert, drafts());
    if text.chars().count() > MAX_TEXT_CHARS {
        let alert = t
            .error_too_long
            .replace("{max}", &MAX_TEXT_CHARS.to_string());
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, alert).await;
    }
    if action == COMMENT && text.is_empty() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, t.error_empty.into()).await;
    }
    if recent_actions(&o.events, desk.now()) >= ACTIONS_PER_HOUR {
        return refuse(StatusCode::TOO_MANY_REQUESTS, t.error_rate.into()).await;
    }
    let asked = match action {
        COMMENT => ResidentAction::Comment { text: text.clone() },
        _ => ResidentAction::NotFixed { text: text.clone() },
    };
    let notice = match desk.resident_act(o.req.reference, &form_id, &asked).await {
        Ok(ResidentOutcome::Commented) => "commented",
        Ok(ResidentOutcome::Reopened) => "reopened",
        Ok(ResidentOutcome::AlreadyApplied) => "already",
        Err(ResidentError::NotClosed) => {
            return refuse(StatusCode::CONFLICT, t.error_not_closed.into()).await
        }
        Err(ResidentError::WindowOver { days }) => {
            let alert = t.window_over.replace("{days}", &days.to_string());
            return refuse(StatusCode::CONFLICT, alert).await;
        }
        Err(ResidentError::NotFound(_)) => return html(StatusCode::NOT_FOUND, render::not_found()),
        Err(ResidentError::Unexpected(e)) => return unexpected(e),
    };
    private(Redirect::to(&format!("{}?notice={notice}", o.base)).into_response())
}

/// The page again, with why the form was not applied and what the resident had typed.
async fn refused_page(
    desk: &Desk,
    o: &Opened,
    lang: Language,
    status: StatusCode,
    alert: String,
    drafts: Drafts,
) -> Response {
    match page(desk, o, lang, None, Some(alert), drafts).await {
        Ok(m) => html(status, m),
        Err(r) => r,
    }
}

/// The page's actions on this request in the last hour.
fn recent_actions(events: &[Event], now: i64) -> usize {
    events
        .iter()
        .filter(|e| e.source == Source::Web && now - e.at < 3_600_000)
        .filter(|e| {
            matches!(
                e.kind,
                routing::EventKind::Comment | routing::EventKind::Reopened
            )
        })
        .count()
}

/// A form body, read leniently: unknown fields are ignored, a malformed body has no fields.
#[derive(Default)]
struct Form {
    csrf: Option<String>,
    text: Option<String>,
}

impl Form {
    fn parse(body: &[u8]) -> Form {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut f = Form::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = Some(v),
                "text" => f.text = Some(v),
                _ => {}
            }
        }
        f
    }
}

/// `?lang=` and `?notice=`, read leniently.
#[derive(Default)]
struct PageQuery {
    lang: Option<Language>,
    notice: Option<String>,
}

impl PageQuery {
    fn parse(q: Option<&str>) -> PageQuery {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(q.unwrap_or_default()).unwrap_or_default();
        let mut out = PageQuery::default();
        for (k, v) in pairs {
            match k.as_str() {
                "lang" => out.lang = v.parse().ok(),
                "notice" => out.notice = Some(v),
                _ => {}
            }
        }
        out
    }
}

/// An HTML answer with the page's privacy headers.
fn html(status: StatusCode, markup: Markup) -> Response {
    private(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            markup.into_string(),
        )
            .into_response(),
    )
}

/// The headers of a page whose address is a key: never cached or indexed, never sent on as a referrer, never
/// framed; only our own stylesheet and forms.
fn private(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    r
}

/// A failure that is not the resident's: logged with its cause, a plain 500 for them.
fn unexpected(e: impl Into<anyhow::Error>) -> Response {
    let e = e.into();
    tracing::error!(error = format!("{e:#}"), "status page failed");
    private(
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side; please try again later. / Algo falló de nuestro lado; inténtelo más tarde.",
        )
            .into_response(),
    )
}
