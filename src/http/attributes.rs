//! A service's extra questions (`[[http.open311.attributes]]`): its GeoReport service definition, and the
//! answers of a POST (`attribute[CODE]`, `attribute[CODE][]` for several) checked against their datatypes.

use serde_json::{json, Value};

use super::open311::Open311Error;
use crate::config::{Attribute, Datatype, Open311Settings};

/// Longest answer of a `string` attribute; `text` answers may be as long as a description.
const MAX_STRING_CHARS: usize = 256;
const MAX_TEXT_CHARS: usize = 4000;

/// The `attributes` of `service_code`'s definition, in GeoReport's shape.
pub fn definition(settings: &Open311Settings, service_code: &str) -> Value {
    let attributes: Vec<Value> = settings
        .attributes_of(service_code)
        .enumerate()
        .map(|(i, a)| {
            json!({
                "variable": true,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": null,
                "order": i + 1,
                "description": a.description,
                "values": a.values,
            })
        })
        .collect();
    json!({ "service_code": service_code, "attributes": attributes })
}

/// The checked answers of `service_code`'s attributes in `form`, as `(code, answer)` with list keys shown by
/// their names; an unknown attribute, a missing required one or an answer of the wrong type is refused.
pub fn answers(
    settings: &Open311Settings,
    service_code: &str,
    form: &[(String, String)],
) -> Result<Vec<(String, String)>, Open311Error> {
    let defined: Vec<&Attribute> = settings.attributes_of(service_code).collect();
    for (k, _) in form.iter().filter(|(k, _)| k.starts_with("attribute[")) {
        let code = k["attribute[".len()..].split(']').next().unwrap_or("");
        if !defined.iter().any(|a| a.code == code) {
            return Err(Open311Error::bad_request(format!(
                "{k}: service `{service_code}` has no such attribute (see services/{service_code}.json)"
            )));
        }
    }
    let mut out = Vec::new();
    for a in defined {
        let single = format!("attribute[{}]", a.code);
        let multi = format!("attribute[{}][]", a.code);
        let given: Vec<&str> = form
            .iter()
            .filter(|(k, v)| (*k == single || *k == multi) && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect();
        if given.is_empty() {
            if a.required {
                return Err(Open311Error::bad_request(format!(
                    "{single}: required ({})",
                    a.description
                )));
            }
            continue;
        }
        out.push((a.code.clone(), answer(a, &single, &given)?));
    }
    Ok(out)
}

/// One attribute's answer checked against its datatype.
fn answer(a: &Attribute, key: &str, given: &[&str]) -> Result<String, Open311Error> {
    let bad = |why: String| Open311Error::bad_request(format!("{key}: {why}"));
    let name_of = |v: &str| {
        a.values
            .iter()
            .find(|x| x.key == v)
            .map(|x| x.name.clone())
            .ok_or_else(|| bad(format!("`{v}` is not one of its values")))
    };
    if given.len() > 1 && a.datatype != Datatype::Multivaluelist {
        return Err(bad("takes one answer".into()));
    }
    let v = given[0];
    match a.datatype {
        Datatype::Multivaluelist => Ok(given
            .iter()
            .map(|v| name_of(v))
            .collect::<Result<Vec<_>, _>>()?
            .join(", ")),
        Datatype::Singlevaluelist => name_of(v),
        Datatype::Number => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| v.to_string())
            .ok_or_else(|| bad(format!("`{v}` is not a number"))),
        Datatype::Datetime => chrono::DateTime::parse_from_rfc3339(v)
            .map(|_| v.to_string())
            .map_err(|_| bad(format!("`{v}` is not an RFC 3339 date-time"))),
        Datatype::String | Datatype::Text => {
            let max = if a.datatype == Datatype::Text {
                MAX_TEXT_CHARS
            } else {
                MAX_STRING_CHARS
            };
            if v.chars().count() > max {
                return Err(bad(format!("at most {max} characters")));
            }
            Ok(v.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Open311Settings {
        toml::from_str(
            "[[attributes]]\nservice_code = \"pothole\"\ncode = \"size\"\ndatatype = \"singlevaluelist\"\n\
             description = \"How big?\"\nrequired = true\nvalues = [{ key = \"s\", name = \"Small\" }, { key = \"l\", name = \"Large\" }]\n\
             [[attributes]]\nservice_code = \"pothole\"\ncode = \"depth\"\ndatatype = \"number\"\ndescription = \"Depth in cm\"\n\
             [[attributes]]\nservice_code = \"pothole\"\ncode = \"hit\"\ndatatype = \"multivaluelist\"\ndescription = \"What hit it?\"\n\
             values = [{ key = \"car\", name = \"A car\" }, { key = \"bike\", name = \"A bike\" }]\n",
        )
        .unwrap()
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn answers_are_checked_against_their_definition() {
        let s = settings();
        let ok = answers(
            &s,
            "pothole",
            &form(&[
                ("attribute[size]", "l"),
                ("attribute[depth]", "12.5"),
                ("attribute[hit][]", "car"),
                ("attribute[hit][]", "bike"),
            ]),
        )
        .unwrap();
        assert_eq!(
            ok,
            [
                ("size".into(), "Large".into()),
                ("depth".into(), "12.5".into()),
                ("hit".into(), "A car, A bike".into())
            ]
        );
        for (bad, mentions) in [
            (
                &[("attribute[depth]", "3")][..],
                "attribute[size]: required",
            ),
            (&[("attribute[size]", "xl")], "`xl`"),
            (
                &[("attribute[size]", "s"), ("attribute[depth]", "deep")],
                "`deep`",
            ),
            (
                &[("attribute[size]", "s"), ("attribute[size]", "l")],
                "one answer",
            ),
            (
                &[("attribute[size]", "s"), ("attribute[colour]", "red")],
                "attribute[colour]",
            ),
        ] {
            let e = answers(&s, "pothole", &form(bad)).unwrap_err();
            assert!(format!("{e:?}").contains(mentions), "{bad:?}: {e:?}");
        }
        assert!(answers(&s, "graffiti", &form(&[])).unwrap().is_empty());
    }

    #[test]
    fn the_definition_lists_attributes_in_order() {
        let d = definition(&settings(), "pothole");
        assert_eq!(d["attributes"][0]["code"], "size");
        assert_eq!(d["attributes"][0]["order"], 1);
        assert_eq!(d["attributes"][1]["datatype"], "number");
        assert_eq!(
            d["attributes"][0]["values"][1],
            json!({"key": "l", "name": "Large"})
        );
        assert_eq!(definition(&settings(), "graffiti")["attributes"], json!([]));
    }
}
