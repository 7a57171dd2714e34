//! One-vs-rest linear SVM (L2-regularised squared hinge loss) trained by dual coordinate descent, as in
//! LIBLINEAR (Hsieh et al., ICML 2008): it solves the problem exactly, converges in tens of passes on a few
//! thousand short texts, and gives the same weights for the same rows and seed.

use super::train::{Doc, SplitMix};

/// Stop when the projected gradients of a pass span less than this (LIBLINEAR's default).
const TOLERANCE: f64 = 0.1;
/// A cap on passes over the data, for data that converges slowly.
const MAX_PASSES: u32 = 1000;

/// One binary problem's solution: a weight per bucket and the bias, and the passes it took.
struct Binary {
    weights: Vec<f64>,
    bias: f64,
    /// Read by the convergence test.
    #[cfg_attr(not(test), allow(dead_code))]
    passes: u32,
}

/// Trains one binary SVM per label (that label against all others) with violation cost `c` (larger fits the
/// training rows more closely). Returns bucket-major weights (`weights[bucket * k + label]`) and biases.
pub(super) fn one_vs_rest(
    docs: &[Doc],
    k: usize,
    buckets: usize,
    c: f32,
    seed: u64,
) -> (Vec<f32>, Vec<f32>) {
    let mut weights = vec![0f32; buckets * k];
    let mut bias = vec![0f32; k];
    for label in 0..k {
        let solved = binary(docs, label, f64::from(c), seed.wrapping_add(label as u64));
        for (b, w) in solved.weights.iter().enumerate() {
            weights[b * k + label] = *w as f32;
        }
        bias[label] = solved.bias as f32;
    }
    (weights, bias)
}

/// Dual coordinate descent for `min ½‖w‖² + Σ C_i max(0, 1 − y_i (w·x_i + b))²`, the bias being the weight of
/// a constant feature 1 (regularised like the others, as LIBLINEAR does).
fn binary(docs: &[Doc], positive: usize, c: f64, seed: u64) -> Binary {
    let buckets = docs
        .iter()
        .flat_map(|d| d.buckets.iter())
        .map(|&b| b as usize + 1)
        .max()
        .unwrap_or(0);
    let mut w = vec![0f64; buckets];
    let mut bias = 0f64;
    // Rows that count nothing take no part.
    let mut order: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].weight > 0.0).collect();
    let diag: Vec<f64> = docs
        .iter()
        .map(|d| 0.5 / (c * f64::from(d.weight.max(f32::MIN_POSITIVE))))
        .collect();
    let q: Vec<f64> = docs
        .iter()
        .zip(&diag)
        .map(|(d, dg)| d.values.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() + 1.0 + dg)
        .collect();
    let mut alpha = vec![0f64; docs.len()];
    let mut rng = SplitMix(seed);
    let mut passes = 0;
    while passes < MAX_PASSES {
        passes += 1;
        rng.shuffle(&mut order);
        let (mut max_pg, mut min_pg) = (f64::NEG_INFINITY, f64::INFINITY);
        for &i in &order {
            let d = &docs[i];
            let y = if d.label == positive { 1.0 } else { -1.0 };
            let margin = bias
                + d.buckets
                    .iter()
                    .zip(&d.values)
                    .map(|(&b, &x)| w[b as usize] * f64::from(x))
                    .sum::<f64>();
            let g = y * margin - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg);
            min_pg = min_pg.min(pg);
            if pg.abs() > 1e-12 {
                let next = (alpha[i] - g / q[i]).max(0.0);
                let step = (next - alpha[i]) * y;
                alpha[i] = next;
                for (&b, &x) in d.buckets.iter().zip(&d.values) {
                    w[b as usize] += step * f64::from(x);
                }
                bias += step;
            }
        }
        if max_pg - min_pg <= TOLERANCE {
            break;
        }
    }
    Binary {
        weights: w,
        bias,
        passes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two labels told apart by bucket 0 or 1, with a shared noisy bucket 2.
    fn separable(n: usize) -> Vec<Doc> {
        (0..n)
            .map(|i| {
                let label = i % 2;
                Doc {
                    buckets: vec![label as u32, 2],
                    values: vec![0.8, 0.6],
                    label,
                    weight: 1.0,
                }
            })
            .collect()
    }

    fn margin(w: &[f32], bias: &[f32], d: &Doc, label: usize, k: usize) -> f32 {
        bias[label]
            + d.buckets
                .iter()
                .zip(&d.values)
                .map(|(&b, &x)| w[b as usize * k + label] * x)
                .sum::<f32>()
    }

    #[test]
    fn separates_separable_data_with_a_margin() {
        let docs = separable(40);
        let (w, b) = one_vs_rest(&docs, 2, 4, 1.0, 5);
        for d in &docs {
            let own = margin(&w, &b, d, d.label, 2);
            let other = margin(&w, &b, d, 1 - d.label, 2);
            assert!(own > 0.5 && other < -0.5, "{own} {other}");
        }
    }

    #[test]
    fn converges_well_before_the_cap_and_reaches_the_optimum() {
        let docs = separable(40);
        let solved = binary(&docs, 0, 1.0, 5);
        assert!(solved.passes < 50, "{} passes", solved.passes);
        // At the optimum the dual's solution is the same whatever the visiting order.
        let other = binary(&docs, 0, 1.0, 99);
        for (a, b) in solved.weights.iter().zip(&other.weights) {
            assert!((a - b).abs() < 0.05, "{a} vs {b}");
        }
    }

    #[test]
    fn is_deterministic_for_a_seed() {
        let docs = separable(30);
        let a = one_vs_rest(&docs, 2, 4, 1.0, 5);
        assert_eq!(a, one_vs_rest(&docs, 2, 4, 1.0, 5));
    }

    #[test]
    fn a_heavier_row_pulls_harder() {
        // The same point labelled both ways: the heavier label wins.
        let mut docs = vec![
            Doc {
                buckets: vec![0],
                values: vec![1.0],
                label: 0,
                weight: 1.0,
            },
            Doc {
                buckets: vec![0],
                values: vec![1.0],
                label: 1,
                weight: 3.0,
            },
        ];
        let (w, b) = one_vs_rest(&docs, 2, 1, 1.0, 5);
        assert!(margin(&w, &b, &docs[0], 1, 2) > margin(&w, &b, &docs[0], 0, 2));
        docs[1].weight = 0.0;
        let (w, b) = one_vs_rest(&docs, 2, 1, 1.0, 5);
        assert!(margin(&w, &b, &docs[0], 0, 2) > margin(&w, &b, &docs[0], 1, 2));
    }
}
