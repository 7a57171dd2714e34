//! The raw message as the service should store it: the headers and the text kept byte for byte, each refused
//! attachment replaced by a small placeholder part that records its name, type, size and SHA-256, and any text
//! part over the text cap cut with a note. Parts are spliced at mail-parser's offsets, so boundaries and the MIME
//! structure stay as they were and the result still parses.

use std::borrow::Cow;

use base64::Engine;
use mail_parser::{Encoding, Message, MessagePart, PartType};
use sha2::{Digest, Sha256};

use super::attachments::{self, human_size, Candidate};
use super::{html::MAX_HTML_BYTES, parse_message, Limits};

/// The header every placeholder (and a cut part) carries.
pub const REMOVED_HEADER: &str = "X-Connect311-Removed";

/// `raw` without what [`super::parse`] refuses to keep: see the module docs. Borrowed when nothing was refused
/// or cut. Input that does not parse as an email is kept up to [`Limits::max_total_attachment_bytes`].
pub fn storable_raw<'a>(raw: &'a [u8], limits: &Limits) -> Cow<'a, [u8]> {
    let Ok(msg) = parse_message(raw) else {
        return cut_junk(raw, limits.max_total_attachment_bytes);
    };
    let mut edits = Vec::new();
    let refused: Vec<Candidate<'_>> = attachments::candidates(&msg, limits)
        .into_iter()
        .filter(|c| c.refused)
        .collect();
    for c in &refused {
        edits.extend(replace_attachment(raw, &msg, c));
    }
    for id in msg.text_body.iter().chain(&msg.html_body) {
        let id = *id as usize;
        if msg.attachments.contains(&(id as u32)) || edits.iter().any(|e| e.part == id) {
            continue;
        }
        edits.extend(cut_text_part(raw, &msg, id, limits));
    }
    if edits.is_empty() {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(splice(raw, edits))
}

/// Bytes `start..end` of the raw message become `with`; `part` is the MIME part it belongs to.
struct Edit {
    part: usize,
    start: usize,
    end: usize,
    with: Vec<u8>,
}

fn splice(raw: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = Vec::with_capacity(raw.len().min(1 << 20));
    let mut at = 0;
    for e in edits {
        if e.start < at || e.end > raw.len() {
            continue; // overlapping or out of range: keep the original bytes
        }
        out.extend_from_slice(&raw[at..e.start]);
        out.extend_from_slice(&e.with);
        at = e.end;
    }
    out.extend_from_slice(&raw[at..]);
    out
}

fn offsets(part: &MessagePart<'_>) -> (usize, usize, usize) {
    (
        part.raw_header_offset() as usize,
        part.raw_body_offset() as usize,
        part.raw_end_offset() as usize,
    )
}

/// A refused attachment inside a multipart becomes a placeholder part; when it is the whole message, its headers
/// stay, a removal header goes on top and the body becomes the note in the body's own transfer encoding.
fn replace_attachment(raw: &[u8], msg: &Message<'_>, c: &Candidate<'_>) -> Vec<Edit> {
    let Some(part) = msg.parts.get(c.part) else {
        return Vec::new();
    };
    let (head, body, end) = offsets(part);
    let sha = hex::encode(Sha256::digest(c.data));
    let summary = format!(
        "filename*=utf-8''{}; content-type=\"{}\"; size={}; sha256={sha}",
        pct_encode(&c.filename),
        c.content_type.replace(['"', '\\'], ""),
        c.data.len()
    );
    let note = format!(
        "connect311 removed this attachment before storing the message: it was over the size limit.\r\n\
         filename: {}\r\ncontent-type: {}\r\nsize: {} bytes ({})\r\nsha256: {sha}\r\n",
        c.filename,
        c.content_type,
        c.data.len(),
        human_size(c.data.len())
    );
    if c.part == 0 {
        return vec![
            header_edit(raw, 0, &summary),
            body_edit(0, body, end, encode(&note, part.encoding)),
        ];
    }
    let placeholder = format!(
        "Content-Type: text/plain; charset=utf-8\r\n\
         Content-Disposition: attachment; filename*=utf-8''{}.removed.txt\r\n\
         Content-Transfer-Encoding: 8bit\r\n{REMOVED_HEADER}: {summary}\r\n\r\n{note}",
        pct_encode(&c.filename)
    );
    vec![body_edit(c.part, head, end, placeholder.into_bytes())]
}

/// A text or HTML body part over its cap: inside a multipart it becomes a UTF-8 part holding the kept prefix and
/// a note; as the whole message, its raw body is cut at a safe point for its transfer encoding.
fn cut_text_part(raw: &[u8], msg: &Message<'_>, id: usize, limits: &Limits) -> Vec<Edit> {
    let Some(part) = msg.parts.get(id) else {
        return Vec::new();
    };
    let (text, subtype, cap) = match &part.body {
        PartType::Text(t) => (t.as_ref(), "plain", limits.max_text_bytes),
        PartType::Html(h) => (h.as_ref(), "html", MAX_HTML_BYTES),
        _ => return Vec::new(),
    };
    if text.len() <= cap {
        return Vec::new();
    }
    let kept = floor_char_boundary(text, cap);
    let sha = hex::encode(Sha256::digest(text.as_bytes()));
    let summary = format!("cut; kept={kept}; size={}; sha256={sha}", text.len());
    let marker = format!(
        "\r\n[... message cut by connect311: {} KB more]\r\n",
        (text.len() - kept).div_ceil(1024)
    );
    let (head, body, end) = offsets(part);
    if id == 0 {
        let cut = raw_cut(&raw[body..end], part.encoding, cap);
        return vec![
            header_edit(raw, 0, &summary),
            body_edit(0, body + cut, end, encode(&marker, part.encoding)),
        ];
    }
    let content = format!("{}{marker}", &text[..kept]);
    let replacement = format!(
        "Content-Type: text/{subtype}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\
         {REMOVED_HEADER}: {summary}\r\n\r\n{}",
        base64_lines(content.as_bytes())
    );
    vec![body_edit(id, head, end, replacement.into_bytes())]
}

fn body_edit(part: usize, start: usize, end: usize, with: Vec<u8>) -> Edit {
    Edit {
        part,
        start,
        end,
        with,
    }
}

/// The removal header inserted at the top of the message (after an mbox `From ` line, if any).
fn header_edit(raw: &[u8], part: usize, summary: &str) -> Edit {
    let at = if raw.starts_with(b"From ") {
        raw.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1)
    } else {
        0
    };
    body_edit(
        part,
        at,
        at,
        format!("{REMOVED_HEADER}: {summary}\r\n").into_bytes(),
    )
}

/// How many bytes of a raw body keep at most `cap` decoded bytes and end at a clean point: after a whole base64
/// quad, or (for 8bit and quoted-printable) outside an `=XX` escape and a UTF-8 sequence, at a line break when one
/// is near.
fn raw_cut(body: &[u8], encoding: Encoding, cap: usize) -> usize {
    if encoding == Encoding::Base64 {
        let want = cap / 3 * 4;
        let mut chars = 0;
        for (i, b) in body.iter().enumerate() {
            if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') {
                chars += 1;
                if chars == want {
                    return i + 1;
                }
            }
        }
        return body.len();
    }
    let cut = decoded_prefix(body, encoding == Encoding::QuotedPrintable, cap);
    match body[..cut].iter().rposition(|b| *b == b'\n') {
        Some(nl) if nl >= cut - cut / 8 => nl + 1,
        _ => cut,
    }
}

/// The raw length holding the first `cap` decoded bytes (fewer if the next would continue a UTF-8 sequence).
fn decoded_prefix(body: &[u8], quoted_printable: bool, cap: usize) -> usize {
    // Raw start of each of the last few decoded bytes, to back out of a split UTF-8 sequence.
    let mut recent: Vec<(usize, u8)> = Vec::with_capacity(4);
    let (mut i, mut decoded) = (0, 0);
    while i < body.len() {
        let (byte, len) = match body[i] {
            b'=' if quoted_printable => match (body.get(i + 1), body.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => (None, 3),
                (Some(b'\n'), _) => (None, 2),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    (Some(hex_value(*h) << 4 | hex_value(*l)), 3)
                }
                _ => (Some(b'='), 1),
            },
            b => (Some(b), 1),
        };
        if let Some(byte) = byte {
            if decoded == cap {
                // `byte` would be the first one left out: never leave half a character behind.
                while byte & 0xC0 == 0x80 && recent.last().is_some_and(|(_, b)| b & 0xC0 == 0x80) {
                    recent.pop();
                }
                return match recent.last() {
                    Some((at, b)) if byte & 0xC0 == 0x80 && *b >= 0xC0 => *at,
                    _ => i,
                };
            }
            decoded += 1;
            if recent.len() == 4 {
                recent.remove(0);
            }
            recent.push((i, byte));
        }
        i += len;
    }
    body.len()
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => (digit | 0x20) - b'a' + 10,
    }
}

/// A short ASCII note in the given transfer encoding (quoted-printable leaves ASCII as it is).
fn encode(note: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Base64 => format!("\r\n{}", base64_lines(note.as_bytes())).into_bytes(),
        _ => note.as_bytes().to_vec(),
    }
}

fn base64_lines(data: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// RFC 2231 value: attr-chars as they are, everything else `%XX`.
fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Input that is not an email is quarantined whole by the service; past `max` bytes only its start is kept.
fn cut_junk(raw: &[u8], max: usize) -> Cow<'_, [u8]> {
    if raw.len() <= max {
        return Cow::Borrowed(raw);
    }
    let mut out = raw[..max].to_vec();
    out.extend_from_slice(
        format!(
            "\r\n[... cut by connect311: {} more bytes, sha256 {}]\r\n",
            raw.len() - max,
            hex::encode(Sha256::digest(raw))
        )
        .as_bytes(),
    );
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
