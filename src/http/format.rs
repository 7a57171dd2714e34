//! GeoReport v2's two formats: a document name's `.json` / `.xml` suffix, and one value rendered as either —
//! JSON as it is, XML with the spec's element names (a list's items are named by its singular).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The format a client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Xml,
}

impl Format {
    /// The format a path asks for by its suffix (JSON when it names none), for errors found before routing.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// `requests.xml` → `("requests", Xml)`; `None` when the name has no known format.
pub fn split_document(document: &str) -> Option<(&str, Format)> {
    let (name, ext) = document.rsplit_once('.')?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, format))
}

/// A GeoReport document: `root` names the XML root element (a list's items take its singular).
#[derive(Debug)]
pub struct Document {
    pub status: StatusCode,
    pub format: Format,
    pub root: &'static str,
    pub value: Value,
    /// Extra headers (a `Link` to the next page).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Document {
    pub fn new(format: Format, root: &'static str, value: Value) -> Self {
        Self {
            status: StatusCode::OK,
            format,
            root,
            value,
            headers: Vec::new(),
        }
    }

    /// The body as the client asked for it.
    pub fn body(&self) -> String {
        match self.format {
            Format::Json => self.value.to_string(),
            Format::Xml => to_xml(self.root, &self.value),
        }
    }
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            [(header::CONTENT_TYPE, self.format.content_type())],
            self.body(),
        )
            .into_response();
        for (k, v) in self.headers {
            r.headers_mut().insert(k, v);
        }
        r
    }
}

/// The singular a list's items are named by in GeoReport XML.
fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        other => other.strip_suffix('s').unwrap_or("item"),
    }
}

/// `value` as an XML document with root element `root`.
pub fn to_xml(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    element(&mut out, root, value);
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {
            out.push_str(&format!("<{name}/>"));
            return;
        }
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for item in items {
                element(out, item_name(name), item);
            }
        }
        Value::Object(fields) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in fields {
                element(out, k, v);
            }
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}", escape(s))),
        other => out.push_str(&format!("<{name}>{other}")),
    }
    out.push_str(&format!("</{name}>"));
}

/// Text as XML character data; characters XML 1.0 cannot carry at all are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_name_their_format() {
        assert_eq!(
            split_document("requests.xml"),
            Some(("requests", Format::Xml))
        );
        assert_eq!(
            split_document("311-000001.json"),
            Some(("311-000001", Format::Json))
        );
        for bad in ["requests", ".json", "requests.csv"] {
            assert_eq!(split_document(bad), None, "{bad}");
        }
    }

    #[test]
    fn lists_take_singular_item_names_and_text_is_escaped() {
        let v = json!([{ "code": 400, "description": "a <b> & \"c\"\u{1}", "none": null }]);
        assert_eq!(
            to_xml("errors", &v),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>400</code>\
             <description>a &lt;b&gt; &amp; &quot;c&quot;</description><none/></error></errors>"
        );
        let v = json!({ "attributes": [{ "values": [{ "key": "a" }] }] });
        assert!(to_xml("service_definition", &v)
            .contains("<attributes><attribute><values><value><key>a</key></value></values>"));
        assert!(to_xml("service_requests", &json!([{}])).contains("<service_requests><request>"));
    }
}
