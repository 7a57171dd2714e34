//! Resident-facing message templates (EN + ES): loaded and checked once, rendered with `{placeholder}`s.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use routing::lifecycle::{CloseReason, StaffReplyWords};
use routing::reply::ReplyWords;
use routing::{Language, Status};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The kinds of message a resident can receive, with the placeholders each may use.
pub const KINDS: &[(&str, &[&str])] = &[
    (
        "acknowledgement",
        &[
            "reference",
            "city",
            "category",
            "department",
            "location",
            "response_time",
            "resolution_time",
            "status_url",
        ],
    ),
    ("emergency", &["reference", "city", "status_url"]),
    (
        "status",
        &[
            "reference",
            "city",
            "category",
            "department",
            "status",
            "updated",
            "last_note",
            "status_url",
        ],
    ),
    (
        "completion",
        &[
            "reference",
            "city",
            "category",
            "outcome",
            "note",
            "reopen_days",
            "status_url",
        ],
    ),
    (
        "reopened",
        &["reference", "city", "department", "status_url"],
    ),
    (
        "oversize",
        &["reference", "city", "limit", "files", "status_url"],
    ),
    (
        "public_message",
        &["reference", "city", "text", "status_url"],
    ),
    ("followup", &["reference", "city", "category", "status_url"]),
    (
        "duplicate",
        &["reference", "city", "category", "original", "status_url"],
    ),
    ("staff_refused", &["reference", "city", "reason"]),
];

/// The placeholder for the link to the request's status page. A line that uses it is left out when the city has
/// no public web address (`http.public_base_url`); a resident's template that does not use it gets the link
/// on a line of its own at the end, so that every email to a resident carries it.
pub const STATUS_URL: &str = "status_url";

/// The languages every template must exist in.
pub const LANGUAGES: &[&str] = &["en", "es"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    subject: String,
    body: String,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// `[words]`: the word lists residents' and staff replies are read with, the status names residents are told,
/// and how a close's outcome reads per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    yes: Vec<String>,
    no: Vec<String>,
    status: Vec<String>,
    progress: Vec<String>,
    status_names: BTreeMap<String, BTreeMap<String, String>>,
    staff_done: Vec<String>,
    staff_not_done: Vec<String>,
    close_outcome: BTreeMap<String, CloseOutcomes>,
}

/// How the outcome of a close reads to the resident (the completion email's `{outcome}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseOutcomes {
    resolved: String,
    duplicate: String,
    not_city: String,
    unresolvable: String,
}

impl CloseOutcomes {
    fn of(&self, reason: CloseReason) -> &str {
        match reason {
            CloseReason::Resolved => &self.resolved,
            CloseReason::Duplicate => &self.duplicate,
            CloseReason::NotCity => &self.not_city,
            CloseReason::Unresolvable => &self.unresolvable,
        }
    }
}

/// The templates file: a table of templates by kind per language, and the optional `[words]`.
struct TemplateFile {
    by_lang: BTreeMap<String, BTreeMap<String, Template>>,
    words: Option<Words>,
}

impl<'de> Deserialize<'de> for TemplateFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Tables;
        impl<'de> Visitor<'de> for Tables {
            type Value = TemplateFile;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table per language, and [words]")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TemplateFile, A::Error> {
                let (mut by_lang, mut words) = (BTreeMap::new(), None);
                while let Some(key) = map.next_key::<String>()? {
                    if key == "words" {
                        words = Some(map.next_value()?);
                    } else {
                        by_lang.insert(key, map.next_value()?);
                    }
                }
                Ok(TemplateFile { by_lang, words })
            }
        }
        d.deserialize_map(Tables)
    }
}

/// All templates, keyed by language then kind, and the word lists; complete and checked.
#[derive(Debug, Clone)]
pub struct Templates {
    by_lang: BTreeMap<String, BTreeMap<String, Template>>,
    reply_words: ReplyWords,
    status_names: BTreeMap<String, BTreeMap<String, String>>,
    staff_reply_words: StaffReplyWords,
    close_outcomes: BTreeMap<String, CloseOutcomes>,
}

impl Templates {
    /// Parses and checks templates; `origin` names the file in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Templates> {
        let file: TemplateFile =
            routing::config::parse_toml(text).map_err(|e| anyhow!("{origin}: {e}"))?;
        let by_lang = file.by_lang;
        for (lang, kinds) in &by_lang {
            if !LANGUAGES.contains(&lang.as_str()) {
                bail!("{origin}: {lang}: unknown language (expected one of {LANGUAGES:?})");
            }
            for (kind, t) in kinds {
                let Some((_, allowed)) = KINDS.iter().find(|(k, _)| k == kind) else {
                    bail!("{origin}: {lang}.{kind}: unknown template kind");
                };
                for (field, text) in [("subject", &t.subject), ("body", &t.body)] {
                    for name in placeholders(text) {
                        if !allowed.contains(&name) {
                            bail!(
                                "{origin}: {lang}.{kind}.{field}: unknown placeholder {{{name}}} (allowed: {})",
                                allowed.join(", ")
                            );
                        }
                    }
                }
            }
        }
        for lang in LANGUAGES {
            for (kind, _) in KINDS {
                if by_lang.get(*lang).and_then(|k| k.get(*kind)).is_none() {
                    bail!("{origin}: {lang}.{kind}: missing template");
                }
            }
        }
        // A templates file written before `[words]` existed reads with the shipped lists.
        let words = match file.words {
            Some(words) => words,
            None => shipped_words()?,
        };
        check_status_names(&words, origin)?;
        check_close_outcomes(&words, origin)?;
        let lower = |list: Vec<String>| list.into_iter().map(|w| w.to_lowercase()).collect();
        Ok(Templates {
            by_lang,
            reply_words: ReplyWords {
                yes: lower(words.yes),
                no: lower(words.no),
                status: lower(words.status),
                progress: lower(words.progress),
            },
            status_names: words.status_names,
            staff_reply_words: StaffReplyWords {
                done: lower(words.staff_done),
                not_done: lower(words.staff_not_done),
            },
            close_outcomes: words.close_outcome,
        })
    }

    /// The word lists residents' replies are read with (`[words]`).
    pub fn reply_words(&self) -> &ReplyWords {
        &self.reply_words
    }

    /// A request status as a resident reads it in `lang` (every status is named in every language: checked at
    /// load).
    pub fn status_word(&self, status: Status, lang: Language) -> String {
        self.status_names
            .get(lang.as_str())
            .and_then(|names| names.get(status.as_str()))
            .unwrap_or_else(|| panic!("status name {lang}.{status} checked at load"))
            .clone()
    }

    /// The words a staff reply in a work order's thread is read with (`[words]`).
    pub fn staff_reply_words(&self) -> &StaffReplyWords {
        &self.staff_reply_words
    }

    /// How closing for `reason` reads to a resident in `lang` (falling back to English).
    pub fn close_outcome(&self, lang: &str, reason: CloseReason) -> &str {
        self.close_outcomes
            .get(lang)
            .or_else(|| self.close_outcomes.get("en"))
            .expect("close outcomes checked at load")
            .of(reason)
    }

    /// Renders `kind` as [`Templates::render`] does, with the status page's link (see [`STATUS_URL`]).
    pub fn render_linked(
        &self,
        lang: &str,
        kind: &str,
        vars: &[(&str, String)],
        status_url: Option<&str>,
    ) -> Rendered {
        let t = self.template(lang, kind);
        let Some(url) = status_url else {
            let without = |text: &str| {
                let kept: String = text
                    .split_inclusive('\n')
                    .filter(|line| !line.contains("{status_url}"))
                    .collect();
                tidy_blank_lines(&kept)
            };
            return Rendered {
                subject: fill(&without(&t.subject), vars),
                body: fill(without(&t.body).trim_start_matches('\n'), vars),
            };
        };
        let mut vars = vars.to_vec();
        vars.push((STATUS_URL, url.to_string()));
        let mut rendered = Rendered {
            subject: fill(&t.subject, &vars),
            body: fill(t.body.trim_start_matches('\n'), &vars),
        };
        if !rendered.body.contains(url) {
            let body = rendered.body.trim_end();
            rendered.body = format!("{body}\n\n{url}\n");
        }
        rendered
    }

    fn template(&self, lang: &str, kind: &str) -> &Template {
        self.by_lang
            .get(lang)
            .and_then(|k| k.get(kind))
            .or_else(|| self.by_lang.get("en").and_then(|k| k.get(kind)))
            .unwrap_or_else(|| panic!("template {kind} checked at load"))
    }

    /// Renders `kind` in `lang` (falling back to English), filling placeholders from `vars`.
    pub fn render(&self, lang: &str, kind: &str, vars: &[(&str, String)]) -> Rendered {
        let t = self.template(lang, kind);
        Rendered {
            subject: fill(&t.subject, vars),
            body: fill(t.body.trim_start_matches('\n'), vars),
        }
    }
}

/// The `[words]` of the shipped templates file.
fn shipped_words() -> Result<Words> {
    let file: TemplateFile = routing::config::parse_toml(crate::config::EXAMPLE_TEMPLATES)
        .map_err(|e| anyhow!("built-in config/templates.toml: {e}"))?;
    file.words
        .ok_or_else(|| anyhow!("built-in config/templates.toml: no [words]"))
}

/// Every status named in every language, and nothing else.
fn check_status_names(words: &Words, origin: &str) -> Result<()> {
    for (lang, names) in &words.status_names {
        if !LANGUAGES.contains(&lang.as_str()) {
            bail!("{origin}: words.status_names.{lang}: unknown language (expected one of {LANGUAGES:?})");
        }
        let known = |name: &str| Status::ALL.iter().any(|s| s.as_str() == name);
        if let Some(status) = names.keys().find(|name| !known(name)) {
            bail!("{origin}: words.status_names.{lang}.{status}: unknown status (expected open, acknowledged, closed or reopened)");
        }
    }
    for lang in LANGUAGES {
        for status in Status::ALL {
            if words
                .status_names
                .get(*lang)
                .and_then(|n| n.get(status.as_str()))
                .is_none()
            {
                bail!("{origin}: words.status_names.{lang}.{status}: missing");
            }
        }
    }
    Ok(())
}

/// A close outcome for every language, and no other language.
fn check_close_outcomes(words: &Words, origin: &str) -> Result<()> {
    if let Some(lang) = words
        .close_outcome
        .keys()
        .find(|l| !LANGUAGES.contains(&l.as_str()))
    {
        bail!("{origin}: words.close_outcome.{lang}: unknown language (expected one of {LANGUAGES:?})");
    }
    if let Some(lang) = LANGUAGES
        .iter()
        .find(|l| !words.close_outcome.contains_key(**l))
    {
        bail!("{origin}: words.close_outcome.{lang}: missing");
    }
    Ok(())
}

/// No run of blank lines longer than one, and no blank line at the end (where a left-out line leaves them).
fn tidy_blank_lines(text: &str) -> String {
    let mut out = text.to_string();
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

fn fill(text: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.split_once('}') {
            Some((name, tail)) => {
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push('-'),
                }
                rest = tail;
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
