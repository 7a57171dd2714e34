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
        ],
    ),
    ("emergency", &["reference", "city"]),
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
        ],
    ),
    ("reopened", &["reference", "city", "department"]),
    ("oversize", &["reference", "city", "limit", "files"]),
    ("public_message", &["reference", "city", "text"]),
    ("followup", &["reference", "city", "category"]),
    ("duplicate", &["reference", "city", "category", "original"]),
    ("staff_refused", &["reference", "city", "reason"]),
];

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

    /// Renders `kind` in `lang` (falling back to English), filling placeholders from `vars`.
    pub fn render(&self, lang: &str, kind: &str, vars: &[(&str, String)]) -> Rendered {
        let t = self
            .by_lang
            .get(lang)
            .and_then(|k| k.get(kind))
            .or_else(|| self.by_lang.get("en").and_then(|k| k.get(kind)))
            .unwrap_or_else(|| panic!("template {kind} checked at load"));
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
mod tests {
    use super::*;
    use crate::config::EXAMPLE_TEMPLATES;

    #[test]
    fn shipped_templates_load_and_render_both_languages() {
        let t = Templates::from_toml_str(EXAMPLE_TEMPLATES, "config/templates.toml").unwrap();
        let vars = [
            ("reference", "311-000042".to_string()),
            ("city", "Riverton".into()),
        ];
        let en = t.render("en", "emergency", &vars);
        assert!(en.body.contains("CALL 911") && en.body.contains("311-000042"));
        let es = t.render("es", "emergency", &vars);
        assert!(es.body.contains("LLAME AL 911") && es.body.contains("311-000042"));
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let text = EXAMPLE_TEMPLATES.replacen("{category}", "{categoria}", 1);
        let err = Templates::from_toml_str(&text, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("{categoria}") && err.contains("en.acknowledgement"),
            "{err}"
        );
    }

    #[test]
    fn missing_language_is_named() {
        let en_only: String = EXAMPLE_TEMPLATES
            .split("[es.acknowledgement]")
            .next()
            .unwrap()
            .to_string();
        let err = Templates::from_toml_str(&en_only, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("es.acknowledgement: missing"), "{err}");
    }

    #[test]
    fn toml_errors_name_file_and_dotted_key_on_one_line() {
        let cases = [
            (
                EXAMPLE_TEMPLATES.replacen("subject =", "subjet =", 1),
                "t.toml: en.acknowledgement.subjet: unknown field `subjet`",
            ),
            (
                EXAMPLE_TEMPLATES.replacen("subject =", "subject = 3\nx =", 1),
                "t.toml: en.acknowledgement.subject: invalid type",
            ),
            (format!("{EXAMPLE_TEMPLATES}\n[en\n"), "t.toml: line "),
        ];
        for (text, expected) in cases {
            let err = Templates::from_toml_str(&text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "expected {expected:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn close_outcomes_are_worded_per_language() {
        let t = Templates::from_toml_str(EXAMPLE_TEMPLATES, "config/templates.toml").unwrap();
        let cases = [
            (
                "en",
                CloseReason::Resolved,
                "resolved: the work has been done",
            ),
            (
                "es",
                CloseReason::Resolved,
                "resuelta: el trabajo se realizó",
            ),
            (
                "en",
                CloseReason::Duplicate,
                "closed as a duplicate of another report of the same problem",
            ),
            (
                "es",
                CloseReason::Duplicate,
                "cerrada por ser un duplicado de otro reporte del mismo problema",
            ),
            (
                "en",
                CloseReason::NotCity,
                "referred: this is not the city's responsibility",
            ),
            (
                "es",
                CloseReason::NotCity,
                "referida: esto no es responsabilidad de la ciudad",
            ),
            (
                "en",
                CloseReason::Unresolvable,
                "closed without the work being done",
            ),
            (
                "es",
                CloseReason::Unresolvable,
                "cerrada sin que se realizara el trabajo",
            ),
            (
                "fr",
                CloseReason::Resolved,
                "resolved: the work has been done",
            ),
        ];
        for (lang, reason, expected) in cases {
            assert_eq!(t.close_outcome(lang, reason), expected, "{lang} {reason}");
        }
    }

    #[test]
    fn shipped_staff_reply_words_close_or_comment() {
        use routing::lifecycle::{staff_intent, StaffIntent};
        let t = Templates::from_toml_str(EXAMPLE_TEMPLATES, "config/templates.toml").unwrap();
        let words = t.staff_reply_words();
        for close in [
            "done",
            "Fixed it",
            "fixed.",
            "Completed - filled with cold patch",
            "resolved",
            "listo",
            "Arreglado, ya quedó",
            "terminado",
        ] {
            assert_eq!(staff_intent(close, words), StaffIntent::Close, "{close}");
        }
        for comment in [
            "is it fixed?",
            "not fixed yet",
            "will be done tomorrow",
            "crew scheduled for Monday",
            "todavía no está listo",
            "We looked at it and need a bigger truck to get the job done properly next week",
            "",
        ] {
            assert_eq!(
                staff_intent(comment, words),
                StaffIntent::Comment,
                "{comment}"
            );
        }
    }

    #[test]
    fn a_file_without_words_reads_with_the_shipped_lists() {
        let shipped = Templates::from_toml_str(EXAMPLE_TEMPLATES, "t.toml").unwrap();
        let without: String = EXAMPLE_TEMPLATES.split("[words]").next().unwrap().into();
        let t = Templates::from_toml_str(&without, "t.toml").unwrap();
        assert_eq!(t.staff_reply_words(), shipped.staff_reply_words());
        assert!(t.staff_reply_words().done.contains(&"listo".to_string()));
        assert_eq!(
            t.close_outcome("es", CloseReason::NotCity),
            "referida: esto no es responsabilidad de la ciudad"
        );
    }

    #[test]
    fn staff_word_errors_name_the_key() {
        let cases = [
            (
                EXAMPLE_TEMPLATES.replacen("not_city =", "not_cty =", 1),
                "t.toml: words.close_outcome.en.not_cty: unknown field `not_cty`",
            ),
            (
                EXAMPLE_TEMPLATES.replacen("staff_done =", "staff_dne =", 1),
                "t.toml: words.staff_dne: unknown field `staff_dne`",
            ),
            (
                EXAMPLE_TEMPLATES.replacen(
                    "[words.close_outcome.es]",
                    "[words.close_outcome.fr]",
                    1,
                ),
                "t.toml: words.close_outcome.fr: unknown language",
            ),
            (
                // The Spanish outcomes close the shipped file.
                EXAMPLE_TEMPLATES
                    .split("[words.close_outcome.es]")
                    .next()
                    .unwrap()
                    .to_string(),
                "t.toml: words.close_outcome.es: missing",
            ),
        ];
        for (text, expected) in cases {
            let err = Templates::from_toml_str(&text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "expected {expected:?}: {err}");
        }
    }

    #[test]
    fn status_words_follow_the_language() {
        let t = Templates::from_toml_str(EXAMPLE_TEMPLATES, "config/templates.toml").unwrap();
        let cases = [
            (Status::Open, Language::En, "open"),
            (Status::Acknowledged, Language::En, "being worked on"),
            (Status::Closed, Language::En, "closed"),
            (Status::Reopened, Language::En, "reopened"),
            (Status::Open, Language::Es, "abierta"),
            (Status::Acknowledged, Language::Es, "en atención"),
            (Status::Closed, Language::Es, "cerrada"),
            (Status::Reopened, Language::Es, "reabierta"),
        ];
        for (status, lang, want) in cases {
            assert_eq!(t.status_word(status, lang), want, "{status} {lang}");
        }
    }

    #[test]
    fn a_file_without_words_reads_replies_with_the_shipped_lists() {
        let shipped = Templates::from_toml_str(EXAMPLE_TEMPLATES, "t.toml").unwrap();
        let without: String = EXAMPLE_TEMPLATES.split("[words]").next().unwrap().into();
        let t = Templates::from_toml_str(&without, "t.toml").unwrap();
        assert_eq!(t.reply_words(), shipped.reply_words());
        assert!(t.reply_words().yes.contains(&"sí".to_string()));
    }

    #[test]
    fn word_errors_name_the_key() {
        let cases = [
            (
                EXAMPLE_TEMPLATES.replacen("reopened = \"reabierta\"", "zzz = \"y\"", 1),
                "t.toml: words.status_names.es.zzz: unknown status",
            ),
            (
                EXAMPLE_TEMPLATES.replacen("progress =", "progres =", 1),
                "t.toml: words.progres: unknown field",
            ),
        ];
        for (text, expected) in cases {
            let err = Templates::from_toml_str(&text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "expected {expected:?}: {err}");
        }
    }

    #[test]
    fn fill_leaves_unknown_braces_harmless() {
        assert_eq!(fill("a {x} b {", &[("x", "1".into())]), "a 1 b {");
    }
}
