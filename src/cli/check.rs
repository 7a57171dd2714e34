//! `connect311 check-config FILE`: says which kind of config a file is and whether it is valid, naming the key
//! and the reason when it is not.

use std::path::PathBuf;

use anyhow::{Context, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A service settings file, a city file (departments and categories) or a templates file.
    file: PathBuf,
}

/// The kinds of config file the service reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Settings,
    City,
    Templates,
}

/// Guesses the kind from the top-level keys.
pub fn kind_of(text: &str) -> Kind {
    let Ok(table) = text.parse::<toml::Table>() else {
        return if text.contains("[[categories]]") {
            Kind::City
        } else {
            Kind::Settings
        };
    };
    if table.contains_key("categories")
        || table.contains_key("departments")
        || table.contains_key("city")
    {
        Kind::City
    } else if table.contains_key("en") || table.contains_key("es") {
        Kind::Templates
    } else {
        Kind::Settings
    }
}

/// Checks one config file's text; Ok carries a summary, one line per file checked. A settings file is checked
/// with what it names: its paths, its transports (as far as can be told without connecting), and its city and
/// templates files.
pub fn check_text(text: &str, origin: &str) -> Result<String> {
    match kind_of(text) {
        Kind::City => check_city(text, origin),
        Kind::Templates => check_templates(text, origin),
        Kind::Settings => check_settings(text, origin),
    }
}

fn check_city(text: &str, origin: &str) -> Result<String> {
    let mut city =
        routing::CityConfig::from_toml_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    crate::city::attach_streets(&mut city, Some(std::path::Path::new(origin)))?;
    routing::Router::new(&city).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let streets = city.gazetteer.as_ref().map_or(0, |g| g.len());
    Ok(format!(
        "{origin}: valid city config for {} ({} departments, {} categories, {streets} streets)",
        city.city.name,
        city.departments.len(),
        city.categories.len()
    ))
}

fn check_templates(text: &str, origin: &str) -> Result<String> {
    crate::templates::Templates::from_toml_str(text, origin)?;
    Ok(format!("{origin}: valid templates"))
}

fn check_settings(text: &str, origin: &str) -> Result<String> {
    let in_origin = |e: anyhow::Error| anyhow::anyhow!("{origin}: {e:#}");
    let s = crate::config::Settings::from_toml_str(text).map_err(in_origin)?;
    s.check_paths().map_err(in_origin)?;
    let notes = crate::app::check_transports(&s).map_err(in_origin)?;
    let mut lines = vec![format!("{origin}: valid service settings")];
    lines.extend(notes.iter().map(|n| format!("{origin}: note: {n}")));
    if s.city_file.is_some() {
        let (text, city_origin) = s.city_toml().map_err(in_origin)?;
        lines.push(check_city(&text, &city_origin)?);
    }
    if s.templates_file.is_some() {
        let (text, tpl_origin) = s.templates_toml().map_err(in_origin)?;
        lines.push(check_templates(&text, &tpl_origin)?);
    }
    Ok(lines.join("\n"))
}

pub fn run(args: Args) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let summary = check_text(&text, &args.file.display().to_string())?;
    for line in summary.lines() {
        println!("ok: {line}");
    }
    Ok(())
}
