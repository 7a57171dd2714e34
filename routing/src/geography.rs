//! The city file's `[geography]` section — where the city's streets file is — and attaching that file's
//! contents, which the service reads from disk (relative to the city file), to the config.

use std::sync::Arc;

use serde::Deserialize;

use crate::config::{CityConfig, ConfigError};
use crate::gazetteer::Gazetteer;

/// `[geography]`: optional; without a streets file places are keyed as written and get no coordinates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    /// The city's streets CSV (format in [`crate::gazetteer`]), relative to the city file.
    #[serde(default)]
    pub streets_file: Option<String>,
}

/// The key errors about the streets file name.
const KEY: &str = "geography.streets_file";

impl Geography {
    /// Checks what serde can't: a streets file, when named, has a name.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match &self.streets_file {
            Some(f) if f.trim().is_empty() => Err(ConfigError::Invalid {
                key: KEY.into(),
                reason: "must name a CSV file (leave the key out for no gazetteer)".into(),
            }),
            _ => Ok(()),
        }
    }
}

impl CityConfig {
    /// Reads the streets file's text (the file `[geography] streets_file` names) into the city's gazetteer,
    /// which the router's location finder then uses.
    pub fn attach_streets(&mut self, csv: &str) -> Result<(), ConfigError> {
        let gazetteer = Gazetteer::from_csv(csv).map_err(|e| ConfigError::Invalid {
            key: KEY.into(),
            reason: e.to_string(),
        })?;
        self.gazetteer = Some(Arc::new(gazetteer));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CITY: &str = include_str!("../../config/city.toml");

    #[test]
    fn the_example_city_names_its_streets_file() {
        let cfg = CityConfig::from_toml_str(CITY).unwrap();
        assert_eq!(cfg.geography.streets_file.as_deref(), Some("streets.csv"));
        assert!(
            cfg.gazetteer.is_none(),
            "parsing the city file reads no other file"
        );
    }

    #[test]
    fn attaching_streets_checks_them() {
        let mut cfg = CityConfig::from_toml_str(CITY).unwrap();
        cfg.attach_streets(include_str!("../../config/streets.csv"))
            .unwrap();
        let g = cfg.gazetteer.as_ref().unwrap();
        assert!((30..=60).contains(&g.len()), "{} streets", g.len());
        let err = cfg.attach_streets("street\n").unwrap_err().to_string();
        assert!(
            err.starts_with("geography.streets_file: no `street` rows"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_file_name_is_refused() {
        let text = format!("{CITY}\n");
        let text = text.replace("streets_file = \"streets.csv\"", "streets_file = \" \"");
        let err = CityConfig::from_toml_str(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("geography.streets_file: must name a CSV file"),
            "{err}"
        );
        let text = CITY.replace(
            "streets_file = \"streets.csv\"",
            "street_file = \"streets.csv\"",
        );
        let err = CityConfig::from_toml_str(&text).unwrap_err().to_string();
        assert!(err.contains("street_file"), "{err}");
    }
}
