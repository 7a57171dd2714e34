//! Header extraction: addresses, ids, dates and the loop-relevant raw headers, all normalised.

use chrono::{DateTime, Utc};
use mail_parser::{HeaderName, HeaderValue, Message};

use super::clean::header_text;
use super::msgid::{is_plausible_msg_id, plausible_ids, MAX_REFERENCES};
use super::{Address, Limits, ParseError};
use crate::outbound::LOOP_HEADER;

/// Trims, strips angle brackets and lower-cases an email address.
pub fn normalize_email(email: &str) -> String {
    email
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

/// Rejects binary junk and text without a header block before mail-parser guesses at it.
pub(super) fn check_header_block(raw: &[u8]) -> Result<(), ParseError> {
    let head = &raw[..raw.len().min(64 * 1024)];
    let end = find_blank_line(head).unwrap_or(head.len());
    let block = &head[..end];
    if block.contains(&0) {
        return Err(ParseError::Binary);
    }
    let control = block
        .iter()
        .filter(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\r' | b'\n'))
        .count();
    if control * 10 > block.len().max(1) {
        return Err(ParseError::Binary);
    }
    let mut lines = block
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .skip_while(|l| l.is_empty());
    let mut first = lines.next().ok_or(ParseError::NoHeaders)?;
    // An mbox "From " separator line may precede the headers.
    if first.starts_with(b"From ") {
        first = lines.next().ok_or(ParseError::NoHeaders)?;
    }
    if is_field_line(first) {
        Ok(())
    } else {
        Err(ParseError::NoHeaders)
    }
}

fn find_blank_line(buf: &[u8]) -> Option<usize> {
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `name: value` where name is RFC 5322 ftext (printable ASCII except colon).
fn is_field_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|b| *b == b':') else {
        return false;
    };
    // Obsolete syntax (RFC 5322 §4.5) allows white space before the colon: "From  : …".
    let name = line[..colon].trim_ascii_end();
    !name.is_empty() && name.iter().all(|b| (33..=126).contains(b) && *b != b':')
}

/// A message with none of these is not an email even if its first line looked like a header.
pub(super) fn has_core_header(msg: &Message<'_>) -> bool {
    const CORE: &[&str] = &[
        "from",
        "sender",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "delivered-to",
        "mime-version",
        "content-type",
        "reply-to",
        "in-reply-to",
    ];
    msg.root_part()
        .headers
        .iter()
        .any(|h| CORE.iter().any(|c| h.name.as_str().eq_ignore_ascii_case(c)))
}

/// Every value of a top-level header, unfolded and trimmed, in message order.
pub(crate) fn raw_all(msg: &Message<'_>, name: &str) -> Vec<String> {
    let raw = msg.raw_message();
    msg.root_part()
        .headers
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case(name))
        .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
        .map(|v| unfold(&String::from_utf8_lossy(v)))
        .collect()
}

/// For each `name` header, top to bottom: how many `Received` headers stand above it (RFC 8601 §5: a header
/// counts only when a hop we trust added it, and each hop prepends its `Received` line).
fn received_above(msg: &Message<'_>, name: &str) -> Vec<usize> {
    let mut received = 0;
    let mut out = Vec::new();
    for h in &msg.root_part().headers {
        let n = h.name.as_str();
        if n.eq_ignore_ascii_case("received") {
            received += 1;
        } else if n.eq_ignore_ascii_case(name) {
            out.push(received);
        }
    }
    out
}

fn raw_first(msg: &Message<'_>, name: &str) -> Option<String> {
    raw_all(msg, name).into_iter().next()
}

pub(crate) fn unfold(v: &str) -> String {
    v.split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Message ids from a parsed id header (`In-Reply-To`, `References`), brackets removed.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<&str> = match value {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(|s| s.as_ref()).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(clean_id)
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

/// The mailboxes of an address header; display names made one clean line of at most `max_name` chars.
fn addresses(value: Option<&mail_parser::Address<'_>>, max_name: usize) -> Vec<Address> {
    value
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| {
            let email = a.address.as_deref()?;
            if !email.contains('@') {
                return None;
            }
            let name = header_text(a.name.as_deref().unwrap_or(""), max_name);
            Some(Address::with_name(&name, email))
        })
        .collect()
}

/// The first `From` header's first mailbox (mail-parser's own accessor keeps the last), and whether there was more
/// than one `From` header or mailbox.
fn first_from(msg: &Message<'_>, max_name: usize) -> (Option<Address>, bool) {
    let mut froms = msg
        .root_part()
        .headers
        .iter()
        .filter(|h| h.name == HeaderName::From);
    let Some(first) = froms.next() else {
        return (None, false);
    };
    let mailboxes = first.value.as_address().map_or(0, |a| a.iter().count());
    let from = addresses(first.value.as_address(), max_name)
        .into_iter()
        .next();
    (from, froms.next().is_some() || mailboxes > 1)
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// The header fields of [`super::Inbound`].
pub(super) struct Extracted {
    pub message_id: Option<String>,
    pub from: Option<Address>,
    pub multiple_from: bool,
    pub reply_to: Option<Address>,
    pub return_path: Option<String>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub delivered_to: Vec<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list_id: Option<String>,
    pub x_loop: Vec<String>,
    pub x_auto_response_suppress: Option<String>,
    pub x_autoreply: Option<String>,
    pub loop_header: Option<String>,
    pub authentication_results: Vec<String>,
    pub authentication_results_hops: Vec<usize>,
    pub received_count: usize,
    pub content_type: Option<String>,
}

impl Extracted {
    pub fn from_message(msg: &Message<'_>, limits: &Limits) -> Self {
        let names = limits.max_name_chars;
        let (from, multiple_from) = first_from(msg, names);
        let date = msg
            .date()
            .filter(|d| (1..=12).contains(&d.month) && (1..=31).contains(&d.day))
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
        // The topmost Return-Path is the one the delivering MTA wrote.
        let return_path = raw_first(msg, "Return-Path").map(|v| {
            let v = v.trim();
            match (v.find('<'), v.rfind('>')) {
                (Some(a), Some(b)) if a < b => normalize_email(&v[a + 1..b]),
                _ => normalize_email(v),
            }
        });
        let x_autoreply = ["X-Autoreply", "X-Autorespond", "X-Autoresponder"]
            .iter()
            .find_map(|h| raw_first(msg, h));
        Self {
            message_id: msg
                .message_id()
                .map(clean_id)
                .filter(|s| is_plausible_msg_id(s)),
            from,
            multiple_from,
            reply_to: addresses(msg.reply_to(), names).into_iter().next(),
            return_path,
            to: msg
                .all_to()
                .flat_map(|a| addresses(Some(a), names))
                .collect(),
            cc: msg
                .all_cc()
                .flat_map(|a| addresses(Some(a), names))
                .collect(),
            delivered_to: raw_all(msg, "Delivered-To")
                .iter()
                .map(|s| normalize_email(s))
                .collect(),
            subject: header_text(
                &msg.subject().map(unfold).unwrap_or_default(),
                limits.max_subject_chars,
            ),
            date,
            in_reply_to: plausible_ids(ids(msg.in_reply_to()), MAX_REFERENCES),
            references: plausible_ids(ids(msg.references()), MAX_REFERENCES),
            auto_submitted: non_empty(raw_first(msg, "Auto-Submitted")),
            precedence: non_empty(raw_first(msg, "Precedence")),
            list_id: non_empty(raw_first(msg, "List-Id")),
            x_loop: raw_all(msg, "X-Loop"),
            x_auto_response_suppress: non_empty(raw_first(msg, "X-Auto-Response-Suppress")),
            x_autoreply: non_empty(x_autoreply),
            loop_header: non_empty(raw_first(msg, LOOP_HEADER)),
            authentication_results: raw_all(msg, "Authentication-Results"),
            authentication_results_hops: received_above(msg, "Authentication-Results"),
            received_count: msg
                .root_part()
                .headers
                .iter()
                .filter(|h| h.name.as_str().eq_ignore_ascii_case("received"))
                .count(),
            content_type: msg.root_part().headers.iter().find_map(|h| {
                if !h.name.as_str().eq_ignore_ascii_case("content-type") {
                    return None;
                }
                let ct = h.value.as_content_type()?;
                Some(match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                    None => ct.ctype().to_ascii_lowercase(),
                })
            }),
        }
    }
}
