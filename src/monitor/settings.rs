//! The `[health]` settings section: when readiness calls a component failing, and how supervised workers are
//! restarted.

use std::time::Duration;

use serde::Deserialize;

/// Readiness thresholds and the restart policy. Every key has a default, so the section is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawHealth")]
pub struct HealthSettings {
    /// Longest silence from the inbox worker (no successful look at the mailbox) before readiness fails.
    /// `None`: twice the interval the worker itself announced (its IDLE renewal or poll interval) plus a minute.
    pub inbox_silence_max: Option<Duration>,
    /// How long outgoing mail may keep failing (transiently) before readiness fails.
    pub smtp_failing_max: Duration,
    /// Largest age of the oldest undelivered outbox row before readiness fails.
    pub outbox_pending_max: Duration,
    /// First restart delay of a worker that stopped; doubles with each further failure, up to `restart_max`.
    pub restart_min: Duration,
    pub restart_max: Duration,
    /// A worker that ran this long before failing is restarted after `restart_min` again.
    pub restart_healthy_after: Duration,
}

impl Default for HealthSettings {
    fn default() -> Self {
        RawHealth::default()
            .try_into()
            .expect("the defaults are valid")
    }
}

/// The section as written: whole seconds and milliseconds, every key optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawHealth {
    inbox_silence_max_s: Option<u64>,
    smtp_failing_max_s: u64,
    outbox_pending_max_s: u64,
    restart_backoff_min_ms: u64,
    restart_backoff_max_ms: u64,
    restart_healthy_after_s: u64,
}

impl Default for RawHealth {
    fn default() -> Self {
        Self {
            inbox_silence_max_s: None,
            smtp_failing_max_s: 5 * 60,
            outbox_pending_max_s: 15 * 60,
            restart_backoff_min_ms: 1_000,
            restart_backoff_max_ms: 60_000,
            restart_healthy_after_s: 60,
        }
    }
}

impl TryFrom<RawHealth> for HealthSettings {
    type Error = String;

    fn try_from(r: RawHealth) -> Result<Self, String> {
        if r.restart_backoff_min_ms == 0 {
            return Err(
                "restart_backoff_min_ms: must be at least 1 (a failing worker must not spin)"
                    .into(),
            );
        }
        if r.restart_backoff_max_ms < r.restart_backoff_min_ms {
            return Err(format!(
                "restart_backoff_max_ms: {} is below restart_backoff_min_ms ({})",
                r.restart_backoff_max_ms, r.restart_backoff_min_ms
            ));
        }
        if r.inbox_silence_max_s == Some(0) {
            return Err("inbox_silence_max_s: must be at least 1".into());
        }
        Ok(Self {
            inbox_silence_max: r.inbox_silence_max_s.map(Duration::from_secs),
            smtp_failing_max: Duration::from_secs(r.smtp_failing_max_s),
            outbox_pending_max: Duration::from_secs(r.outbox_pending_max_s),
            restart_min: Duration::from_millis(r.restart_backoff_min_ms),
            restart_max: Duration::from_millis(r.restart_backoff_max_ms),
            restart_healthy_after: Duration::from_secs(r.restart_healthy_after_s),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::from_toml_str("").unwrap().health;
        assert_eq!(s, super::HealthSettings::default());
        assert_eq!(s.smtp_failing_max.as_secs(), 300);
        assert_eq!(s.outbox_pending_max.as_secs(), 900);
        assert_eq!(s.inbox_silence_max, None);
        let s = Settings::from_toml_str(
            "[health]\ninbox_silence_max_s = 30\nrestart_backoff_min_ms = 50\n",
        )
        .unwrap()
        .health;
        assert_eq!(s.inbox_silence_max.unwrap().as_secs(), 30);
        assert_eq!(s.restart_min.as_millis(), 50);
        assert_eq!(s.restart_max.as_secs(), 60);
    }

    #[test]
    fn bad_values_and_unknown_keys_are_named() {
        for (toml, names) in [
            (
                "[health]\nrestart_backoff_min_ms = 0\n",
                "restart_backoff_min_ms",
            ),
            (
                "[health]\nrestart_backoff_min_ms = 5000\nrestart_backoff_max_ms = 10\n",
                "restart_backoff_max_ms",
            ),
            ("[health]\nsmtp_failing_max = 3\n", "smtp_failing_max"),
        ] {
            let err = format!("{:#}", Settings::from_toml_str(toml).unwrap_err());
            assert!(
                err.contains("health") && err.contains(names),
                "{toml}: {err}"
            );
        }
    }
}
