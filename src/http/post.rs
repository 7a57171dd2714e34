//! `POST /open311/v2/requests.{json,xml}`: an application files a service request with its API key. The form
//! is checked against GeoReport's field rules, then the desk files it the way it files a mail — once: a retry
//! (same `Idempotency-Key`, or the same form soon after) answers with the request already filed.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;

use super::format::{Document, Format};
use super::georeport::{MAX_DESCRIPTION_CHARS, OTHER_SERVICE_CODE};
use super::idempotency;
use super::open311::{check_jurisdiction_value, document_name, Open311Error};
use crate::desk::{Desk, Open311Filed, Open311Once, Open311Submission};
use routing::CategoryId;

/// Longest accepted `media_url`.
const MAX_URL_CHARS: usize = 2048;
/// Longest accepted name part, email address or address.
const MAX_FIELD_CHARS: usize = 256;

/// The form's fields by name (GeoReport sends `application/x-www-form-urlencoded`).
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A short field, refused when longer than [`MAX_FIELD_CHARS`].
    fn short(&self, key: &str) -> Result<Option<String>, Open311Error> {
        match self.get(key) {
            Some(v) if v.chars().count() > MAX_FIELD_CHARS => Err(Open311Error::bad_request(
                format!("{key}: at most {MAX_FIELD_CHARS} characters"),
            )),
            v => Ok(v.map(String::from)),
        }
    }
}

pub(super) async fn create(
    State(desk): State<Desk>,
    Path(document): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Document, Open311Error> {
    let (name, format) = document_name(&document)?;
    let answer = async {
        if name != "requests" {
            return Err(Open311Error::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("POST is only for requests.{}", ext(format)),
            ));
        }
        let form = Form(
            serde_urlencoded::from_bytes(&body)
                .map_err(|e| Open311Error::bad_request(format!("the form does not parse: {e}")))?,
        );
        let submission = submission(&desk, &form)?;
        let claim = idempotency::claim(&submission.application, &headers, &form.0, desk.now())?;
        match desk.file_open311_once(&submission, &claim).await? {
            Open311Once::Filed(filed) => Ok(created(format, &filed)),
            Open311Once::Replayed(filed) => {
                let mut doc = created(format, &filed);
                doc.headers.push(idempotency::replayed_header());
                Ok(doc)
            }
            Open311Once::KeyReused(_) => Err(idempotency::key_reused()),
        }
    };
    answer.await.map_err(|e| e.in_format(format))
}

fn ext(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
    }
}

/// The form checked field by field: key, jurisdiction, service, location, texts, contact, photo.
fn submission(desk: &Desk, form: &Form) -> Result<Open311Submission, Open311Error> {
    let open311 = desk.settings().http.as_ref().map(|h| &h.open311);
    let key = form
        .get("api_key")
        .ok_or_else(|| Open311Error::bad_request("api_key: required to create a request"))?;
    let application = open311.and_then(|o| o.application(key)).ok_or_else(|| {
        Open311Error::new(StatusCode::FORBIDDEN, "api_key: not a key this city issued")
    })?;
    check_jurisdiction_value(desk, form.get("jurisdiction_id"))?;
    let (code, category) = service(desk, form)?;
    let description = description(desk, form, category.as_ref())?;
    let point = point(form)?;
    let address = form.short("address_string")?.or(form.short("address_id")?);
    if point.is_none() && address.is_none() {
        return Err(Open311Error::bad_request(
            "location: give lat and long, or address_string (or address_id)",
        ));
    }
    let attributes = match open311 {
        Some(o) => super::attributes::answers(o, code, &form.0)?,
        None => super::attributes::answers(&Default::default(), code, &form.0)?,
    };
    Ok(Open311Submission {
        application: application.to_string(),
        category,
        description,
        email: email(desk, form)?,
        name: full_name(form)?,
        address,
        point,
        media_url: media_url(form)?,
        attributes,
    })
}

/// The chosen service: its code, and its category (`None` for `other`).
fn service<'f>(desk: &Desk, form: &'f Form) -> Result<(&'f str, Option<CategoryId>), Open311Error> {
    let code = form
        .get("service_code")
        .ok_or_else(|| Open311Error::bad_request("service_code: required (see services.json)"))?;
    if code == OTHER_SERVICE_CODE {
        return Ok((code, None));
    }
    let c = desk
        .city()
        .categories
        .iter()
        .find(|c| c.id.as_str() == code);
    let c =
        c.ok_or_else(|| Open311Error::not_found(format!("service_code: no service `{code}`")))?;
    Ok((code, Some(c.id.clone())))
}

/// The resident's words, at most GeoReport's 4000 characters; without any, the service's name (so that
/// staff read something), except for `other`, where the words are all there is to route by.
fn description(
    desk: &Desk,
    form: &Form,
    category: Option<&CategoryId>,
) -> Result<String, Open311Error> {
    let text = form.get("description").unwrap_or("");
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Open311Error::bad_request(format!(
            "description: at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    match (text.is_empty(), category) {
        (false, _) => Ok(text.to_string()),
        (true, None) => Err(Open311Error::bad_request(
            "description: required for service `other`",
        )),
        (true, Some(c)) => Ok(desk.category_name(Some(c), routing::Language::En)),
    }
}

/// `lat` and `long`, both or neither, as WGS84 degrees.
fn point(form: &Form) -> Result<Option<(f64, f64)>, Open311Error> {
    let degrees = |key: &str, max: f64| -> Result<Option<f64>, Open311Error> {
        form.get(key)
            .map(|v| match v.parse::<f64>() {
                Ok(d) if d.is_finite() && d.abs() <= max => Ok(d),
                _ => Err(Open311Error::bad_request(format!(
                    "{key}: `{v}` is not a number of degrees from -{max} to {max}"
                ))),
            })
            .transpose()
    };
    match (degrees("lat", 90.0)?, degrees("long", 180.0)?) {
        (Some(lat), Some(lon)) => Ok(Some((lat, lon))),
        (None, None) => Ok(None),
        _ => Err(Open311Error::bad_request(
            "lat and long: give both or neither",
        )),
    }
}

/// The resident's address, if any: one plain address, and never one of the city's own.
fn email(desk: &Desk, form: &Form) -> Result<Option<String>, Open311Error> {
    let Some(e) = form.short("email")? else {
        return Ok(None);
    };
    let e = e.to_ascii_lowercase();
    let plain = e.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !e
        .contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"'));
    if !plain {
        return Err(Open311Error::bad_request(format!(
            "email: `{e}` is not an email address"
        )));
    }
    if desk.own_addresses().contains(&e) {
        return Err(Open311Error::bad_request(
            "email: that is the city's own address",
        ));
    }
    Ok(Some(e))
}

fn full_name(form: &Form) -> Result<Option<String>, Open311Error> {
    let parts: Vec<String> = [form.short("first_name")?, form.short("last_name")?]
        .into_iter()
        .flatten()
        .collect();
    Ok((!parts.is_empty()).then(|| parts.join(" ")))
}

fn media_url(form: &Form) -> Result<Option<String>, Open311Error> {
    let Some(u) = form.get("media_url") else {
        return Ok(None);
    };
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= MAX_URL_CHARS
        && !u.contains(char::is_whitespace);
    if !ok {
        return Err(Open311Error::bad_request(format!(
            "media_url: an http(s) address of at most {MAX_URL_CHARS} characters"
        )));
    }
    Ok(Some(u.to_string()))
}

/// GeoReport's answer to a POST: the new id and a notice for the resident.
fn created(format: Format, filed: &Open311Filed) -> Document {
    let notice = match (filed.emergency, filed.duplicate_of) {
        (true, _) => {
            "This sounds like an emergency: call 911 now. The city's dispatch has been alerted."
                .to_string()
        }
        (false, Some(orig)) => format!("Already reported as {orig}; your report was added to it."),
        (false, None) => "Received; the responsible department has been notified.".to_string(),
    };
    let mut doc = Document::new(
        format,
        "service_requests",
        json!([{ "service_request_id": filed.reference.to_string(), "service_notice": notice,
                 "account_id": null }]),
    );
    doc.status = StatusCode::CREATED;
    doc
}
