//! The Open311 GeoReport v2 API under `/open311/`: `discovery`, `v2/services`, `v2/services/{code}`,
//! `v2/requests` (GET, and POST with an API key) and `v2/requests/{id}`, each as `.json` or `.xml`. Every
//! error, on every route and method, is a GeoReport error list in the format the path asked for.

use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use routing::RequestRef;
use serde_json::json;

use super::format::{split_document, Document, Format};
use super::georeport::{self, ErrorEntry, OTHER_SERVICE_CODE};
use super::query::{filter, RequestsQuery, MAX_QUERY_BYTES};
use crate::desk::Desk;
use crate::store::{PublicFilter, PublicRequest};

/// When this API's shape last changed, for `discovery`.
const CHANGESET: &str = "2026-12-02T00:00:00Z";
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// The routes, to be merged into the service's router.
pub fn routes(desk: Desk) -> Router<Desk> {
    let not_allowed = || method_not_allowed;
    let api = Router::new()
        .route("/{document}", get(discovery).fallback(not_allowed()))
        .route(
            "/v2/{document}",
            get(document)
                .post(super::post::create)
                .fallback(not_allowed()),
        )
        .route(
            "/v2/services/{document}",
            get(service_definition).fallback(not_allowed()),
        )
        .route(
            "/v2/requests/{document}",
            get(one_request).fallback(not_allowed()),
        )
        .fallback(unknown_resource);
    Router::new()
        .nest("/open311", api)
        .layer(axum::middleware::from_fn_with_state(
            desk,
            check_jurisdiction,
        ))
        .layer(axum::middleware::from_fn(limit_query_length))
        .layer(axum::middleware::map_response(allow_any_origin))
}

/// A GeoReport error: the status code, a description for the client, and the format to answer in.
#[derive(Debug)]
pub struct Open311Error {
    pub(super) status: StatusCode,
    description: String,
    format: Format,
}

impl Open311Error {
    pub(super) fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            format: Format::Json,
        }
    }
    pub(super) fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
    pub(super) fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }
    /// The same error, answered in `format`.
    pub(super) fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }
}

impl From<crate::store::StoreError> for Open311Error {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = format!("{e:#}"), "Open311 query failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the request database is unavailable; try again later",
        )
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let body = vec![ErrorEntry {
            code: self.status.as_u16(),
            description: self.description,
        }];
        let mut doc = Document::new(self.format, "errors", json!(body));
        doc.status = self.status;
        doc.into_response()
    }
}

/// The document a path names, or a GeoReport error saying which formats exist.
pub(super) fn document_name(document: &str) -> Result<(&str, Format), Open311Error> {
    split_document(document).ok_or_else(|| {
        Open311Error::not_found(format!(
            "`{document}`: no such document (append .json or .xml to a resource name)"
        ))
    })
}

/// A query string longer than [`MAX_QUERY_BYTES`] is refused before anything parses it.
async fn limit_query_length(request: Request, next: Next) -> Response {
    let len = request.uri().query().map_or(0, str::len);
    if len > MAX_QUERY_BYTES {
        return Open311Error::new(
            StatusCode::URI_TOO_LONG,
            format!("the query string is {len} bytes; at most {MAX_QUERY_BYTES} are accepted"),
        )
        .in_format(Format::of_path(request.uri().path()))
        .into_response();
    }
    next.run(request).await
}

/// `[http.open311]`, or its defaults.
pub(super) fn open311_settings(desk: &Desk) -> crate::config::Open311Settings {
    desk.settings()
        .http
        .as_ref()
        .map(|h| h.open311.clone())
        .unwrap_or_default()
}

/// The jurisdiction this endpoint answers for: the configured one, else the city's mail domain.
pub(super) fn jurisdiction(desk: &Desk) -> String {
    desk.settings()
        .http
        .as_ref()
        .and_then(|h| h.open311.jurisdiction_id.clone())
        .unwrap_or_else(|| desk.mail_domain().to_string())
}

/// Checks a `jurisdiction_id` given in a query string (a POST's body is checked by its handler).
pub(super) fn check_jurisdiction_value(
    desk: &Desk,
    given: Option<&str>,
) -> Result<(), Open311Error> {
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) if !g.eq_ignore_ascii_case(&jurisdiction(desk)) => {
            Err(Open311Error::not_found(format!(
                "jurisdiction_id `{g}` is not served here (this endpoint serves `{}`)",
                jurisdiction(desk)
            )))
        }
        _ => Ok(()),
    }
}

async fn check_jurisdiction(State(desk): State<Desk>, request: Request, next: Next) -> Response {
    let given = request.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "jurisdiction_id")
            .map(|(_, v)| v)
    });
    if let Err(e) = check_jurisdiction_value(&desk, given.as_deref()) {
        return e
            .in_format(Format::of_path(request.uri().path()))
            .into_response();
    }
    next.run(request).await
}

/// Public, read-only data without credentials: any web page may read it.
async fn allow_any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

async fn unknown_resource(OriginalUri(uri): OriginalUri) -> Open311Error {
    let path = uri.path();
    Open311Error::not_found(format!("no such resource: {path}")).in_format(Format::of_path(path))
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> Open311Error {
    let path = uri.path();
    Open311Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not supported on {path}"),
    )
    .in_format(Format::of_path(path))
}

/// `/open311/discovery.{json,xml}`: where the API is, what it speaks, whom to ask for a key.
async fn discovery(
    State(desk): State<Desk>,
    Path(document): Path<String>,
    headers: HeaderMap,
) -> Result<Document, Open311Error> {
    let (name, format) = document_name(&document)?;
    if name != "discovery" {
        return Err(
            Open311Error::not_found(format!("no such resource: {document}")).in_format(format),
        );
    }
    let o = desk
        .settings()
        .http
        .as_ref()
        .map(|h| h.open311.clone())
        .unwrap_or_default();
    let base = o.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}/open311")
    });
    let contact = o
        .contact
        .unwrap_or_else(|| format!("311 <{}>", desk.settings().mail.address));
    Ok(Document::new(
        format,
        "discovery",
        json!({
            "changeset": CHANGESET,
            "contact": contact,
            "key_service": format!("API keys for creating requests are issued by the city: write to {contact}"),
            "endpoints": [{
                "specification": SPECIFICATION,
                "url": format!("{}/v2", base.trim_end_matches('/')),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }),
    ))
}

/// `services` and `requests` (and `discovery`, which some clients look for under `v2/`).
async fn document(
    State(desk): State<Desk>,
    Path(document): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Document, Open311Error> {
    let (name, format) = document_name(&document)?;
    let doc = match name {
        "services" => Ok(Document::new(
            format,
            "services",
            json!(georeport::services(&desk)),
        )),
        "requests" => {
            let base = super::media::public_base(&desk, &headers);
            requests(&desk, format, query.as_deref().unwrap_or(""), &base).await
        }
        "discovery" => return discovery(State(desk), Path(document), headers).await,
        _ => Err(Open311Error::not_found(format!(
            "no such resource: {document}"
        ))),
    };
    doc.map_err(|e| e.in_format(format))
}

async fn requests(
    desk: &Desk,
    format: Format,
    query: &str,
    base: &str,
) -> Result<Document, Open311Error> {
    let q: RequestsQuery = serde_urlencoded::from_str(query)
        .map_err(|e| Open311Error::bad_request(format!("query string: {e}")))?;
    let mut f = filter(&q, desk.now())?;
    f.published_internal = desk.published_internal_categories();
    let page_size = f.limit as usize;
    f.limit += 1;
    let mut rows = desk.store().public_requests(&f).await?;
    let more = rows.len() > page_size;
    rows.truncate(page_size);
    let doc = published(desk, &rows, base).await?;
    let mut doc = Document::new(format, "service_requests", doc);
    if more {
        let next = f.offset / page_size as i64 + 2;
        doc.headers.push((header::LINK, next_link(query, next)));
    }
    Ok(doc)
}

/// `Link: <?…&page=N>; rel="next"`: the same query, one page further.
fn next_link(query: &str, page: i64) -> HeaderValue {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(k, _)| k != "page");
    pairs.push(("page".into(), page.to_string()));
    let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    HeaderValue::from_str(&format!("<?{q}>; rel=\"next\"")).unwrap_or(HeaderValue::from_static(""))
}

/// Rows as published service requests, with the photo links their applications filed, or else a signed,
/// expiring link to the first photo a resident emailed (its metadata removed).
async fn published(
    desk: &Desk,
    rows: &[PublicRequest],
    base: &str,
) -> Result<serde_json::Value, Open311Error> {
    let refs: Vec<RequestRef> = rows.iter().map(|r| r.reference).collect();
    let mut media = desk.store().media_urls(&refs).await?;
    let now = desk.now();
    for (reference, photo) in desk.store().first_images(&refs).await? {
        media
            .entry(reference)
            .or_insert_with(|| super::media::signed_media_url(desk, base, photo, now));
    }
    Ok(json!(rows
        .iter()
        .map(|r| georeport::service_request(desk, r, media.get(&r.reference)))
        .collect::<Vec<_>>()))
}

/// `services/{code}`: the service's definition (its extra questions, `[[http.open311.attributes]]`).
async fn service_definition(
    State(desk): State<Desk>,
    Path(document): Path<String>,
) -> Result<Document, Open311Error> {
    let (code, format) = document_name(&document)?;
    let known =
        code == OTHER_SERVICE_CODE || desk.city().categories.iter().any(|c| c.id.as_str() == code);
    if !known {
        return Err(Open311Error::not_found(format!("no service `{code}`")).in_format(format));
    }
    let settings = open311_settings(&desk);
    Ok(Document::new(
        format,
        "service_definition",
        super::attributes::definition(&settings, code),
    ))
}

async fn one_request(
    State(desk): State<Desk>,
    Path(document): Path<String>,
    headers: HeaderMap,
) -> Result<Document, Open311Error> {
    let (id, format) = document_name(&document)?;
    let found = async {
        let reference: RequestRef = id
            .parse()
            .map_err(|e: routing::reference::BadRef| Open311Error::bad_request(e.to_string()))?;
        let filter = PublicFilter {
            references: vec![reference],
            limit: 1,
            published_internal: desk.published_internal_categories(),
            ..PublicFilter::default()
        };
        let rows = desk.store().public_requests(&filter).await?;
        if rows.is_empty() {
            return Err(Open311Error::not_found(format!(
                "no service request {reference}"
            )));
        }
        Ok(Document::new(
            format,
            "service_requests",
            published(&desk, &rows, &super::media::public_base(&desk, &headers)).await?,
        ))
    };
    found.await.map_err(|e| e.in_format(format))
}
