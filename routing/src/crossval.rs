//! K-fold cross-validation of rules and model together: train on K-1 folds, score the held-out fold with the
//! combined router, report each fold and the mean. Folds are stratified by language and department, seeded.

use std::fmt;

use serde::Serialize;

use crate::classify::Router;
use crate::eval::{evaluate, EvalReport, EvalRow};
use crate::model::{shuffled_indices, ModelError, Policy, TrainOptions, TrainingRow};
use crate::types::DepartmentId;

/// One held-out fold's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Fold {
    /// 1-based.
    pub fold: usize,
    pub train_rows: usize,
    pub report: EvalReport,
}

/// The mean over folds of the accuracies (fractions 0..=1) and of the share of requests sent to triage.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Means {
    pub overall: f64,
    pub english: f64,
    pub spanish: f64,
    pub triage_rate: f64,
}

/// The whole cross-validation.
#[derive(Debug, Clone, Serialize)]
pub struct CrossValidation {
    pub folds: Vec<Fold>,
    pub mean: Means,
}

/// The fold (0..k) of every row: rows are shuffled with `seed`, grouped by language and department, and dealt
/// round-robin, so that each fold holds its share of every group.
pub fn assign_folds(rows: &[EvalRow], k: usize, seed: u64) -> Vec<usize> {
    let mut order = shuffled_indices(rows.len(), seed);
    let key = |i: usize| (rows[i].language.trim(), rows[i].department.trim());
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));
    let mut fold = vec![0; rows.len()];
    for (n, i) in order.into_iter().enumerate() {
        fold[i] = n % k;
    }
    fold
}

/// Trains on all folds but one and evaluates `router` with that model on the held-out fold, for each fold.
pub fn cross_validate(
    router: &Router,
    rows: &[EvalRow],
    k: usize,
    opts: &TrainOptions,
) -> Result<CrossValidation, ModelError> {
    let mut all = cross_validate_policies(router, rows, k, opts, &[opts.policy])?;
    Ok(all.remove(0))
}

/// Like [`cross_validate`] for each of `policies`, training each fold's model once: how thresholds are
/// chosen by cross-validation without retraining for every candidate.
pub fn cross_validate_policies(
    router: &Router,
    rows: &[EvalRow],
    k: usize,
    opts: &TrainOptions,
    policies: &[Policy],
) -> Result<Vec<CrossValidation>, ModelError> {
    if k < 2 || k > rows.len() {
        return Err(ModelError::Invalid(format!(
            "cross-validation needs 2 <= K <= rows ({} rows, K = {k})",
            rows.len()
        )));
    }
    let fold_of = assign_folds(rows, k, opts.seed);
    let mut folds: Vec<Vec<Fold>> = vec![Vec::with_capacity(k); policies.len()];
    for f in 0..k {
        let training: Vec<TrainingRow> = rows
            .iter()
            .zip(&fold_of)
            .filter(|(_, &g)| g != f)
            .map(|(r, _)| training_row(r))
            .collect();
        let held_out: Vec<EvalRow> = rows
            .iter()
            .zip(&fold_of)
            .filter(|(_, &g)| g == f)
            .map(|(r, _)| r.clone())
            .collect();
        let model = router.train_model(&training, opts)?;
        for (policy, out) in policies.iter().zip(folds.iter_mut()) {
            let combined = router.with_model(model.clone().with_policy(*policy))?;
            out.push(Fold {
                fold: f + 1,
                train_rows: training.len(),
                report: evaluate(&combined, &held_out),
            });
        }
    }
    Ok(folds
        .into_iter()
        .map(|folds| {
            let mean = means(&folds);
            CrossValidation { folds, mean }
        })
        .collect())
}

/// A labelled evaluation row as a training row.
pub fn training_row(r: &EvalRow) -> TrainingRow {
    TrainingRow {
        text: r.text.clone(),
        department: DepartmentId::new(r.department.trim()),
        category: None,
        language: r.language.parse().ok(),
        weight: 1.0,
    }
}

fn means(folds: &[Fold]) -> Means {
    let n = folds.len().max(1) as f64;
    let sum = |f: &dyn Fn(&EvalReport) -> f64| folds.iter().map(|x| f(&x.report)).sum::<f64>() / n;
    Means {
        overall: sum(&|r| r.overall.accuracy),
        english: sum(&|r| r.english.accuracy),
        spanish: sum(&|r| r.spanish.accuracy),
        triage_rate: sum(&|r| r.triage_rate()),
    }
}

impl fmt::Display for CrossValidation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation (rules + model; department accuracy)",
            self.folds.len()
        )?;
        writeln!(
            f,
            "{:<6} {:>7} {:>9} {:>17} {:>17} {:>17} {:>8}",
            "fold", "train", "held out", "overall", "english", "spanish", "triage"
        )?;
        for x in &self.folds {
            let r = &x.report;
            writeln!(
                f,
                "{:<6} {:>7} {:>9} {:>17} {:>17} {:>17} {:>7.2}%",
                x.fold,
                x.train_rows,
                r.overall.rows,
                r.overall.to_string().trim(),
                r.english.to_string().trim(),
                r.spanish.to_string().trim(),
                r.triage_rate() * 100.0
            )?;
        }
        let m = self.mean;
        writeln!(
            f,
            "{:<6} {:>7} {:>9} {:>16.2}% {:>16.2}% {:>16.2}% {:>7.2}%",
            "mean",
            "",
            "",
            m.overall * 100.0,
            m.english * 100.0,
            m.spanish * 100.0,
            m.triage_rate * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(lang: &str, dept: &str, i: usize) -> EvalRow {
        EvalRow {
            text: format!("text {i}"),
            department: dept.into(),
            language: lang.into(),
        }
    }

    #[test]
    fn folds_are_stratified_and_seeded() {
        let rows: Vec<EvalRow> = (0..30)
            .map(|i| {
                row(
                    if i < 10 { "es" } else { "en" },
                    if i % 3 == 0 { "parks" } else { "streets" },
                    i,
                )
            })
            .collect();
        let a = assign_folds(&rows, 5, 7);
        assert_eq!(a, assign_folds(&rows, 5, 7));
        assert_ne!(a, assign_folds(&rows, 5, 8));
        for f in 0..5 {
            let held: Vec<&EvalRow> = rows
                .iter()
                .zip(&a)
                .filter(|(_, &g)| g == f)
                .map(|(r, _)| r)
                .collect();
            assert_eq!(held.len(), 6, "fold {f}");
            assert_eq!(
                held.iter().filter(|r| r.language == "es").count(),
                2,
                "fold {f}"
            );
        }
    }

    #[test]
    fn a_policy_sweep_scores_like_one_run_per_policy() {
        let cfg = crate::CityConfig::from_toml_str(include_str!("../../config/city.toml")).unwrap();
        let router = Router::new(&cfg).unwrap();
        let text = include_str!("../tests/fixtures/resident_reports.csv");
        let rows: Vec<EvalRow> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| {
                let r = r.unwrap();
                EvalRow {
                    text: r[0].to_string(),
                    department: r[1].to_string(),
                    language: r[2].to_string(),
                }
            })
            .collect();
        let opts = TrainOptions {
            features: crate::model::FeatureConfig {
                hash_bits: 14,
                ..Default::default()
            },
            ..TrainOptions::default()
        };
        let policies = [
            Policy::default(),
            Policy {
                strong_rule_score: 2.0,
                min_confidence: 0.95,
            },
        ];
        let swept = cross_validate_policies(&router, &rows, 3, &opts, &policies).unwrap();
        for (p, cv) in policies.iter().zip(&swept) {
            let one =
                cross_validate(&router, &rows, 3, &TrainOptions { policy: *p, ..opts }).unwrap();
            assert_eq!(cv.mean, one.mean, "{p:?}");
        }
        // The thresholds matter: letting weak rules win over a model that is not near certain changes answers.
        assert_ne!(swept[0].mean, swept[1].mean);
    }
}
