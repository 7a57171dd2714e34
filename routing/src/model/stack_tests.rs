//! Stacking on small generated documents: the folded model equals its two levels, the rules' inputs are
//! learned, and the temperature follows how reliable the margins are.

use super::*;

/// Two labels; the words (buckets 0, 1) say the label for most rows but lie for every fourth one, where a
/// rule input (bucket 9, at `text_len` 2) tells the truth.
fn docs() -> (Vec<Doc>, Vec<usize>) {
    let docs: Vec<Doc> = (0..80)
        .map(|i| {
            let label = i % 2;
            let said = if i % 4 == 3 { 1 - label } else { label };
            let mut buckets = vec![said as u32, 2];
            let mut values = vec![0.8, 0.6];
            if i % 4 == 3 {
                buckets.push(9 + label as u32);
                values.push(1.0);
            }
            Doc {
                buckets,
                values,
                label,
                weight: 1.0,
            }
        })
        .collect();
    (docs, vec![2; 80])
}

fn opts() -> StackOptions {
    StackOptions {
        c: 1.0,
        rules_c: 1.0,
        temperature: None,
        seed: 3,
    }
}

fn best(weights: &[f32], bias: &[f32], d: &Doc) -> usize {
    let z = margins_of(d, weights, bias, 2);
    usize::from(z[1] > z[0])
}

#[test]
fn learns_to_trust_the_rules_where_the_words_lie() {
    let (docs, text_len) = docs();
    let (w, b) = train(&docs, &text_len, 2, 16, &opts());
    for d in &docs {
        assert_eq!(best(&w, &b, d), d.label, "{:?}", d.buckets);
    }
    // Without the rules' inputs, the lying rows are lost.
    let words: Vec<Doc> = docs.iter().map(|d| part(d, 0..2)).collect();
    let (w, b) = train(&words, &text_len, 2, 16, &opts());
    let wrong = words.iter().filter(|d| best(&w, &b, d) != d.label).count();
    assert_eq!(wrong, 20);
}

#[test]
fn is_deterministic_for_a_seed() {
    let (docs, text_len) = docs();
    assert_eq!(
        train(&docs, &text_len, 2, 16, &opts()),
        train(&docs, &text_len, 2, 16, &opts())
    );
}

#[test]
fn a_given_temperature_divides_the_margins() {
    let (docs, text_len) = docs();
    let at = |t| {
        train(
            &docs,
            &text_len,
            2,
            16,
            &StackOptions {
                temperature: Some(t),
                ..opts()
            },
        )
    };
    let (one, half) = (at(1.0), at(0.5));
    for (x, y) in one.0.iter().zip(&half.0).chain(one.1.iter().zip(&half.1)) {
        assert!((x * 2.0 - y).abs() < 1e-4, "{x} {y}");
    }
}

#[test]
fn the_fitted_temperature_is_low_for_reliable_margins_and_high_for_noise() {
    let (docs, _) = docs();
    let reliable: Vec<Vec<f32>> = docs
        .iter()
        .map(|d| {
            if d.label == 0 {
                vec![1.0, -1.0]
            } else {
                vec![-1.0, 1.0]
            }
        })
        .collect();
    assert!(fit_temperature(&docs, &reliable) < 0.1);
    // Right three times in four: confidence should settle near 75%, i.e. a margin gap of 2 worth ln 3.
    let mostly: Vec<Vec<f32>> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let said = if i % 4 == 3 { 1 - d.label } else { d.label };
            if said == 0 {
                vec![1.0, -1.0]
            } else {
                vec![-1.0, 1.0]
            }
        })
        .collect();
    let t = fit_temperature(&docs, &mostly);
    let confidence = 1.0 / (1.0 + (-2.0 / t).exp());
    assert!(
        (confidence - 0.75).abs() < 0.01,
        "t = {t}, confidence {confidence}"
    );
}
