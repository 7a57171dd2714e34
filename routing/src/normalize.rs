//! Folds free text into the form every rule matches against: lowercase, accents removed, punctuation as spaces.

use std::borrow::Cow;

/// Text folded for matching, with a map back to byte offsets in the original.
#[derive(Debug, Clone)]
pub struct Folded {
    /// Lowercase ASCII-ish letters and digits separated by single spaces, with a leading and trailing space so
    /// that every word is surrounded by spaces.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original text it came from.
    map: Vec<usize>,
    original_len: usize,
}

impl Folded {
    /// Folds `original`: letters are lowercased and stripped of accents (`ñ` becomes `n`), apostrophes vanish
    /// (`don't` -> `dont`), and every other run of non-alphanumeric characters becomes one space.
    pub fn new(original: &str) -> Folded {
        let mut text = String::with_capacity(original.len() + 2);
        let mut map = Vec::with_capacity(original.len() + 2);
        text.push(' ');
        map.push(0);
        for (i, c) in original.char_indices() {
            if c == '\'' || c == '\u{2019}' || c == '\u{2018}' {
                continue;
            }
            if c.is_alphanumeric() {
                for lc in c.to_lowercase() {
                    let f = fold_char(lc);
                    for _ in 0..f.len_utf8() {
                        map.push(i);
                    }
                    text.push(f);
                }
            } else if !text.ends_with(' ') {
                text.push(' ');
                map.push(i);
            }
        }
        if !text.ends_with(' ') {
            text.push(' ');
            map.push(original.len());
        }
        Folded {
            text,
            map,
            original_len: original.len(),
        }
    }

    /// The byte range in the original text covered by `start..end` of the folded text (trimmed of spaces).
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let (mut s, mut e) = (start, end);
        while s < e && bytes[s] == b' ' {
            s += 1;
        }
        while e > s && bytes[e - 1] == b' ' {
            e -= 1;
        }
        if s >= e {
            return (
                self.map.get(s).copied().unwrap_or(self.original_len),
                self.map.get(s).copied().unwrap_or(self.original_len),
            );
        }
        let os = self.map[s];
        // The end is just past the original character that produced the last folded byte.
        let last = self.map[e - 1];
        let oe = self.map[e..]
            .iter()
            .copied()
            .find(|&m| m > last)
            .unwrap_or(self.original_len);
        (os, oe.max(os))
    }

    /// The words of the folded text.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.text.split(' ').filter(|w| !w.is_empty())
    }
}

/// Folds a pattern or phrase the same way as the text, without the surrounding spaces.
pub fn fold_phrase(s: &str) -> String {
    fold_word(s).into_owned()
}

/// [`fold_phrase`], borrowing `s` when it is already folded (lowercase ASCII letters and digits): the street
/// heuristics fold every word they look at.
pub fn fold_word(s: &str) -> Cow<'_, str> {
    if s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        Cow::Borrowed(s)
    } else if s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Owned(Folded::new(s).text.trim().to_string())
    }
}

/// `word` in lowercase, borrowed when it has no capital: `to_lowercase` without the allocation.
pub fn lowercase(word: &str) -> Cow<'_, str> {
    if word.is_ascii() && !word.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

/// Maps a lowercase letter to its unaccented form; other characters pass through.
fn fold_char(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_punctuation() {
        let f = Folded::new("Huele a GAS en la  Calle Juárez, ¡rápido! Don't");
        assert_eq!(f.text, " huele a gas en la calle juarez rapido dont ");
        assert_eq!(fold_phrase("Año-Nuevo"), "ano nuevo");
        for word in [
            "", "main", "Main", "5TH", "Juárez", "don't", "St.", "a-b", "ÑU", "K",
        ] {
            assert_eq!(fold_word(word), Folded::new(word).text.trim(), "{word:?}");
            assert_eq!(lowercase(word), word.to_lowercase(), "{word:?}");
        }
    }

    #[test]
    fn maps_back_to_original_offsets() {
        let orig = "¡Fuga en Calle Juárez 45!";
        let f = Folded::new(orig);
        let s = f.text.find("juarez 45").unwrap();
        let (a, b) = f.original_range(s, s + "juarez 45".len());
        assert_eq!(&orig[a..b], "Juárez 45");
    }
}
