//! Training: TF-IDF documents from labelled rows, then by default a linear SVM (see `svm` and `stack`), or
//! multinomial logistic regression / multi-class hinge by seeded stochastic gradient descent with L2
//! regularisation (weights kept as `scale * v` so that the decay costs nothing per step).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::features::{self, FeatureConfig};
use super::{Model, ModelError, Policy, TrainingSummary};
use crate::normalize::Folded;
use crate::types::{CategoryId, DepartmentId, Language};

/// One labelled past request.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRow {
    pub text: String,
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub language: Option<Language>,
    /// How much this row counts (1.0; more for a staff correction of the routing).
    pub weight: f32,
}

impl TrainingRow {
    /// A row of weight 1 with no category or language.
    pub fn new(text: impl Into<String>, department: impl Into<String>) -> TrainingRow {
        TrainingRow {
            text: text.into(),
            department: DepartmentId::new(department.into()),
            category: None,
            language: None,
            weight: 1.0,
        }
    }
}

/// The rules' matched categories of one text and their scores.
pub type RuleMatches = Vec<(String, f32)>;

/// Generic hyper-parameters of training (chosen by cross-validation, never per sentence).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub features: FeatureConfig,
    /// Passes over the data.
    pub epochs: u32,
    /// The first epoch's learning rate; epoch `e` uses `learning_rate / (1 + e)`.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// Seed of the shuffles: the same rows and seed give the same model, bit for bit.
    pub seed: u64,
    /// How rules and model decide together; stored in the model.
    pub policy: Policy,
    pub loss: Loss,
    /// Rows of department `d` count `(n / (k * n_d)) ^ balance`: 0 leaves the city's mix as it is, 1 weighs
    /// every department alike, so that rare departments are not drowned by the busiest one.
    pub balance: f32,
    /// [`Loss::Svm`]: the cost of a margin violation of the words' model.
    pub c: f32,
    /// [`Loss::Svm`] with rule inputs: the cost of a margin violation of the second level, which weighs the
    /// words' out-of-fold margins and the rules' matches (see `stack`).
    pub rules_c: f32,
    /// [`Loss::Svm`]: margins are divided by this before the softmax that gives confidences; `None` fits it
    /// to the training rows' out-of-fold margins (least log-loss), so that "80% sure" is right 80% of the time.
    pub temperature: Option<f32>,
}

/// What training minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Multinomial logistic regression (probabilities are calibrated).
    Logistic,
    /// Multi-class hinge (a linear SVM, Crammer–Singer); scores go through a softmax for confidence.
    Hinge,
    /// One-vs-rest linear SVM (squared hinge) solved exactly by dual coordinate descent; with rule inputs,
    /// stacked under a second SVM that learns how far to trust the words and the rules. `c`, `rules_c` and
    /// `temperature` apply, `epochs`, `learning_rate` and `l2` do not.
    Svm,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            epochs: 20,
            learning_rate: 2.0,
            l2: 1e-5,
            seed: 311,
            policy: Policy::default(),
            loss: Loss::Svm,
            balance: 0.0,
            c: 0.3,
            rules_c: 0.1,
            temperature: None,
        }
    }
}

/// A training text as sparse, L2-normalised TF-IDF values.
pub(super) struct Doc {
    pub(super) buckets: Vec<u32>,
    pub(super) values: Vec<f32>,
    pub(super) label: usize,
    pub(super) weight: f32,
}

/// Trains a department model on `rows`. Rows for `triage` and `dispatch` are skipped (the model routes to
/// working departments; emergencies have their own detector). Fails on fewer than two departments or bad
/// options.
pub fn train(all_rows: &[TrainingRow], opts: &TrainOptions) -> Result<Model, ModelError> {
    train_with_hints(all_rows, &vec![Vec::new(); all_rows.len()], opts)
}

/// Like [`train`], with the rules' matches of each row (`(category, score)`) as inputs when
/// `opts.features.rule_weight` is not 0.
pub fn train_with_hints(
    all_rows: &[TrainingRow],
    hints: &[RuleMatches],
    opts: &TrainOptions,
) -> Result<Model, ModelError> {
    let reserved = [DepartmentId::triage(), DepartmentId::dispatch()];
    let (rows, hints): (Vec<&TrainingRow>, Vec<&RuleMatches>) = all_rows
        .iter()
        .zip(hints)
        .filter(|(r, _)| !reserved.contains(&r.department))
        .unzip();
    check_options(opts)?;
    let counts = department_counts(&rows)?;
    let labels: Vec<DepartmentId> = counts.keys().cloned().collect();
    let cfg = opts.features;
    let extracted: Vec<Vec<features::Feature>> = rows
        .iter()
        .map(|r| features::extract(&cfg, &features::words(&Folded::new(&r.text))))
        .collect();
    let idf = inverse_document_frequency(&cfg, &extracted);
    let n = rows.len() as f32;
    let share: Vec<f32> = counts
        .values()
        .map(|&c| (n / (labels.len() as f32 * c as f32)).powf(opts.balance))
        .collect();
    let text_len: Vec<usize> = extracted.iter().map(|f| f.len()).collect();
    let docs: Vec<Doc> = extracted
        .iter()
        .zip(rows.iter().zip(&hints))
        .map(|(f, (r, h))| {
            let label = labels.binary_search(&r.department).unwrap_or(0);
            document(&cfg, &idf, f, h, label, r.weight.max(0.0) * share[label])
        })
        .collect();
    let (weights, bias) = fit(&docs, &text_len, labels.len(), opts);
    Ok(Model {
        features: cfg,
        policy: opts.policy,
        summary: TrainingSummary {
            rows: rows.len(),
            skipped: all_rows.len() - rows.len(),
            per_department: counts.into_iter().collect(),
        },
        table: super::table::Table::from_dense(labels.len(), &idf, &weights),
        labels,
        bias,
    })
}

/// Refuses options no training can use.
fn check_options(opts: &TrainOptions) -> Result<(), ModelError> {
    if let Some(p) = opts.features.problem() {
        return Err(ModelError::Invalid(format!("features: {p}")));
    }
    if !(opts.learning_rate > 0.0 && opts.l2 >= 0.0 && opts.epochs > 0) {
        return Err(ModelError::Invalid(
            "epochs, learning_rate and l2 must be positive".into(),
        ));
    }
    let positive = |x: f32| x > 0.0 && x.is_finite();
    if !(positive(opts.c) && positive(opts.rules_c) && opts.temperature.is_none_or(positive)) {
        return Err(ModelError::Invalid(
            "c, rules_c and temperature must be positive".into(),
        ));
    }
    Ok(())
}

/// Rows per department, in label order; at least two departments.
fn department_counts(rows: &[&TrainingRow]) -> Result<BTreeMap<DepartmentId, usize>, ModelError> {
    let mut counts: BTreeMap<DepartmentId, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(r.department.clone()).or_default() += 1;
    }
    if counts.len() < 2 {
        return Err(ModelError::Invalid(format!(
            "training needs rows of at least two departments (got {} row(s), {} department(s))",
            rows.len(),
            counts.len()
        )));
    }
    Ok(counts)
}

/// One row's document: its text's TF-IDF values, then the rules' matches as inputs.
fn document(
    cfg: &FeatureConfig,
    idf: &super::Idf,
    extracted: &[features::Feature],
    hints: &RuleMatches,
    label: usize,
    weight: f32,
) -> Doc {
    let (mut buckets, mut values) = super::weigh(extracted, |b| idf.get(b));
    let h: Vec<(&str, f32)> = hints.iter().map(|(c, s)| (c.as_str(), *s)).collect();
    for (b, v) in features::rule_inputs(cfg, &h) {
        buckets.push(b);
        values.push(v);
    }
    Doc {
        buckets,
        values,
        label,
        weight,
    }
}

/// The weights and biases of `labels` departments over `docs`, by the loss `opts` names.
fn fit(
    docs: &[Doc],
    text_len: &[usize],
    labels: usize,
    opts: &TrainOptions,
) -> (Vec<f32>, Vec<f32>) {
    let buckets = opts.features.buckets();
    match opts.loss {
        Loss::Svm => {
            let stack = super::stack::StackOptions {
                c: opts.c,
                rules_c: opts.rules_c,
                temperature: opts.temperature,
                seed: opts.seed,
            };
            super::stack::train(docs, text_len, labels, buckets, &stack)
        }
        Loss::Logistic | Loss::Hinge => sgd(docs, labels, buckets, opts),
    }
}

/// Smoothed IDF (`ln((1 + n) / (1 + df)) + 1`), dense over buckets; unseen buckets get the highest value.
fn inverse_document_frequency(cfg: &FeatureConfig, docs: &[Vec<features::Feature>]) -> super::Idf {
    let mut df: BTreeMap<u32, u32> = BTreeMap::new();
    for d in docs {
        for f in d {
            *df.entry(f.bucket).or_default() += 1;
        }
    }
    let n = docs.len() as f32;
    let unseen = ((1.0 + n) / 1.0).ln() + 1.0;
    let mut idf = super::Idf::new(cfg.buckets(), unseen);
    for (b, d) in df {
        idf.set(b, ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0);
    }
    idf
}

/// Deterministic 64-bit generator (SplitMix64) for the shuffles.
pub(super) struct SplitMix(pub(super) u64);

impl SplitMix {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    pub(super) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Seeded shuffle shared with cross-validation.
pub(crate) fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    SplitMix(seed).shuffle(&mut idx);
    idx
}

/// Softmax regression by SGD. Returns bucket-major weights (`weights[bucket * k + label]`) and biases.
fn sgd(docs: &[Doc], k: usize, buckets: usize, opts: &TrainOptions) -> (Vec<f32>, Vec<f32>) {
    let mut v = vec![0f32; buckets * k];
    let mut bias = vec![0f32; k];
    let mut scale = 1f32;
    let mut rng = SplitMix(opts.seed);
    let mut order: Vec<usize> = (0..docs.len()).collect();
    let mut z = vec![0f32; k];
    let (mut avg, mut avg_bias, mut averaged) = (vec![0f32; buckets * k], vec![0f32; k], 0f32);
    for epoch in 0..opts.epochs {
        rng.shuffle(&mut order);
        let eta = opts.learning_rate / (1.0 + epoch as f32);
        for &i in &order {
            let d = &docs[i];
            scores(d, &v, &bias, scale, k, &mut z);
            gradient(opts.loss, d, &mut z);
            scale *= 1.0 - eta * opts.l2;
            for (b, g) in bias.iter_mut().zip(&z) {
                *b -= eta * g;
            }
            let step = eta / scale;
            for (&b, &x) in d.buckets.iter().zip(&d.values) {
                let row = &mut v[b as usize * k..b as usize * k + k];
                for (w, g) in row.iter_mut().zip(&z) {
                    *w -= step * g * x;
                }
            }
            if scale < 1e-4 {
                v.iter_mut().for_each(|w| *w *= scale);
                scale = 1.0;
            }
        }
        // Averaging the second half's end-of-epoch weights steadies the noisy last steps of SGD.
        if 2 * (epoch + 1) > opts.epochs {
            averaged += 1.0;
            let keep = (averaged - 1.0) / averaged;
            for (a, w) in avg.iter_mut().zip(&v) {
                *a = *a * keep + w * scale / averaged;
            }
            for (a, b) in avg_bias.iter_mut().zip(&bias) {
                *a = *a * keep + b / averaged;
            }
        }
    }
    (avg, avg_bias)
}

/// Turns the scores `z` into the loss gradient with respect to them, in place.
fn gradient(loss: Loss, d: &Doc, z: &mut [f32]) {
    match loss {
        Loss::Logistic => {
            super::softmax(z);
            z[d.label] -= 1.0;
        }
        // `Svm` is solved by `svm`, never by SGD; the hinge is its closest kin here.
        Loss::Hinge | Loss::Svm => {
            let rival = (0..z.len())
                .filter(|&j| j != d.label)
                .fold(None, |a: Option<usize>, j| match a {
                    Some(b) if z[b] >= z[j] => Some(b),
                    _ => Some(j),
                })
                .unwrap_or(0);
            let violated = 1.0 + z[rival] - z[d.label] > 0.0;
            z.iter_mut().for_each(|g| *g = 0.0);
            if violated {
                z[rival] = 1.0;
                z[d.label] = -1.0;
            }
        }
    }
    z.iter_mut().for_each(|g| *g *= d.weight);
}

fn scores(d: &Doc, v: &[f32], bias: &[f32], scale: f32, k: usize, z: &mut [f32]) {
    z.copy_from_slice(bias);
    for (&b, &x) in d.buckets.iter().zip(&d.values) {
        let row = &v[b as usize * k..b as usize * k + k];
        for (s, w) in z.iter_mut().zip(row) {
            *s += scale * w * x;
        }
    }
}
