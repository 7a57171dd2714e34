//! The city's routing configuration: departments, categories with their patterns, and tuning — parsed and validated.

use std::collections::HashSet;

use serde::Deserialize;

use crate::calendar::{Calendar, CalendarSpec};
pub use crate::config_text::parse_toml;
use crate::patterns::PatternSet;
pub use crate::policy::Accountability;
pub use crate::types::{CategoryId, DepartmentId, Language, Priority};

/// A whole city: who it is, its departments and the categories residents report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityConfig {
    pub city: City,
    pub departments: Vec<Department>,
    pub categories: Vec<Category>,
    #[serde(default)]
    pub routing: Tuning,
    /// `[calendar]` as written; compiled into `calendar` by [`CityConfig::from_toml_str`].
    #[serde(default, rename = "calendar")]
    calendar_spec: CalendarSpec,
    /// When the city works (section `[calendar]`; Mon–Fri 08:00–17:00 in the city's zone by default).
    #[serde(skip)]
    pub calendar: Calendar,
    /// Reminders, escalation, follow-ups, duplicates and the scorecard (section `[accountability]`).
    #[serde(default)]
    pub accountability: Accountability,
    // ---- [geography] (places): where the city's streets file is, and its contents once attached ----
    /// Section `[geography]`; see [`crate::geography`].
    #[serde(default)]
    pub geography: crate::geography::Geography,
    /// The streets file's contents, attached by the service with [`CityConfig::attach_streets`].
    #[serde(skip)]
    pub gazetteer: Option<std::sync::Arc<crate::gazetteer::Gazetteer>>,
    // ---- end [geography] ----
}

/// The city itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    /// IANA time zone, e.g. `America/New_York`.
    pub timezone: String,
    /// The language assumed when a message gives no evidence either way.
    pub default_language: Language,
}

/// A department that works requests, with where its work orders are posted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub name_es: String,
    /// The department's mailbox: email work orders go here (with `notify` naming `email`), and its replies
    /// from here work them.
    pub email: String,
    /// The chat channel id, as a string (Discord snowflakes overflow JavaScript numbers); none for a
    /// department that works by email only.
    #[serde(default)]
    pub chat_channel: Option<String>,
    /// Where its work orders go: `["chat"]`, `["email"]` or both; see [`Department::notify`] for the default.
    #[serde(default)]
    pub notify: Option<Vec<crate::notify::Notify>>,
    /// The chat role whose members may work this department's items.
    #[serde(default)]
    pub chat_role: Option<String>,
    /// Staff addresses that file for this department when they write to the 311 address (verified staff mail
    /// only, see `mail.staff_domains`).
    #[serde(default)]
    pub staff_emails: Vec<String>,
    pub response_hours: u32,
    pub resolution_hours: u32,
}

/// A kind of request, owned by one department, recognised by weighted patterns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub name_es: String,
    pub department: DepartmentId,
    pub priority: Priority,
    pub response_hours: u32,
    pub resolution_hours: u32,
    /// English phrases (see the pattern syntax at the top of `config/city.toml`).
    #[serde(default)]
    pub en: Vec<String>,
    /// Spanish phrases; matched without accents, so `árbol` and `arbol` are the same.
    #[serde(default)]
    pub es: Vec<String>,
    /// Regular expressions over the folded text, for what phrases can't say.
    #[serde(default)]
    pub regex: Vec<String>,
    /// The acknowledge target when another department asks (default: `response_hours`).
    #[serde(default)]
    pub internal_response_hours: Option<u32>,
    /// The resolve target when another department asks (default: `resolution_hours`).
    #[serde(default)]
    pub internal_resolution_hours: Option<u32>,
    /// Whether internal requests of this category are published in the public API (default: not).
    #[serde(default)]
    pub public_internal: bool,
}

/// Thresholds of the decision.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tuning {
    /// The best category needs at least this score, or the request goes to triage.
    pub min_score: f32,
    /// Two categories of different departments within this margin are a tie, and a tie goes to triage.
    pub tie_margin: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            min_score: 1.0,
            tie_margin: 0.25,
        }
    }
}

/// Why a city config was rejected; every message names the key and the reason.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The text is not TOML, or a value has the wrong shape; `at` is the dotted key, or the line and column.
    #[error("{at}: {reason}")]
    Toml { at: String, reason: String },
    #[error("{key}: unknown department `{id}`")]
    UnknownDepartment { key: String, id: String },
    #[error("{key}: duplicate id `{id}`")]
    DuplicateId { key: String, id: String },
    #[error("departments: missing required department `{0}`")]
    MissingDepartment(String),
    #[error("{key}: invalid pattern `{pattern}`: {reason}")]
    InvalidPattern {
        key: String,
        pattern: String,
        reason: String,
    },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

impl CityConfig {
    /// Parses a TOML city config and validates it (ids, references, patterns, thresholds).
    pub fn from_toml_str(s: &str) -> Result<CityConfig, ConfigError> {
        let mut cfg: CityConfig = parse_toml(s)?;
        cfg.validate()?;
        cfg.calendar = cfg.calendar_spec.compile(&cfg.city.timezone)?;
        Ok(cfg)
    }

    /// The department with this id.
    pub fn department(&self, id: &DepartmentId) -> Option<&Department> {
        self.departments.iter().find(|d| &d.id == id)
    }

    /// The category with this id.
    pub fn category(&self, id: &CategoryId) -> Option<&Category> {
        self.categories.iter().find(|c| &c.id == id)
    }

    /// Checks everything serde can't: unique ids, known departments, required departments, patterns.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.city.name.trim().is_empty() {
            return Err(invalid("city.name", "must not be empty"));
        }
        if self.city.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid(
                "city.timezone",
                "expected an IANA time zone such as `America/New_York`",
            ));
        }
        self.check_departments()?;
        self.check_categories()?;
        let t = self.routing;
        if !(t.min_score.is_finite() && t.min_score > 0.0) {
            return Err(invalid("routing.min_score", "must be a positive number"));
        }
        if !(t.tie_margin.is_finite() && t.tie_margin >= 0.0) {
            return Err(invalid("routing.tie_margin", "must be zero or more"));
        }
        self.calendar_spec.compile(&self.city.timezone)?;
        self.accountability.validate()?;
        self.geography.validate()?;
        PatternSet::compile(&self.categories).map(|_| ())
    }

    /// Departments: valid unique ids, deliverable, staff addresses, targets; triage and dispatch present.
    fn check_departments(&self) -> Result<(), ConfigError> {
        let mut seen = HashSet::new();
        for (i, d) in self.departments.iter().enumerate() {
            check_id(d.id.as_str(), || format!("departments[{i}].id"))?;
            if !seen.insert(d.id.as_str()) {
                return Err(ConfigError::DuplicateId {
                    key: format!("departments[{i}].id"),
                    id: d.id.to_string(),
                });
            }
            crate::notify::check_delivery(d, i)?;
            if let Some(j) = d.staff_emails.iter().position(|a| !a.contains('@')) {
                return Err(invalid(
                    format!("departments[{i}].staff_emails[{j}]"),
                    "not an email address",
                ));
            }
            if d.response_hours > d.resolution_hours {
                return Err(invalid(
                    format!("departments[{i}].response_hours"),
                    "must not exceed resolution_hours",
                ));
            }
            check_target_hours(d.resolution_hours, || {
                format!("departments[{i}].resolution_hours")
            })?;
        }
        for required in [DepartmentId::triage(), DepartmentId::dispatch()] {
            if self.department(&required).is_none() {
                return Err(ConfigError::MissingDepartment(required.to_string()));
            }
        }
        Ok(())
    }

    /// Categories: valid unique ids, a known department, public and internal targets.
    fn check_categories(&self) -> Result<(), ConfigError> {
        let mut seen = HashSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            check_id(c.id.as_str(), || format!("categories[{i}].id"))?;
            if !seen.insert(c.id.as_str()) {
                return Err(ConfigError::DuplicateId {
                    key: format!("categories[{i}].id"),
                    id: c.id.to_string(),
                });
            }
            if self.department(&c.department).is_none() {
                return Err(ConfigError::UnknownDepartment {
                    key: format!("categories[{i}].department"),
                    id: c.department.to_string(),
                });
            }
            if c.response_hours > c.resolution_hours {
                return Err(invalid(
                    format!("categories[{i}].response_hours"),
                    "must not exceed resolution_hours",
                ));
            }
            check_target_hours(c.resolution_hours, || {
                format!("categories[{i}].resolution_hours")
            })?;
            check_internal_hours(c, i)?;
        }
        Ok(())
    }
}

/// A key's value refused for `reason`.
fn invalid(key: impl Into<String>, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.to_string(),
    }
}

/// A category's internal targets: each within a year, and the response not after the resolution (either one
/// may fall back on the public target).
fn check_internal_hours(c: &Category, i: usize) -> Result<(), ConfigError> {
    for (hours, key) in [
        (c.internal_response_hours, "internal_response_hours"),
        (c.internal_resolution_hours, "internal_resolution_hours"),
    ] {
        if let Some(h) = hours {
            check_target_hours(h, || format!("categories[{i}].{key}"))?;
        }
    }
    let response = c.internal_response_hours.unwrap_or(c.response_hours);
    let resolution = c.internal_resolution_hours.unwrap_or(c.resolution_hours);
    if response > resolution {
        return Err(ConfigError::Invalid {
            key: format!("categories[{i}].internal_response_hours"),
            reason: format!(
                "the internal response target ({response} h) must not exceed the internal resolution target ({resolution} h)"
            ),
        });
    }
    Ok(())
}

/// The longest SLA target: a year. Longer ones are typos, and each due time would walk the calendar for them.
pub const MAX_TARGET_HOURS: u32 = 24 * 365;

fn check_target_hours(hours: u32, key: impl Fn() -> String) -> Result<(), ConfigError> {
    if hours > MAX_TARGET_HOURS {
        return Err(ConfigError::Invalid {
            key: key(),
            reason: format!("{hours} hours is more than a year ({MAX_TARGET_HOURS})"),
        });
    }
    Ok(())
}

fn check_id(id: &str, key: impl Fn() -> String) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            key: key(),
            reason: format!("`{id}` is not a valid id (use lowercase letters, digits, `_`, `-`)"),
        })
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
pub(crate) mod tests;
