//! Finding a street as a resident wrote it in the gazetteer — exact name, alias, a typo, a missing or different
//! suffix, a Spanish `calle`/`av.` — and the points of intersections and house numbers.

use crate::gazetteer::{Gazetteer, GeoPoint, StreetId};
use crate::place_key::{Source, StreetName};

impl Gazetteer {
    /// The one street a written name means, or `None` when it is unknown or could be several.
    pub fn snap(&self, written: &str) -> Option<StreetId> {
        only(&self.candidates(written))
    }

    /// Whether a written name is exactly a street or alias of the city (typos aside), even if several.
    pub fn knows(&self, written: &str) -> bool {
        StreetName::parse(written, Source::Written)
            .is_some_and(|w| self.by_core.contains_key(&w.core))
    }

    /// Whether a written name could be one of the city's streets (a typo or several streets included).
    pub fn recognizes(&self, written: &str) -> bool {
        !self.candidates(written).is_empty()
    }

    /// The two streets of a written intersection. When a name could mean several streets (`3rd` with both
    /// `3rd St` and `3rd Ave`), the pair that really crosses decides.
    pub fn snap_pair(&self, a: &str, b: &str) -> (Option<StreetId>, Option<StreetId>) {
        let (ca, cb) = (self.candidates(a), self.candidates(b));
        let crossing: Vec<(StreetId, StreetId)> = ca
            .iter()
            .flat_map(|x| cb.iter().map(move |y| (*x, *y)))
            .filter(|(x, y)| self.crossing(*x, *y).is_some())
            .collect();
        match crossing.as_slice() {
            [(x, y)] => (Some(*x), Some(*y)),
            _ => (only(&ca), only(&cb)),
        }
    }

    /// Where two streets cross, if the file lists it.
    pub fn crossing(&self, a: StreetId, b: StreetId) -> Option<GeoPoint> {
        self.crossings.get(&(a.min(b), a.max(b))).copied()
    }

    /// Where a house number is, interpolated along the first range of its street that covers it.
    pub fn address_point(&self, street: StreetId, number: u32) -> Option<GeoPoint> {
        let range = self
            .ranges
            .get(&street)?
            .iter()
            .find(|r| (r.from..=r.to).contains(&number))?;
        let span = f64::from(range.to - range.from);
        let t = if span == 0.0 {
            0.0
        } else {
            f64::from(number - range.from) / span
        };
        Some(range.start.toward(range.end, t))
    }

    /// Every street a written name could mean: the same name or alias, else a near miss; then only those with
    /// the suffix and direction written, when some have them.
    fn candidates(&self, written: &str) -> Vec<StreetId> {
        let Some(w) = StreetName::parse(written, Source::Written) else {
            return Vec::new();
        };
        let ids = match self.by_core.get(&w.core) {
            Some(ids) => ids.clone(),
            None => self.near_misses(&w.core),
        };
        let ids = self.prefer(ids, |n| w.suffix.is_some() && n.suffix == w.suffix);
        self.prefer(ids, |n| w.direction.is_some() && n.direction == w.direction)
    }

    /// Streets whose core is within a typo of `core`: one edit for 4–7 letters, two from 8; none for short
    /// names or numbers (`3rd` is not a typo of `4th`).
    fn near_misses(&self, core: &str) -> Vec<StreetId> {
        let len = core.chars().count();
        if len < 4 || core.chars().any(|c| c.is_ascii_digit()) {
            return Vec::new();
        }
        let limit = if len >= 8 { 2 } else { 1 };
        let scored: Vec<(usize, &Vec<StreetId>)> = self
            .by_core
            .iter()
            .filter(|(k, _)| !k.chars().any(|c| c.is_ascii_digit()))
            .map(|(k, ids)| (strsim::osa_distance(core, k), ids))
            .filter(|(d, _)| *d <= limit)
            .collect();
        let Some(best) = scored.iter().map(|(d, _)| *d).min() else {
            return Vec::new();
        };
        let mut ids: Vec<StreetId> = scored
            .into_iter()
            .filter(|(d, _)| *d == best)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The ids with a name that `fits`, or all of them when none fits.
    fn prefer(&self, ids: Vec<StreetId>, fits: impl Fn(&StreetName) -> bool) -> Vec<StreetId> {
        let fitting: Vec<StreetId> = ids
            .iter()
            .copied()
            .filter(|id| self.street(*id).names.iter().any(&fits))
            .collect();
        if fitting.is_empty() {
            ids
        } else {
            fitting
        }
    }
}

fn only(ids: &[StreetId]) -> Option<StreetId> {
    match ids {
        [one] => Some(*one),
        _ => None,
    }
}
