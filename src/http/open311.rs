//! The Open311 GeoReport v2 read API under `/open311/v2/`: `services.json`, `requests.json` and
//! `requests/{id}.json`. JSON only; errors are GeoReport error arrays.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use routing::RequestRef;

use super::georeport::{self, ErrorEntry, ServiceRequest};
use super::query::{filter, RequestsQuery, MAX_QUERY_BYTES};
use crate::desk::Desk;
use crate::store::PublicFilter;

/// The routes, to be merged into the service's router.
pub fn routes() -> Router<Desk> {
    Router::new()
        .route("/open311/v2/services.json", get(services))
        .route("/open311/v2/requests.json", get(requests))
        .route("/open311/v2/requests/{document}", get(one_request))
        .route("/open311/v2/{document}", get(other_document))
        .layer(axum::middleware::from_fn(limit_query_length))
        .layer(axum::middleware::map_response(allow_any_origin))
}

/// A GeoReport error: the status code, and a description for the client.
#[derive(Debug)]
pub struct Open311Error {
    pub(super) status: StatusCode,
    description: String,
}

impl Open311Error {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
        }
    }
    pub(super) fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }
    fn only_json() -> Self {
        Self::bad_request("only the json format is supported (use .json)")
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
        (self.status, Json(body)).into_response()
    }
}

/// A query string longer than [`MAX_QUERY_BYTES`] is refused before anything parses it.
async fn limit_query_length(request: Request, next: Next) -> Response {
    let len = request.uri().query().map_or(0, str::len);
    if len > MAX_QUERY_BYTES {
        return Open311Error::new(
            StatusCode::URI_TOO_LONG,
            format!("the query string is {len} bytes; at most {MAX_QUERY_BYTES} are accepted"),
        )
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

async fn services(State(desk): State<Desk>) -> Json<Vec<georeport::Service>> {
    Json(
        desk.city()
            .categories
            .iter()
            .map(|c| georeport::service(&desk, c))
            .collect(),
    )
}

async fn requests(
    State(desk): State<Desk>,
    query: Result<Query<RequestsQuery>, QueryRejection>,
) -> Result<Json<Vec<ServiceRequest>>, Open311Error> {
    let Query(q) = query.map_err(|e| Open311Error::bad_request(e.body_text()))?;
    let mut filter = filter(&q, desk.now())?;
    filter.published_internal = desk.published_internal_categories();
    let rows = desk.store().public_requests(&filter).await?;
    Ok(Json(
        rows.iter()
            .map(|r| georeport::service_request(&desk, r))
            .collect(),
    ))
}

async fn one_request(
    State(desk): State<Desk>,
    Path(document): Path<String>,
) -> Result<Json<Vec<ServiceRequest>>, Open311Error> {
    let id = json_document(&document)?;
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
    Ok(Json(
        rows.iter()
            .map(|r| georeport::service_request(&desk, r))
            .collect(),
    ))
}

/// `services.xml`, `requests.xml` and anything else one level under `/open311/v2/`.
async fn other_document(Path(document): Path<String>) -> Open311Error {
    match json_document(&document) {
        Err(e) => e,
        Ok(_) => Open311Error::not_found(format!("no such resource: {document}")),
    }
}

/// The name before `.json`; any other format is refused.
fn json_document(document: &str) -> Result<&str, Open311Error> {
    match document.rsplit_once('.') {
        Some(("", _)) => Err(Open311Error::bad_request(format!(
            "`{document}`: a name is required before the format"
        ))),
        Some((name, "json")) => Ok(name),
        Some(_) => Err(Open311Error::only_json()),
        None => Err(Open311Error::bad_request(format!(
            "`{document}`: a format is required (append .json)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_documents() {
        assert_eq!(json_document("311-000001.json").unwrap(), "311-000001");
        for bad in ["311-000001.xml", "311-000001", ".json"] {
            assert_eq!(
                json_document(bad).unwrap_err().status,
                StatusCode::BAD_REQUEST
            );
        }
    }
}
