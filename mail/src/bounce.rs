//! Bounces: RFC 3464 delivery status notifications, plus a careful fallback for the many MTAs that send a plain
//! "undeliverable" text from MAILER-DAEMON. The service uses the result to mark the original outbound mail failed.

use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::inbound::headers::{clean_id, ids, normalize_email, unfold};

/// What a bounce says about the mail it returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounce {
    /// Message-ID of the mail that bounced (ours, when we sent it), without brackets.
    pub original_message_id: Option<String>,
    /// The recipient that failed (Final-Recipient, else Original-Recipient), lower-cased.
    pub recipient: Option<String>,
    /// Enhanced status code such as "5.1.1".
    pub status: Option<String>,
    /// A permanent failure (5.x.x / Action: failed): do not retry, tell the staff.
    pub permanent: bool,
    pub diagnostic: Option<String>,
    /// True for a structured `multipart/report; report-type=delivery-status`; false when inferred from the text
    /// of a non-standard bounce.
    pub report: bool,
}

static STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b").expect("static regex"));
static MESSAGE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?<?([^<>\s]+@[^<>\s]+)>?")
        .expect("static regex")
});
static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)undeliver|undelivered|delivery (status notification|failure|has failed|notification|warning)|failure (notice|delivery)|returned mail|mail delivery (failed|failure|system|warning)|non[- ]?delivery|(could|was) not (be )?delivered|not yet been delivered|mail not delivered|delivery problem|nicht zustellbar|no se pudo entregar|mail (system )?error|failed mail|mail failed|mail failure|message delayed|delayed \d+ (hours|days)|rejected mail",
    )
    .expect("static regex")
});
static PERMANENT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b5\d\d\b|permanent|user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|mailbox unavailable|account (is )?(disabled|closed)|invalid (recipient|address)")
        .expect("static regex")
});
static RECIPIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<?([A-Za-z0-9._%+=/-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?").expect("static regex")
});

/// Reads a bounce out of a parsed message, or `None` when it is not one.
pub(crate) fn from_message(msg: &Message<'_>) -> Option<Bounce> {
    if let Some(status_part) = delivery_status_part(msg) {
        let mut b = parse_delivery_status(&status_part);
        b.original_message_id = original_id(msg).or_else(|| thread_fallback(msg));
        return Some(b);
    }
    if looks_like_plain_bounce(msg) {
        return Some(plain_bounce(msg));
    }
    None
}

fn is_ct(part: &mail_parser::MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

fn part_bytes<'a>(part: &'a mail_parser::MessagePart<'_>) -> &'a [u8] {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_bytes(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b,
        PartType::Message(m) => m.raw_message(),
        PartType::Multipart(_) => &[],
    }
}

fn delivery_status_part(msg: &Message<'_>) -> Option<String> {
    msg.parts
        .iter()
        .find(|p| {
            is_ct(p, "message", "delivery-status") || is_ct(p, "message", "global-delivery-status")
        })
        .map(|p| String::from_utf8_lossy(part_bytes(p)).into_owned())
}

/// Parses the per-recipient fields of a `message/delivery-status` body; the first failed recipient wins.
fn parse_delivery_status(body: &str) -> Bounce {
    let mut blocks: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in body.replace("\r\n", "\n").lines() {
        if line.trim().is_empty() {
            if !blocks.last().is_some_and(Vec::is_empty) {
                blocks.push(Vec::new());
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = blocks.last_mut().and_then(|b| b.last_mut()) {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            let block = blocks.last_mut().expect("never empty");
            block.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |block: &[(String, String)], name: &str| {
        block
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    // Skip the per-message block (Reporting-MTA…); prefer a recipient whose action is "failed".
    let recipients: Vec<&Vec<(String, String)>> = blocks
        .iter()
        .filter(|b| get(b, "final-recipient").is_some() || get(b, "status").is_some())
        .collect();
    let chosen = recipients
        .iter()
        .find(|b| get(b, "action").is_some_and(|a| a.eq_ignore_ascii_case("failed")))
        .or(recipients.first());
    let Some(block) = chosen else {
        return Bounce {
            original_message_id: None,
            recipient: None,
            status: None,
            permanent: true,
            diagnostic: None,
            report: true,
        };
    };
    let status = get(block, "status").and_then(|s| STATUS.find(&s).map(|m| m.as_str().to_string()));
    let action = get(block, "action")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let recipient = get(block, "final-recipient")
        .or_else(|| get(block, "original-recipient"))
        .map(|r| strip_type(&r))
        .map(|r| normalize_email(&r))
        .filter(|r| !r.is_empty());
    let permanent = match status.as_deref() {
        Some(s) => s.starts_with('5'),
        None => action.starts_with("failed"),
    };
    Bounce {
        original_message_id: None,
        recipient,
        status,
        permanent,
        diagnostic: get(block, "diagnostic-code").map(|d| strip_type(&d)),
        report: true,
    }
}

/// "rfc822; user@example.org" → "user@example.org"; "smtp; 550 …" → "550 …".
fn strip_type(v: &str) -> String {
    match v.split_once(';') {
        Some((_, rest)) => rest.trim().to_string(),
        None => v.trim().to_string(),
    }
}

/// The returned message's id: an attached `message/rfc822` or `text/rfc822-headers`, else a Message-ID line
/// quoted in the body text.
fn original_id(msg: &Message<'_>) -> Option<String> {
    for (i, part) in msg.parts.iter().enumerate() {
        if i == 0 {
            continue;
        }
        if let PartType::Message(inner) = &part.body {
            if let Some(id) = inner.message_id() {
                return Some(clean_id(id));
            }
        }
        if is_ct(part, "text", "rfc822-headers") || is_ct(part, "message", "rfc822") {
            let bytes = part_bytes(part);
            if let Some(id) = MessageParser::default()
                .parse_headers(bytes)
                .and_then(|m| m.message_id().map(clean_id))
            {
                return Some(id);
            }
            if let Some(id) = id_in_text(&String::from_utf8_lossy(bytes)) {
                return Some(id);
            }
        }
    }
    None
}

fn id_in_text(text: &str) -> Option<String> {
    MESSAGE_ID
        .captures_iter(text)
        .last()
        .map(|c| clean_id(&c[1]))
}

/// Some MTAs (and Dovecot's own rejects) thread the bounce to the original instead of attaching it.
fn thread_fallback(msg: &Message<'_>) -> Option<String> {
    ids(msg.in_reply_to())
        .into_iter()
        .next()
        .or_else(|| ids(msg.references()).into_iter().last())
}

fn sender_local(msg: &Message<'_>) -> String {
    msg.from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_deref())
        .map(normalize_email)
        .unwrap_or_default()
}

/// A non-DSN bounce: sent by a mailer daemon / postmaster with a bounce-like subject. Both are required so a
/// resident writing "my package could not be delivered" is never mistaken for one.
fn looks_like_plain_bounce(msg: &Message<'_>) -> bool {
    let from = sender_local(msg);
    let local = from.split('@').next().unwrap_or("");
    let daemon = local.contains("mailer-daemon")
        || local.contains("mailer_daemon")
        || local == "postmaster"
        || local == "mail"
        || local.starts_with("mdaemon")
        || from.is_empty()
        || null_return_path(msg);
    let subject = msg.subject().unwrap_or("");
    daemon && BOUNCE_SUBJECT.is_match(subject)
}

/// RFC 5321 bounces travel with the null envelope sender.
fn null_return_path(msg: &Message<'_>) -> bool {
    crate::inbound::headers::raw_all(msg, "Return-Path")
        .first()
        .is_some_and(|v| v.trim() == "<>")
}

fn plain_bounce(msg: &Message<'_>) -> Bounce {
    let mut text = String::new();
    for part in msg.parts.iter().skip(1) {
        if matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
            text.push_str(&String::from_utf8_lossy(part_bytes(part)));
            text.push('\n');
        }
    }
    if text.is_empty() {
        if let Some(PartType::Text(t)) = msg.parts.first().map(|p| &p.body) {
            text.push_str(t);
        }
    }
    let status = STATUS
        .find_iter(&text)
        .map(|m| m.as_str().to_string())
        .find(|s| !s.starts_with('2'));
    let permanent = match status.as_deref() {
        Some(s) => s.starts_with('5'),
        None => PERMANENT_TEXT.is_match(&text),
    };
    let own_from = sender_local(msg);
    let recipient = RECIPIENT
        .captures_iter(&text)
        .map(|c| normalize_email(&c[1]))
        .find(|a| {
            *a != own_from && !a.starts_with("mailer-daemon") && !a.starts_with("postmaster")
        });
    let diagnostic = text
        .lines()
        .map(str::trim)
        .find(|l| STATUS.is_match(l) || l.starts_with("5") || l.starts_with("4"))
        .map(|l| unfold(l).chars().take(300).collect());
    Bounce {
        original_message_id: original_id(msg)
            .or_else(|| id_in_text(&text))
            .or_else(|| thread_fallback(msg)),
        recipient,
        status,
        permanent,
        diagnostic,
        report: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delivery_status_fields() {
        let body =
            "Reporting-MTA: dns; mail.city.test\n\nFinal-Recipient: rfc822; Nobody@Example.test\n\
                    Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n";
        let b = parse_delivery_status(body);
        assert_eq!(b.recipient.as_deref(), Some("nobody@example.test"));
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert!(b.permanent);
        assert_eq!(b.diagnostic.as_deref(), Some("550 5.1.1 User unknown"));
    }

    #[test]
    fn delayed_is_not_permanent() {
        let body = "Final-Recipient: rfc822; a@b.test\nAction: delayed\nStatus: 4.4.1\n";
        let b = parse_delivery_status(body);
        assert!(!b.permanent);
        assert_eq!(b.status.as_deref(), Some("4.4.1"));
    }

    #[test]
    fn id_in_quoted_headers() {
        let t = "blah\n> Message-ID: <abc@city.test>\n";
        assert_eq!(id_in_text(t).as_deref(), Some("abc@city.test"));
    }
}
