//! Small domain types shared by the config, the classifier and the store: ids, language, priority and the
//! channel a request or event came through.

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
                f.pad(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }
    };
}

/// Why a text is not one of a closed set of values; names what was expected and the text found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// An enum stored and shown as fixed snake_case texts: `as_str`, `Display`, a strict `FromStr` (the error
/// names the bad text), serde with the same texts, and `ALL` for tables and tests.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored (and serialized) text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::types::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::types::UnknownValue {
                        what: $what,
                        value: other.to_string(),
                    }),
                }
            }
        }
    };
}
pub(crate) use text_enum;

/// Every value of a text enum parses back from its text, and serializes as that same text.
#[cfg(test)]
pub(crate) fn assert_texts_round_trip<T>(all: &[T])
where
    T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + Serialize,
{
    for v in all {
        let text = v.to_string();
        assert!(text.parse::<T>().ok() == Some(*v), "{v:?} from {text:?}");
        assert_eq!(serde_json::to_value(v).unwrap(), text.as_str(), "{v:?}");
    }
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

    /// The stored text: the ISO code.
    pub fn as_str(self) -> &'static str {
        self.code()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
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

text_enum! {
    /// How soon a request needs attention; ordered from `Low` to `Urgent`.
    #[derive(PartialOrd, Ord, Default)]
    pub enum Priority ("priority") {
        Low = "low",
        #[default]
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
}

text_enum! {
    /// The channel a request was filed through, or an event came from.
    pub enum Source ("source") {
        Email = "email",
        Chat = "chat",
        /// An operator at the command line.
        Cli = "cli",
        /// The periodic SLA sweep.
        Sweeper = "sweeper",
        /// The delivery worker, recording what it could not deliver.
        Outbox = "outbox",
        /// An application using the Open311 GeoReport v2 API (`POST requests`).
        Open311 = "open311",
        /// A resident on their request's status page (`/r/<reference>/<token>`).
        Web = "web",
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
        assert_eq!("urgent".parse::<Priority>(), Ok(Priority::Urgent));
        assert_eq!(Priority::default(), Priority::Normal);
    }

    #[test]
    fn text_enums_read_back_what_they_write() {
        assert_texts_round_trip(Source::ALL);
        assert_texts_round_trip(Priority::ALL);
        let err = "sometimes".parse::<Priority>().unwrap_err();
        assert_eq!(err.to_string(), "unknown priority `sometimes`");
        assert_eq!(
            "fax".parse::<Source>().unwrap_err().to_string(),
            "unknown source `fax`"
        );
    }

    #[test]
    fn ids_are_transparent_strings() {
        let d: DepartmentId = serde_json::from_str("\"streets\"").unwrap();
        assert_eq!(d.to_string(), "streets");
        assert_eq!(DepartmentId::triage().as_str(), "triage");
    }
}
