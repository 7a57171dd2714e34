//! Recognises emergencies (EN + ES) that must reach dispatch at once, by concept rather than fixed phrase: a
//! person + a harm (bleeding, not breathing, trapped, being attacked) + the present, or a hazard (gas smell,
//! smoke from a building, a downed live wire), while ignoring everyday words that merely contain "fire", "gas",
//! "dead" or "hurt" (hydrants, gas stations, a dead streetlight, "someone could get hurt", "last week someone
//! broke in"). One Aho-Corasick pass finds the phrases (`scan`); `judge` decides which signs count.

mod cue;
mod judge;
mod masks;
mod scan;
mod signs_en;
mod signs_es;
mod words;

use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};

use crate::normalize::Folded;
use scan::Lexicon;

/// What kind of emergency a message describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyKind {
    GasLeak,
    Fire,
    CarbonMonoxide,
    PowerLine,
    Violence,
    Medical,
    CrashInjury,
    Drowning,
    /// A break-in, robbery or intruder happening now (a past break-in is a police report, not an emergency).
    CrimeInProgress,
    /// Someone threatening to kill or hurt themselves.
    SelfHarm,
    /// People trapped: in a car in flood water, in a hot car, in an elevator.
    Trapped,
}

impl EmergencyKind {
    /// Every kind, in declaration order.
    pub const ALL: [EmergencyKind; 11] = [
        EmergencyKind::GasLeak,
        EmergencyKind::Fire,
        EmergencyKind::CarbonMonoxide,
        EmergencyKind::PowerLine,
        EmergencyKind::Violence,
        EmergencyKind::Medical,
        EmergencyKind::CrashInjury,
        EmergencyKind::Drowning,
        EmergencyKind::CrimeInProgress,
        EmergencyKind::SelfHarm,
        EmergencyKind::Trapped,
    ];

    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            EmergencyKind::GasLeak => "gas_leak",
            EmergencyKind::Fire => "fire",
            EmergencyKind::CarbonMonoxide => "carbon_monoxide",
            EmergencyKind::PowerLine => "power_line",
            EmergencyKind::Violence => "violence",
            EmergencyKind::Medical => "medical",
            EmergencyKind::CrashInjury => "crash_injury",
            EmergencyKind::Drowning => "drowning",
            EmergencyKind::CrimeInProgress => "crime_in_progress",
            EmergencyKind::SelfHarm => "self_harm",
            EmergencyKind::Trapped => "trapped",
        }
    }
}

impl std::str::FromStr for EmergencyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmergencyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown emergency kind `{s}`"))
    }
}

impl std::fmt::Display for EmergencyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An emergency found in a message, with the words (as written) that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    pub kind: EmergencyKind,
    /// The sign, its context and the person it is about, quoted from the original; distant parts are joined
    /// with " … ".
    pub matched: String,
}

/// The compiled emergency recognisers. Cheap to create and clone: the phrases are constant, so they are
/// compiled once per process and shared.
#[derive(Debug, Clone)]
pub struct EmergencyDetector {
    lexicon: Arc<Lexicon>,
}

/// The built-in English and Spanish phrases, compiled on first use.
static LEXICON: LazyLock<Arc<Lexicon>> = LazyLock::new(|| {
    let tables = [words::TERMS, signs_en::TERMS, signs_es::TERMS];
    Arc::new(Lexicon::build(&tables, masks::MASKS))
});

impl Default for EmergencyDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl EmergencyDetector {
    /// The detector for the built-in English and Spanish phrases (one automaton).
    pub fn new() -> EmergencyDetector {
        EmergencyDetector {
            lexicon: Arc::clone(&LEXICON),
        }
    }

    /// The most urgent emergency in a folded message, if any.
    pub fn detect(&self, original: &str, folded: &Folded) -> Option<Emergency> {
        let hits = self.lexicon.scan(original, folded);
        let found = judge::judge(&hits)?;
        Some(Emergency {
            kind: found.kind,
            matched: quote(original, folded, &found.evidence),
        })
    }
}

/// The evidence as written: hits at most three words apart are quoted as one stretch of the original.
fn quote(original: &str, folded: &Folded, evidence: &[scan::Hit]) -> String {
    let mut stretches: Vec<(usize, usize, usize)> = Vec::new();
    for h in evidence {
        match stretches.last_mut() {
            Some((_, end, last)) if h.first <= *last + 4 => {
                *end = (*end).max(h.end);
                *last = (*last).max(h.last);
            }
            _ => stretches.push((h.start, h.end, h.last)),
        }
    }
    stretches
        .iter()
        .map(|&(s, e, _)| {
            let (a, b) = folded.original_range(s, e);
            &original[a..b]
        })
        .collect::<Vec<_>>()
        .join(" … ")
}

#[cfg(test)]
mod tests;
