//! Attachments: which parts are attachments, their safe names and types, and which are refused for size.

use mail_parser::{Message, MimeHeaders, PartType};

use super::{clean, Attachment, Limits};

/// One attachment part, as both [`super::parse`] and [`super::storable_raw`] judge it.
pub(super) struct Candidate<'m> {
    /// Index into `Message::parts`.
    pub part: usize,
    pub filename: String,
    pub content_type: String,
    /// Decoded content (for a forwarded message: its raw bytes).
    pub data: &'m [u8],
    pub inline: bool,
    /// Over [`Limits::max_attachment_bytes`], or past [`Limits::max_total_attachment_bytes`] with those before it.
    pub refused: bool,
}

/// Every attachment of `msg`, in order, with the size verdict.
pub(super) fn candidates<'m>(msg: &'m Message<'_>, limits: &Limits) -> Vec<Candidate<'m>> {
    let mut out = Vec::new();
    let mut total = 0usize;
    for (i, &id) in msg.attachments.iter().enumerate() {
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        let data: &[u8] = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b,
            PartType::Text(t) | PartType::Html(t) => t.as_bytes(),
            PartType::Message(m) => m.raw_message(),
            PartType::Multipart(_) => continue,
        };
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let filename = part
            .attachment_name()
            .map(sanitize_filename)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("attachment-{}{}", i + 1, extension_for(&content_type)));
        let size = data.len();
        let refused =
            size > limits.max_attachment_bytes || total + size > limits.max_total_attachment_bytes;
        if !refused {
            total += size;
        }
        let inline = matches!(part.body, PartType::InlineBinary(_))
            || part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        out.push(Candidate {
            part: id as usize,
            filename,
            content_type,
            data,
            inline,
            refused,
        });
    }
    out
}

/// The kept attachments, and the refused ones as "name (size)" for a polite reply.
pub(super) fn collect(msg: &Message<'_>, limits: &Limits) -> (Vec<Attachment>, Vec<String>) {
    let mut kept = Vec::new();
    let mut oversize = Vec::new();
    for c in candidates(msg, limits) {
        if c.refused {
            oversize.push(format!("{} ({})", c.filename, human_size(c.data.len())));
            continue;
        }
        kept.push(Attachment {
            filename: c.filename,
            content_type: c.content_type,
            size: c.data.len(),
            inline: c.inline,
            data: c.data.to_vec(),
        });
    }
    (kept, oversize)
}

/// Keeps only the last path component, drops control characters and makes bidi controls visible (an override
/// turns "exe.gpj" into what reads as "jpg.exe"): a filename is untrusted text.
fn sanitize_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let name: String = last
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(200)
        .collect();
    clean::neutralize_bidi(&name).into_owned()
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/heic" => ".heic",
        "application/pdf" => ".pdf",
        "message/rfc822" => ".eml",
        "text/plain" => ".txt",
        "text/html" => ".html",
        _ => ".bin",
    }
}

pub(super) fn human_size(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB / 10.0 {
        format!("{:.1} MB", bytes as f64 / MIB)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
