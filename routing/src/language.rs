//! English/Spanish detection for short city reports: weighted function words, 311 vocabulary and letters.
//!
//! General detectors misread short Spanish reports full of street names, and upper-case call-centre notes
//! ("C. REPORTA BACHE EN CALLE ..."). Reports are short, so a weighted word list does better, in microseconds.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::config::Language;
use crate::normalize::Folded;

/// Spanish evidence: function words first (they survive even in a note that is all street names), then the
/// words residents and call-centre staff use for city problems. Words are folded (no accents).
const SPANISH: &[(&str, f32)] = &[
    ("el", 1.0),
    ("la", 1.0),
    ("los", 1.5),
    ("las", 1.5),
    ("del", 1.5),
    ("de", 1.0),
    ("y", 1.5),
    ("en", 1.5),
    ("que", 1.5),
    ("por", 1.5),
    ("para", 1.5),
    ("con", 1.5),
    ("una", 1.5),
    ("un", 1.0),
    ("es", 1.0),
    ("esta", 1.5),
    ("estan", 1.5),
    ("hay", 1.5),
    ("muy", 1.5),
    ("se", 1.5),
    ("su", 1.0),
    ("sus", 1.0),
    ("al", 1.0),
    ("lo", 1.0),
    ("le", 0.5),
    ("les", 1.0),
    ("pero", 1.5),
    ("como", 1.5),
    ("mas", 1.0),
    ("sobre", 1.0),
    ("entre", 2.0),
    ("desde", 1.5),
    ("hasta", 1.5),
    ("cuando", 1.5),
    ("donde", 1.5),
    ("tiene", 1.5),
    ("hace", 1.5),
    ("ya", 1.0),
    ("sin", 1.0),
    ("todo", 1.0),
    ("todos", 1.0),
    ("mi", 0.5),
    ("nuestra", 1.5),
    ("nuestro", 1.5),
    ("tambien", 1.5),
    ("aqui", 1.5),
    ("son", 0.5),
    ("ha", 1.0),
    ("han", 1.0),
    ("fue", 1.5),
    ("esq", 1.5),
    ("esquina", 2.0),
    ("calle", 2.0),
    ("colonia", 2.0),
    ("col", 1.0),
    ("avenida", 1.5),
    ("cerrada", 1.0),
    ("privada", 1.0),
    ("fraccionamiento", 2.0),
    ("fracc", 1.5),
    ("cruce", 1.5),
    ("frente", 1.5),
    ("bache", 3.0),
    ("baches", 3.0),
    ("bacheo", 3.0),
    ("hoyo", 2.0),
    ("pavimento", 2.0),
    ("desgaste", 2.0),
    ("reporta", 2.5),
    ("solicita", 2.5),
    ("favor", 1.5),
    ("gracias", 2.0),
    ("banqueta", 2.0),
    ("fuga", 2.0),
    ("agua", 2.0),
    ("basura", 2.0),
    ("luminaria", 2.0),
    ("alumbrado", 2.0),
    ("drenaje", 2.0),
    ("ruido", 2.0),
    ("perro", 1.5),
    ("arbol", 2.0),
    ("vecino", 2.0),
    ("vecinos", 2.0),
    ("casa", 1.0),
    ("grande", 1.0),
    ("dias", 1.5),
    ("semanas", 1.5),
    ("meses", 1.5),
    ("ano", 0.5),
    ("cerca", 1.0),
    ("afuera", 1.5),
    ("numero", 1.0),
    ("poste", 1.0),
    ("huele", 2.0),
    ("olor", 1.5),
    ("tirada", 1.5),
    ("tirado", 1.5),
    ("hoy", 1.5),
    ("ayer", 1.5),
    ("noche", 1.5),
    ("nadie", 1.5),
    ("mucho", 1.5),
    ("mucha", 1.5),
    ("porque", 1.5),
    ("tiempo", 1.0),
    ("parque", 1.0),
    ("carro", 1.5),
    ("coche", 1.5),
    ("ciudadano", 2.0),
    ("ciudadana", 2.0),
    ("encuentra", 2.0),
    ("reportan", 2.0),
    ("solicitan", 2.0),
];

/// English evidence, weighted the same way.
const ENGLISH: &[(&str, f32)] = &[
    ("the", 2.0),
    ("and", 1.5),
    ("of", 1.0),
    ("to", 1.0),
    ("is", 1.5),
    ("in", 1.0),
    ("on", 1.0),
    ("at", 1.0),
    ("with", 1.5),
    ("for", 1.0),
    ("it", 1.5),
    ("this", 1.5),
    ("that", 1.5),
    ("there", 1.5),
    ("theres", 1.5),
    ("not", 1.5),
    ("are", 1.5),
    ("has", 1.5),
    ("have", 1.5),
    ("been", 1.5),
    ("from", 1.5),
    ("was", 1.5),
    ("be", 1.0),
    ("by", 1.0),
    ("or", 1.0),
    ("my", 1.5),
    ("our", 1.5),
    ("we", 1.0),
    ("they", 1.5),
    ("you", 1.0),
    ("i", 1.0),
    ("its", 1.0),
    ("an", 1.0),
    ("will", 1.0),
    ("would", 1.5),
    ("should", 1.5),
    ("can", 1.0),
    ("please", 2.0),
    ("thank", 1.5),
    ("thanks", 1.5),
    ("street", 1.5),
    ("st", 1.0),
    ("ave", 1.0),
    ("avenue", 1.0),
    ("road", 1.0),
    ("rd", 0.5),
    ("near", 1.5),
    ("front", 1.0),
    ("corner", 1.5),
    ("between", 1.5),
    ("block", 1.0),
    ("car", 1.0),
    ("cars", 1.0),
    ("trash", 1.5),
    ("garbage", 1.5),
    ("light", 1.5),
    ("lights", 1.5),
    ("sidewalk", 1.5),
    ("tree", 1.5),
    ("trees", 1.5),
    ("noise", 1.5),
    ("loud", 1.5),
    ("music", 1.0),
    ("parking", 1.5),
    ("parked", 1.5),
    ("pothole", 1.5),
    ("potholes", 1.5),
    ("broken", 1.5),
    ("out", 1.0),
    ("off", 1.0),
    ("over", 1.0),
    ("up", 1.0),
    ("all", 1.0),
    ("just", 1.0),
    ("left", 1.0),
    ("day", 1.0),
    ("days", 1.0),
    ("week", 1.0),
    ("weeks", 1.0),
    ("building", 1.5),
    ("house", 1.0),
    ("water", 1.5),
    ("new", 0.5),
    ("old", 1.0),
    ("dead", 1.0),
    ("no", 0.3),
    ("missing", 1.0),
    ("working", 1.0),
    ("dumped", 1.0),
    ("sign", 1.0),
    ("snow", 1.0),
    ("vehicle", 1.0),
    ("plates", 1.0),
    ("waste", 1.0),
    ("yard", 1.0),
    ("needs", 1.0),
    ("need", 1.0),
    ("again", 1.0),
    ("here", 1.0),
    ("people", 1.0),
    ("who", 1.0),
    ("what", 1.0),
    ("when", 1.0),
    ("where", 1.0),
    ("which", 1.0),
    ("large", 1.0),
    ("big", 1.0),
    ("small", 1.0),
    ("still", 1.0),
    ("very", 1.0),
    ("because", 1.5),
];

/// FNV-1a for the word table: every word of every message is looked up, and the keys are this file's own
/// constants, so a fast hash without flood protection is enough.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordTable = HashMap<&'static str, (f32, f32), BuildHasherDefault<WordHasher>>;

/// Detects the language of a report, with a short reason naming the evidence.
#[derive(Debug, Clone)]
pub struct LanguageDetector {
    weights: WordTable,
    default: Language,
}

impl LanguageDetector {
    /// A detector that answers `default` when a text gives no evidence (e.g. "Red sofa" or "Null").
    pub fn new(default: Language) -> LanguageDetector {
        let mut weights = WordTable::default();
        for &(w, s) in SPANISH {
            weights.entry(w).or_default().0 = s;
        }
        for &(w, s) in ENGLISH {
            weights.entry(w).or_default().1 = s;
        }
        LanguageDetector { weights, default }
    }

    /// The language of `original` (already folded as `folded`) and why.
    pub fn detect(&self, original: &str, folded: &Folded) -> (Language, String) {
        let (mut es, mut en) = (0.0f32, 0.0f32);
        let mut es_words: Vec<&str> = Vec::new();
        let mut en_words: Vec<&str> = Vec::new();
        for word in folded.words() {
            if let Some(&(s, e)) = self.weights.get(word) {
                es += s;
                en += e;
                if s > e && es_words.len() < 4 && !es_words.contains(&word) {
                    es_words.push(word);
                }
                if e > s && en_words.len() < 4 && !en_words.contains(&word) {
                    en_words.push(word);
                }
            } else if word.len() > 5 && (word.ends_with("cion") || word.ends_with("mente")) {
                es += 1.0;
            }
        }
        // Spanish spelling: ñ, ¿ ¡ and written accents are strong evidence, capped so one name can't decide.
        let marks = original
            .chars()
            .filter(|c| !c.is_ascii() && "ñÑ¿¡áéíóúÁÉÍÓÚ".contains(*c))
            .count();
        es += (marks as f32 * 0.75).min(2.0);
        let lang = if es > en {
            Language::Es
        } else if en > es {
            Language::En
        } else {
            self.default
        };
        let why = format!(
            "language {lang} (es {es:.1}: {} vs en {en:.1}: {})",
            quoted(&es_words),
            quoted(&en_words)
        );
        (lang, why)
    }
}

fn quoted(words: &[&str]) -> String {
    if words.is_empty() {
        return "-".into();
    }
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Language {
        LanguageDetector::new(Language::En)
            .detect(text, &Folded::new(text))
            .0
    }

    #[test]
    fn spanish_including_call_centre_style() {
        for text in [
            "Hay un bache enorme frente a mi casa",
            "C. REPORTA BACHE EN CALLE MORELOS",
            "C. SOLICITA REPARACION DE LUMINARIA",
            "BACHE GRANDE",
            "Fuga de agua en la esquina",
            "Reparación de banqueta entre Sonora y Jalisco",
            "SE ESTA SALIENDO EL AGUA",
            "Perro muerto tirado en la calle",
            "Huele a gas en el edificio",
            "Árbol caído",
        ] {
            assert_eq!(detect(text), Language::Es, "{text}");
        }
    }

    #[test]
    fn english_stays_english() {
        for text in [
            "There is a pothole in front of my house",
            "Red sofa",
            "Loud music from the bar",
            "Garbage can",
            "Street light out on Calle Ocho",
            "Car with no plates parked for weeks",
            "Graffiti on the wall of the Café",
            "Three dead trees",
        ] {
            assert_eq!(detect(text), Language::En, "{text}");
        }
    }

    #[test]
    fn no_evidence_uses_the_default() {
        let d = LanguageDetector::new(Language::Es);
        assert_eq!(d.detect("Sofa", &Folded::new("Sofa")).0, Language::Es);
    }
}
