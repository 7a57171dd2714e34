//! Compiles the categories' weighted phrases and regexes once, and scores a folded text against them.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexSet};

use crate::ascii_twin::AsciiTwin;
use crate::config::{Category, ConfigError};
use crate::normalize::fold_phrase;

/// Where a rule came from, for the reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    En,
    Es,
    Regex,
}

/// One rule of one category.
#[derive(Debug, Clone)]
struct Rule {
    category: usize,
    weight: f32,
    source: Source,
    /// The rule as written, without its weight suffix or prefix star (`pothole`, `bache`, `\bspray ?paint`).
    body: String,
}

/// A literal of the automaton; several rules may share one.
#[derive(Debug, Clone)]
struct Literal {
    /// `true` when the phrase ended in `*`: the last word may continue.
    prefix: bool,
    rules: Vec<usize>,
}

/// All categories' rules, compiled.
#[derive(Debug, Clone)]
pub struct PatternSet {
    rules: Vec<Rule>,
    literals: Vec<Literal>,
    automaton: AhoCorasick,
    regexes: RegexSet,
    /// `regexes` cut to ASCII, for the (most) folded texts that are ASCII: the same matches, a much smaller
    /// automaton and lazy-DFA cache (see `ascii_twin`).
    ascii_regexes: RegexSet,
    /// The same regexes one by one, run only to name what a winning category's regex matched.
    each_regex: Vec<AsciiTwin>,
    regex_rules: Vec<usize>,
    categories: usize,
}

/// A category's score and the rules that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryScore {
    pub category: usize,
    pub score: f32,
    /// The matched rules, in config order (see [`PatternSet::label`] and [`PatternSet::words`]).
    pub rules: Vec<usize>,
}

/// Splits a `text^weight` entry into its text and weight (1.0 when absent).
fn split_weight(entry: &str) -> Result<(&str, f32), String> {
    if let Some(pos) = entry.rfind('^') {
        let tail = &entry[pos + 1..];
        if !tail.is_empty()
            && tail
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            let w: f32 = tail
                .parse()
                .map_err(|_| format!("weight `{tail}` is not a number"))?;
            if !w.is_finite() || w == 0.0 {
                return Err(format!("weight `{tail}` must be a non-zero number"));
            }
            return Ok((&entry[..pos], w));
        }
    }
    Ok((entry, 1.0))
}

/// Texts that mean nothing: a regex matching both would match (nearly) any message.
const NONSENSE: [&str; 2] = ["qzxj", "7"];

/// Why a regex would match every message (the empty text, or any word and any number), if it would.
fn matches_every_message(re: &Regex) -> Option<&'static str> {
    if re.is_match("") {
        Some("it matches the empty text, so it would match every message")
    } else if NONSENSE.iter().all(|t| re.is_match(t)) {
        Some("it matches any word or number, so it would match every message")
    } else {
        None
    }
}

/// The rules as they are read from the config, before the automaton and the regex set are built.
#[derive(Default)]
struct Builder {
    rules: Vec<Rule>,
    literal_index: HashMap<(String, bool), usize>,
    literal_text: Vec<String>,
    literals: Vec<Literal>,
    regexes: Vec<Regex>,
    regex_rules: Vec<usize>,
}

impl Builder {
    /// Adds one `en`/`es`/`regex` entry of category `ci`; the error is the reason, without the key.
    fn add(&mut self, ci: usize, source: Source, entry: &str) -> Result<(), String> {
        let (body, weight) = split_weight(entry)?;
        let rule = Rule {
            category: ci,
            weight,
            source,
            body: body.trim().to_string(),
        };
        if source == Source::Regex {
            let re = Regex::new(body).map_err(|e| e.to_string())?;
            if let Some(reason) = matches_every_message(&re) {
                return Err(reason.into());
            }
            self.regexes.push(re);
            self.regex_rules.push(self.rules.len());
            self.rules.push(rule);
            return Ok(());
        }
        let (body, prefix) = match body.strip_suffix('*') {
            Some(b) => (b, true),
            None => (body, false),
        };
        let folded = fold_phrase(body);
        if folded.is_empty() {
            return Err("a phrase needs at least one letter or digit".into());
        }
        let li = self.literal(folded, prefix);
        let rules = &self.rules;
        if self.literals[li]
            .rules
            .iter()
            .any(|&r| rules[r].category == ci && rules[r].source != Source::Regex)
        {
            return Err("the same phrase is listed twice in this category".into());
        }
        self.literals[li].rules.push(self.rules.len());
        self.rules.push(Rule {
            body: body.trim().to_string(),
            ..rule
        });
        Ok(())
    }

    /// The automaton literal for a folded phrase, shared by every rule with that phrase.
    fn literal(&mut self, folded: String, prefix: bool) -> usize {
        let (texts, literals) = (&mut self.literal_text, &mut self.literals);
        *self
            .literal_index
            .entry((folded.clone(), prefix))
            .or_insert_with(|| {
                texts.push(folded);
                literals.push(Literal {
                    prefix,
                    rules: Vec::new(),
                });
                literals.len() - 1
            })
    }

    fn build(self, categories: usize) -> Result<PatternSet, ConfigError> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&self.literal_text)
            .map_err(|e| ConfigError::Invalid {
                key: "categories".into(),
                reason: format!("phrases do not compile: {e}"),
            })?;
        let each_regex = self
            .regexes
            .iter()
            .map(|r| AsciiTwin::try_new(r.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError::Invalid {
                key: "categories".into(),
                reason: format!("regex does not compile: {e}"),
            })?;
        let set = |form: fn(&AsciiTwin) -> &Regex| {
            RegexSet::new(each_regex.iter().map(|t| form(t).as_str())).map_err(|e| {
                ConfigError::Invalid {
                    key: "categories".into(),
                    reason: format!("regexes do not compile together: {e}"),
                }
            })
        };
        let regexes = set(AsciiTwin::written)?;
        let ascii_regexes = set(AsciiTwin::ascii)?;
        Ok(PatternSet {
            rules: self.rules,
            literals: self.literals,
            automaton,
            regexes,
            ascii_regexes,
            each_regex,
            regex_rules: self.regex_rules,
            categories,
        })
    }
}

impl PatternSet {
    /// Compiles every category's `en`, `es` and `regex` entries; errors name the category and entry.
    pub fn compile(categories: &[Category]) -> Result<PatternSet, ConfigError> {
        let mut builder = Builder::default();
        for (ci, cat) in categories.iter().enumerate() {
            let lists = [
                ("en", Source::En, &cat.en),
                ("es", Source::Es, &cat.es),
                ("regex", Source::Regex, &cat.regex),
            ];
            for (field, source, entries) in lists {
                for (ei, entry) in entries.iter().enumerate() {
                    builder.add(ci, source, entry).map_err(|reason| {
                        ConfigError::InvalidPattern {
                            key: format!("categories[{ci}].{field}[{ei}] (category `{}`)", cat.id),
                            pattern: entry.clone(),
                            reason,
                        }
                    })?;
                }
            }
        }
        builder.build(categories.len())
    }

    /// Scores a folded text (see [`crate::normalize::Folded`]); returns matched categories, best first.
    pub fn score(&self, folded: &str) -> Vec<CategoryScore> {
        let bytes = folded.as_bytes();
        let mut hit = vec![false; self.rules.len()];
        for m in self.automaton.find_overlapping_iter(folded) {
            let lit = &self.literals[m.pattern().as_usize()];
            let left_ok = m.start() == 0 || bytes[m.start() - 1] == b' ';
            let right_ok = lit.prefix || m.end() == bytes.len() || bytes[m.end()] == b' ';
            if left_ok && right_ok {
                for &r in &lit.rules {
                    hit[r] = true;
                }
            }
        }
        if !self.regex_rules.is_empty() {
            let set = if folded.is_ascii() {
                &self.ascii_regexes
            } else {
                &self.regexes
            };
            for i in set.matches(folded).iter() {
                hit[self.regex_rules[i]] = true;
            }
        }
        let mut scores: Vec<CategoryScore> = Vec::new();
        let mut slot = vec![usize::MAX; self.categories];
        for (ri, rule) in self.rules.iter().enumerate() {
            if !hit[ri] {
                continue;
            }
            if slot[rule.category] == usize::MAX {
                slot[rule.category] = scores.len();
                scores.push(CategoryScore {
                    category: rule.category,
                    score: 0.0,
                    rules: Vec::new(),
                });
            }
            let s = &mut scores[slot[rule.category]];
            s.score += rule.weight;
            s.rules.push(ri);
        }
        // Highest score first; equal scores keep config order so the result is deterministic.
        scores.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.category.cmp(&b.category))
        });
        scores
    }

    /// A matched rule as the reasons show it, with its weight: `"pothole" (+3.0)`, `"bache" (es) (+3.0)`,
    /// `/\bspray ?paint/ (+1.0)`.
    pub fn label(&self, rule: usize) -> String {
        let r = &self.rules[rule];
        match r.source {
            Source::En => format!("\"{}\" ({:+.1})", r.body, r.weight),
            Source::Es => format!("\"{}\" (es) ({:+.1})", r.body, r.weight),
            Source::Regex => format!("/{}/ ({:+.1})", r.body, r.weight),
        }
    }

    /// The words a category's matched rules stand for, for people: each phrase as the city wrote it, and
    /// for a regex the text it matched in `folded`. Rules that counted against the category are left out.
    pub fn words(&self, score: &CategoryScore, folded: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for &ri in &score.rules {
            let r = &self.rules[ri];
            if r.weight < 0.0 {
                continue;
            }
            let word = match r.source {
                Source::Regex => self
                    .regex_rules
                    .iter()
                    .position(|&x| x == ri)
                    .and_then(|i| self.each_regex[i].on(folded).find(folded))
                    .map(|m| m.as_str().trim().to_string()),
                _ => Some(r.body.clone()),
            };
            if let Some(w) = word.filter(|w| !w.is_empty() && !out.contains(w)) {
                out.push(w);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CategoryId, DepartmentId, Priority};
    use crate::normalize::Folded;

    fn cat(id: &str, en: &[&str], es: &[&str], regex: &[&str]) -> Category {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        Category {
            id: CategoryId::new(id),
            name: id.into(),
            name_es: id.into(),
            department: DepartmentId::new("streets"),
            priority: Priority::Normal,
            response_hours: 1,
            resolution_hours: 2,
            en: v(en),
            es: v(es),
            regex: v(regex),
            internal_response_hours: None,
            internal_resolution_hours: None,
            public_internal: false,
        }
    }

    #[test]
    fn weights_prefixes_and_word_boundaries() {
        let set = PatternSet::compile(&[
            cat("pothole", &["pothole^3", "pot hole^3"], &["bache*^3"], &[]),
            cat(
                "graffiti",
                &["graffit*^2", "tag^0.5"],
                &[],
                &[r"\bspray ?paint"],
            ),
        ])
        .unwrap();
        let s = set.score(&Folded::new("Big POT-HOLE and baches").text);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].score, 6.0);
        // "tag" must not match inside "stage"; the regex does its own work.
        let s = set.score(&Folded::new("Graffitti spray-painted on the stage").text);
        assert_eq!(s[0].category, 1);
        assert_eq!(s[0].score, 3.0);
        assert!(set.score(&Folded::new("nothing here").text).is_empty());
    }

    #[test]
    fn rejects_bad_entries() {
        let err = PatternSet::compile(&[cat("x", &[], &[], &["(unclosed"])]).unwrap_err();
        assert!(err.to_string().contains("categories[0].regex[0]"), "{err}");
        let err = PatternSet::compile(&[cat("x", &["--"], &[], &[])]).unwrap_err();
        assert!(err.to_string().contains("categories[0].en[0]"), "{err}");
    }

    #[test]
    fn rejects_patterns_that_would_match_every_message() {
        for empty in ["", "^3", "*", " * ^2"] {
            let err = PatternSet::compile(&[cat("x", &["pothole", empty], &[], &[])]).unwrap_err();
            assert!(
                err.to_string().contains("categories[0].en[1]"),
                "{empty:?}: {err}"
            );
            let err = PatternSet::compile(&[cat("x", &[], &[empty], &[])]).unwrap_err();
            assert!(
                err.to_string().contains("categories[0].es[0]"),
                "{empty:?}: {err}"
            );
        }
        for everything in [
            "",
            "^3",
            ".*",
            "x?",
            r"\b",
            "(pothole)?",
            ".",
            r"\w",
            "[^ ]",
        ] {
            let err =
                PatternSet::compile(&[cat("x", &["pothole"], &[], &[r"\bbache", everything])])
                    .unwrap_err()
                    .to_string();
            assert!(
                err.contains("categories[0].regex[1]") && err.contains("every message"),
                "{everything:?}: {err}"
            );
        }
        let ok = [r"\bdead (rat|cat)\b", r"\d+ main", "[a-z]+ light"];
        assert!(PatternSet::compile(&[cat("x", &[], &[], &ok)]).is_ok());
    }
}
