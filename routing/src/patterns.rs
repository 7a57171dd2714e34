//! Compiles the categories' weighted phrases and regexes once, and scores a folded text against them.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::RegexSet;

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
    /// The rule as written, without its weight suffix.
    label: String,
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
    regex_rules: Vec<usize>,
    categories: usize,
}

/// A category's score and the rules that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryScore {
    pub category: usize,
    pub score: f32,
    /// `(label, weight)` of each matched rule, e.g. `("\"pothole\"", 3.0)`.
    pub matched: Vec<(String, f32)>,
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
fn matches_every_message(re: &regex::Regex) -> Option<&'static str> {
    if re.is_match("") {
        Some("it matches the empty text, so it would match every message")
    } else if NONSENSE.iter().all(|t| re.is_match(t)) {
        Some("it matches any word or number, so it would match every message")
    } else {
        None
    }
}

impl PatternSet {
    /// Compiles every category's `en`, `es` and `regex` entries; errors name the category and entry.
    pub fn compile(categories: &[Category]) -> Result<PatternSet, ConfigError> {
        let mut rules = Vec::new();
        let mut literal_index: HashMap<(String, bool), usize> = HashMap::new();
        let mut literal_text = Vec::new();
        let mut literals: Vec<Literal> = Vec::new();
        let mut regex_src = Vec::new();
        let mut regex_rules = Vec::new();
        for (ci, cat) in categories.iter().enumerate() {
            let lists = [
                ("en", Source::En, &cat.en),
                ("es", Source::Es, &cat.es),
                ("regex", Source::Regex, &cat.regex),
            ];
            for (field, source, entries) in lists {
                for (ei, entry) in entries.iter().enumerate() {
                    let bad = |reason: String| ConfigError::InvalidPattern {
                        key: format!("categories[{ci}].{field}[{ei}] (category `{}`)", cat.id),
                        pattern: entry.clone(),
                        reason,
                    };
                    let (body, weight) = split_weight(entry).map_err(&bad)?;
                    let rule = rules.len();
                    if source == Source::Regex {
                        let re = regex::Regex::new(body).map_err(|e| bad(e.to_string()))?;
                        if let Some(reason) = matches_every_message(&re) {
                            return Err(bad(reason.into()));
                        }
                        regex_src.push(body.to_string());
                        regex_rules.push(rule);
                        rules.push(Rule {
                            category: ci,
                            weight,
                            source,
                            label: format!("/{body}/"),
                        });
                        continue;
                    }
                    let (body, prefix) = match body.strip_suffix('*') {
                        Some(b) => (b, true),
                        None => (body, false),
                    };
                    let folded = fold_phrase(body);
                    if folded.is_empty() {
                        return Err(bad("a phrase needs at least one letter or digit".into()));
                    }
                    let li = *literal_index
                        .entry((folded.clone(), prefix))
                        .or_insert_with(|| {
                            literal_text.push(folded.clone());
                            literals.push(Literal {
                                prefix,
                                rules: Vec::new(),
                            });
                            literals.len() - 1
                        });
                    if literals[li]
                        .rules
                        .iter()
                        .any(|&r| rules[r].category == ci && rules[r].source != Source::Regex)
                    {
                        return Err(bad(
                            "the same phrase is listed twice in this category".into()
                        ));
                    }
                    literals[li].rules.push(rule);
                    rules.push(Rule {
                        category: ci,
                        weight,
                        source,
                        label: format!("\"{}\"", body.trim()),
                    });
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literal_text)
            .map_err(|e| ConfigError::Invalid {
                key: "categories".into(),
                reason: format!("phrases do not compile: {e}"),
            })?;
        let regexes = RegexSet::new(&regex_src).map_err(|e| ConfigError::Invalid {
            key: "categories".into(),
            reason: format!("regexes do not compile together: {e}"),
        })?;
        Ok(PatternSet {
            rules,
            literals,
            automaton,
            regexes,
            regex_rules,
            categories: categories.len(),
        })
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
        for i in self.regexes.matches(folded).iter() {
            hit[self.regex_rules[i]] = true;
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
                    matched: Vec::new(),
                });
            }
            let s = &mut scores[slot[rule.category]];
            s.score += rule.weight;
            let label = match rule.source {
                Source::Es => format!("{} (es)", rule.label),
                _ => rule.label.clone(),
            };
            s.matched.push((label, rule.weight));
        }
        // Highest score first; equal scores keep config order so the result is deterministic.
        scores.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.category.cmp(&b.category))
        });
        scores
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
