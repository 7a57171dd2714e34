//! Where a department's work orders go (`notify = ["chat"]`, `["email"]` or both) and the checks of a
//! department's delivery settings: a choice needs the address or channel it names.

use serde::Deserialize;

use crate::config::{ConfigError, Department};

/// One way a department hears of its work orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notify {
    /// A card in the department's `chat_channel`, worked with buttons and thread replies.
    Chat,
    /// A work-order email to the department's `email`, worked by replying to it.
    Email,
}

impl Notify {
    pub fn as_str(self) -> &'static str {
        match self {
            Notify::Chat => "chat",
            Notify::Email => "email",
        }
    }
}

impl Department {
    /// The ways this department hears of its work orders: as configured, or by default its chat channel when
    /// it has one, else its email address.
    pub fn notify(&self) -> Vec<Notify> {
        match &self.notify {
            Some(n) => n.clone(),
            None if self.chat_channel.is_some() => vec![Notify::Chat],
            None => vec![Notify::Email],
        }
    }

    /// Whether its work orders go `way`.
    pub fn notifies(&self, way: Notify) -> bool {
        self.notify().contains(&way)
    }

    /// The chat channel its cards are posted to, when it works in chat.
    pub fn card_channel(&self) -> Option<&str> {
        self.chat_channel
            .as_deref()
            .filter(|_| self.notifies(Notify::Chat))
    }
}

/// Checks department `i`'s delivery settings: the address, the channel, and the `notify` choice.
pub(crate) fn check_delivery(d: &Department, i: usize) -> Result<(), ConfigError> {
    let invalid = |key: &str, reason: String| ConfigError::Invalid {
        key: format!("departments[{i}].{key}"),
        reason,
    };
    if !is_address(&d.email) {
        return Err(invalid("email", "not an email address".into()));
    }
    if let Some(ch) = &d.chat_channel {
        if ch.is_empty() || !ch.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "chat_channel",
                "expected a numeric channel id in a string".into(),
            ));
        }
    }
    let Some(notify) = &d.notify else {
        return Ok(());
    };
    if notify.is_empty() {
        return Err(invalid(
            "notify",
            "choose at least one of \"chat\" and \"email\" (or leave `notify` out)".into(),
        ));
    }
    for (j, way) in notify.iter().enumerate() {
        if notify[..j].contains(way) {
            return Err(invalid(
                &format!("notify[{j}]"),
                format!("\"{}\" is listed twice", way.as_str()),
            ));
        }
    }
    if notify.contains(&Notify::Chat) && d.chat_channel.is_none() {
        return Err(invalid(
            "notify",
            "\"chat\" needs the department's `chat_channel`".into(),
        ));
    }
    Ok(())
}

/// A plausible single address: one `@` with something on each side, no spaces.
fn is_address(s: &str) -> bool {
    matches!(s.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use crate::config::tests::MINI;
    use crate::config::CityConfig;

    /// The small test city with the first department's `chat_channel = "1"` line replaced by `delivery`.
    fn edited(delivery: &str) -> String {
        MINI.replacen("chat_channel = \"1\"\n", &format!("{delivery}\n"), 1)
    }

    fn city(delivery: &str) -> Result<CityConfig, String> {
        CityConfig::from_toml_str(&edited(delivery)).map_err(|e| e.to_string())
    }

    fn ways(delivery: &str) -> Vec<&'static str> {
        let c = city(delivery).expect(delivery);
        c.departments[0]
            .notify()
            .iter()
            .map(|n| n.as_str())
            .collect()
    }

    #[test]
    fn the_default_is_the_channel_when_there_is_one_else_the_address() {
        assert_eq!(ways("chat_channel = \"1\""), ["chat"]);
        assert_eq!(ways(""), ["email"]);
        assert_eq!(
            ways("chat_channel = \"1\"\nnotify = [\"email\", \"chat\"]"),
            ["email", "chat"]
        );
        assert_eq!(
            ways("chat_channel = \"1\"\nnotify = [\"email\"]"),
            ["email"]
        );
        let c = city("chat_channel = \"1\"\nnotify = [\"email\"]").unwrap();
        assert_eq!(c.departments[0].card_channel(), None, "email only: no card");
        let c = city("chat_channel = \"1\"").unwrap();
        assert_eq!(c.departments[0].card_channel(), Some("1"));
    }

    #[test]
    fn each_mistake_names_its_key_and_why() {
        let cases = [
            (
                "notify = [\"chat\"]",
                "departments[0].notify: \"chat\" needs the department's `chat_channel`",
            ),
            ("notify = []", "departments[0].notify: choose at least one"),
            (
                "notify = [\"email\", \"email\"]",
                "departments[0].notify[1]: \"email\" is listed twice",
            ),
            (
                "notify = [\"fax\"]",
                "unknown variant `fax`, expected `chat` or `email`",
            ),
            ("notify = \"email\"", "departments[0].notify"),
            (
                "chat_channel = \"#streets\"",
                "departments[0].chat_channel: expected a numeric channel id",
            ),
        ];
        for (delivery, needle) in cases {
            let err = city(delivery).expect_err(delivery);
            assert!(err.contains(needle), "{delivery}: {err}");
        }
        let err = CityConfig::from_toml_str(&edited("").replace(
            "email = \"streets@city.test\"",
            "email = \"streets at city\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("departments[0].email: not an email address"),
            "{err}"
        );
    }
}
