//! Which message ids are plausible enough to keep: they are echoed into our own In-Reply-To and References
//! headers, so anything else is dropped rather than repaired.

/// Longest id kept (RFC 5322 ids are rarely past 100; our own are about 40).
pub const MAX_MSG_ID_CHARS: usize = 250;
/// References kept: the last ones, nearest the message being answered.
pub const MAX_REFERENCES: usize = 20;

/// `left@right` (brackets already removed): printable ASCII without white space, angle brackets, quotes,
/// backslashes, parentheses, commas or semicolons, exactly one `@` with something on each side, at most
/// [`MAX_MSG_ID_CHARS`] long.
pub fn is_plausible_msg_id(id: &str) -> bool {
    let Some((left, right)) = id.split_once('@') else {
        return false;
    };
    id.len() <= MAX_MSG_ID_CHARS
        && !left.is_empty()
        && !right.is_empty()
        && !right.contains('@')
        && id.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(b, b'<' | b'>' | b'"' | b'\\' | b'(' | b')' | b',' | b';')
        })
}

/// The plausible ids of `ids`, keeping only the last `keep` of them.
pub(crate) fn plausible_ids(ids: Vec<String>, keep: usize) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().filter(|i| is_plausible_msg_id(i)).collect();
    if ids.len() > keep {
        ids.drain(..ids.len() - keep);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_ids_pass() {
        for id in [
            "CAF1234.plain@mail.example.test",
            "ack-311-000123@city.test",
            "CAF=abc+def_x/y!z@mail.gmail.com",
            "20250101.abc@[192.168.1.1]",
            "DB9PR05MB1234ABCD@DB9PR05MB1234.eurprd05.prod.outlook.com",
        ] {
            assert!(is_plausible_msg_id(id), "{id}");
        }
    }

    #[test]
    fn implausible_ids_fail() {
        let long = format!("{}@x.test", "a".repeat(MAX_MSG_ID_CHARS));
        for id in [
            "",
            "no-at-sign",
            "@right.test",
            "left@",
            "two@at@signs",
            "with space@x.test",
            "tab\t@x.test",
            "cr\r\nBcc: victim@x.test",
            "inner<bracket@x.test",
            "inner>bracket@x.test",
            "quote\"@x.test",
            "ünïcode@x.test",
            "nul\0@x.test",
            long.as_str(),
        ] {
            assert!(!is_plausible_msg_id(id), "{id:?}");
        }
    }

    #[test]
    fn only_the_last_references_are_kept() {
        let ids: Vec<String> = (0..30)
            .map(|i| format!("r{i}@x.test"))
            .chain(["bad id".to_string()])
            .collect();
        let kept = plausible_ids(ids, MAX_REFERENCES);
        assert_eq!(kept.len(), MAX_REFERENCES);
        assert_eq!(kept.first().unwrap(), "r10@x.test");
        assert_eq!(kept.last().unwrap(), "r29@x.test");
    }
}
