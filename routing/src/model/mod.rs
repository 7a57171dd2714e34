//! The learned department classifier: trained on a city's own past requests, it predicts a department with a
//! probability and the words that weighed most, for the router to combine with the rules.

mod features;
mod file;
mod stack;
mod svm;
mod table;
mod train;

use serde::{Deserialize, Serialize};

pub use features::FeatureConfig;
pub use file::{FORMAT_VERSION, MAGIC};
pub(crate) use train::shuffled_indices;
pub use train::{train, train_with_hints, Loss, TrainOptions, TrainingRow};

use crate::normalize::Folded;
use crate::types::DepartmentId;

/// How rules and model decide together. Generic thresholds, chosen by cross-validation; kept in the model
/// file so that a model always runs with the policy it was measured with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// A rule match scoring at least this, with no rival of another department, wins over the model.
    pub strong_rule_score: f32,
    /// Below a strong rule, the model decides when its department has at least this probability.
    pub min_confidence: f32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            strong_rule_score: 8.0,
            min_confidence: 0.2,
        }
    }
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub rows: usize,
    /// Rows left out because they were for `triage` or `dispatch`.
    pub skipped: usize,
    /// Rows per department, by department id.
    pub per_department: Vec<(DepartmentId, usize)>,
}

/// A department the model predicts, how sure it is, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub department: DepartmentId,
    /// The softmax probability of `department` (0..=1).
    pub confidence: f32,
    /// The words that pushed most towards `department`, strongest first (at most three).
    pub evidence: Vec<String>,
}

/// Why a model could not be trained, read or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("not a connect311 routing model (the file does not start with the model header)")]
    NotAModel,
    #[error("model file format version {found}; this build reads version {expected}: train the model again")]
    Version { found: u32, expected: u32 },
    #[error("model file is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the model routes to department(s) {} that the city config does not have: train it again on this city's departments", .0.join(", "))]
    UnknownDepartments(Vec<String>),
}

/// Inverse document frequency per bucket; buckets never seen in training get `unseen`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Idf {
    values: Vec<f32>,
    unseen: f32,
}

impl Idf {
    fn new(buckets: usize, unseen: f32) -> Idf {
        Idf {
            values: vec![unseen; buckets],
            unseen,
        }
    }

    fn set(&mut self, bucket: u32, v: f32) {
        self.values[bucket as usize] = v;
    }

    fn get(&self, bucket: u32) -> f32 {
        self.values[bucket as usize]
    }
}

/// A trained model: labels, feature settings, and per bucket its IDF and one weight per label.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    features: FeatureConfig,
    policy: Policy,
    summary: TrainingSummary,
    labels: Vec<DepartmentId>,
    table: table::Table,
    bias: Vec<f32>,
}

impl Model {
    /// The departments the model can predict, sorted.
    pub fn departments(&self) -> &[DepartmentId] {
        &self.labels
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The same model deciding with other thresholds (how cross-validation compares them).
    pub fn with_policy(mut self, policy: Policy) -> Model {
        self.policy = policy;
        self
    }

    pub fn features(&self) -> FeatureConfig {
        self.features
    }

    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Fails when the model predicts a department that `known` does not accept (a model of another city, or
    /// of this city before a department was removed).
    pub fn check_departments(
        &self,
        known: impl Fn(&DepartmentId) -> bool,
    ) -> Result<(), ModelError> {
        let unknown: Vec<String> = self
            .labels
            .iter()
            .filter(|d| !known(d))
            .map(|d| format!("`{d}`"))
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ModelError::UnknownDepartments(unknown))
        }
    }

    /// Predicts the department of a text (`subject + "\n" + body`, or a chat message) from its words alone.
    pub fn predict(&self, text: &str) -> Prediction {
        let folded = Folded::new(text);
        let scored = self.score_folded(&folded, &[]);
        let mut p = scored.prediction(self);
        p.evidence = scored.evidence(self);
        p
    }

    /// Scores the folded text and the rules' matches (`(category, score)`, see
    /// [`FeatureConfig::rule_weight`]); the explanation is left to [`Scored::evidence`], for when it is read.
    pub(crate) fn score_folded<'t>(&self, folded: &'t Folded, hints: &[(&str, f32)]) -> Scored<'t> {
        let words = features::words(folded);
        let feats = features::extract(&self.features, &words);
        let mut values = Vec::with_capacity(feats.len());
        let mut rows = Vec::with_capacity(feats.len());
        for f in &feats {
            let (idf, row) = self.table.lookup(f.bucket);
            values.push(term_frequency(f.count) * idf);
            rows.push(row);
        }
        normalise(&mut values);
        let mut z = self.bias.clone();
        for (row, &x) in rows.iter().zip(&values) {
            if let Some(row) = row {
                z.iter_mut().zip(*row).for_each(|(s, w)| *s += w * x);
            }
        }
        for (b, x) in features::rule_inputs(&self.features, hints) {
            if let (_, Some(row)) = self.table.lookup(b) {
                z.iter_mut().zip(row).for_each(|(s, w)| *s += w * x);
            }
        }
        softmax(&mut z);
        let best = (0..z.len()).fold(0, |a, i| if z[i] > z[a] { i } else { a });
        Scored {
            words,
            feats,
            values,
            best,
            confidence: z[best],
        }
    }
}

/// One text scored by the model, kept so that its explanation can be worked out only when it is needed.
pub(crate) struct Scored<'t> {
    words: Vec<std::borrow::Cow<'t, str>>,
    feats: Vec<features::Feature>,
    values: Vec<f32>,
    best: usize,
    confidence: f32,
}

impl Scored<'_> {
    /// The department and confidence, without evidence.
    pub(crate) fn prediction(&self, model: &Model) -> Prediction {
        Prediction {
            department: model.labels[self.best].clone(),
            confidence: self.confidence,
            evidence: Vec::new(),
        }
    }

    /// The words that pushed most towards the predicted department (at most three, strongest first).
    pub(crate) fn evidence(&self, model: &Model) -> Vec<String> {
        let rows: Vec<Option<&[f32]>> = self
            .feats
            .iter()
            .map(|f| model.table.lookup(f.bucket).1)
            .collect();
        evidence(self.best, &self.feats, &rows, &self.values, &self.words)
    }
}

/// The words whose features pushed most towards `label` rather than the other departments on average:
/// unigrams and character n-grams speak for their word, bigrams for the pair (at most three, strongest first).
fn evidence(
    label: usize,
    feats: &[features::Feature],
    rows: &[Option<&[f32]>],
    values: &[f32],
    words: &[std::borrow::Cow<'_, str>],
) -> Vec<String> {
    let mut single = vec![0f32; words.len()];
    let mut pair = vec![0f32; words.len()];
    let mut longer: Vec<((u16, u16), f32)> = Vec::new();
    for ((f, row), &x) in feats.iter().zip(rows).zip(values) {
        let Some(row) = row else { continue };
        let mean = row.iter().sum::<f32>() / row.len() as f32;
        let c = x * (row[label] - mean);
        match f.last - f.first {
            0 => single[f.first as usize] += c,
            1 => pair[f.first as usize] += c,
            _ => match longer.iter_mut().find(|(s, _)| *s == (f.first, f.last)) {
                Some((_, total)) => *total += c,
                None => longer.push(((f.first, f.last), c)),
            },
        }
    }
    let mut spans: Vec<((u16, u16), f32)> = longer;
    for i in 0..words.len() {
        spans.push(((i as u16, i as u16), single[i]));
        spans.push(((i as u16, i as u16 + 1), pair[i]));
    }
    spans.retain(|(_, c)| *c > 0.0);
    spans.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<String> = Vec::new();
    for ((first, last), _) in spans {
        let phrase = words[first as usize..=last as usize].join(" ");
        if !out
            .iter()
            .any(|p| p.contains(&phrase) || phrase.contains(p.as_str()))
        {
            out.push(phrase);
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// Sublinear term frequency.
fn term_frequency(count: f32) -> f32 {
    if count == 1.0 {
        1.0
    } else {
        1.0 + count.ln()
    }
}

/// Scales to unit length (L2).
fn normalise(values: &mut [f32]) {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        values.iter_mut().for_each(|v| *v /= norm);
    }
}

/// Sublinear TF times IDF, L2-normalised: `(buckets, values)` in bucket order.
fn weigh(feats: &[features::Feature], idf: impl Fn(u32) -> f32) -> (Vec<u32>, Vec<f32>) {
    let buckets: Vec<u32> = feats.iter().map(|f| f.bucket).collect();
    let mut values: Vec<f32> = feats
        .iter()
        .map(|f| term_frequency(f.count) * idf(f.bucket))
        .collect();
    normalise(&mut values);
    (buckets, values)
}

/// In-place softmax, stable for large scores.
fn softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in z.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    z.iter_mut().for_each(|s| *s /= sum);
}

#[cfg(test)]
pub(crate) mod tests;
