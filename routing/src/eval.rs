//! Measures a router against labelled messages: accuracy, per-department precision/recall, confusion matrix,
//! language detection and emergencies. Pure; the CLI reads the CSV and prints the report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::classify::Router;

/// One labelled message: its text, the department it belongs to and its language (`en`/`es`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalRow {
    pub text: String,
    pub department: String,
    pub language: String,
}

/// Accuracy over a subset of rows.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Accuracy {
    pub rows: usize,
    pub correct: usize,
    pub accuracy: f64,
}

/// One department's precision, recall and support.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepartmentStats {
    pub department: String,
    pub precision: f64,
    pub recall: f64,
    pub support: usize,
    pub predicted: usize,
}

/// How often rows of one expected language were detected as that language.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LanguageRate {
    pub expected: String,
    pub rows: usize,
    pub detected: usize,
    pub rate: f64,
}

/// A row the router flagged as an emergency.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlaggedRow {
    /// 1-based position in the input.
    pub row: usize,
    pub kind: String,
    pub excerpt: String,
}

/// The whole evaluation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    pub overall: Accuracy,
    pub english: Accuracy,
    pub spanish: Accuracy,
    pub departments: Vec<DepartmentStats>,
    /// Row and column labels of `confusion`.
    pub labels: Vec<String>,
    /// `confusion[expected][predicted]` counts, indexed like `labels`.
    pub confusion: Vec<Vec<usize>>,
    pub language_detection: Vec<LanguageRate>,
    pub emergencies: Vec<FlaggedRow>,
    pub routed_to_triage: usize,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

impl EvalReport {
    /// The share of rows routed to triage (0..=1).
    pub fn triage_rate(&self) -> f64 {
        ratio(self.routed_to_triage, self.overall.rows)
    }
}

impl Accuracy {
    fn add(&mut self, ok: bool) {
        self.rows += 1;
        self.correct += usize::from(ok);
        self.accuracy = ratio(self.correct, self.rows);
    }
}

/// Classifies every row and compares the department and language with the labels.
pub fn evaluate(router: &Router, rows: &[EvalRow]) -> EvalReport {
    let mut overall = Accuracy::default();
    let mut english = Accuracy::default();
    let mut spanish = Accuracy::default();
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut lang: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut emergencies = Vec::new();
    let mut routed_to_triage = 0;
    for (i, row) in rows.iter().enumerate() {
        let d = router.classify(&row.text);
        let expected = row.department.trim().to_string();
        let predicted = d.department.to_string();
        let ok = predicted == expected;
        overall.add(ok);
        let expected_lang = row.language.trim().to_ascii_lowercase();
        match expected_lang.as_str() {
            "en" => english.add(ok),
            "es" => spanish.add(ok),
            _ => {}
        }
        let e = lang.entry(expected_lang).or_default();
        e.0 += 1;
        e.1 += usize::from(d.language.code() == row.language.trim().to_ascii_lowercase());
        if let Some(em) = &d.emergency {
            emergencies.push(FlaggedRow {
                row: i + 1,
                kind: em.kind.to_string(),
                excerpt: row.text.chars().take(60).collect(),
            });
        }
        routed_to_triage += usize::from(predicted == "triage");
        *pairs.entry((expected, predicted)).or_default() += 1;
    }
    let labels: Vec<String> = pairs
        .keys()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index = |s: &str| labels.iter().position(|l| l == s).unwrap_or(0);
    let mut confusion = vec![vec![0; labels.len()]; labels.len()];
    for ((a, b), n) in &pairs {
        confusion[index(a)][index(b)] += n;
    }
    let departments = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let tp = confusion[i][i];
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = confusion.iter().map(|r| r[i]).sum();
            DepartmentStats {
                department: l.clone(),
                precision: ratio(tp, predicted),
                recall: ratio(tp, support),
                support,
                predicted,
            }
        })
        .collect();
    let language_detection = lang
        .into_iter()
        .map(|(expected, (rows, detected))| LanguageRate {
            expected,
            rows,
            detected,
            rate: ratio(detected, rows),
        })
        .collect();
    EvalReport {
        overall,
        english,
        spanish,
        departments,
        labels,
        confusion,
        language_detection,
        emergencies,
        routed_to_triage,
    }
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:6.2}% ({}/{})",
            self.accuracy * 100.0,
            self.correct,
            self.rows
        )
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "department accuracy")?;
        writeln!(f, "  overall  {}", self.overall)?;
        writeln!(f, "  english  {}", self.english)?;
        writeln!(f, "  spanish  {}", self.spanish)?;
        writeln!(
            f,
            "\n{:<18} {:>9} {:>7} {:>8} {:>10}",
            "department", "precision", "recall", "support", "predicted"
        )?;
        for d in &self.departments {
            writeln!(
                f,
                "{:<18} {:>8.1}% {:>6.1}% {:>8} {:>10}",
                d.department,
                d.precision * 100.0,
                d.recall * 100.0,
                d.support,
                d.predicted
            )?;
        }
        writeln!(f, "\nconfusion (rows: expected, columns: predicted)")?;
        let short = |s: &str| s.chars().take(7).collect::<String>();
        write!(f, "{:<18}", "")?;
        for l in &self.labels {
            write!(f, " {:>7}", short(l))?;
        }
        writeln!(f)?;
        for (l, row) in self.labels.iter().zip(&self.confusion) {
            write!(f, "{l:<18}")?;
            for n in row {
                write!(f, " {n:>7}")?;
            }
            writeln!(f)?;
        }
        writeln!(f, "\nlanguage detection")?;
        for r in &self.language_detection {
            writeln!(
                f,
                "  {:<4} {:6.2}% ({}/{})",
                r.expected,
                r.rate * 100.0,
                r.detected,
                r.rows
            )?;
        }
        writeln!(f, "\nrouted to triage: {}", self.routed_to_triage)?;
        writeln!(f, "flagged as emergency: {}", self.emergencies.len())?;
        for e in &self.emergencies {
            writeln!(f, "  row {} [{}] {}", e.row, e.kind, e.excerpt)?;
        }
        Ok(())
    }
}
