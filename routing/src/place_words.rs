//! The words street names are made of: suffixes and their short forms, Spanish street types, particles,
//! compass directions and ordinals written out.

/// Street suffixes: the short form used in keys, then every way residents write it.
const SUFFIXES: &[(&str, &[&str])] = &[
    ("st", &["st", "str", "street"]),
    ("ave", &["ave", "av", "avenue"]),
    ("rd", &["rd", "road"]),
    ("blvd", &["blvd", "boulevard"]),
    ("dr", &["dr", "drive"]),
    ("ln", &["ln", "lane"]),
    ("pl", &["pl", "place"]),
    ("ct", &["ct", "court"]),
    ("ter", &["ter", "terrace"]),
    ("way", &["way"]),
    ("pkwy", &["pkwy", "parkway"]),
    ("hwy", &["hwy", "highway"]),
    ("sq", &["sq", "square"]),
    ("cir", &["cir", "circle"]),
    ("plz", &["plz", "plaza"]),
    ("expy", &["expy", "expressway"]),
    ("tpke", &["tpke", "turnpike"]),
    ("trl", &["trl", "trail"]),
];

/// The short form of a folded suffix word (`street` → `st`), if it is one.
pub(crate) fn suffix_short(word: &str) -> Option<&'static str> {
    SUFFIXES
        .iter()
        .find(|(_, forms)| forms.contains(&word))
        .map(|(short, _)| *short)
}

/// A suffix written out in full (`street`), as the normal form before canonical keys spelled it; keys never
/// contain these, so they are the only suffixes taken off a stored key. `way` has no short form, so it is kept.
pub(crate) fn is_spelled_out_suffix(word: &str) -> bool {
    SUFFIXES
        .iter()
        .any(|(short, forms)| forms.last() == Some(&word) && word != *short)
}

/// Spanish street-type words written before the name (`Calle Juárez`, `Av. Reforma`), with the English suffix
/// they stand for when they name one.
const TYPE_PREFIXES: &[(&str, Option<&str>)] = &[
    ("calle", None),
    ("c", None),
    ("av", Some("ave")),
    ("ave", Some("ave")),
    ("avda", Some("ave")),
    ("avenida", Some("ave")),
    ("blvd", Some("blvd")),
    ("bulevar", Some("blvd")),
    ("boulevard", Some("blvd")),
    ("calzada", None),
    ("calz", None),
    ("privada", None),
    ("priv", None),
    ("cerrada", None),
    ("cda", None),
    ("callejon", None),
    ("carretera", None),
    ("prolongacion", None),
    ("prol", None),
    ("circuito", None),
    ("retorno", None),
    ("paseo", None),
    ("andador", None),
];

/// `Some(suffix)` when a folded word is a Spanish street-type word written before the name.
pub(crate) fn type_prefix(word: &str) -> Option<Option<&'static str>> {
    TYPE_PREFIXES
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, suffix)| *suffix)
}

/// Words between a street-type word and the name (`Avenida de la Reforma`) and articles before it.
pub(crate) const PARTICLES: &[&str] = &["de", "del", "la", "las", "los", "el", "the"];

/// The compass letter of a folded direction word; `spelled_only` accepts only whole words (`south`).
pub(crate) fn direction_letter(word: &str, spelled_only: bool) -> Option<char> {
    let letter = match word {
        "north" => 'n',
        "south" => 's',
        "east" => 'e',
        "west" => 'w',
        "n" | "s" | "e" | "w" if !spelled_only => word.chars().next()?,
        _ => return None,
    };
    Some(letter)
}

/// `third` → `3rd`: ordinal street names written out.
pub(crate) fn ordinal_digits(word: &str) -> Option<&'static str> {
    const ORDINALS: &[(&str, &str)] = &[
        ("first", "1st"),
        ("second", "2nd"),
        ("third", "3rd"),
        ("fourth", "4th"),
        ("fifth", "5th"),
        ("sixth", "6th"),
        ("seventh", "7th"),
        ("eighth", "8th"),
        ("ninth", "9th"),
        ("tenth", "10th"),
        ("eleventh", "11th"),
        ("twelfth", "12th"),
    ];
    ORDINALS.iter().find(|(w, _)| *w == word).map(|(_, d)| *d)
}
