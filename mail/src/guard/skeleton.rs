//! Confusable skeletons (Unicode TS #39) for comparing addresses: `311@cіty.test` with a Cyrillic `і` has the same
//! skeleton as `311@city.test`. Punycode labels (`xn--…`) are decoded first, so both spellings of a domain compare
//! alike.

use unicode_security::confusable_detection::skeleton;

/// The lower-cased skeleton of a domain, after IDNA decoding (which also maps full-width forms to ASCII).
pub(super) fn domain(domain: &str) -> String {
    let domain = domain.trim().trim_start_matches('@').trim_end_matches('.');
    let (unicode, decoded) = idna::domain_to_unicode(domain);
    let domain = if decoded.is_ok() {
        unicode
    } else {
        domain.to_string()
    };
    text(&domain)
}

/// The skeleton of `local@domain`, the local part kept as it is (no `+detail` stripping here).
pub(super) fn address(local: &str, domain_part: &str) -> String {
    format!("{}@{}", text(local), domain(domain_part))
}

/// Lower-cased before and after: TS #39 prototypes are sometimes capitals (`0` → `O`).
fn text(s: &str) -> String {
    skeleton(&s.to_lowercase())
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        let ours = address("311", "city.test");
        for spoof in [
            ("311", "c\u{456}ty.test"),  // Cyrillic і
            ("311", "\u{441}ity.test"),  // Cyrillic с
            ("3l1", "city.test"),        // l for 1
            ("311", "CITY.TEST"),        // case
            ("311", "ｃｉｔｙ.test"),    // full-width
            ("311", "xn--cty-jhd.test"), // punycode of cіty
        ] {
            assert_eq!(address(spoof.0, spoof.1), ours, "{spoof:?}");
        }
        assert_ne!(address("311", "clty.test"), ours);
        assert_ne!(address("312", "city.test"), ours);
        assert_eq!(domain("c\u{456}ty.test."), domain("city.test"));
    }
}
