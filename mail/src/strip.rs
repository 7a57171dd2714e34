//! Reply stripping: keeps what the writer just typed and drops quoted history ("On … wrote:", Outlook header
//! blocks, "-----Original Message-----", `>` quotes) and signatures, in English and Spanish (plus the common
//! European client variants).

use std::sync::LazyLock;

use regex::Regex;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// "On Tue, … wrote:" and its translations; also "Name <a@b> schrieb:" and Gmail's ISO-date variant.
static ON_WROTE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^\s*[-\s]*
        (?: (?:on|am|le|el|il|op|den|em|w\ dniu|dnia|в|在|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}) \b .*
          | .* (?: @ | \d:\d\d ) .* )
        (?: wrote|schrieb|a\ [ée]crit|escribi[óo]|ha\ scritto|schreef|skrev|escreveu|napisa[łl](?:\(a\))?|pisze|написал[аи]?|написав|写道|작성|のメッセージ )
        \s*[:：]\s*$")
});
/// A line that ends in "<address>:" after a date or a "wrote" word — Gmail's "2014-03-20 8:48 GMT+01:00 Name
/// <a@b>:", Danish "Den … skrev Name <a@b>:".
static ENDS_WITH_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*\S.{0,160}(\d|skrev|schrieb|schreef|wrote|escribi[óo]).{0,160}<\s*[^<>\s]+@[^<>\s]+\s*>\s*[:：]\s*$",
    )
});
/// German and Danish put the name after the verb: "Am 25.06.2015 um 10:55 schrieb Test user:".
static DATE_VERB_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*(am|den)\s+\d.{0,80}\b(schrieb|skrev)\b.{0,80}:\s*$"));
/// The first line of a wrapped "On …" / "El …" header.
static ON_START: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^\s*-?\s*(on|el|le|am|il|op|den|em|w dniu|\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{1,4})\s+\S")
});
/// A rule line Outlook, Hotmail and French webmails put above the quoted header block.
static RULE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(-{5,}|={5,}|_{5,})\s*$"));
static ORIGINAL_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*-{2,}\s*(original message|mensaje original|message d'origine|ursprüngliche nachricht|messaggio originale|oorspronkelijk bericht|original meddelelse|opprinnelig melding|forwarded message|mensaje reenviado)\s*-*\s*$",
    )
});
static HEADER_FROM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^\s*[*>]?\s*(from|de|von|van|fra|da|od|från|от|发件人)\s*\*?\s*[:：]\s*\*?\s*\S")
});
static HEADER_OTHER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*[*>]?\s*(sent|date|to|subject|cc|enviado|enviada|fecha|para|asunto|gesendet|an|betreff|datum|envoy[ée]|objet|[àa]|date|data|oggetto|inviato|a|verzonden|onderwerp|aan|sendt|emne|til|dato|skickat|ämne|till|发送时间|收件人|主题|抄送)\s*\*?\s*[:：]",
    )
});
static MESSAGE_DU: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*(message du|mensaje del?|nachricht vom)\s*:"));
static UNDERSCORES: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*_{2,}\s*$"));
static SIG_DASHES: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*--\s*$"));
/// "-Abhishek Kona": a name right after a dash, GitHub-parser style.
static SIG_DASH_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^-{1,2}\s?\p{Lu}[\p{L}.']*(\s\p{Lu}[\p{L}.']*){0,3}\s*$"));
static SENT_FROM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(sent from (my )?\S+(\s\S+){0,3}|sent from (yahoo|mail for|outlook)\b.*|sent via \S+.*|get outlook for \S+.*|obtener outlook para \S+.*|enviado desde (mi )?\S+(\s\S+){0,3}|envoy[ée] de mon \S+.*|von meinem \S+(\s\S+){0,3} gesendet|verzonden vanaf mijn \S+.*|inviato da(l mio)? \S+.*)\s*$",
    )
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Quoted history begins here and spans this many lines.
    Header(usize),
    Signature,
    Quoted,
    Text,
}

fn classify(lines: &[&str], i: usize) -> Mark {
    let line = lines[i];
    let t = line.trim();
    if t.starts_with('>') {
        return Mark::Quoted;
    }
    if on_wrote(t) || ends_with_address(t) || (ends_with_colon(t) && DATE_VERB_NAME.is_match(t)) {
        return Mark::Header(1);
    }
    if ORIGINAL_MESSAGE.is_match(t) {
        return Mark::Header(1);
    }
    if HEADER_FROM.is_match(t) && outlook_block_follows(lines, i) {
        return Mark::Header(1);
    }
    if RULE.is_match(t) && header_block_follows(lines, i) {
        return Mark::Header(1);
    }
    if UNDERSCORES.is_match(t) {
        // Hotmail/Outlook put a rule above the header block; on its own it closes the message (a list footer).
        return Mark::Signature;
    }
    if (ON_START.is_match(t) || t.contains(|c: char| c.is_ascii_digit() || c == '@'))
        && t.len() < 200
    {
        // Gmail wraps a long "On … wrote:" / "El … escribió:" / "tir. 18. apr. … skrev Name <a@b\n>:" over two or
        // three lines.
        let mut joined = t.to_string();
        for (extra, next) in lines.iter().enumerate().skip(i + 1).take(2) {
            let next = next.trim();
            // ">:" is the tail of a wrapped "<address\n>:", not a quote.
            if next.is_empty() || (next.starts_with('>') && !next.starts_with(">:")) {
                break;
            }
            joined.push(' ');
            joined.push_str(next);
            if on_wrote(&joined) || ends_with_address(&joined) {
                return Mark::Header(extra - i + 1);
            }
        }
    }
    if SIG_DASHES.is_match(line) || SENT_FROM.is_match(t) || SIG_DASH_NAME.is_match(t) {
        return Mark::Signature;
    }
    Mark::Text
}

/// Whether `t` ends in a colon, as every "… wrote:" header does: only such lines are searched with the header
/// regexes, whose long bounded repetitions make a large automaton (time, and lazy-DFA cache, on every line).
fn ends_with_colon(t: &str) -> bool {
    t.trim_end().ends_with([':', '：'])
}

fn on_wrote(t: &str) -> bool {
    ends_with_colon(t) && ON_WROTE.is_match(t)
}

fn ends_with_address(t: &str) -> bool {
    ends_with_colon(t) && t.contains('@') && ENDS_WITH_ADDRESS.is_match(t)
}

/// A "From:" line counts as an Outlook header when another header field follows within a few lines.
fn outlook_block_follows(lines: &[&str], i: usize) -> bool {
    lines
        .iter()
        .skip(i + 1)
        .filter(|l| !l.trim().is_empty())
        .take(4)
        .any(|l| HEADER_OTHER.is_match(l.trim()))
}

/// A rule line counts as a separator when a quote header ("From:" block, "Message du :", "On … wrote:")
/// follows within three non-blank lines.
fn header_block_follows(lines: &[&str], i: usize) -> bool {
    lines
        .iter()
        .enumerate()
        .skip(i + 1)
        .filter(|(_, l)| !l.trim().is_empty())
        .take(3)
        .any(|(k, l)| {
            let t = l.trim();
            (HEADER_FROM.is_match(t) && outlook_block_follows(lines, k))
                || HEADER_OTHER.is_match(t)
                || on_wrote(t)
                || MESSAGE_DU.is_match(t)
        })
}

/// After a header: does `>`-quoted text follow, and then more of the writer's own text (an inline or
/// bottom-posted reply)? Only then is the header skipped instead of ending the reply.
fn interleaved_after(marks: &[Mark], from: usize, lines: &[&str]) -> bool {
    let mut saw_quote = false;
    for (k, m) in marks.iter().enumerate().skip(from) {
        match m {
            Mark::Quoted => saw_quote = true,
            Mark::Text if lines[k].trim().is_empty() => {}
            Mark::Text => return saw_quote,
            Mark::Header(_) | Mark::Signature => return false,
        }
    }
    false
}

/// A client that re-wraps a long quoted line leaves its tail unquoted ("> … Nullam pharetra d" /
/// "ignissim odio?"): a lower-case line glued to a long quoted line is still quote.
fn mark_wrapped_quote_continuations(lines: &[&str], marks: &mut [Mark]) {
    for i in 1..lines.len() {
        let prev = lines[i - 1].trim();
        let cur = lines[i].trim_start();
        if marks[i - 1] == Mark::Quoted
            && marks[i] == Mark::Text
            && prev.chars().count() >= 60
            && cur.chars().next().is_some_and(char::is_lowercase)
        {
            marks[i] = Mark::Quoted;
        }
    }
}

/// The text the writer added: quoted history and signature removed, ends trimmed. Empty when the message held
/// nothing but quotes.
pub fn visible_reply(text: &str) -> String {
    let normalized = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\u{a0}', " ");
    let lines: Vec<&str> = normalized.lines().collect();
    let mut marks: Vec<Mark> = (0..lines.len()).map(|i| classify(&lines, i)).collect();
    mark_wrapped_quote_continuations(&lines, &mut marks);

    let mut out: Vec<&str> = Vec::new();
    let has_content = |out: &Vec<&str>| out.iter().any(|l| !l.trim().is_empty());
    let mut removed = false;
    let mut i = 0;
    while i < lines.len() {
        match marks[i] {
            Mark::Text => {
                let blank = lines[i].trim().is_empty();
                // Don't let the gap left by removed quotes grow into a run of blank lines.
                let after_blank = out.last().is_some_and(|l| l.trim().is_empty());
                if !(blank && removed && after_blank) {
                    out.push(lines[i]);
                }
                if !blank {
                    removed = false;
                }
            }
            Mark::Quoted => removed = true,
            Mark::Signature => {
                if has_content(&out) {
                    break;
                }
            }
            Mark::Header(span) => {
                // Quoted history to the end ends the reply; a quote followed by more of the writer's text is an
                // inline or bottom-posted answer, so the header is skipped and reading goes on.
                if !interleaved_after(&marks, i + span, &lines) {
                    break;
                }
                removed = true;
                i += span;
                continue;
            }
        }
        i += 1;
    }
    let trimmed: Vec<&str> = out.iter().map(|l| l.trim_end()).collect();
    trimmed.join("\n").trim_matches('\n').to_string()
}

#[cfg(test)]
mod tests;
