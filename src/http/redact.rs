//! Scrubs contact details out of resident text before it is published: email addresses, phone numbers and
//! the requester's own name.

use std::sync::LazyLock;

use regex::Regex;
use routing::normalize::{fold_phrase, Folded};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+").expect("email pattern")
});

// Phone numbers as residents write them: an optional country code, an area code (in parentheses, or followed
// by a separator), then 3-4 and 4 digits (`555-123-4567`, `(555) 123 4567`, `+1 555.123.4567`, `55 1234 5678`);
// 10 to 13 digits in a row (`5551234567`, `+15551234567`); or a 7-digit local number with a separator
// (`555-1234`). Dates (`2026-09-14`), ZIP+4 codes, house numbers and references (`311-000123`) have other shapes.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          \+?(?:\d{1,3}[\ .-])?(?:\(\d{2,4}\)[\ .-]?|\b\d{2,4}[\ .-])\d{3,4}[\ .-]?\d{4}\b
        | \+?\b\d{10,13}\b
        | \b\d{3}[.-]\d{4}\b",
    )
    .expect("phone pattern")
});

pub const EMAIL_REMOVED: &str = "[email removed]";
pub const PHONE_REMOVED: &str = "[phone removed]";
pub const NAME_REMOVED: &str = "[name removed]";

/// `text` without email addresses, phone numbers, or (when given and at least 3 characters long) the
/// requester's name, ignoring case and accents (`Jose Garcia` is `José García`).
pub fn redact(text: &str, requester_name: Option<&str>) -> String {
    let out = EMAIL.replace_all(text, EMAIL_REMOVED);
    let mut out = PHONE.replace_all(&out, PHONE_REMOVED).into_owned();
    if let Some(name) = requester_name
        .map(str::trim)
        .filter(|n| n.chars().count() >= 3)
    {
        out = remove_name(&out, name);
    }
    out
}

/// Every whole-word occurrence of `name` in `text`, compared folded (case, accents and punctuation ignored),
/// replaced by [`NAME_REMOVED`].
fn remove_name(text: &str, name: &str) -> String {
    let needle = format!(" {} ", fold_phrase(name));
    if needle.trim().is_empty() {
        return text.to_string();
    }
    let folded = Folded::new(text);
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut from) = (0, 0);
    while let Some(at) = folded.text[from..].find(&needle) {
        let start = from + at;
        let end = start + needle.len();
        let (mut s, mut e) = folded.original_range(start, end);
        // Punctuation the name itself starts or ends with (`Ruiz (J.)`) goes with it.
        let head = &name[..name.len()
            - name
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len()];
        let tail = &name[name.trim_end_matches(|c: char| !c.is_alphanumeric()).len()..];
        if text[..s].ends_with(head) && s - head.len() >= copied {
            s -= head.len();
        }
        if text[e..].starts_with(tail) {
            e += tail.len();
        }
        out.push_str(&text[copied..s]);
        out.push_str(NAME_REMOVED);
        copied = e;
        // The closing space may open the next occurrence.
        from = end - 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_email_addresses() {
        for (text, want) in [
            (
                "Write me at jane.doe+311@example.test please",
                "Write me at [email removed] please",
            ),
            ("CC: A_B@sub.mail.example.org.", "CC: [email removed]."),
            (
                "two: a@b.co, c@d.io",
                "two: [email removed], [email removed]",
            ),
        ] {
            assert_eq!(redact(text, None), want, "{text}");
        }
    }

    #[test]
    fn removes_phone_numbers_in_common_shapes() {
        for text in [
            "call 555-123-4567",
            "call (555) 123-4567",
            "call (555)123-4567",
            "call 555.123.4567",
            "call +1 555 123 4567",
            "call +15551234567",
            "call 5551234567",
            "llame al 55 1234 5678",
            "call 555-1234",
            "call +44 20 7946 0958",
        ] {
            let out = redact(text, None);
            assert!(out.ends_with(PHONE_REMOVED), "{text} -> {out}");
            assert!(!out.chars().any(|c| c.is_ascii_digit()), "{text} -> {out}");
        }
    }

    #[test]
    fn keeps_addresses_dates_times_and_references() {
        for text in [
            "Huge pothole in front of 120 Main St.",
            "Since 2026-09-14 at 10:30, see 311-000123.",
            "Between 5th and 6th Ave, ZIP 12345-6789",
            "Bache en la calle 5 de Mayo 1234",
            "Streetlight #4521 out on Elm",
        ] {
            assert_eq!(redact(text, None), text);
        }
    }

    #[test]
    fn removes_the_requesters_name_when_it_is_known() {
        assert_eq!(
            redact("Hi, this is Jane Doe. JANE DOE again.", Some("Jane Doe")),
            "Hi, this is [name removed]. [name removed] again."
        );
        assert_eq!(
            redact("Al is here", Some("Al")),
            "Al is here",
            "too short to be safe"
        );
        assert_eq!(
            redact("Janet met Jane", Some("Jane")),
            "Janet met [name removed]"
        );
        assert_eq!(
            redact("from Dr. Ruiz (J.) today", Some("Ruiz (J.)")),
            "from Dr. [name removed] today",
            "punctuation in a name is not a pattern"
        );
    }

    #[test]
    fn names_match_whatever_the_accents() {
        for note in [
            "Fixed, thanks Jose Garcia.",
            "Fixed, thanks José García.",
            "Fixed, thanks JOSÉ GARCÍA.",
            "Fixed, thanks jose-garcia.",
        ] {
            assert_eq!(
                redact(note, Some("José García")),
                "Fixed, thanks [name removed].",
                "{note}"
            );
            assert_eq!(
                redact(note, Some("Jose Garcia")),
                "Fixed, thanks [name removed].",
                "{note}"
            );
        }
        assert_eq!(
            redact("María and Maria, not Marianne", Some("Maria")),
            "[name removed] and [name removed], not Marianne"
        );
    }
}
