//! Loading the city: the city file and the streets file its `[geography]` section names (relative to the city
//! file), checked together so a bad street row stops the service with the file, line and column.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use routing::CityConfig;

use crate::config::Settings;

/// The example city's streets, shipped with the binary next to the built-in city.
pub const EXAMPLE_STREETS: &str = include_str!("../config/streets.csv");

/// The configured (or built-in) city with its streets attached, and where it came from.
pub fn load(settings: &Settings) -> Result<(CityConfig, String)> {
    let (text, origin) = settings.city_toml()?;
    let mut city = CityConfig::from_toml_str(&text).map_err(|e| anyhow!("{origin}: {e}"))?;
    crate::config::check_department_mail(&city, &settings.mail)
        .map_err(|e| anyhow!("{origin}: {e:#}"))?;
    attach_streets(&mut city, settings.city_file.as_deref())?;
    Ok((city, origin))
}

/// Reads the streets file `city` names, relative to `city_file` (`None`: the built-in city, whose streets are
/// built in too), and attaches it. Nothing to do without `[geography] streets_file`.
pub fn attach_streets(city: &mut CityConfig, city_file: Option<&Path>) -> Result<()> {
    let Some(name) = city.geography.streets_file.clone() else {
        return Ok(());
    };
    let (text, origin) = match city_file {
        Some(city_file) => {
            let path = streets_path(city_file, &name);
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "{}: geography.streets_file: reading {}",
                    city_file.display(),
                    path.display()
                )
            })?;
            (text, path.display().to_string())
        }
        None if name == "streets.csv" => (
            EXAMPLE_STREETS.to_string(),
            "built-in config/streets.csv".to_string(),
        ),
        None => bail!(
            "built-in config/city.toml: geography.streets_file: only `streets.csv` is built in"
        ),
    };
    city.attach_streets(&text)
        .map_err(|e| anyhow!("{origin}: {e}"))
}

/// The streets file's path: as written when absolute, else next to the city file.
fn streets_path(city_file: &Path, name: &str) -> PathBuf {
    let name = Path::new(name);
    if name.is_absolute() {
        return name.to_path_buf();
    }
    city_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streets_sit_next_to_the_city_file() {
        let cases = [
            ("config/city.toml", "streets.csv", "config/streets.csv"),
            ("city.toml", "streets.csv", "streets.csv"),
            (
                "/etc/311/city.toml",
                "gis/streets.csv",
                "/etc/311/gis/streets.csv",
            ),
            (
                "/etc/311/city.toml",
                "/srv/gis/streets.csv",
                "/srv/gis/streets.csv",
            ),
        ];
        for (city, name, want) in cases {
            assert_eq!(
                streets_path(Path::new(city), name),
                PathBuf::from(want),
                "{city} {name}"
            );
        }
    }

    #[test]
    fn the_built_in_city_has_its_streets() {
        let (city, origin) = load(&Settings::from_toml_str("").unwrap()).unwrap();
        assert_eq!(origin, "built-in config/city.toml");
        assert!(city.gazetteer.is_some_and(|g| g.len() >= 30));
    }

    #[test]
    fn a_bad_time_zone_stops_the_load_with_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("city.toml");
        let shipped = include_str!("../config/city.toml");
        assert!(shipped.contains("timezone = \"America/New_York\""));
        let text = shipped.replace("timezone = \"America/New_York\"", "timezone = \"Eastern\"");
        std::fs::write(&file, text).unwrap();
        let toml = format!("city_file = {:?}", file.display().to_string());
        let err = load(&Settings::from_toml_str(&toml).unwrap()).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with(&file.display().to_string()), "{msg}");
        assert!(msg.contains("city.timezone"), "{msg}");
    }
}
