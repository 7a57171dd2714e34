//! Signed per-request reply addresses (`311+311-000123-1a2b3c4d@city.test`, FixMyStreet style) and subject tags
//! (`[311-000123]`): how a reply finds its request without letting a stranger guess their way into one.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use regex::Regex;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Hex characters of the MAC kept in the address (32 bits: enough against guessing at mail speed).
const MAC_HEX: usize = 8;

fn mac_for(reference: &str, secret: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    // Mail systems may change the case of a local part, so the MAC covers the lower-cased reference.
    mac.update(reference.to_ascii_lowercase().as_bytes());
    mac
}

/// `inbox` "311@city.test" + `reference` "311-000123" → "311+311-000123-<8 hex>@city.test".
pub fn reply_address(inbox: &str, reference: &str, secret: &[u8]) -> String {
    let (local, domain) = inbox.trim().rsplit_once('@').unwrap_or((inbox.trim(), ""));
    let tag = hex::encode(mac_for(reference, secret).finalize().into_bytes());
    format!("{local}+{reference}-{}@{domain}", &tag[..MAC_HEX])
}

/// The reference carried by a valid signed reply address for `inbox`, compared case-insensitively and with a
/// constant-time MAC check; `None` for anything else (wrong inbox, bad or missing MAC).
pub fn verify_reply_address(addr: &str, inbox: &str, secret: &[u8]) -> Option<String> {
    let addr = addr.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = addr.rsplit_once('@')?;
    let (inbox_local, inbox_domain) = inbox.trim().rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(inbox_domain) {
        return None;
    }
    let (base, detail) = local.split_once('+')?;
    if !base.eq_ignore_ascii_case(inbox_local) {
        return None;
    }
    let (reference, tag) = detail.rsplit_once('-')?;
    if reference.is_empty() || tag.len() != MAC_HEX {
        return None;
    }
    let tag = hex::decode(tag.to_ascii_lowercase()).ok()?;
    mac_for(reference, secret)
        .verify_truncated_left(&tag)
        .ok()
        .map(|()| reference.to_string())
}

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[\s*([A-Za-z0-9]{1,10}-\d{1,12})\s*\]").expect("static regex"));
static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*((re|aw|sv|vs|rv|ref|res)\s*(\[\d+\])?\s*:\s*)+").expect("static regex")
});

/// The request reference in a subject such as "Re: Pothole [311-000123]".
pub fn subject_tag(subject: &str) -> Option<String> {
    TAG.captures(subject).map(|c| c[1].to_string())
}

/// Adds "[reference]" once (at the end) and collapses a chain of reply prefixes ("Re: RE: Re:") into one "Re: ".
pub fn tag_subject(subject: &str, reference: &str) -> String {
    let subject = subject.trim();
    let had_prefix = REPLY_PREFIX.is_match(subject);
    let rest = REPLY_PREFIX.replace(subject, "");
    let rest = rest.trim();
    let tagged = if TAG
        .captures_iter(rest)
        .any(|c| c[1].eq_ignore_ascii_case(reference))
    {
        rest.to_string()
    } else if rest.is_empty() {
        format!("[{reference}]")
    } else {
        format!("{rest} [{reference}]")
    };
    if had_prefix {
        format!("Re: {tagged}")
    } else {
        tagged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test secret";

    #[test]
    fn round_trip() {
        let a = reply_address("311@city.test", "311-000123", SECRET);
        assert!(
            a.starts_with("311+311-000123-") && a.ends_with("@city.test"),
            "{a}"
        );
        assert_eq!(a.len(), "311+311-000123-12345678@city.test".len());
        assert_eq!(
            verify_reply_address(&a, "311@city.test", SECRET).as_deref(),
            Some("311-000123")
        );
        assert_eq!(
            verify_reply_address(&a.to_uppercase(), "311@City.Test", SECRET).as_deref(),
            Some("311-000123")
        );
        assert_eq!(
            verify_reply_address(&format!("<{a}>"), "311@city.test", SECRET).as_deref(),
            Some("311-000123")
        );
    }

    #[test]
    fn rejects_forgeries() {
        let a = reply_address("311@city.test", "311-000123", SECRET);
        let cases = [
            a.replace("311-000123", "311-000124"),
            a.replace("@city.test", "@evil.test"),
            a.replacen("311+", "312+", 1),
            "311+311-000123@city.test".to_string(),
            "311+311-000123-zzzzzzzz@city.test".to_string(),
            "311@city.test".to_string(),
            "garbage".to_string(),
            String::new(),
        ];
        for c in cases {
            assert_eq!(
                verify_reply_address(&c, "311@city.test", SECRET),
                None,
                "{c}"
            );
        }
        assert_eq!(verify_reply_address(&a, "311@city.test", b"other"), None);
    }

    #[test]
    fn subject_tags() {
        assert_eq!(
            subject_tag("Re: Pothole [311-000123]").as_deref(),
            Some("311-000123")
        );
        assert_eq!(subject_tag("no tag here [x]"), None);
        let cases = [
            ("Pothole on Main St", "Pothole on Main St [311-000123]"),
            ("Re: Re: RE: Pothole", "Re: Pothole [311-000123]"),
            ("Re: Pothole [311-000123]", "Re: Pothole [311-000123]"),
            ("AW: Re: Bache [311-000123]", "Re: Bache [311-000123]"),
            ("", "[311-000123]"),
        ];
        for (input, want) in cases {
            assert_eq!(tag_subject(input, "311-000123"), want, "{input}");
        }
    }
}
