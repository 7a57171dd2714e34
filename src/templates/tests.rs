//! The templates file's checks and word lists, against the shipped example and broken copies of it.

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
            EXAMPLE_TEMPLATES.replacen("[words.close_outcome.es]", "[words.close_outcome.fr]", 1),
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

#[test]
fn every_residents_template_links_the_status_page_and_drops_the_line_without_one() {
    let t = Templates::from_toml_str(EXAMPLE_TEMPLATES, "config/templates.toml").unwrap();
    let url = "https://311.riverton.test/r/311-000042/0123456789abcdef0123456789abcdef";
    for lang in LANGUAGES {
        for (kind, allowed) in KINDS {
            if !allowed.contains(&STATUS_URL) {
                continue;
            }
            let linked = t.render_linked(lang, kind, &[], Some(url));
            assert_eq!(
                linked.body.matches(url).count(),
                1,
                "{lang}.{kind}: {}",
                linked.body
            );
            let bare = t.render_linked(lang, kind, &[], None);
            assert!(!bare.body.contains("/r/"), "{lang}.{kind}: {}", bare.body);
            assert!(
                !bare.body.contains("\n\n\n") && !bare.body.ends_with("\n\n"),
                "{lang}.{kind}"
            );
            for line in linked
                .body
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.contains(url))
            {
                assert!(
                    bare.body.contains(line),
                    "{lang}.{kind}: {line:?} went with the link"
                );
            }
        }
    }
    assert!(!KINDS
        .iter()
        .any(|(k, a)| *k == "staff_refused" && a.contains(&STATUS_URL)));
}

#[test]
fn a_residents_template_without_the_link_gets_it_at_the_end() {
    let text = EXAMPLE_TEMPLATES.replacen("\nFollow your request online: {status_url}\n", "\n", 1);
    let t = Templates::from_toml_str(&text, "t.toml").unwrap();
    let url = "https://311.riverton.test/r/311-000042/0123456789abcdef0123456789abcdef";
    let body = t
        .render_linked("en", "acknowledgement", &[], Some(url))
        .body;
    assert!(body.ends_with(&format!("\n\n{url}\n")), "{body}");
    assert_eq!(body.matches(url).count(), 1);
}
