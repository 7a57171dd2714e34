//! The trained weights as a compact lookup: a bucket index into rows of `[idf, weight per department]` for
//! only the buckets training saw, so that classifying one message touches a few small cache lines.

use super::Idf;

const NONE: u32 = u32::MAX;

/// IDF and weights per bucket; buckets training never saw have the unseen IDF and no weights.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    k: usize,
    /// Per bucket, the row number or `NONE`.
    index: Vec<u32>,
    /// `k + 1` values per row: the IDF, then one weight per department.
    rows: Vec<f32>,
    unseen_idf: f32,
}

impl Table {
    /// From training's dense IDF and bucket-major weights, keeping buckets with a learned IDF or a weight.
    pub(crate) fn from_dense(k: usize, idf: &Idf, weights: &[f32]) -> Table {
        let mut t = Table {
            k,
            index: vec![NONE; idf.values.len()],
            rows: Vec::new(),
            unseen_idf: idf.unseen,
        };
        for (b, &v) in idf.values.iter().enumerate() {
            let w = &weights[b * k..b * k + k];
            if v != idf.unseen || w.iter().any(|&x| x != 0.0) {
                t.push(b as u32, v, w);
            }
        }
        t
    }

    /// From a model file's parts, already checked to fit together (`buckets` increasing, below `buckets`).
    pub(crate) fn from_parts(
        buckets: usize,
        k: usize,
        rows: &[u32],
        idf: &[f32],
        weights: &[f32],
        unseen_idf: f32,
    ) -> Table {
        let mut t = Table {
            k,
            index: vec![NONE; buckets],
            rows: Vec::with_capacity(rows.len() * (k + 1)),
            unseen_idf,
        };
        for (i, &b) in rows.iter().enumerate() {
            t.push(b, idf[i], &weights[i * k..i * k + k]);
        }
        t
    }

    fn push(&mut self, bucket: u32, idf: f32, weights: &[f32]) {
        self.index[bucket as usize] = (self.rows.len() / (self.k + 1)) as u32;
        self.rows.push(idf);
        self.rows.extend_from_slice(weights);
    }

    /// The IDF of a bucket and its weights, if training saw it.
    pub(crate) fn lookup(&self, bucket: u32) -> (f32, Option<&[f32]>) {
        match self.index[bucket as usize] {
            NONE => (self.unseen_idf, None),
            r => {
                let start = r as usize * (self.k + 1);
                let row = &self.rows[start..start + self.k + 1];
                (row[0], Some(&row[1..]))
            }
        }
    }

    pub(crate) fn unseen_idf(&self) -> f32 {
        self.unseen_idf
    }

    /// `(bucket, idf, weights)` of every kept bucket, in bucket order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, f32, &[f32])> + '_ {
        self.index
            .iter()
            .enumerate()
            .filter(|(_, &r)| r != NONE)
            .map(|(b, &r)| {
                let start = r as usize * (self.k + 1);
                let row = &self.rows[start..start + self.k + 1];
                (b as u32, row[0], &row[1..])
            })
    }
}
