//! Open311 GeoReport v2 against the running service over real TCP: every route in both formats against the
//! specification's field rules (`routes`), and filing requests with an API key (`post`), through real
//! Postfix/Dovecot and the Discord stand-in for the acknowledgement and the work order.

mod idempotency;
mod post;
mod routes;

use std::collections::BTreeMap;

use crate::support::http::Reply;

/// An endpoint with one application's key and a jurisdiction.
pub const KEY: &str = "fixit-0123456789abcdef";
pub const JURISDICTION: &str = "riverton.test";
pub const OPEN311: &str =
    "[http]\nbind = \"127.0.0.1:0\"\n[http.open311]\njurisdiction_id = \"riverton.test\"\n\
    [[http.open311.api_keys]]\nname = \"fixit-app\"\nkey = \"fixit-0123456789abcdef\"\n\
    [[http.open311.attributes]]\nservice_code = \"pothole\"\ncode = \"size\"\ndatatype = \"singlevaluelist\"\n\
    description = \"How big is it?\"\nrequired = true\n\
    values = [{ key = \"small\", name = \"Smaller than a plate\" }, { key = \"large\", name = \"Larger than a tyre\" }]\n";
pub const FORMATS: [&str; 2] = ["json", "xml"];

/// The fields every GeoReport service request carries, known or not.
pub const REQUEST_FIELDS: [&str; 17] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

/// One flat GeoReport record: field name → text (`None` for JSON null or an empty XML element).
pub type Record = BTreeMap<String, Option<String>>;

/// The records of a flat list document (services, service requests, errors), read from either format, so
/// that both can be checked with the same assertions and against each other.
pub fn records(r: &Reply, format: &str, root: &str, item: &str) -> Vec<Record> {
    match format {
        "json" => {
            assert!(
                r.header("content-type")
                    .unwrap()
                    .starts_with("application/json"),
                "{:?}",
                r.headers
            );
            let v = r.json();
            v.as_array()
                .unwrap_or_else(|| panic!("not a list: {v}"))
                .iter()
                .map(|o| {
                    o.as_object()
                        .unwrap_or_else(|| panic!("not an object: {o}"))
                        .iter()
                        .map(|(k, v)| (k.clone(), scalar(v)))
                        .collect()
                })
                .collect()
        }
        _ => {
            assert!(
                r.header("content-type").unwrap().starts_with("text/xml"),
                "{:?}",
                r.headers
            );
            let doc =
                roxmltree::Document::parse(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
            assert_eq!(doc.root_element().tag_name().name(), root, "{}", r.body);
            doc.root_element()
                .children()
                .filter(|n| n.is_element())
                .map(|n| {
                    assert_eq!(n.tag_name().name(), item, "{}", r.body);
                    n.children()
                        .filter(|c| c.is_element())
                        .map(|c| (c.tag_name().name().to_string(), c.text().map(String::from)))
                        .collect()
                })
                .collect()
        }
    }
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A GeoReport error list of one entry with `code` (the HTTP status too) mentioning `mentions`.
pub fn assert_error(r: &Reply, format: &str, code: u16, mentions: &str) {
    assert_eq!(r.status, code, "{}", r.body);
    let errors = records(r, format, "errors", "error");
    let [e] = errors.as_slice() else {
        panic!("not one error: {}", r.body)
    };
    assert_eq!(
        e["code"].as_deref(),
        Some(code.to_string().as_str()),
        "{}",
        r.body
    );
    let d = e["description"].clone().unwrap_or_default();
    assert!(d.contains(mentions), "{mentions:?} not in {d:?}");
}

/// A service request record has every field of the spec.
pub fn assert_complete(rec: &Record) {
    for f in REQUEST_FIELDS {
        assert!(rec.contains_key(f), "{f} missing from {rec:?}");
    }
    for f in [
        "service_request_id",
        "status",
        "service_code",
        "service_name",
        "requested_datetime",
    ] {
        assert!(rec[f].is_some(), "{f} empty in {rec:?}");
    }
}
