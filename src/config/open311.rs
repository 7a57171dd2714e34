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
    /// Extra questions a service asks (its GeoReport service definition), in the order listed.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// One question of a service's definition.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The category id (or `other`) that asks it.
    pub service_code: String,
    /// Its code in the form: `attribute[CODE]`.
    pub code: String,
    pub datatype: Datatype,
    /// The question, as a client shows it.
    pub description: String,
    #[serde(default)]
    pub required: bool,
    /// For the list datatypes: the allowed answers.
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

/// GeoReport's attribute datatypes.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

/// One allowed answer of a list attribute.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
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
        self.validate_attributes()
    }
}

impl Open311Settings {
    /// The attributes `service_code` asks, in order.
    pub fn attributes_of<'a>(
        &'a self,
        service_code: &'a str,
    ) -> impl Iterator<Item = &'a Attribute> {
        self.attributes
            .iter()
            .filter(move |a| a.service_code == service_code)
    }

    /// Codes unique per service and form-safe; list datatypes have values, others none.
    fn validate_attributes(&self) -> Result<()> {
        for (i, a) in self.attributes.iter().enumerate() {
            let key = format!("http.open311.attributes[{i}]");
            let safe = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            };
            if !safe(&a.code) {
                bail!("{key}.code: `{}` must be letters, digits, _ or -", a.code);
            }
            if a.description.trim().is_empty() {
                bail!("{key}.description: must not be empty");
            }
            let list = matches!(
                a.datatype,
                Datatype::Singlevaluelist | Datatype::Multivaluelist
            );
            if list == a.values.is_empty() {
                bail!("{key}.values: list datatypes need values, and only they take them");
            }
            if self.attributes[..i]
                .iter()
                .any(|o| o.service_code == a.service_code && o.code == a.code)
            {
                bail!(
                    "{key}.code: `{}` is listed twice for {}",
                    a.code,
                    a.service_code
                );
            }
        }
        Ok(())
    }

    /// Every attribute's service exists: a category of the city, or `other`.
    pub fn check_services(&self, known: &dyn Fn(&str) -> bool) -> Result<()> {
        for (i, a) in self.attributes.iter().enumerate() {
            if !known(&a.service_code) {
                bail!(
                    "http.open311.attributes[{i}].service_code: `{}` is not a category of the city file",
                    a.service_code
                );
            }
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
        let attr = |extra: &str| {
            format!("[[attributes]]\nservice_code = \"pothole\"\ncode = \"size\"\ndescription = \"How big?\"\n{extra}")
        };
        for (text, want) in [
            (
                attr("datatype = \"number\"\nvalues = [{ key = \"a\", name = \"A\" }]\n"),
                "attributes[0].values",
            ),
            (
                attr("datatype = \"singlevaluelist\"\n"),
                "attributes[0].values",
            ),
            (attr("datatype = \"colour\"\n"), "datatype"),
            (
                format!(
                    "{}{}",
                    attr("datatype = \"text\"\n"),
                    attr("datatype = \"text\"\n")
                ),
                "attributes[1].code",
            ),
        ] {
            let e = format!("{:#}", parse(&text).unwrap_err());
            assert!(e.contains(want), "{text}: {e}");
        }
        let s = parse(&attr("datatype = \"singlevaluelist\"\nrequired = true\nvalues = [{ key = \"s\", name = \"Small\" }]\n")).unwrap();
        assert_eq!(s.attributes_of("pothole").count(), 1);
        let e = s
            .check_services(&|c| c == "graffiti")
            .unwrap_err()
            .to_string();
        assert!(e.contains("attributes[0].service_code"), "{e}");
    }
}
