//! Untrusted text made safe to store and show: header values on one line without control characters, bidi
//! controls made visible, and length caps that cut at a char boundary and say so.

use std::borrow::Cow;

/// Unicode bidi controls: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
/// marks (U+200E, U+200F, U+061C). An override makes "exe.gpj" read as "jpg.exe"; staff must see it.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `s` with every bidi control replaced by a visible, direction-neutral marker such as `[U+202E]`. Borrowed when
/// there is none.
pub fn neutralize_bidi(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_bidi_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A header value (subject, display name) as one line: each run of CR, LF, tab or other control characters becomes
/// one space, bidi controls become markers, and the result is cut to `max_chars` chars (the last one `…` when cut).
pub(crate) fn header_text(s: &str, max_chars: usize) -> String {
    let mut line = String::with_capacity(s.len().min(4 * max_chars + 4));
    let mut in_control = false;
    for c in s.chars() {
        if c.is_control() {
            if !in_control {
                line.push(' ');
            }
            in_control = true;
            continue;
        }
        in_control = false;
        line.push(c);
        // Enough to fill max_chars even if every char gains a bidi marker.
        if line.len() > 12 * max_chars + 12 {
            break;
        }
    }
    let line = neutralize_bidi(line.trim());
    cut_chars(&line, max_chars)
}

fn cut_chars(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_string(),
        Some(_) if max_chars == 0 => String::new(),
        Some(_) => {
            let keep = s
                .char_indices()
                .nth(max_chars - 1)
                .map_or(s.len(), |(i, _)| i);
            format!("{}…", s[..keep].trim_end())
        }
    }
}

/// Body text safe to show: bidi controls become markers and control characters other than newline and tab (NUL,
/// escape sequences, C1 codes) become a space.
pub(crate) fn body_text(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    neutralize_bidi(&s).into_owned()
}

/// Cuts `text` to at most `max_bytes` at a char boundary, preferring the last line break in the final eighth, and
/// appends a marker naming how much was left out (`left_out` bytes beyond what `text` holds are added to it).
/// Returns whether anything was cut.
pub(crate) fn cap_text(text: &mut String, max_bytes: usize, left_out: usize) -> bool {
    if text.len() <= max_bytes && left_out == 0 {
        return false;
    }
    if text.len() > max_bytes {
        let mut end = max_bytes;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if let Some(nl) = text[..end].rfind('\n').filter(|nl| *nl >= end - end / 8) {
            end = nl;
        }
        let more = text.len() - end + left_out;
        text.truncate(end);
        push_marker(text, more);
    } else {
        push_marker(text, left_out);
    }
    true
}

fn push_marker(text: &mut String, more_bytes: usize) {
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text.push_str(&format!(
        "\n\n[… message cut: {} KB more]",
        more_bytes.div_ceil(1024)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_become_one_clean_line() {
        assert_eq!(
            header_text("Maria\r\nBcc: x@y.test", 200),
            "Maria Bcc: x@y.test"
        );
        assert_eq!(
            header_text(" a\tb\0c\u{7f}d\u{85}e\u{1b}[31m ", 200),
            "a b c d e [31m"
        );
        assert_eq!(
            header_text("José  Muñoz", 200),
            "José  Muñoz",
            "ordinary text is kept as is"
        );
    }

    #[test]
    fn bidi_controls_are_made_visible() {
        assert_eq!(
            header_text("invoice\u{202E}fdp.exe", 200),
            "invoice[U+202E]fdp.exe"
        );
        for c in [
            '\u{202A}', '\u{202D}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let shown = neutralize_bidi(&format!("a{c}b")).into_owned();
            assert_eq!(shown, format!("a[U+{:04X}]b", c as u32));
        }
        assert!(matches!(neutralize_bidi("plain עברית"), Cow::Borrowed(_)));
        assert_eq!(
            body_text("line\u{202E}one\n\ttwo\0"),
            "line[U+202E]one\n\ttwo "
        );
    }

    #[test]
    fn long_values_are_cut_to_their_cap() {
        let cut = header_text(&"é".repeat(1000), 998);
        assert_eq!(cut.chars().count(), 998);
        assert!(cut.ends_with('…'));
        assert_eq!(header_text(&"a".repeat(998), 998), "a".repeat(998));
        let huge = header_text(&"n".repeat(900_000), 200);
        assert_eq!(huge.chars().count(), 200);
    }

    #[test]
    fn body_text_is_cut_with_a_marker() {
        let mut short = "short".to_string();
        assert!(!cap_text(&mut short, 100, 0));
        assert_eq!(short, "short");
        let mut long = "ñ".repeat(10_000);
        assert!(cap_text(&mut long, 4097, 0));
        let (kept, marker) = long.split_once("\n\n").unwrap();
        assert_eq!(kept.len(), 4096, "cut at a char boundary");
        assert_eq!(marker, "[… message cut: 16 KB more]");
        let mut lines = "word ".repeat(100) + "\n" + &"x".repeat(1000);
        assert!(
            cap_text(&mut lines, 560, 0),
            "a line break near the cap is preferred"
        );
        assert!(!lines.contains('x') && lines.starts_with("word word"));
        assert!(
            lines.ends_with("word\n\n[… message cut: 1 KB more]"),
            "{lines}"
        );
    }
}
