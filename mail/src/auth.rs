//! Staff mail authentication: does the receiving server's `Authentication-Results` header (RFC 8601) vouch for
//! the From domain?
//!
//! Anyone can write an `Authentication-Results` header, so a header counts only when one of the city's own hops
//! added it (RFC 8601 §5): every hop prepends a `Received` line, so with `trusted_hops` = N (how many `Received`
//! lines the city's own servers add, the receiving MX included) only headers standing above the N-th `Received`
//! line from the top are ours; everything below came with the message, whatever authserv-id it names. Of those,
//! only headers whose authserv-id is one the city's servers use count, and of those only the topmost. A
//! well-behaved receiving server also removes incoming headers carrying its own id. Within it the sender passes
//! with:
//! - `dmarc=pass` (when it names `header.from`, that must be the From domain);
//! - `dkim=pass` whose `header.d` or `header.i` domain is the From domain or a parent of it (never a bare
//!   one-label name such as `com`);
//! - `spf=pass` whose `smtp.mailfrom` domain is exactly the From domain.
//!
//! An explicit `dmarc=fail` from the trusted server vetoes a DKIM or SPF pass: the domain owner's policy says
//! the message is not authentic. Everything else (fail, softfail, neutral, none, temperror, permerror, policy,
//! no header, untrusted or missing authserv-id) does not pass.
//!
//! Microsoft 365 writes its inbound `Authentication-Results` without an authserv-id; such a header cannot be
//! told from a forgery and is ignored.

use serde::Serialize;

use crate::inbound::Inbound;

/// The outcome of [`sender_authenticated`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthVerdict {
    pub passed: bool,
    /// `"dmarc"`, `"dkim"` or `"spf"`: the mechanism that passed (`None` when nothing did).
    pub method: Option<String>,
    /// A sentence for logs and for the staff member whose mail was refused.
    pub reason: String,
}

impl AuthVerdict {
    fn pass(method: &str, reason: String) -> Self {
        Self {
            passed: true,
            method: Some(method.to_string()),
            reason,
        }
    }

    fn fail(reason: String) -> Self {
        Self {
            passed: false,
            method: None,
            reason,
        }
    }
}

/// One parsed `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// As written (unquoted); compare case-insensitively.
    pub authserv_id: String,
    pub version: Option<u32>,
    /// Empty for `; none` (no authentication was done).
    pub results: Vec<MethodResult>,
}

/// One `method=result …` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// Lower-case, version stripped (`dkim/1` → `dkim`).
    pub method: String,
    /// Lower-case (`pass`, `fail`, `softfail`, `none`, `temperror`…).
    pub result: String,
    pub reason: Option<String>,
    /// `ptype.property` (lower-case) → value, comments removed, in order. Non-standard `key=value` pairs such as
    /// Microsoft's `action=none` are kept too, under their bare key.
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    /// The first value of a property (`"header.d"`, `"smtp.mailfrom"`…), case-insensitive.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses one header value (unfolded, without the field name). `None` when it has no authserv-id — a
/// malformed header, or Microsoft 365's id-less form — since such a header cannot be attributed to a server.
pub fn parse_authentication_results(value: &str) -> Option<AuthResults> {
    let clean = strip_comments(value);
    let mut segments = split_unquoted(&clean, ';').into_iter();
    let head = segments.next()?;
    // The authserv-id and version never contain '=': "spf=pass …" first means the id is missing.
    if contains_unquoted(head, '=') {
        return None;
    }
    let mut words = head.split_ascii_whitespace();
    let authserv_id = unquote(words.next()?);
    if authserv_id.is_empty() {
        return None;
    }
    let version = words.next().and_then(|v| v.parse().ok());
    let results = segments
        .filter(|s| !s.trim().eq_ignore_ascii_case("none"))
        .filter_map(parse_method)
        .collect();
    Some(AuthResults {
        authserv_id,
        version,
        results,
    })
}

/// Which `Authentication-Results` headers the city believes: those added by its own `received_hops` hops
/// (at least 1) and naming one of `authserv_ids` (compared case-insensitively).
#[derive(Debug, Clone, Copy)]
pub struct TrustedHops<'a> {
    pub authserv_ids: &'a [String],
    pub received_hops: usize,
}

/// Whether the topmost `Authentication-Results` header written by a trusted hop says the From domain is
/// authentic. See the module docs for the exact rules.
pub fn sender_authenticated(inb: &Inbound, trust: TrustedHops<'_>) -> AuthVerdict {
    let trusted_authserv_ids = trust.authserv_ids;
    let hops = trust.received_hops.max(1);
    if inb.multiple_from {
        return AuthVerdict::fail(
            "the message has more than one From header or address, so its author cannot be authenticated \
             (RFC 7489 §6.6.1)"
                .into(),
        );
    }
    let Some(from) = &inb.from else {
        return AuthVerdict::fail("the message has no From address to authenticate".into());
    };
    let from_domain = normalize_domain(from.domain());
    if from_domain.is_empty() {
        return AuthVerdict::fail(format!("the From address {} has no domain", from.email));
    }
    let trusted: Vec<String> = trusted_authserv_ids
        .iter()
        .map(|t| normalize_domain(t))
        .filter(|t| !t.is_empty())
        .collect();
    if trusted.is_empty() {
        return AuthVerdict::fail(
            "no trusted authserv-id is configured, so no Authentication-Results header can be believed".into(),
        );
    }
    if inb.authentication_results.is_empty() {
        return AuthVerdict::fail(format!(
            "no Authentication-Results header: the receiving server ({}) did not check the sender {}",
            trusted.join(", "),
            from.email
        ));
    }
    if inb.received_count < hops {
        return AuthVerdict::fail(format!(
            "the message has {} Received header(s) but the city's own servers add {hops}: it did not come \
             through the city's receiving server, so no Authentication-Results header can be believed",
            inb.received_count
        ));
    }
    let mut ignored = Vec::new();
    let mut chosen = None;
    for (i, value) in inb.authentication_results.iter().enumerate() {
        let above = inb
            .authentication_results_hops
            .get(i)
            .copied()
            .unwrap_or(usize::MAX);
        if above >= hops {
            ignored.push(format!(
                "a header below the city's receiving server (hop {})",
                above + 1
            ));
            continue;
        }
        match parse_authentication_results(value) {
            Some(ar) if trusted.contains(&normalize_domain(&ar.authserv_id)) => {
                chosen = Some(ar);
                break;
            }
            Some(ar) => ignored.push(format!("untrusted authserv-id {:?}", ar.authserv_id)),
            None => ignored.push("a header without authserv-id".to_string()),
        }
    }
    let Some(ar) = chosen else {
        return AuthVerdict::fail(format!(
            "no Authentication-Results header from a trusted server ({}); ignored {}",
            trusted.join(", "),
            ignored.join(", ")
        ));
    };
    evaluate(&ar, &from_domain)
}

fn evaluate(ar: &AuthResults, from_domain: &str) -> AuthVerdict {
    let id = &ar.authserv_id;
    let mut notes: Vec<String> = Vec::new();
    let mut dmarc_failed = false;
    let mut pass: Option<(&str, String)> = None;

    for r in ar.results.iter().filter(|r| r.method == "dmarc") {
        let header_from = r.property("header.from").map(domain_of);
        match (r.result.as_str(), header_from) {
            ("pass", Some(hf)) if hf != from_domain => notes.push(format!(
                "dmarc=pass is for header.from={hf}, not the From domain {from_domain}"
            )),
            ("pass", _) => {
                pass.get_or_insert(("dmarc", format!("dmarc=pass for {from_domain}")));
            }
            (result, _) => {
                dmarc_failed |= result == "fail";
                notes.push(format!("dmarc={result}"));
            }
        }
    }
    for r in ar.results.iter().filter(|r| r.method == "dkim") {
        let signers: Vec<String> = ["header.d", "header.i"]
            .iter()
            .filter_map(|p| r.property(p))
            .map(domain_of)
            .filter(|d| !d.is_empty())
            .collect();
        let aligned = signers.iter().find(|d| is_self_or_parent(d, from_domain));
        match (r.result.as_str(), aligned) {
            ("pass", Some(d)) => {
                pass.get_or_insert((
                    "dkim",
                    format!("dkim=pass, signed by {d} for From domain {from_domain}"),
                ));
            }
            ("pass", None) if signers.is_empty() => {
                notes.push("dkim=pass without header.d or header.i".into())
            }
            ("pass", None) => notes.push(format!(
                "dkim=pass but signed by {}, not the From domain {from_domain} or a parent of it",
                signers.join(" / ")
            )),
            (result, _) => notes.push(match signers.first() {
                Some(d) => format!("dkim={result} ({d})"),
                None => format!("dkim={result}"),
            }),
        }
    }
    for r in ar.results.iter().filter(|r| r.method == "spf") {
        let mailfrom = r.property("smtp.mailfrom").map(domain_of);
        match (r.result.as_str(), mailfrom) {
            ("pass", Some(d)) if d == from_domain => {
                pass.get_or_insert(("spf", format!("spf=pass for envelope sender domain {d}")));
            }
            ("pass", Some(d)) if !d.is_empty() => notes.push(format!(
                "spf=pass for envelope sender domain {d}, not the From domain {from_domain}"
            )),
            ("pass", _) => notes.push("spf=pass without smtp.mailfrom".into()),
            (result, _) => notes.push(format!("spf={result}")),
        }
    }

    match pass {
        Some((method, _)) if dmarc_failed && method != "dmarc" => AuthVerdict::fail(format!(
            "{id} reports dmarc=fail for {from_domain}, which overrides {method}=pass ({})",
            notes.join("; ")
        )),
        Some((method, why)) => AuthVerdict::pass(method, format!("{why} (verified by {id})")),
        None if notes.is_empty() => AuthVerdict::fail(format!(
            "{id} reports no DMARC, DKIM or SPF result for {from_domain}"
        )),
        None => AuthVerdict::fail(format!(
            "sender domain {from_domain} not authenticated by {id}: {}",
            notes.join("; ")
        )),
    }
}

/// `d` equals `from` or is a parent domain of it; a one-label `d` (a TLD) never counts.
fn is_self_or_parent(d: &str, from: &str) -> bool {
    d == from
        || (d.contains('.')
            && from.len() > d.len()
            && from.ends_with(d)
            && from.as_bytes()[from.len() - d.len() - 1] == b'.')
}

/// The domain of a property value: `user@d`, `@d` or `d`; lower-case, no trailing dot.
fn domain_of(v: &str) -> String {
    let v = v.trim().trim_start_matches('<').trim_end_matches('>');
    normalize_domain(v.rsplit_once('@').map_or(v, |(_, d)| d))
}

fn normalize_domain(d: &str) -> String {
    d.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Removes RFC 5322 comments (nested, with `\` escapes), leaving quoted strings intact. A comment becomes a
/// space, so `pass(ok)` reads as `pass`.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    let mut depth = 0usize;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if depth > 0 {
            match c {
                '\\' => {
                    chars.next();
                }
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
        } else if quoted {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => quoted = false,
                _ => {}
            }
        } else {
            match c {
                '(' => {
                    depth = 1;
                    out.push(' ');
                }
                '"' => {
                    quoted = true;
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
    }
    out
}

/// Splits on `sep` outside quoted strings.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

fn contains_unquoted(s: &str, c: char) -> bool {
    split_unquoted(s, c).len() > 1
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    out.extend(chars.next());
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_string(),
    }
}

/// `method[/version] = result [reason=…] [ptype.property=value …]`; `None` if there is no `method=result`.
fn parse_method(segment: &str) -> Option<MethodResult> {
    let mut pairs = key_values(segment).into_iter();
    let (key, result) = pairs.next()?;
    let method = key
        .split('/')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if method.is_empty() {
        return None;
    }
    let mut reason = None;
    let mut properties = Vec::new();
    for (k, v) in pairs {
        let k = k.to_ascii_lowercase();
        if k == "reason" && reason.is_none() {
            reason = Some(v);
        } else {
            properties.push((k, v));
        }
    }
    Some(MethodResult {
        method,
        result: result.to_ascii_lowercase(),
        reason,
        properties,
    })
}

/// `key = value` pairs (spaces allowed around `=`, values unquoted); stray words without `=` are skipped. A
/// value runs to the next white space, so base64 such as `header.b=ab+c/d==` survives.
fn key_values(s: &str) -> Vec<(String, String)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let mut key = s[start..i].to_string();
        skip_ws(&mut i);
        // "dkim / 1 = pass": a method version set off by spaces.
        if i < b.len() && b[i] == b'/' {
            i += 1;
            skip_ws(&mut i);
            let vs = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
                i += 1;
            }
            key = format!("{key}/{}", &s[vs..i]);
            skip_ws(&mut i);
        }
        if i >= b.len() || b[i] != b'=' {
            // A stray word: drop it and go on with the next token.
            continue;
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < b.len() && b[i] == b'"' {
            let vs = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            unquote(&s[vs..i])
        } else {
            let vs = i;
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            s[vs..i].to_string()
        };
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    out
}

#[cfg(test)]
mod tests;
