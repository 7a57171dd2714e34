//! Turns folded text into hashed, weighted features: word unigrams and bigrams plus character n-grams of each
//! word, in buckets chosen by a stable hash (FNV-1a), so that a model file means the same thing on every build.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::normalize::Folded;

/// How text becomes features. Stored in the model file: a model is only ever read with the features it was
/// trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// `2^hash_bits` buckets (10..=24).
    pub hash_bits: u8,
    /// Word n-grams up to this length (1 = unigrams, 2 = unigrams and bigrams).
    pub max_word_ngram: u8,
    /// Character n-grams of each word (with its boundaries) from `char_min` to `char_max` bytes; 0 disables.
    pub char_min: u8,
    pub char_max: u8,
    /// Weight of the rules' matches as inputs (one feature per matched category, scaled by its score and
    /// added after the text's features are normalised); 0 leaves the rules out of the model.
    pub rule_weight: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 18,
            max_word_ngram: 2,
            char_min: 2,
            char_max: 4,
            rule_weight: 4.0,
        }
    }
}

impl FeatureConfig {
    /// Why this configuration cannot be used, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if !(10..=24).contains(&self.hash_bits) {
            return Some("hash_bits must be between 10 and 24");
        }
        if !(1..=3).contains(&self.max_word_ngram) {
            return Some("max_word_ngram must be 1, 2 or 3");
        }
        if self.char_min > self.char_max
            || self.char_max > 8
            || (self.char_min == 0) != (self.char_max == 0)
        {
            return Some("char n-grams need 1 <= char_min <= char_max <= 8, or both 0");
        }
        if !(self.rule_weight.is_finite() && (0.0..=10.0).contains(&self.rule_weight)) {
            return Some("rule_weight must be between 0 and 10");
        }
        None
    }

    /// The number of buckets.
    pub fn buckets(&self) -> usize {
        1 << self.hash_bits
    }
}

/// One feature of one text: its bucket, its weight before IDF and normalisation, and the words it came from
/// (`first..=last`, indices into the text's words) for explanations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Feature {
    pub bucket: u32,
    pub count: f32,
    pub first: u16,
    pub last: u16,
}

/// A text's words as the model sees them: folded, with digit runs replaced by `0` so that house numbers and
/// dates do not each become a feature. Words without digits are borrowed, not copied.
pub fn words(folded: &Folded) -> Vec<Cow<'_, str>> {
    folded
        .words()
        .take(u16::MAX as usize)
        .map(|w| {
            if w.bytes().any(|b| b.is_ascii_digit()) {
                let mut out = String::with_capacity(w.len());
                let mut in_digits = false;
                for c in w.chars() {
                    if c.is_ascii_digit() {
                        if !in_digits {
                            out.push('0');
                        }
                        in_digits = true;
                    } else {
                        out.push(c);
                        in_digits = false;
                    }
                }
                Cow::Owned(out)
            } else {
                Cow::Borrowed(w)
            }
        })
        .collect()
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Hashes `parts` (joined by spaces) in namespace `kind`, then mixes the bits so that the low ones used for
/// the bucket depend on every byte.
fn bucket(kind: u8, parts: &[&[u8]], mask: u64) -> u32 {
    bucket_of(kind, parts.iter().copied(), mask)
}

fn bucket_of<'a>(kind: u8, parts: impl Iterator<Item = &'a [u8]>, mask: u64) -> u32 {
    let mut h = fnv(FNV_OFFSET, &[kind]);
    for (i, p) in parts.enumerate() {
        if i > 0 {
            h = fnv(h, b" ");
        }
        h = fnv(h, p);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h & mask) as u32
}

/// Every feature of `words`, merged by bucket (counts added, the first occurrence's words kept), sorted by
/// bucket.
pub fn extract<W: AsRef<str>>(cfg: &FeatureConfig, words: &[W]) -> Vec<Feature> {
    let mask = (cfg.buckets() - 1) as u64;
    let mut out = Vec::with_capacity(words.len() * 8);
    let mut push = |bucket: u32, first: usize, last: usize| {
        out.push(Feature {
            bucket,
            count: 1.0,
            first: first as u16,
            last: last as u16,
        })
    };
    let mut padded = Vec::with_capacity(32);
    for (i, w) in words.iter().enumerate() {
        let w = w.as_ref();
        push(bucket(1, &[w.as_bytes()], mask), i, i);
        for n in 2..=usize::from(cfg.max_word_ngram) {
            if i + 1 >= n {
                let start = i + 1 - n;
                let parts = words[start..=i].iter().map(|w| w.as_ref().as_bytes());
                push(bucket_of(n as u8, parts, mask), start, i);
            }
        }
        if cfg.char_max == 0 {
            continue;
        }
        padded.clear();
        padded.push(b'<');
        padded.extend_from_slice(w.as_bytes());
        padded.push(b'>');
        for n in usize::from(cfg.char_min)..=usize::from(cfg.char_max) {
            // Whole short words are already unigrams.
            if n >= padded.len() {
                break;
            }
            for gram in padded.windows(n) {
                push(bucket(10 + n as u8, &[gram], mask), i, i);
            }
        }
    }
    merge(out)
}

/// A rule's score at which its input saturates.
const RULE_SCORE_CAP: f32 = 6.0;

/// The rules' matches as `(bucket, value)` inputs: one per matched category, `rule_weight * score / cap`.
pub fn rule_inputs(cfg: &FeatureConfig, hints: &[(&str, f32)]) -> Vec<(u32, f32)> {
    if cfg.rule_weight == 0.0 {
        return Vec::new();
    }
    let mask = (cfg.buckets() - 1) as u64;
    hints
        .iter()
        .filter(|(_, s)| *s > 0.0)
        .map(|(c, s)| {
            let v = cfg.rule_weight * s.min(RULE_SCORE_CAP) / RULE_SCORE_CAP;
            (bucket(30, &[c.as_bytes()], mask), v)
        })
        .collect()
}

fn merge(mut features: Vec<Feature>) -> Vec<Feature> {
    features.sort_by_key(|f| f.bucket);
    let mut merged: Vec<Feature> = Vec::with_capacity(features.len());
    for f in features {
        match merged.last_mut() {
            Some(m) if m.bucket == f.bucket => m.count += 1.0,
            _ => merged.push(f),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(text: &str, cfg: FeatureConfig) -> (Vec<String>, Vec<Feature>) {
        let folded = Folded::new(text);
        let w = words(&folded);
        let f = extract(&cfg, &w);
        (w.iter().map(|w| w.to_string()).collect(), f)
    }

    #[test]
    fn folds_accents_case_and_digits() {
        let folded = Folded::new("Árbol CAÍDO en la calle 45-B, 2024");
        let w = words(&folded);
        assert_eq!(w, ["arbol", "caido", "en", "la", "calle", "0", "b", "0"]);
        let (_, a) = feats("Luminaria APAGADA", FeatureConfig::default());
        let (_, b) = feats("luminaria apagada", FeatureConfig::default());
        assert_eq!(a, b);
    }

    #[test]
    fn counts_unigrams_bigrams_and_char_grams() {
        let cfg = FeatureConfig {
            char_min: 0,
            char_max: 0,
            ..FeatureConfig::default()
        };
        let (_, f) = feats("light out light out", cfg);
        // light, out, "light out" (twice each) and "out light" once.
        assert_eq!(f.len(), 4);
        let total: f32 = f.iter().map(|x| x.count).sum();
        assert_eq!(total, 7.0);
        let three_to_five = FeatureConfig {
            char_min: 3,
            char_max: 5,
            ..FeatureConfig::default()
        };
        let (_, with_chars) = feats("light", three_to_five);
        // "light" plus <li lig igh ght ht> (3), <lig ligh ight ght> (4), <ligh light ight> (5).
        assert_eq!(with_chars.len(), 1 + 5 + 4 + 3);
    }

    #[test]
    fn buckets_are_stable_across_builds() {
        // A model file is only meaningful if these never change: two values pinned (checked by an independent
        // implementation of the same hash).
        let mask = (1u64 << 18) - 1;
        assert_eq!(
            bucket(1, &[b"pothole"], mask),
            bucket(1, &[b"pothole"], mask)
        );
        assert_ne!(
            bucket(1, &[b"pothole"], mask),
            bucket(2, &[b"pothole"], mask)
        );
        assert_eq!(bucket(1, &[b"pothole"], mask), 247_043);
        assert_eq!(bucket(2, &[b"street", b"light"], mask), 53_364);
    }

    #[test]
    fn rejects_unusable_configs() {
        let ok = FeatureConfig::default();
        assert_eq!(ok.problem(), None);
        for bad in [
            FeatureConfig {
                hash_bits: 30,
                ..ok
            },
            FeatureConfig {
                max_word_ngram: 0,
                ..ok
            },
            FeatureConfig {
                char_min: 6,
                char_max: 4,
                ..ok
            },
            FeatureConfig {
                char_min: 0,
                char_max: 4,
                ..ok
            },
        ] {
            assert!(bad.problem().is_some(), "{bad:?}");
        }
    }
}
