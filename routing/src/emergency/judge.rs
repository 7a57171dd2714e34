//! Decides which signs in a scanned message count: bound to the right subject, with their context, in the
//! present, not hypothetical, not a past or habitual event; then picks the most urgent.

use super::cue::{Cue, Mark, Part, Sign, Subject, Tense, Who};
use super::scan::Hit;
use super::EmergencyKind::{self, *};

/// Most urgent first: when several signs count, the first kind here wins.
const PRIORITY: [EmergencyKind; 11] = [
    Fire,
    GasLeak,
    CarbonMonoxide,
    PowerLine,
    SelfHarm,
    Violence,
    CrimeInProgress,
    Drowning,
    Trapped,
    CrashInjury,
    Medical,
];

/// How far (in words) things reach: the subject before a sign, a hedge, a time word in the sentence. Context
/// that changes a sign's kind (a crash beside an injury) reaches the whole sentence.
const SUBJECT_BEFORE: usize = 8;
const SUBJECT_AFTER: usize = 4;
const ANTECEDENT: usize = 20;
const MAYBE_BEFORE: usize = 4;
const IS_BEFORE: usize = 3;
const SENTENCE_REACH: usize = 12;

/// A sign that counts, with the hits that show it.
#[derive(Debug, Clone)]
pub(super) struct Finding {
    pub kind: EmergencyKind,
    pub weak: bool,
    /// The sign, its context and the person it is about, in text order.
    pub evidence: Vec<Hit>,
}

/// The most urgent emergency among `hits` (sorted by position), if any sign counts. A sign inside a longer
/// sign that counts is read as part of it ("se está ahogando con" is choking, not drowning).
pub(super) fn judge(hits: &[Hit]) -> Option<Finding> {
    let found: Vec<(&Hit, Finding)> = hits
        .iter()
        .filter_map(|h| match h.cue {
            Cue::Sign(sign) => counts(hits, h, &sign).map(|f| (h, f)),
            _ => None,
        })
        .collect();
    let inside_another = |h: &Hit| {
        found
            .iter()
            .any(|(g, _)| g.start <= h.start && h.end <= g.end && g.end - g.start > h.end - h.start)
    };
    found
        .iter()
        .filter(|(h, _)| !inside_another(h))
        .map(|(_, f)| f)
        .min_by_key(|f| (f.weak, rank(f.kind), f.evidence[0].start))
        .cloned()
}

fn rank(kind: EmergencyKind) -> usize {
    PRIORITY
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(PRIORITY.len())
}

/// Whether the sign at `at` counts, and as what.
fn counts(hits: &[Hit], at: &Hit, sign: &Sign) -> Option<Finding> {
    let mut evidence = vec![*at];
    evidence.extend(subject_evidence(hits, at, sign.who)?);
    evidence.extend(context(hits, at, sign)?);
    if !in_tense(hits, at, sign.tense) || blocked(hits, at, sign) {
        return None;
    }
    evidence.sort_by_key(|h| h.start);
    Some(Finding {
        kind: upgraded(hits, at, sign),
        weak: sign.weak,
        evidence,
    })
}

/// `None` when the sign is about the wrong subject; else the person to quote, if the sign needs one.
fn subject_evidence(hits: &[Hit], at: &Hit, who: Who) -> Option<Option<Hit>> {
    let subject = bind_subject(hits, at);
    match (who, subject.map(|(_, s)| s)) {
        (Who::Free, _) => Some(None),
        (Who::Living, Some(Subject::Role | Subject::Animal | Subject::Thing)) => None,
        (Who::Living, _) => Some(None),
        (Who::NotAnimal, Some(Subject::Animal)) => None,
        (Who::NotAnimal, _) => Some(None),
        (Who::Person, Some(Subject::Person)) => Some(subject.map(|(h, _)| *h)),
        (Who::Person, _) => None,
    }
}

/// The context the sign needs (words near it, after it, the person it is done to), or `None` if any is missing.
fn context(hits: &[Hit], at: &Hit, sign: &Sign) -> Option<Vec<Hit>> {
    let mut found = Vec::new();
    for &(part, reach) in sign.near {
        found.push(*nearest_part(hits, at, part, reach as usize)?);
    }
    if let Some((part, within)) = sign.follow {
        let after = |h: &&Hit| h.cue == Cue::Part(part) && h.sentence == at.sentence;
        found.push(
            *hits
                .iter()
                .filter(after)
                .find(|h| at.just_before(h, within as usize))?,
        );
    }
    if let Some(within) = sign.object {
        found.push(*object(hits, at, within as usize)?);
    }
    Some(found)
}

/// The sign's kind, or the kind its context makes it (a crash beside an injury).
fn upgraded(hits: &[Hit], at: &Hit, sign: &Sign) -> EmergencyKind {
    sign.upgrade
        .iter()
        .find(|(part, _)| nearest_part(hits, at, *part, usize::MAX).is_some())
        .map_or(sign.kind, |&(_, kind)| kind)
}

/// Hits in the same sentence as `at` within `reach` words, other than `at`'s own phrase.
fn around<'a>(hits: &'a [Hit], at: &Hit, reach: usize) -> impl Iterator<Item = &'a Hit> + 'a {
    let at = *at;
    hits.iter().filter(move |h| {
        h.sentence == at.sentence && h.gap(&at) <= reach && (h.start, h.end) != (at.start, at.end)
    })
}

fn nearest_part<'a>(hits: &'a [Hit], at: &Hit, part: Part, reach: usize) -> Option<&'a Hit> {
    around(hits, at, reach)
        .filter(|h| h.cue == Cue::Part(part))
        .min_by_key(|h| h.gap(at))
}

fn has_mark(hits: &[Hit], at: &Hit, mark: Mark, reach: usize) -> bool {
    around(hits, at, reach).any(|h| !h.shadowed && h.cue == Cue::Mark(mark))
}

/// Present tense: "is/está" just before, a "now" word in the sentence, or a person named right after.
fn in_tense(hits: &[Hit], at: &Hit, tense: Tense) -> bool {
    let now = || has_mark(hits, at, Mark::Now, usize::MAX);
    match tense {
        Tense::Any => true,
        Tense::Now => now(),
        Tense::Present => {
            now()
                || around(hits, at, IS_BEFORE).any(|h| {
                    !h.shadowed && h.cue == Cue::Mark(Mark::Is) && h.just_before(at, IS_BEFORE)
                })
                || around(hits, at, 0)
                    .any(|h| h.cue == Cue::Subject(Subject::Person) && at.just_before(h, 0))
        }
    }
}

/// A hypothetical, past or habitual context, or a context that cancels this sign.
fn blocked(hits: &[Hit], at: &Hit, sign: &Sign) -> bool {
    let now = has_mark(hits, at, Mark::Now, usize::MAX);
    let maybe = around(hits, at, MAYBE_BEFORE)
        .any(|h| !h.shadowed && h.cue == Cue::Mark(Mark::Maybe) && h.just_before(at, MAYBE_BEFORE));
    (!now && has_mark(hits, at, Mark::Past, SENTENCE_REACH))
        || (!sign.sure && !now && has_mark(hits, at, Mark::Habit, SENTENCE_REACH))
        || (!sign.sure && maybe)
        || sign
            .unless
            .iter()
            .any(|&part| nearest_part(hits, at, part, SENTENCE_REACH).is_some())
}

/// A person (or he/her/them) named right after the sign: the one it is done to.
fn object<'a>(hits: &'a [Hit], at: &Hit, within: usize) -> Option<&'a Hit> {
    hits.iter().find(|h| {
        matches!(h.cue, Cue::Subject(Subject::Person | Subject::Pronoun))
            && h.sentence == at.sentence
            && at.just_before(h, within)
    })
}

/// The subject a sign is about: the nearest one named before it in the sentence, else just after it; a
/// pronoun stands for the nearest subject named before it. Nouns after a preposition are not subjects.
fn bind_subject<'a>(hits: &'a [Hit], at: &Hit) -> Option<(&'a Hit, Subject)> {
    let subjects = || {
        hits.iter()
            .filter(move |h| h.sentence == at.sentence && !h.oblique)
            .filter_map(|h| match h.cue {
                Cue::Subject(s) => Some((h, s)),
                _ => None,
            })
    };
    let before = subjects()
        .filter(|(h, _)| h.just_before(at, SUBJECT_BEFORE))
        .max_by_key(|(h, _)| (h.last, h.end - h.start));
    let bound = before.or_else(|| {
        subjects()
            .filter(|(h, _)| at.just_before(h, SUBJECT_AFTER))
            .min_by_key(|(h, _)| (h.first, std::cmp::Reverse(h.end - h.start)))
    })?;
    match bound {
        (h, Subject::Pronoun) => Some((h, antecedent(hits, h))),
        found => Some(found),
    }
}

/// What a pronoun stands for: the nearest named subject before it, or a person when none is named.
fn antecedent(hits: &[Hit], pronoun: &Hit) -> Subject {
    hits.iter()
        .filter(|h| h.just_before(pronoun, ANTECEDENT) && !h.oblique)
        .filter_map(|h| match h.cue {
            Cue::Subject(s) if s != Subject::Pronoun => Some((h, s)),
            _ => None,
        })
        .max_by_key(|(h, _)| (h.last, h.end - h.start))
        .map_or(Subject::Person, |(_, s)| s)
}
