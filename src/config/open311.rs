//! `[http.open311]`: who may file requests through the Open311 API (one key per application) and which
//! jurisdiction this endpoint answers for. Checked at load, each error naming its key.

use anyhow::{bail, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Shortest accepted API key: a key is a shared secret, so a guessable one is refused at start.
pub const MIN_API_KEY_CHARS: usize = 16;

/// The Open311 settings. Without `api_keys`, `POST requests` is refused (403) and the API stays read-only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311Settings {
    /// When set, a request naming another `jurisdiction_id` is refused (404); clients may leave it out.
    #[serde(default)]
    pub jurisdiction_id: Option<String>,
    /// The address the API is published at (`https://311.city.example/open311`), for `discovery`; without it,
    /// the request's `Host` header is used.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Who to write to about the API, shown in `discovery`.
    #[serde(default)]
    pub contact: Option<String>,
    /// One entry per application allowed to create requests.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
}

/// An application's key: its `name` is recorded as the actor of what it files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub name: String,
    pub key: SecretString,
}

impl Open311Settings {
    /// The application a presented key belongs to.
    pub fn application(&self, presented: &str) -> Option<&str> {
        use sha2::{Digest, Sha256};
        // Comparing digests keeps the comparison's time independent of how much of the key was right.
        let want = Sha256::digest(presented.as_bytes());
        self.api_keys
            .iter()
            .find(|k| Sha256::digest(k.key.expose_secret().as_bytes()) == want)
            .map(|k| k.name.as_str())
    }

    /// Names unique and non-empty, keys long enough and distinct, the URL absolute.
    pub fn validate(&self) -> Result<()> {
        for (i, k) in self.api_keys.iter().enumerate() {
            let key = format!("http.open311.api_keys[{i}]");
            if k.name.trim().is_empty() {
                bail!("{key}.name: must not be empty");
            }
            if k.key.expose_secret().chars().count() < MIN_API_KEY_CHARS {
                bail!("{key}.key: must be at least {MIN_API_KEY_CHARS} characters");
            }
            if let Some(j) = self.api_keys[..i].iter().position(|o| o.name == k.name) {
                bail!("{key}.name: `{}` is also api_keys[{j}]", k.name);
            }
            if let Some(j) = self.api_keys[..i]
                .iter()
                .position(|o| o.key.expose_secret() == k.key.expose_secret())
            {
                bail!("{key}.key: the same key as api_keys[{j}]");
            }
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                bail!("http.open311.public_url: `{u}` must start with https:// or http://");
            }
        }
        if self
            .jurisdiction_id
            .as_deref()
            .is_some_and(|j| j.trim().is_empty())
        {
            bail!("http.open311.jurisdiction_id: must not be empty when given");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> Result<Open311Settings> {
        let s: Open311Settings = toml::from_str(toml_text)?;
        s.validate()?;
        Ok(s)
    }

    #[test]
    fn keys_identify_their_application() {
        let s = parse(
            "[[api_keys]]\nname = \"fixit\"\nkey = \"0123456789abcdef\"\n\
             [[api_keys]]\nname = \"kiosk\"\nkey = \"fedcba9876543210\"\n",
        )
        .unwrap();
        assert_eq!(s.application("fedcba9876543210"), Some("kiosk"));
        assert_eq!(s.application("0123456789abcdef"), Some("fixit"));
        assert_eq!(s.application("0123456789abcde"), None);
        assert_eq!(s.application(""), None);
    }

    #[test]
    fn bad_settings_name_their_key() {
        for (text, want) in [
            ("[[api_keys]]\nname = \"a\"\nkey = \"short\"\n", "api_keys[0].key"),
            ("[[api_keys]]\nname = \" \"\nkey = \"0123456789abcdef\"\n", "api_keys[0].name"),
            (
                "[[api_keys]]\nname = \"a\"\nkey = \"0123456789abcdef\"\n[[api_keys]]\nname = \"a\"\nkey = \"0123456789abcdeX\"\n",
                "api_keys[1].name",
            ),
            (
                "[[api_keys]]\nname = \"a\"\nkey = \"0123456789abcdef\"\n[[api_keys]]\nname = \"b\"\nkey = \"0123456789abcdef\"\n",
                "api_keys[1].key",
            ),
            ("public_url = \"311.city.example\"\n", "public_url"),
            ("jurisdiction_id = \"\"\n", "jurisdiction_id"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        assert!(parse("colour = 1\n").is_err(), "unknown keys are refused");
    }
}
