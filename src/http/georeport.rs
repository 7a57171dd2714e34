//! Open311 GeoReport v2 wire types, and how the city's categories and public requests become them.

use chrono::SecondsFormat;
use routing::config::Category;
use routing::{Language, Status};
use serde::Serialize;

use super::redact::redact;
use crate::desk::Desk;
use crate::store::PublicRequest;

/// One entry of `services.json`.
#[derive(Debug, Serialize)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    /// Whether the service asks extra questions (see `services/{code}`).
    pub metadata: bool,
    /// `realtime`: a request gets its id at once.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Comma-separated, as in the GeoReport examples.
    pub keywords: String,
    pub group: String,
}

/// One entry of `requests.json` / `requests/{id}.json`. Every field of the spec is always present (`null`,
/// or an empty element in XML, when unknown), so that clients can rely on the shape.
#[derive(Debug, Serialize)]
pub struct ServiceRequest {
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: &'static str,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    /// At most [`MAX_DESCRIPTION_CHARS`].
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: Option<String>,
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: String,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

/// GeoReport's limit on a description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// The service of requests the text alone routes (and of those still in triage): "not sure".
pub const OTHER_SERVICE_CODE: &str = "other";
const OTHER_SERVICE_NAME: &str = "Other / not sure";

/// One entry of a GeoReport error array.
#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    pub code: u16,
    pub description: String,
}

const MAX_KEYWORDS: usize = 8;

/// Every service: one per category, then "other" for what fits none (the city's triage sorts it).
pub fn services(desk: &Desk) -> Vec<Service> {
    let mut out: Vec<Service> = desk
        .city()
        .categories
        .iter()
        .map(|c| service(desk, c))
        .collect();
    let triage = desk.department_name(&routing::DepartmentId::triage(), Language::En);
    out.push(Service {
        service_code: OTHER_SERVICE_CODE.into(),
        service_name: OTHER_SERVICE_NAME.into(),
        description: format!(
            "Anything else, or not sure which service / Otro, o no sabe cuál. Sorted by {triage}."
        ),
        metadata: has_attributes(desk, OTHER_SERVICE_CODE),
        kind: "realtime",
        keywords: String::new(),
        group: triage,
    });
    out
}

fn has_attributes(desk: &Desk, code: &str) -> bool {
    desk.settings()
        .http
        .as_ref()
        .is_some_and(|h| h.open311.attributes_of(code).next().is_some())
}

/// A category as a GeoReport service.
pub fn service(desk: &Desk, c: &Category) -> Service {
    let department = desk.department_name(&c.department, Language::En);
    Service {
        service_code: c.id.to_string(),
        service_name: c.name.clone(),
        description: format!("{} / {}. Handled by {department}.", c.name, c.name_es),
        metadata: has_attributes(desk, c.id.as_str()),
        kind: "realtime",
        keywords: keywords(c).join(", "),
        group: department,
    }
}

/// The phrases that recognise a category (English, then Spanish), without weights, wildcards or the phrases
/// that count against it.
fn keywords(c: &Category) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rule in c.en.iter().chain(&c.es) {
        let (phrase, weight) = match rule.rsplit_once('^') {
            Some((p, w)) => (p, w.trim().parse::<f32>().unwrap_or(1.0)),
            None => (rule.as_str(), 1.0),
        };
        let phrase = phrase.trim().trim_end_matches('*').trim();
        if weight > 0.0 && !phrase.is_empty() && !out.iter().any(|k| k == phrase) {
            out.push(phrase.to_string());
        }
        if out.len() == MAX_KEYWORDS {
            break;
        }
    }
    out
}

/// A stored request as the public sees it: contact details scrubbed from the texts, times in the city's zone.
pub fn service_request(
    desk: &Desk,
    r: &PublicRequest,
    media_url: Option<&String>,
) -> ServiceRequest {
    let category = r
        .category
        .as_ref()
        .and_then(|id| desk.city().categories.iter().find(|c| &c.id == id));
    let name = r.requester_name.as_deref();
    let closed = r.status == Status::Closed;
    let (service_code, service_name) = match (category, &r.category) {
        (Some(c), _) => (c.id.to_string(), c.name.clone()),
        (None, Some(id)) => (id.to_string(), id.to_string()),
        (None, None) => (
            OTHER_SERVICE_CODE.to_string(),
            OTHER_SERVICE_NAME.to_string(),
        ),
    };
    ServiceRequest {
        service_request_id: r.reference.to_string(),
        status: if closed { "closed" } else { "open" },
        status_notes: if closed {
            r.close_note.as_deref().map(|n| limited(redact(n, name)))
        } else {
            None
        },
        service_name,
        service_code,
        description: limited(redact(&r.description, name)),
        agency_responsible: desk.department_name(&r.department, Language::En),
        service_notice: None,
        requested_datetime: datetime(desk, r.created_at),
        updated_datetime: datetime(desk, r.updated_at),
        expected_datetime: datetime(desk, r.resolution_due_at),
        address: r.location_text.clone(),
        address_id: None,
        zipcode: None,
        lat: r.lat,
        long: r.lon,
        media_url: media_url.cloned(),
    }
}

/// `text` cut to [`MAX_DESCRIPTION_CHARS`], ending in "…" when cut.
fn limited(text: String) -> String {
    if text.chars().count() <= MAX_DESCRIPTION_CHARS {
        return text;
    }
    let mut out: String = text.chars().take(MAX_DESCRIPTION_CHARS - 1).collect();
    out.push('…');
    out
}

/// RFC 3339 with the city's UTC offset, to the second (`2026-09-21T10:15:00-04:00`).
pub fn datetime(desk: &Desk, ms: i64) -> String {
    desk.city()
        .calendar
        .local(ms)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_the_spec_limit() {
        let long = "é".repeat(MAX_DESCRIPTION_CHARS + 10);
        let cut = limited(long);
        assert_eq!(cut.chars().count(), MAX_DESCRIPTION_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(limited("short".into()), "short");
    }

    #[test]
    fn keywords_drop_weights_wildcards_and_negative_rules() {
        let city = routing::CityConfig::from_toml_str(crate::config::EXAMPLE_CITY).unwrap();
        let pothole = city
            .categories
            .iter()
            .find(|c| c.id.as_str() == "pothole")
            .unwrap();
        let k = keywords(pothole);
        assert_eq!(k[..2], ["pothole", "pot hole"]);
        assert!(k.len() <= MAX_KEYWORDS);
        assert!(k.iter().all(|k| !k.contains(['^', '*'])), "{k:?}");
        let mut lights = pothole.clone();
        lights.en = vec!["streetlight*^4".into(), "traffic light^-1.5".into()];
        lights.es = vec!["farola".into()];
        assert_eq!(keywords(&lights), ["streetlight", "farola"]);
    }
}
