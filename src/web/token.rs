//! The keys that open a resident's status page and guard its forms: HMACs under the service's reply-address
//! secret, each with its own purpose label so that no key made for one use is accepted for another.

use hmac::{Hmac, Mac};
use routing::RequestRef;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the page key kept in the link (128 bits: not guessable, short enough for a mail client).
const PAGE_KEY_BYTES: usize = 16;
/// A form may be submitted for this long after the page showed it.
pub const FORM_WINDOW_MS: i64 = 2 * 60 * 60 * 1000;
/// A form stamped this far in the future (another instance's clock) is still accepted.
const FORM_CLOCK_SKEW_MS: i64 = 60 * 1000;

const PAGE_PURPOSE: &[u8] = b"connect311 status page v1\0";
const FORM_PURPOSE: &[u8] = b"connect311 status form v1\0";

fn mac(secret: &[u8], purpose: &[u8], parts: &[&str]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(purpose);
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(b"\0");
    }
    mac
}

/// The key in `/r/<reference>/<key>`: 32 hex characters.
pub fn status_key(secret: &[u8], reference: RequestRef) -> String {
    let tag = mac(secret, PAGE_PURPOSE, &[&reference.to_string()])
        .finalize()
        .into_bytes();
    hex::encode(&tag[..PAGE_KEY_BYTES])
}

/// Whether `key` opens `reference`'s page (constant-time comparison; any malformed key is simply wrong).
pub fn status_key_valid(secret: &[u8], reference: RequestRef, key: &str) -> bool {
    if key.len() != PAGE_KEY_BYTES * 2 {
        return false;
    }
    let Ok(tag) = hex::decode(key.to_ascii_lowercase()) else {
        return false;
    };
    mac(secret, PAGE_PURPOSE, &[&reference.to_string()])
        .verify_truncated_left(&tag)
        .is_ok()
}

/// A form's hidden token, `<issued ms>.<nonce>.<mac>`: bound to the request, the action and the time it was
/// shown. The nonce names this one showing of the form, so that submitting it twice is applied once.
pub fn form_token(
    secret: &[u8],
    reference: RequestRef,
    action: &str,
    issued_ms: i64,
    nonce: &str,
) -> String {
    let issued = issued_ms.to_string();
    let tag = mac(
        secret,
        FORM_PURPOSE,
        &[&reference.to_string(), action, &issued, nonce],
    )
    .finalize()
    .into_bytes();
    format!("{issued}.{nonce}.{}", hex::encode(tag))
}

/// Why a form token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRefusal {
    /// Missing, malformed or not ours (or for another request or action).
    Invalid,
    /// Ours, but shown too long ago: the page must be loaded again.
    Expired,
}

/// The nonce of a valid form token for `reference` and `action` at `now`.
pub fn check_form_token(
    secret: &[u8],
    reference: RequestRef,
    action: &str,
    token: &str,
    now: i64,
) -> Result<String, FormRefusal> {
    let mut parts = token.trim().splitn(3, '.');
    let (Some(issued), Some(nonce), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(FormRefusal::Invalid);
    };
    let issued_ms: i64 = issued.parse().map_err(|_| FormRefusal::Invalid)?;
    let well_formed =
        !nonce.is_empty() && nonce.len() <= 64 && nonce.bytes().all(|b| b.is_ascii_hexdigit());
    let tag = hex::decode(tag).map_err(|_| FormRefusal::Invalid)?;
    if !well_formed || tag.len() != 32 {
        return Err(FormRefusal::Invalid);
    }
    mac(
        secret,
        FORM_PURPOSE,
        &[&reference.to_string(), action, issued, nonce],
    )
    .verify_slice(&tag)
    .map_err(|_| FormRefusal::Invalid)?;
    if now - issued_ms > FORM_WINDOW_MS || issued_ms - now > FORM_CLOCK_SKEW_MS {
        return Err(FormRefusal::Expired);
    }
    Ok(nonce.to_string())
}

/// A fresh nonce: 128 bits from the process's randomly keyed hasher, the time and a counter (unique, and
/// unpredictable enough for what it is: an idempotency key under a MAC, never a secret).
pub fn fresh_nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let half = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(n);
        h.write_u64(salt);
        h.finish()
    };
    format!("{:016x}{:016x}", half(1), half(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of some length";

    fn r(n: u64) -> RequestRef {
        RequestRef::new(n).unwrap()
    }

    #[test]
    fn page_keys_open_only_their_request() {
        let key = status_key(SECRET, r(42));
        assert_eq!(key.len(), 32);
        assert!(status_key_valid(SECRET, r(42), &key));
        assert!(status_key_valid(SECRET, r(42), &key.to_uppercase()));
        assert!(!status_key_valid(SECRET, r(43), &key), "another request");
        assert!(!status_key_valid(b"another secret", r(42), &key));
        assert!(!status_key_valid(SECRET, r(42), &key[..31]), "short");
        assert!(!status_key_valid(SECRET, r(42), &format!("{key}0")));
        assert!(!status_key_valid(SECRET, r(42), &"z".repeat(32)));
        assert_ne!(status_key(SECRET, r(42)), status_key(SECRET, r(43)));
    }

    #[test]
    fn a_reply_address_mac_is_not_a_page_key() {
        let addr = mail::address::reply_address("311@city.test", &r(42).to_string(), SECRET);
        let tag = addr.split('-').next_back().unwrap();
        assert!(!status_key_valid(SECRET, r(42), tag));
        // Nor the form purpose's MAC.
        let form = form_token(SECRET, r(42), "comment", 0, "ab");
        let mac = form.rsplit('.').next().unwrap();
        assert!(!status_key_valid(SECRET, r(42), &mac[..32]));
    }

    #[test]
    fn form_tokens_are_bound_to_request_action_and_time() {
        let now = 1_790_000_000_000;
        let nonce = fresh_nonce();
        let t = form_token(SECRET, r(7), "comment", now, &nonce);
        assert_eq!(
            check_form_token(SECRET, r(7), "comment", &t, now + 1000),
            Ok(nonce.clone())
        );
        let invalid = Err(FormRefusal::Invalid);
        assert_eq!(check_form_token(SECRET, r(8), "comment", &t, now), invalid);
        assert_eq!(
            check_form_token(SECRET, r(7), "not_fixed", &t, now),
            invalid
        );
        assert_eq!(
            check_form_token(b"other", r(7), "comment", &t, now),
            invalid
        );
        let later = now + FORM_WINDOW_MS + 1;
        assert_eq!(
            check_form_token(SECRET, r(7), "comment", &t, later),
            Err(FormRefusal::Expired)
        );
        let moved = t.replacen(&now.to_string(), &(now + 1).to_string(), 1);
        assert_eq!(
            check_form_token(SECRET, r(7), "comment", &moved, now),
            invalid
        );
        for junk in ["", "x", "1.2", "1.ab.zz", "a.b.c", &t[..t.len() - 2]] {
            assert_eq!(
                check_form_token(SECRET, r(7), "comment", junk, now),
                invalid,
                "{junk}"
            );
        }
        assert_ne!(fresh_nonce(), fresh_nonce());
    }
}
