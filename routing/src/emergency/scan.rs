//! Finds every lexicon phrase in a folded message in one Aho-Corasick pass, with word and sentence positions.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::cue::Cue;
use crate::normalize::{fold_phrase, Folded};

/// One phrase found in the folded text, standing for one cue.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    /// Byte range in the folded text.
    pub start: usize,
    pub end: usize,
    /// First and last word (inclusive) of the phrase.
    pub first: usize,
    pub last: usize,
    pub sentence: usize,
    pub cue: Cue,
    /// Inside a longer sign: not a time word or a hedge on its own ("going to" in "going to kill himself"),
    /// but still context and still a subject.
    pub shadowed: bool,
    /// A noun right after a preposition ("in the car", "del vecino"): not the subject of the sentence.
    pub oblique: bool,
}

impl Hit {
    /// Words strictly between two hits (0 when adjacent or overlapping).
    pub(super) fn gap(&self, other: &Hit) -> usize {
        if self.last < other.first {
            other.first - self.last - 1
        } else if other.last < self.first {
            self.first - other.last - 1
        } else {
            0
        }
    }

    /// Whether this hit ends before `other` starts, at most `words` words before it.
    pub(super) fn just_before(&self, other: &Hit, words: usize) -> bool {
        self.last < other.first && other.first - self.last - 1 <= words
    }
}

/// The compiled phrase list: one automaton, and for each pattern the cues it stands for.
#[derive(Debug, Clone)]
pub(super) struct Lexicon {
    automaton: AhoCorasick,
    /// Per pattern: whether it matches any word ending, and its cues (`None` = a mask: a harmless phrase whose
    /// words are all ignored).
    patterns: Vec<(bool, Vec<Option<Cue>>)>,
}

impl Lexicon {
    /// Builds the automaton from `(cue, phrase list)` tables and mask lists (syntax in `words`).
    pub(super) fn build(tables: &[&[(Cue, &str)]], masks: &[&str]) -> Lexicon {
        let mut index: HashMap<(String, bool), usize> = HashMap::new();
        let mut phrases = Vec::new();
        let mut patterns: Vec<(bool, Vec<Option<Cue>>)> = Vec::new();
        let entries = tables
            .iter()
            .flat_map(|t| t.iter().map(|(cue, list)| (Some(*cue), *list)))
            .chain(masks.iter().map(|list| (None, *list)));
        for (cue, list) in entries {
            for raw in list.split('|').flat_map(expand) {
                let prefix = raw.trim_end().ends_with('*');
                let phrase = fold_phrase(raw.trim_end().trim_end_matches('*'));
                assert!(!phrase.is_empty(), "empty emergency phrase in {list:?}");
                let id = *index.entry((phrase.clone(), prefix)).or_insert_with(|| {
                    phrases.push(phrase);
                    patterns.push((prefix, Vec::new()));
                    patterns.len() - 1
                });
                if !patterns[id].1.contains(&cue) {
                    patterns[id].1.push(cue);
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&phrases)
            .expect("built-in emergency phrases compile");
        Lexicon {
            automaton,
            patterns,
        }
    }

    /// Every phrase in `folded` (whole words; a `*` phrase may end mid-word), minus those inside a mask.
    pub(super) fn scan(&self, original: &str, folded: &Folded) -> Vec<Hit> {
        let text = folded.text.as_bytes();
        let mut spans = Vec::new();
        for m in self.automaton.find_overlapping_iter(&folded.text) {
            let (prefix, cues) = &self.patterns[m.pattern().as_usize()];
            if text[m.start() - 1] != b' ' || (!prefix && text[m.end()] != b' ') {
                continue;
            }
            let end = m.end() + text[m.end()..].iter().position(|&b| b == b' ').unwrap_or(0);
            spans.push((m.start(), end, cues));
        }
        let masks: Vec<(usize, usize)> = spans
            .iter()
            .filter(|(_, _, cues)| cues.contains(&None))
            .map(|&(s, e, _)| (s, e))
            .collect();
        let words = Words::new(original, folded);
        let mut hits = Vec::new();
        for &(s, e, cues) in &spans {
            // Inside or across a mask ("the fire" across "fire lane"), unless it holds the whole mask.
            if masks
                .iter()
                .any(|&(ms, me)| s < me && ms < e && !(s <= ms && me <= e && e - s > me - ms))
            {
                continue;
            }
            let shadowed = spans.iter().any(|&(os, oe, other)| {
                os <= s
                    && e <= oe
                    && oe - os > e - s
                    && other.iter().any(|c| matches!(c, Some(Cue::Sign(_))))
            });
            for cue in cues.iter().flatten() {
                hits.push(Hit {
                    start: s,
                    end: e,
                    first: words.index(s),
                    last: words.index(e - 1),
                    sentence: words.sentence(s),
                    cue: *cue,
                    shadowed,
                    oblique: false,
                });
            }
        }
        hits.sort_by_key(|h| (h.start, h.end));
        mark_oblique(&mut hits);
        hits
    }
}

/// Marks the subjects that come right after a preposition (at most one word between).
fn mark_oblique(hits: &mut [Hit]) {
    let preps: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| h.cue == Cue::Prep)
        .map(|h| (h.last, h.sentence))
        .collect();
    for h in hits.iter_mut().filter(|h| matches!(h.cue, Cue::Subject(_))) {
        h.oblique = preps.iter().any(|&(last, sentence)| {
            sentence == h.sentence && last < h.first && h.first - last - 1 <= 1
        });
    }
}

/// Expands `{a,b,}` alternatives in one phrase ("{is,are} hurt" → "is hurt", "are hurt").
pub(super) fn expand(phrase: &str) -> Vec<String> {
    let Some(open) = phrase.find('{') else {
        return vec![phrase.trim().to_string()];
    };
    let close = open
        + phrase[open..]
            .find('}')
            .expect("unclosed { in emergency phrase");
    let (head, tail) = (&phrase[..open], &phrase[close + 1..]);
    phrase[open + 1..close]
        .split(',')
        .flat_map(|alt| expand(&format!("{head}{alt}{tail}")))
        .collect()
}

/// Word and sentence positions of a folded text.
struct Words<'a> {
    /// Byte offsets of the spaces of the folded text (it starts and ends with one).
    spaces: Vec<usize>,
    /// Offsets in the original text where a new sentence starts.
    breaks: Vec<usize>,
    folded: &'a Folded,
}

impl<'a> Words<'a> {
    fn new(original: &str, folded: &'a Folded) -> Words<'a> {
        let spaces = folded
            .text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b' ')
            .map(|(i, _)| i)
            .collect();
        Words {
            spaces,
            breaks: sentence_breaks(original),
            folded,
        }
    }

    /// The index of the word containing folded byte `pos`.
    fn index(&self, pos: usize) -> usize {
        self.spaces.partition_point(|&s| s < pos).saturating_sub(1)
    }

    /// The index of the sentence containing folded byte `pos`.
    fn sentence(&self, pos: usize) -> usize {
        let (orig, _) = self.folded.original_range(pos, pos + 1);
        self.breaks.partition_point(|&b| b <= orig)
    }
}

/// Where sentences end: `!`, `?`, `;`, line breaks, and a `.` that is not an abbreviation ("St.", "C.").
pub(super) fn sentence_breaks(original: &str) -> Vec<usize> {
    let bytes = original.as_bytes();
    let mut breaks = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        let ends = match b {
            b'!' | b'?' | b';' | b'\n' => true,
            b'.' => {
                let next_is_space = bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace());
                next_is_space && !is_abbreviation(&original[..i])
            }
            _ => false,
        };
        if ends {
            breaks.push(i + 1);
        }
    }
    breaks
}

/// Whether the word just before a `.` is a short abbreviation (a letter, "st", "ave", "col"…).
fn is_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    word.chars().count() <= 1
        || [
            "st", "ave", "av", "rd", "dr", "mr", "mrs", "ms", "jr", "sr", "sra", "srta", "col",
            "no", "num", "blvd", "apt", "ft", "mt", "etc", "vs", "ln", "ct", "hwy", "rt", "fracc",
            "esq", "dept", "prol",
        ]
        .contains(&word.chars().rev().collect::<String>().as_str())
}
