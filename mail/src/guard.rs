//! Loop guard: decides whether an inbound mail is machine-generated and must never get an automatic answer
//! (RFC 3834 and the de-facto headers of Exchange, list servers and vacation responders).

use std::sync::LazyLock;

use regex::Regex;

use crate::inbound::{normalize_email, Inbound};

/// The city's own addresses and domains: mail from them is never auto-answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnAddresses {
    pub addresses: Vec<String>,
    pub domains: Vec<String>,
}

impl OwnAddresses {
    /// Whether `email` is one of ours: one of our addresses exactly (ignoring case and any `+detail`), or at one
    /// of our domains or their subdomains. A look-alike counts as ours too: an address or domain whose confusable
    /// skeleton (Unicode TS #39, after punycode decoding) is that of one of ours, such as `311@cіty.test` with a
    /// Cyrillic `і`. Treating a spoof of us as us is the safe side: it is never answered automatically.
    pub fn contains(&self, email: &str) -> bool {
        let email = normalize_email(email);
        let Some((local, domain)) = email.rsplit_once('@') else {
            return false;
        };
        let base_local = local.split('+').next().unwrap_or(local);
        let base = format!("{base_local}@{domain}");
        let (full_sk, base_sk) = (
            skeleton::address(local, domain),
            skeleton::address(base_local, domain),
        );
        let domain_sk = skeleton::domain(domain);
        self.addresses.iter().any(|a| {
            let a = normalize_email(a);
            let a_sk = a.rsplit_once('@').map(|(l, d)| skeleton::address(l, d));
            a == email || a == base || a_sk.is_some_and(|s| s == full_sk || s == base_sk)
        }) || self.domains.iter().any(|d| {
            let d = skeleton::domain(d);
            !d.is_empty() && (domain_sk == d || domain_sk.ends_with(&format!(".{d}")))
        })
    }
}

static OOO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        out\ of\ (the\ )?office | automatic\ reply | auto[- ]?reply | autoresponse | auto[- ]response
        | ^\s*auto: | ^\s*automatische\ antwort | abwesenheitsnotiz
        | respuesta\ autom[aá]tica | fuera\ de\ (la\ )?oficina | ^\s*ausente\b | ^\s*estoy\ ausente
        | r[ée]ponse\ automatique | absence\ du\ bureau | ^\s*(on\ )?vacation\ (reply|notice|message)
        | ^\s*away\ from\ (the\ )?office",
    )
    .expect("static regex")
});

/// Local parts of senders that are machines, not people.
fn is_machine_local(local: &str) -> bool {
    let compact: String = local
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect();
    matches!(
        compact.as_str(),
        "mailerdaemon" | "postmaster" | "mailer" | "listserv" | "majordomo" | "bounce" | "bounces"
    ) || compact.starts_with("noreply")
        || compact.starts_with("donotreply")
        || compact.starts_with("dontreply")
        || compact.starts_with("mailerdaemon")
        || compact.starts_with("bounce")
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.ends_with("-bounces")
        || local.ends_with("-owner")
}

/// `Some(reason)` when we must never auto-reply to `inb`; `None` when it looks like a person wrote it.
pub fn automated(inb: &Inbound, own: &OwnAddresses) -> Option<String> {
    if let Some(v) = &inb.auto_submitted {
        let kind = v.split(';').next().unwrap_or("").trim();
        if !kind.eq_ignore_ascii_case("no") {
            return Some(format!("Auto-Submitted: {v}"));
        }
    }
    if let Some(b) = &inb.dsn {
        return Some(match &b.status {
            Some(s) => format!("delivery status notification ({s})"),
            None => "delivery status notification".into(),
        });
    }
    if let Some(ct) = &inb.content_type {
        if ct == "multipart/report" {
            return Some("multipart/report (delivery or read receipt)".into());
        }
    }
    if let Some(p) = &inb.precedence {
        let p = p.trim().to_ascii_lowercase();
        if matches!(p.as_str(), "bulk" | "list" | "junk" | "auto_reply") {
            return Some(format!("Precedence: {p}"));
        }
    }
    if let Some(l) = &inb.list_id {
        return Some(format!("List-Id: {l}"));
    }
    if let Some(l) = &inb.loop_header {
        return Some(format!("our own loop header present ({l})"));
    }
    if let Some(x) = inb
        .x_loop
        .iter()
        .find(|x| own.contains(x) || mentions_own(x, own))
    {
        return Some(format!("X-Loop names our address ({x})"));
    }
    if let Some(v) = &inb.x_auto_response_suppress {
        let suppress = v
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .any(|s| matches!(s.as_str(), "all" | "oof" | "autoreply"));
        if suppress {
            return Some(format!("X-Auto-Response-Suppress: {v}"));
        }
    }
    if let Some(v) = &inb.x_autoreply {
        return Some(format!("auto-responder header ({v})"));
    }
    if inb.return_path.as_deref() == Some("") {
        return Some("empty Return-Path (null sender)".into());
    }
    for candidate in sender_candidates(inb) {
        let local = candidate
            .rsplit_once('@')
            .map_or(candidate.as_str(), |(l, _)| l);
        if is_machine_local(local) {
            return Some(format!("machine sender {candidate}"));
        }
        if own.contains(&candidate) {
            return Some(format!("sender {candidate} is one of our own addresses"));
        }
    }
    if OOO_SUBJECT.is_match(&inb.subject) {
        return Some(format!("out-of-office subject \"{}\"", inb.subject));
    }
    None
}

fn sender_candidates(inb: &Inbound) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = &inb.from {
        out.push(f.email.clone());
    }
    if let Some(rp) = inb.return_path.as_deref().filter(|r| !r.is_empty()) {
        out.push(normalize_email(rp));
    }
    out
}

/// X-Loop values are free text, often just an address, sometimes "address (comment)".
/// Only the first few address-like tokens count: a header of thousands is not a loop marker, and checking each
/// costs a skeleton.
fn mentions_own(value: &str, own: &OwnAddresses) -> bool {
    value
        .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | '(' | ')' | ';'))
        .filter(|t| t.contains('@') && t.len() <= 254)
        .take(20)
        .any(|t| own.contains(t))
}

mod skeleton;

#[cfg(test)]
mod tests;
