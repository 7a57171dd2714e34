//! Raw RFC 5322 bytes → [`Inbound`]: the one shape the service sees of an email, whatever MIME it arrived in.

mod attachments;
pub mod clean;
pub(crate) mod headers;
mod html;
pub mod msgid;
mod storable;
mod text;

use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser};
use serde::{Deserialize, Serialize};

use crate::bounce::{self, Bounce};
pub use clean::neutralize_bidi;
pub use headers::normalize_email;
pub use msgid::is_plausible_msg_id;
pub use storable::{storable_raw, REMOVED_HEADER};
pub use text::{html_to_text, MAX_HTML_TEXT_BYTES};

/// Size limits. Attachments over them are refused (listed in [`Inbound::oversize`]) rather than stored; text over
/// them is cut. Build with `..Limits::default()` so new limits keep their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_attachment_bytes: usize,
    pub max_total_attachment_bytes: usize,
    /// Subject kept, in chars (default 998, RFC 5322's line limit); a cut ends in `…`.
    pub max_subject_chars: usize,
    /// Each display name kept, in chars (default 200); a cut ends in `…`.
    pub max_name_chars: usize,
    /// Body text kept, in bytes (default 256 KiB); a cut ends in "[… message cut: N KB more]" and sets
    /// [`Inbound::text_cut`].
    pub max_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_attachment_bytes: 5 * 1024 * 1024,
            max_total_attachment_bytes: 7 * 1024 * 1024,
            max_subject_chars: 998,
            max_name_chars: 200,
            max_text_bytes: 256 * 1024,
        }
    }
}

/// A mailbox: optional display name and a lower-cased address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    /// An address without a display name; the email is trimmed and lower-cased.
    pub fn new(email: &str) -> Self {
        Self {
            name: None,
            email: normalize_email(email),
        }
    }

    pub fn with_name(name: &str, email: &str) -> Self {
        let name = name.trim();
        Self {
            name: (!name.is_empty()).then(|| name.to_string()),
            email: normalize_email(email),
        }
    }

    /// The part after the last `@` ("" when there is none).
    pub fn domain(&self) -> &str {
        self.email.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// The part before the last `@` (the whole address when there is none).
    pub fn local_part(&self) -> &str {
        self.email.rsplit_once('@').map_or(&self.email, |(l, _)| l)
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} <{}>", self.email),
            None => f.write_str(&self.email),
        }
    }
}

/// A kept attachment (photo, PDF, forwarded message…). Inline images count as attachments.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub size: usize,
    /// Shown inline (Content-Disposition: inline or an image in multipart/related) rather than attached.
    pub inline: bool,
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// Everything the service needs from one inbound email.
#[derive(Debug, Clone, Serialize)]
pub struct Inbound {
    /// Without angle brackets. `None` when missing or not a plausible `left@right` id
    /// ([`msgid::is_plausible_msg_id`]): the service synthesises one from a hash of the raw bytes.
    pub message_id: Option<String>,
    /// The first `From` header's first mailbox. Display names (here and in every [`Address`]) are one line
    /// without control characters, bidi controls made visible, at most [`Limits::max_name_chars`].
    pub from: Option<Address>,
    /// More than one `From` header, or more than one mailbox in it: RFC 5322 allows neither without `Sender`, and
    /// it is a known spoofing trick, so such mail is never authenticated staff mail (RFC 7489 §6.6.1).
    pub multiple_from: bool,
    pub reply_to: Option<Address>,
    /// Envelope sender as recorded by the final MTA; `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub delivered_to: Vec<String>,
    /// One line: control characters as spaces, bidi controls made visible, at most [`Limits::max_subject_chars`].
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// Plain text body (the text/plain part preferred; HTML reduced to text), `\n` line ends, bidi controls shown
    /// as `[U+202E]`-style markers, at most [`Limits::max_text_bytes`] plus the cut marker.
    pub text: String,
    /// True when `text` was produced from HTML because no plain part existed.
    pub from_html: bool,
    /// True when part of the body was left out of `text` for size (it then ends with a "message cut" marker).
    pub text_cut: bool,
    pub attachments: Vec<Attachment>,
    /// Attachments refused for size, as "name (size)" for a polite reply; their data is not kept.
    pub oversize: Vec<String>,
    /// Plausible ids only (see [`Inbound::message_id`]).
    pub in_reply_to: Vec<String>,
    /// Plausible ids only, the last [`msgid::MAX_REFERENCES`] at most.
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    pub x_loop: Vec<String>,
    pub x_auto_response_suppress: Option<String>,
    /// Non-standard auto-responder markers (`X-Autoreply`, `X-Autorespond`, `X-Autoresponder`).
    pub x_autoreply: Option<String>,
    /// Our own loop header ([`crate::outbound::LOOP_HEADER`]) if the message carries it.
    pub loop_header: Option<String>,
    pub authentication_results: Vec<String>,
    /// For each entry of `authentication_results`, how many `Received` headers stand above it.
    pub authentication_results_hops: Vec<usize>,
    /// How many `Received` headers the message has.
    pub received_count: usize,
    /// Top-level Content-Type (`type/subtype`, lower-case), e.g. to spot `multipart/report` read receipts.
    pub content_type: Option<String>,
    /// Set when the message is a delivery status notification (bounce).
    pub dsn: Option<Bounce>,
    pub raw_size: usize,
}

impl Inbound {
    /// The address to answer: Reply-To, else From.
    pub fn reply_address(&self) -> Option<&Address> {
        self.reply_to.as_ref().or(self.from.as_ref())
    }
}

/// Why a byte string is not an email we can work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty message")]
    Empty,
    #[error("binary data, not an RFC 5322 message")]
    Binary,
    #[error("no RFC 5322 header block")]
    NoHeaders,
    #[error("MIME structure too broken to follow")]
    Malformed,
}

/// Parses one raw message. Never panics; junk is an `Err` with the reason. Time and memory are linear in the
/// input, whatever it holds.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<Inbound, ParseError> {
    let msg = parse_message(raw)?;
    let body = text::body_text(&msg, limits.max_text_bytes);
    let (attachments, oversize) = attachments::collect(&msg, limits);
    let h = headers::Extracted::from_message(&msg, limits);
    Ok(Inbound {
        message_id: h.message_id,
        from: h.from,
        multiple_from: h.multiple_from,
        reply_to: h.reply_to,
        return_path: h.return_path,
        to: h.to,
        cc: h.cc,
        delivered_to: h.delivered_to,
        subject: h.subject,
        date: h.date,
        text: body.text,
        from_html: body.from_html,
        text_cut: body.cut,
        attachments,
        oversize,
        in_reply_to: h.in_reply_to,
        references: h.references,
        auto_submitted: h.auto_submitted,
        precedence: h.precedence,
        list_id: h.list_id,
        x_loop: h.x_loop,
        x_auto_response_suppress: h.x_auto_response_suppress,
        x_autoreply: h.x_autoreply,
        loop_header: h.loop_header,
        authentication_results: h.authentication_results,
        authentication_results_hops: h.authentication_results_hops,
        received_count: h.received_count,
        content_type: h.content_type,
        dsn: bounce::from_message(&msg),
        raw_size: raw.len(),
    })
}

/// The sanity checks and the MIME parse shared by [`parse`] and [`storable_raw`].
fn parse_message(raw: &[u8]) -> Result<Message<'_>, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    headers::check_header_block(raw)?;
    // mail-parser has a `debug_assert!` on MIME trees it loses track of (a message/rfc822 whose body is another
    // message/rfc822, inside a multipart): in a debug build that panics, and parse must not. Release builds parse
    // such mail normally.
    let msg = std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .map_err(|_| ParseError::Malformed)?
        .ok_or(ParseError::NoHeaders)?;
    if !headers::has_core_header(&msg) {
        return Err(ParseError::NoHeaders);
    }
    Ok(msg)
}

#[cfg(test)]
mod tests;
