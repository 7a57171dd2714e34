//! Stacking and calibration: a linear SVM on the words alone, then a second one that learns, from the first
//! one's out-of-fold margins and the rules' matches, how far to trust each; finally a temperature that makes
//! the softmax confidences match how often held-out guesses were right. Every step is linear, so the result
//! folds back into one weight per bucket and department: classifying costs what a single model costs.

use std::collections::BTreeMap;

use super::svm::one_vs_rest;
use super::train::{shuffled_indices, Doc};

/// Inner folds for the out-of-fold margins.
const INNER_FOLDS: usize = 5;

/// What stacked training needs besides the documents.
#[derive(Debug, Clone, Copy)]
pub(super) struct StackOptions {
    /// Violation cost of the words' SVM.
    pub c: f32,
    /// Violation cost of the second level (margins and rules).
    pub rules_c: f32,
    /// Margins are divided by this before the softmax; `None` fits it (least log-loss out of fold).
    pub temperature: Option<f32>,
    pub seed: u64,
}

/// Trains the model and folds it into bucket-major weights (`weights[bucket * k + label]`) and biases. Each
/// document's first `text_len` features are its words; the rest are the rules' inputs (when there are none,
/// there is no second level).
pub(super) fn train(
    docs: &[Doc],
    text_len: &[usize],
    k: usize,
    buckets: usize,
    opts: &StackOptions,
) -> (Vec<f32>, Vec<f32>) {
    let words: Vec<Doc> = docs
        .iter()
        .zip(text_len)
        .map(|(d, &n)| part(d, 0..n))
        .collect();
    let margins = out_of_fold_margins(&words, k, buckets, opts);
    let (w1, b1) = one_vs_rest(&words, k, buckets, opts.c, opts.seed);
    let with_rules = docs.iter().zip(text_len).any(|(d, &n)| d.buckets.len() > n);
    let (mut weights, mut bias, scores) = if with_rules {
        second_level(docs, text_len, &margins, (&w1, &b1), k, opts)
    } else {
        (w1, b1, margins)
    };
    let t = opts
        .temperature
        .unwrap_or_else(|| fit_temperature(docs, &scores));
    weights.iter_mut().for_each(|w| *w /= t);
    bias.iter_mut().for_each(|b| *b /= t);
    (weights, bias)
}

/// Learns the second level on the margins and the rules' inputs and folds it into the words' weights
/// `(w1, b1)`. Also returns the second level's scores of the training documents (for calibration).
fn second_level(
    docs: &[Doc],
    text_len: &[usize],
    margins: &[Vec<f32>],
    (w1, b1): (&[f32], &[f32]),
    k: usize,
    opts: &StackOptions,
) -> (Vec<f32>, Vec<f32>, Vec<Vec<f32>>) {
    // Margins at inputs 0..k, each rule input bucket at its own input after them.
    let mut rule_inputs: BTreeMap<u32, u32> = BTreeMap::new();
    let second: Vec<Doc> = docs
        .iter()
        .zip(text_len)
        .zip(margins)
        .map(|((d, &n), m)| {
            let mut buckets: Vec<u32> = (0..k as u32).collect();
            let mut values: Vec<f32> = m.clone();
            for (&b, &x) in d.buckets[n..].iter().zip(&d.values[n..]) {
                let next = (k + rule_inputs.len()) as u32;
                buckets.push(*rule_inputs.entry(b).or_insert(next));
                values.push(x);
            }
            Doc {
                buckets,
                values,
                label: d.label,
                weight: d.weight,
            }
        })
        .collect();
    let inputs = k + rule_inputs.len();
    let (a, b2) = one_vs_rest(&second, k, inputs, opts.rules_c, opts.seed);
    let scores = second.iter().map(|d| margins_of(d, &a, &b2, k)).collect();
    let buckets = w1.len() / k;
    let mut weights = vec![0f32; buckets * k];
    for b in 0..buckets {
        let row = &w1[b * k..b * k + k];
        if row.iter().all(|&x| x == 0.0) {
            continue;
        }
        for j in 0..k {
            weights[b * k + j] = (0..k).map(|i| a[i * k + j] * row[i]).sum();
        }
    }
    for (&bucket, &input) in &rule_inputs {
        for j in 0..k {
            weights[bucket as usize * k + j] += a[input as usize * k + j];
        }
    }
    let bias = (0..k)
        .map(|j| b2[j] + (0..k).map(|i| a[i * k + j] * b1[i]).sum::<f32>())
        .collect();
    (weights, bias, scores)
}

/// The features `range` of a document.
fn part(d: &Doc, range: std::ops::Range<usize>) -> Doc {
    Doc {
        buckets: d.buckets[range.clone()].to_vec(),
        values: d.values[range].to_vec(),
        label: d.label,
        weight: d.weight,
    }
}

/// One margin per label of `d` under bucket-major `weights` and `bias`.
fn margins_of(d: &Doc, weights: &[f32], bias: &[f32], k: usize) -> Vec<f32> {
    let mut z = bias.to_vec();
    for (&b, &x) in d.buckets.iter().zip(&d.values) {
        let row = &weights[b as usize * k..b as usize * k + k];
        z.iter_mut().zip(row).for_each(|(s, w)| *s += w * x);
    }
    z
}

/// Each document's margins from a model trained on the other inner folds.
fn out_of_fold_margins(
    docs: &[Doc],
    k: usize,
    buckets: usize,
    opts: &StackOptions,
) -> Vec<Vec<f32>> {
    let order = shuffled_indices(docs.len(), opts.seed ^ 0x5eed);
    let mut fold = vec![0; docs.len()];
    for (n, &i) in order.iter().enumerate() {
        fold[i] = n % INNER_FOLDS;
    }
    let mut margins = vec![Vec::new(); docs.len()];
    for f in 0..INNER_FOLDS {
        let train: Vec<Doc> = (0..docs.len())
            .filter(|&i| fold[i] != f)
            .map(|i| part(&docs[i], 0..docs[i].buckets.len()))
            .collect();
        let (w, b) = one_vs_rest(&train, k, buckets, opts.c, opts.seed);
        for i in (0..docs.len()).filter(|&i| fold[i] == f) {
            margins[i] = margins_of(&docs[i], &w, &b, k);
        }
    }
    margins
}

/// The temperature `t` in 0.02..=20 minimising the weighted log-loss of `softmax(scores / t)` (golden-section
/// search on `ln t`; the loss is unimodal in `t`).
fn fit_temperature(docs: &[Doc], scores: &[Vec<f32>]) -> f32 {
    let loss = |ln_t: f64| -> f64 {
        let t = ln_t.exp();
        docs.iter()
            .zip(scores)
            .map(|(d, z)| {
                let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let sum: f64 = z.iter().map(|&s| (f64::from(s - max) / t).exp()).sum();
                f64::from(d.weight) * (sum.ln() - f64::from(z[d.label] - max) / t)
            })
            .sum()
    };
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (0.02f64.ln(), 20f64.ln());
    for _ in 0..60 {
        let a = hi - phi * (hi - lo);
        let b = lo + phi * (hi - lo);
        if loss(a) <= loss(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    ((lo + hi) / 2.0).exp() as f32
}

#[cfg(test)]
#[path = "stack_tests.rs"]
mod tests;
