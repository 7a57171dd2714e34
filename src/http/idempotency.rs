//! Which claim an Open311 POST files under, so that a retry never files twice: the client's
//! `Idempotency-Key` header (the IETF HTTPAPI draft "The Idempotency-Key HTTP Header Field"; kept a day), or,
//! without one, the form itself (the same form from the same application within ten minutes is a retry).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

use super::open311::Open311Error;
use crate::store::IdempotencyClaim;

/// How long a client's key holds: a retry a day later still finds its request.
pub const KEY_TTL_MS: i64 = 24 * 3_600_000;
/// How long an identical form without a key counts as a retry.
pub const SAME_FORM_WINDOW_MS: i64 = 10 * 60_000;
/// Longest accepted key.
const MAX_KEY_CHARS: usize = 255;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on an answer that repeats an earlier one (the request was filed before).
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The claim for a POST of `form` by `application` at `now`.
pub fn claim(
    application: &str,
    headers: &HeaderMap,
    form: &[(String, String)],
    now: i64,
) -> Result<IdempotencyClaim, Open311Error> {
    let fingerprint = fingerprint(form);
    let (key, ttl) = match header_key(headers)? {
        Some(k) => (format!("key:{k}"), KEY_TTL_MS),
        None => (format!("body:{fingerprint}"), SAME_FORM_WINDOW_MS),
    };
    Ok(IdempotencyClaim {
        application: application.to_string(),
        key,
        fingerprint,
        expires_at: now + ttl,
    })
}

/// The header's key: an sf-string (`"…"`) or a bare token of visible ASCII, 1 to 255 characters.
fn header_key(headers: &HeaderMap) -> Result<Option<String>, Open311Error> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bad = || {
        Open311Error::bad_request(format!(
            "Idempotency-Key: 1 to {MAX_KEY_CHARS} visible ASCII characters (a quoted string)"
        ))
    };
    let raw = v.to_str().map_err(|_| bad())?.trim();
    let key = raw
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(raw);
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key.chars().all(|c| c.is_ascii_graphic() && c != '"');
    if ok {
        Ok(Some(key.to_string()))
    } else {
        Err(bad())
    }
}

/// SHA-256 of the form's fields in a fixed order (a client may send them in another order when it retries).
fn fingerprint(form: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = form.iter().collect();
    pairs.sort();
    let mut h = Sha256::new();
    for (k, v) in pairs {
        for part in [k, v] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// The answer to a key reused for a different form (the draft's 422).
pub fn key_reused() -> Open311Error {
    Open311Error::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Idempotency-Key: already used for a different request; send a new key with a new request",
    )
}

/// `Idempotent-Replayed: true`.
pub fn replayed_header() -> (HeaderName, HeaderValue) {
    (REPLAYED, HeaderValue::from_static("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_form_in_another_order_is_the_same_form_and_another_value_is_not() {
        let a = form(&[("a", "1"), ("b", "2")]);
        let b = form(&[("b", "2"), ("a", "1")]);
        let c = form(&[("a", "1"), ("b", "3")]);
        // Field boundaries count: `ab`+`c` is not `a`+`bc`.
        let d = form(&[("ab", "c")]);
        let e = form(&[("a", "bc")]);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(fingerprint(&d), fingerprint(&e));
    }

    #[test]
    fn the_header_key_wins_and_a_missing_one_falls_back_to_the_form() {
        let f = form(&[("a", "1")]);
        let mut h = HeaderMap::new();
        let c = claim("app", &h, &f, 1_000).unwrap();
        assert!(c.key.starts_with("body:"), "{}", c.key);
        assert_eq!(c.expires_at, 1_000 + SAME_FORM_WINDOW_MS);
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("\"k-1\""));
        let c = claim("app", &h, &f, 1_000).unwrap();
        assert_eq!(
            (c.key.as_str(), c.expires_at),
            ("key:k-1", 1_000 + KEY_TTL_MS)
        );
        h.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("k-1"));
        assert_eq!(claim("app", &h, &f, 0).unwrap().key, "key:k-1");
        for bad in ["\"\"", "a b", &"x".repeat(MAX_KEY_CHARS + 1)] {
            h.insert(IDEMPOTENCY_KEY, HeaderValue::from_str(bad).unwrap());
            let e = claim("app", &h, &f, 0).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
