//! Body text: the plain part when there is one, otherwise HTML reduced to text; `\n` line ends, control and bidi
//! characters neutralised, cut to the size limit with a visible marker.

use mail_parser::{Message, PartType};

use super::clean;

#[derive(Default)]
pub(super) struct Body {
    pub text: String,
    pub from_html: bool,
    /// Some of the text was left out for size.
    pub cut: bool,
}

/// Wide enough that html2text never re-wraps a resident's sentences.
const HTML_WIDTH: usize = 400;

/// Text produced from one HTML part at most; [`super::parse`] cuts the body shorter still.
pub const MAX_HTML_TEXT_BYTES: usize = 1024 * 1024;

pub(super) fn body_text(msg: &Message<'_>, max_bytes: usize) -> Body {
    let mut plain = Vec::new();
    let mut html = Vec::new();
    // mail-parser lists the HTML part in text_body when a message has no plain alternative; inline images sit in
    // the body lists too, which we skip (they are attachments).
    for part in msg.text_bodies() {
        match &part.body {
            PartType::Text(t) => plain.push(t.as_ref()),
            PartType::Html(h) => html.push(h.as_ref()),
            _ => {}
        }
    }
    if !plain.is_empty() {
        return bounded(&plain.join("\n"), 0, max_bytes, false);
    }
    for part in msg.html_bodies() {
        if let PartType::Html(h) = &part.body {
            html.push(h.as_ref());
        }
    }
    match html.first() {
        Some(h) => {
            let (text, unread) = bounded_html_to_text(h);
            bounded(&text, unread, max_bytes, true)
        }
        None => Body::default(),
    }
}

/// Normalised, cleaned and capped text; `left_out` bytes were already dropped before it.
fn bounded(text: &str, left_out: usize, max_bytes: usize, from_html: bool) -> Body {
    // Normalising only shortens text, so this much of it always fills max_bytes when there is enough.
    let head = &text[..floor_char_boundary(text, max_bytes.saturating_mul(2).saturating_add(1024))];
    let left_out = left_out + (text.len() - head.len());
    let mut text = clean::body_text(&normalize_newlines(head));
    let cut = clean::cap_text(&mut text, max_bytes, left_out);
    Body {
        text,
        from_html,
        cut,
    }
}

fn normalize_newlines(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed: Vec<&str> = s.lines().map(str::trim_end).collect();
    trimmed.join("\n").trim_matches('\n').to_string()
}

/// Reduces untrusted HTML to text, bounded in time and memory for any input: a linear pre-pass first caps size,
/// depth and tables and drops hidden content, and the result is cut at [`MAX_HTML_TEXT_BYTES`].
pub fn html_to_text(html: &str) -> String {
    bounded_html_to_text(html).0
}

/// [`html_to_text`] and how many bytes (of HTML unread, or of text cut) were left out.
fn bounded_html_to_text(html: &str) -> (String, usize) {
    let (safe, unread) = super::html::sanitize(html);
    // html2text is guarded with `catch_unwind` because `parse` must never panic; the fallback drops tags crudely,
    // which is still safe text.
    let rendered = std::panic::catch_unwind(|| {
        html2text::config::plain()
            .link_footnotes(false)
            .string_from_read(safe.as_bytes(), HTML_WIDTH)
    });
    let mut text = match rendered {
        Ok(Ok(text)) => text,
        _ => strip_tags(&safe),
    };
    let end = floor_char_boundary(&text, MAX_HTML_TEXT_BYTES);
    let cut = text.len() - end;
    text.truncate(end);
    (text, unread + cut)
}

fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
