//! Small domain types shared by the config and the classifier: ids, language and priority.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as written in the config (no validation beyond what the config does).
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }
    };
}

string_id!(
    /// A department's id, e.g. `streets`; `triage` and `dispatch` always exist.
    DepartmentId
);
string_id!(
    /// A category's id, e.g. `pothole`.
    CategoryId
);

impl DepartmentId {
    /// Where unclear requests go for a human to sort.
    pub fn triage() -> Self {
        Self::new("triage")
    }

    /// Where emergencies go (police / 911 dispatch).
    pub fn dispatch() -> Self {
        Self::new("dispatch")
    }
}

/// The languages the desk answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a string is not a supported language code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}` (expected `en` or `es`)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Language::En),
            "es" | "spanish" | "español" | "espanol" => Ok(Language::Es),
            _ => Err(UnknownLanguage(s.to_string())),
        }
    }
}

/// How soon a request needs attention; ordered from `Low` to `Urgent`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_round_trips() {
        for (s, l) in [
            ("en", Language::En),
            ("es", Language::Es),
            (" ES ", Language::Es),
        ] {
            assert_eq!(s.parse::<Language>().unwrap(), l);
        }
        assert_eq!(Language::Es.to_string(), "es");
        assert_eq!(serde_json::to_string(&Language::Es).unwrap(), "\"es\"");
        assert!("fr".parse::<Language>().is_err());
    }

    #[test]
    fn priority_orders_and_serializes() {
        assert!(Priority::Urgent > Priority::High && Priority::High > Priority::Normal);
        assert!(Priority::Normal > Priority::Low);
        assert_eq!(
            serde_json::to_string(&Priority::Urgent).unwrap(),
            "\"urgent\""
        );
        assert_eq!(Priority::High.to_string(), "high");
    }

    #[test]
    fn ids_are_transparent_strings() {
        let d: DepartmentId = serde_json::from_str("\"streets\"").unwrap();
        assert_eq!(d.to_string(), "streets");
        assert_eq!(DepartmentId::triage().as_str(), "triage");
    }
}
