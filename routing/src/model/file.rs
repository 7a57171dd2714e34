//! The model file: an 8-byte magic, a little-endian format version, then the model in postcard (serde's
//! compact binary form) — feature settings, policy, labels, and only the buckets training touched.

use serde::{Deserialize, Serialize};

use super::table::Table;
use super::{FeatureConfig, Model, ModelError, Policy, TrainingSummary};
use crate::types::DepartmentId;

/// The first bytes of every model file.
pub const MAGIC: &[u8; 8] = b"C311RTM\n";
/// Bumped whenever the layout or the meaning of features changes; older files are refused, not misread.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Body {
    features: FeatureConfig,
    policy: Policy,
    summary: TrainingSummary,
    labels: Vec<DepartmentId>,
    unseen_idf: f32,
    /// Buckets with a weight or a learned IDF, strictly increasing.
    rows: Vec<u32>,
    idf: Vec<f32>,
    /// `rows.len() * labels.len()` weights, row-major like the model's.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Model {
    /// The model as the bytes of a model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Body {
            features: self.features,
            policy: self.policy,
            summary: self.summary.clone(),
            labels: self.labels.clone(),
            unseen_idf: self.table.unseen_idf(),
            rows: Vec::new(),
            idf: Vec::new(),
            weights: Vec::new(),
            bias: self.bias.clone(),
        };
        for (b, idf, w) in self.table.entries() {
            body.rows.push(b);
            body.idf.push(idf);
            body.weights.extend_from_slice(w);
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend(postcard::to_allocvec(&body).expect("a model always serializes"));
        out
    }

    /// Reads a model file, checking the header, the version and that every part fits the others.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(ModelError::NotAModel)?;
        let (version, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| ModelError::Corrupt("no format version".into()))?;
        let found = u32::from_le_bytes(*version);
        if found != FORMAT_VERSION {
            return Err(ModelError::Version {
                found,
                expected: FORMAT_VERSION,
            });
        }
        let body: Body =
            postcard::from_bytes(rest).map_err(|e| ModelError::Corrupt(e.to_string()))?;
        body.into_model()
    }
}

impl Body {
    fn into_model(self) -> Result<Model, ModelError> {
        let bad = |s: &str| Err(ModelError::Corrupt(s.to_string()));
        if let Some(p) = self.features.problem() {
            return Err(ModelError::Corrupt(format!("features: {p}")));
        }
        let k = self.labels.len();
        let buckets = self.features.buckets();
        if k < 2 || self.labels.windows(2).any(|w| w[0] >= w[1]) {
            return bad("labels must be at least two distinct sorted departments");
        }
        if self.bias.len() != k
            || self.idf.len() != self.rows.len()
            || self.weights.len() != self.rows.len() * k
        {
            return bad("weights, IDF and bias do not match the labels and rows");
        }
        if self.rows.windows(2).any(|w| w[0] >= w[1])
            || self.rows.last().is_some_and(|&r| r as usize >= buckets)
        {
            return bad("rows must be increasing bucket numbers within the hash size");
        }
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        if !(finite(&self.weights)
            && finite(&self.idf)
            && finite(&self.bias)
            && self.unseen_idf.is_finite())
        {
            return bad("a weight is not a finite number");
        }
        let p = self.policy;
        if !(p.strong_rule_score.is_finite() && (0.0..=1.0).contains(&p.min_confidence)) {
            return bad("policy thresholds out of range");
        }
        let table = Table::from_parts(
            buckets,
            k,
            &self.rows,
            &self.idf,
            &self.weights,
            self.unseen_idf,
        );
        Ok(Model {
            features: self.features,
            policy: self.policy,
            summary: self.summary,
            labels: self.labels,
            table,
            bias: self.bias,
        })
    }
}
