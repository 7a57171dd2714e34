//! Street-name words and heuristics for the location finder: stop-words, suffixes, directions, Spanish street
//! types, cues, and trimming greedy matches back to the name.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::normalize::{fold_word, lowercase};
use crate::place_words::{suffix_short, type_prefix, PARTICLES};

/// Words that never sit inside a street name; they show a regex ran into an ordinary sentence.
pub(crate) const STOP: &[&str] = &[
    "the", "a", "an", "in", "on", "at", "of", "to", "for", "from", "by", "with", "is", "are",
    "was", "and", "or", "my", "our", "this", "that", "near", "into", "onto", "across", "down",
    "up", "it", "has", "have", "since", "there", "which", "who", "en", "para", "que", "por", "se",
    "frente", "cerca", "col", "colonia", "esq", "esquina", "con", "hay", "un", "una", "el", "no",
    "ya", "favor", "because", "but", "so", "please", "being", "been", "done", "where", "when",
    "while", "until", "every", "had", "does", "do", "did", "not", "will", "would", "can", "could",
    "should", "they", "he", "she", "we", "i", "you", "its", "their", "just", "also", "as", "if",
    "then", "than", "be", "were", "y", "e", "o", "desde", "hasta", "tiene", "esta", "es", "corner",
    "crosses", "meets", "cruza", "entre", "between",
];

/// Longer words that never sit inside a street name (kept apart so the list above stays compact).
const STOP_LONG: &[&str] = &["intersection"];

/// Whether a folded word never sits inside a street name.
pub(crate) fn is_stop(word: &str) -> bool {
    STOP_SET.contains(word)
}

/// [`STOP`] and [`STOP_LONG`], for lookups: the street heuristics ask about every word they cut.
static STOP_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOP.iter().chain(STOP_LONG).copied().collect());

/// Words that open a "between" span, so what follows is not an intersection.
pub(crate) const BETWEEN: &[&str] = &["between", "entre", "btwn", "b/w"];

/// Abbreviations whose full stop does not end a street name (`Blvd. Morelos`).
const ABBREVIATIONS: &[&str] = &[
    "st", "ave", "av", "blvd", "rd", "dr", "ln", "pl", "ct", "col", "n", "s", "e", "w", "mt", "ft",
    "sq", "hwy", "pkwy", "c", "cda", "prol", "priv", "fracc", "gral", "lic", "ing", "sr", "jr",
];

/// Has a street suffix after a name or a Spanish street type before one, or is an ordinal such as `5th`:
/// clearly a street on its own.
pub(crate) fn strong_street(s: &str) -> bool {
    let words = s.split_whitespace().count();
    s.split_whitespace().enumerate().any(|(i, w)| {
        let w = fold_word(w);
        let ordinal = ["st", "nd", "rd", "th"].iter().any(|sfx| {
            w.strip_suffix(sfx)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        // A suffix after a name (`Oak St`), a Spanish type before one (`Blvd Kino`); alone (`Street`) or on the
        // wrong side (`St Marks`) it names nothing.
        let typed = i == 0 && words > 1 && type_prefix(&w).is_some();
        ordinal || (i > 0 && suffix_short(&w).is_some()) || typed
    })
}

/// No stop-words inside, and (unless `anything_goes`) starts like a name: capital letter, digit or suffix.
pub(crate) fn plausible_street(s: &str, anything_goes: bool) -> bool {
    let mut words = s
        .split_whitespace()
        .map(|w| lowercase(w.trim_end_matches('.')))
        .peekable();
    if words.peek().is_none() || words.any(|w| is_stop(&w)) {
        return false;
    }
    anything_goes
        || strong_street(s)
        || s.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

pub(crate) fn is_time(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.bytes()
        .all(|b| b.is_ascii_digit() || b == b':' || b == b' ')
        || l.ends_with("am")
        || l.ends_with("pm")
        || l.contains("o clock")
}

/// Cuts a captured name at its end, returning the new end offset: before a stop-word, a dash or a lowercase word
/// after a capitalised name (`Prospect Hill roof`), after a suffix (`Baltic St dumps`) or the full stop ending
/// a sentence. A final abbreviation keeps its full stop (`Ln.`), as [`trim_end`] leaves it.
pub(crate) fn trim_name(text: &str, start: usize, end: usize) -> usize {
    let (mut last, mut pos) = (start, start);
    let mut before: Option<(bool, bool)> = None;
    for word in text[start..end].split(' ') {
        let wstart = pos;
        pos += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        let bare = lowercase(word.trim_end_matches('.'));
        if before.is_some() && ends_before(word, &bare, before) {
            break;
        }
        let lower = word.chars().next().is_some_and(char::is_lowercase);
        let capitalised = before.map_or(!lower, |(c, _)| c);
        before = Some((capitalised, PARTICLES.contains(&&*bare)));
        let abbreviation = ABBREVIATIONS.contains(&&*bare);
        // An abbreviation keeps its full stop (`Ln.`); any other full stop ends the sentence.
        last = wstart
            + if abbreviation {
                word.len()
            } else {
                word.trim_end_matches('.').len()
            };
        let suffix = wstart > start && suffix_short(&bare).is_some();
        if (word.ends_with('.') && !abbreviation) || suffix {
            break;
        }
    }
    last
}

/// Whether a name ends before `word`, given whether it started capitalised and its last word was a particle.
fn ends_before(word: &str, bare: &str, before: Option<(bool, bool)>) -> bool {
    let (capitalised, after_particle) = before.unwrap_or((false, false));
    let lower = word.chars().next().is_some_and(char::is_lowercase);
    let name_word = suffix_short(bare).is_some() || PARTICLES.contains(&bare);
    is_stop(bare)
        || !word.chars().any(char::is_alphanumeric)
        || (capitalised && lower && !name_word && !after_particle)
}

/// Where a street name captured greedily really starts: after the last stop-word inside it ("Flooding on Main
/// St" -> "Main St"). `None` when nothing is left, or when the cut word shows a "between" span instead.
pub(crate) fn name_start(text: &str, start: usize, end: usize) -> Option<usize> {
    let mut name_at = start;
    let mut pos = start;
    let mut cut: Option<String> = None;
    for word in text[start..end].split(' ') {
        pos += word.len() + 1;
        let bare = lowercase(word.trim_end_matches('.'));
        if is_stop(&bare) || BETWEEN.contains(&&*bare) {
            name_at = pos.min(end);
            cut = Some(bare.into_owned());
        }
    }
    if cut.is_some_and(|w| BETWEEN.contains(&w.as_str())) || name_at >= end {
        return None;
    }
    Some(name_at)
}

/// Drops trailing punctuation and spaces from a span, keeping the full stop of an abbreviation (`St.`).
pub(crate) fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let span =
        text[start..end].trim_end_matches(|c: char| c == '.' || c == ',' || c.is_whitespace());
    let cut = start + span.len();
    let last = span.rsplit(char::is_whitespace).next().unwrap_or_default();
    let abbreviation = ABBREVIATIONS.contains(&&*lowercase(last));
    if abbreviation && text[cut..end].starts_with('.') {
        cut + 1
    } else {
        cut
    }
}

/// Words just before a bare name that show a place follows (`at Main and Hopkins`, `en Reforma y Juárez`).
const CUES: &[&str] = &[
    "at", "on", "near", "of", "by", "off", "along", "around", "en", "por", "sobre", "cerca",
    "calle", "avenida", "esquina", "entre",
];

/// Capitalised words that are not streets, though a sentence may put them where a street would be.
const NOT_STREETS: &str = "\
    i monday tuesday wednesday thursday friday saturday sunday lunes martes miercoles jueves \
    viernes sabado domingo january february march april may june july august september october \
    november december noon night midnight today tonight tomorrow yesterday please thanks hola hi \
    hello am pm city side busy dead private residential whole same next local dirt";

/// [`NOT_STREETS`], for lookups.
static NOT_STREET_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NOT_STREETS.split_whitespace().collect());

/// The word before `at` is a cue that a place follows.
pub(crate) fn cue_before(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    let word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    CUES.contains(&&*lowercase(word))
}

/// A capitalised name that could be a bare street name (`Hopkins`, `Luis Orci`, `Jesús García`), not a weekday,
/// a greeting or a street type alone.
pub(crate) fn bare_name(s: &str) -> bool {
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let one_word = s.split_whitespace().count() == 1;
    // Alone, `Domingo` is Sunday; in `Domingo Olivares` it is part of a name.
    let fits = |w: &str| {
        let folded = fold_word(w);
        let particle = PARTICLES.contains(&&*folded);
        let ordinary = if one_word {
            common_word(&folded).is_some()
        } else {
            is_stop(&folded)
        };
        !folded.is_empty() && (particle || (capital(w) && !ordinary))
    };
    s.split_whitespace().next().is_some_and(capital) && s.split_whitespace().all(fits)
}

/// Why a folded word cannot be a street's name on its own: a stop-word, a weekday, a suffix (`Street`) or a
/// Spanish street type (`Blvd`).
pub(crate) fn common_word(word: &str) -> Option<&'static str> {
    if is_stop(word) {
        Some("stop-word")
    } else if NOT_STREET_SET.contains(word) {
        Some("not a street")
    } else if suffix_short(word).is_some() || type_prefix(word).is_some() {
        Some("street type")
    } else {
        None
    }
}

/// Where a street name really starts once lowercase words a greedy match took in front of it are dropped
/// (`pothole Main St` → `Main St`); lowercase text is left alone.
pub(crate) fn skip_lowercase_lead(text: &str, start: usize, end: usize) -> usize {
    let mut pos = start;
    for word in text[start..end].split(' ') {
        let capital = word
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        if capital {
            return pos;
        }
        pos += word.len() + 1;
    }
    start
}
