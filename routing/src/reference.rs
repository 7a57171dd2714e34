//! Human-friendly request references such as `311-000123`, parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A request's public reference: the prefix `311-` and a zero-padded sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestRef(u64);

/// Why a string is not a request reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a request reference (expected something like 311-000123)")]
pub struct BadRef(pub String);

impl RequestRef {
    /// Wraps a sequence number; zero is not a valid reference.
    pub fn new(n: u64) -> Option<Self> {
        (n > 0).then_some(Self(n))
    }

    /// The sequence number behind the reference.
    pub fn number(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RequestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "311-{:06}", self.0)
    }
}

impl FromStr for RequestRef {
    type Err = BadRef;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("311-")
            .or_else(|| t.strip_prefix("311"))
            .unwrap_or(t);
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadRef(s.to_string()));
        }
        digits
            .parse::<u64>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| BadRef(s.to_string()))
    }
}

impl TryFrom<String> for RequestRef {
    type Error = BadRef;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RequestRef> for String {
    fn from(r: RequestRef) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let r = RequestRef::new(123).unwrap();
        assert_eq!(r.to_string(), "311-000123");
        assert_eq!("311-000123".parse::<RequestRef>().unwrap(), r);
        assert_eq!(" 311-123 ".parse::<RequestRef>().unwrap(), r);
        assert_eq!(
            "311-1234567".parse::<RequestRef>().unwrap().number(),
            1_234_567
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "311-",
            "311-abc",
            "311-000000",
            "abc",
            "311-12a",
            "311--5",
        ] {
            assert!(bad.parse::<RequestRef>().is_err(), "{bad}");
        }
    }
}
