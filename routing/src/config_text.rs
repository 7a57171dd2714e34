//! TOML text into typed config, with errors that name the dotted key, the reason and the place on one line.

use serde::de::DeserializeOwned;

use crate::config::ConfigError;

/// Parses `text` as TOML into `T`. An error names the dotted key (`categories[3].priority`) when serde got that
/// far, otherwise the line and column of the syntax error; never the multi-line snippet `toml` prints.
pub fn parse_toml<T: DeserializeOwned>(text: &str) -> Result<T, ConfigError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let place = inner.span().map(|s| line_and_column(text, s.start));
        let reason = inner.message().trim().replace('\n', " ");
        match (key.as_str(), place) {
            ("" | ".", Some(place)) => ConfigError::Toml { at: place, reason },
            ("" | ".", None) => ConfigError::Toml {
                at: "TOML".into(),
                reason,
            },
            (_, Some(place)) => ConfigError::Toml {
                at: key,
                reason: format!("{reason} ({place})"),
            },
            (_, None) => ConfigError::Toml { at: key, reason },
        }
    })
}

/// `line L, column C` (both from 1) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> String {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        weight: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
        names: BTreeMap<String, String>,
    }

    fn err(text: &str) -> String {
        parse_toml::<Doc>(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_are_one_line_with_the_dotted_key_and_the_place() {
        let text = "names = {}\n[[items]]\nid = \"a\"\nweight = 1\n[[items]]\nid = \"b\"\nweight = \"heavy\"\n";
        let msg = err(text);
        assert!(msg.starts_with("items[1].weight: invalid type"), "{msg}");
        assert!(msg.contains("(line 7, column 10)"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");

        let msg = err("names = {}\n[[items]]\nid = \"a\"\nweight = 1\ncolour = \"red\"\n");
        assert!(
            msg.starts_with("items[0].colour: unknown field `colour`"),
            "{msg}"
        );
        let msg = err("items = []\n[names]\nx = 1\n");
        assert!(msg.starts_with("names.x: invalid type"), "{msg}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let msg = err("names = {}\nitems = [\n[x\n");
        assert!(msg.starts_with("line 3, column"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
        let msg = err("items = []\n");
        assert!(msg.contains("missing field `names`"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_and_column("a\nñx", 4), "line 2, column 2");
        assert_eq!(line_and_column("", 5), "line 1, column 1");
    }
}
