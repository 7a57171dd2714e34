//! Service settings: typed TOML with environment overrides (`CONNECT311__SECTION__KEY`), secrets kept secret.

mod dashboard;
mod mail_transport;
mod open311;
pub mod public_url;
pub use validate_departments::check_department_mail;
mod validate;
mod validate_departments;
#[cfg(test)]
mod validate_tests;
mod validate_transport;
#[cfg(test)]
mod validate_transport_tests;

pub use dashboard::DashboardSettings;
pub use mail_transport::{
    ImapAuthKind, ImapSecurity, ImapSettings, OAuth2Settings, OAuthProviderKind, SmtpAuthKind,
    SmtpSecurity, SmtpSettings,
};

pub use open311::{
    ApiKey, Attribute, AttributeValue, Datatype, Open311Settings, MIN_API_KEY_CHARS,
};
pub use validate::{BACKOFF_BASE_MS, BACKOFF_MAX_MS, MAX_ATTEMPTS, POLL_MS};

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::Deserialize;

/// Everything the service needs to run. Every field has an embedded default, so an empty file is valid.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The city's departments and categories; the built-in example city when absent.
    #[serde(default)]
    pub city_file: Option<PathBuf>,
    /// Message templates (EN + ES); the built-in ones when absent.
    #[serde(default)]
    pub templates_file: Option<PathBuf>,
    /// Where the SQLite database, the local Maildir inbox and local outputs live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub database: DatabaseSettings,
    #[serde(default)]
    pub mail: MailSettings,
    #[serde(default)]
    pub discord: Option<DiscordSettings>,
    #[serde(default)]
    pub outbox: OutboxSettings,
    /// The small HTTP side (health, metrics, Open311 read API); off unless `[http]` is present.
    #[serde(default)]
    pub http: Option<HttpSettings>,
    /// The file these settings were loaded from (set by [`Settings::load`]), to name it in errors.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Readiness thresholds and how supervised workers are restarted (`crate::monitor::HealthSettings`).
    #[serde(default)]
    pub health: crate::monitor::HealthSettings,
    /// The learned routing model (`[routing]`); rules alone without it.
    #[serde(default)]
    pub routing: RoutingSettings,
}

/// `[routing]`: a model trained on the city's past requests (`connect311 train-routing`), loaded at start and
/// again on SIGHUP.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Path of the model file; rules alone when absent.
    #[serde(default)]
    pub model: Option<PathBuf>,
}

/// Where the HTTP side listens. Opt-in, so two local instances (and the tests) never fight over a port.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// `address:port`; port 0 picks a free one. Loopback by default: put a reverse proxy in front to publish.
    #[serde(default = "default_http_bind")]
    pub bind: std::net::SocketAddr,
    /// `[http.open311]`: API keys for creating requests, the jurisdiction, the published address.
    #[serde(default)]
    pub open311: Open311Settings,
    /// `[http.dashboard]`: the public dashboard's period and page size.
    #[serde(default)]
    pub dashboard: DashboardSettings,
    /// Where residents reach the pages (`https://311.riverton.gov`): every email to a resident links to its
    /// request's status page under it. Without it, emails carry no link. Checked at load
    /// ([`public_url::check_public_base_url`]).
    #[serde(default)]
    pub public_base_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path` or `postgres://...`; defaults to `sqlite://<data_dir>/connect311.db`.
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The city's public 311 address; replies come back to `local+<ref>-<hmac>@domain`.
    #[serde(default = "default_address")]
    pub address: String,
    #[serde(default = "default_from_name")]
    pub from_name: String,
    /// Key for signing per-request reply addresses. Generated and kept in the data dir when absent.
    #[serde(default)]
    pub reply_secret: Option<SecretString>,
    /// Further addresses and domains that are ours (never auto-replied to).
    #[serde(default)]
    pub own_addresses: Vec<String>,
    /// Domains (and their subdomains) whose every address is ours. Must not overlap `staff_domains`.
    #[serde(default)]
    pub own_domains: Vec<String>,
    /// Staff who may act on requests by email; never one of our own addresses or domains.
    #[serde(default)]
    pub staff_addresses: Vec<String>,
    #[serde(default)]
    pub staff_domains: Vec<String>,
    /// Receiving-server names (authserv-id) whose `Authentication-Results` headers are trusted for staff
    /// commands by email (e.g. your inbound MX). Headers from anyone else are ignored.
    #[serde(default)]
    pub authserv_ids: Vec<String>,
    /// How many `Received` headers the city's own servers add to an inbound message, the receiving MX
    /// included (e.g. 2 for Postfix + Dovecot LMTP). Only `Authentication-Results` headers above the last of
    /// them were written by the city (RFC 8601 §5); the rest came with the message and are ignored.
    #[serde(default = "default_trusted_received_hops")]
    pub trusted_received_hops: usize,
    /// Staff addresses whose email commands are accepted without authentication results (test setups only).
    #[serde(default)]
    pub staff_auth_exempt: Vec<String>,
    /// Automatic replies to one sender per hour, at most.
    #[serde(default = "default_rate_limit")]
    pub replies_per_sender_per_hour: u32,
    #[serde(default = "default_max_attachment")]
    pub max_attachment_bytes: usize,
    #[serde(default = "default_max_total_attachment")]
    pub max_total_attachment_bytes: usize,
    /// A message that failed, timed out or stopped the process this many times is quarantined with the reason.
    #[serde(default = "default_max_processing_attempts")]
    pub max_processing_attempts: u32,
    /// How long parsing one message (MIME, HTML → text) may take before the attempt counts as failed.
    #[serde(default = "default_processing_timeout_ms")]
    pub processing_timeout_ms: u64,
    /// More time for each whole MiB of the message, so a large, honest mail (photos, long threads) is not
    /// quarantined on a loaded machine while a small pathological one still fails fast.
    #[serde(default = "default_processing_timeout_per_mib_ms")]
    pub processing_timeout_per_mib_ms: u64,
    /// The inbox to watch; without it a local Maildir under the data dir is watched.
    #[serde(default)]
    pub imap: Option<ImapSettings>,
    /// Where to send mail; without it messages are written as .eml files under the data dir.
    #[serde(default)]
    pub smtp: Option<SmtpSettings>,
    /// Where OAuth2 access tokens come from, for `imap.auth` / `smtp.auth` = `xoauth2` (Microsoft 365, Google).
    #[serde(default)]
    pub oauth2: Option<OAuth2Settings>,
}

fn default_max_processing_attempts() -> u32 {
    3
}

fn default_processing_timeout_ms() -> u64 {
    4_000
}

fn default_processing_timeout_per_mib_ms() -> u64 {
    1_000
}

fn default_trusted_received_hops() -> usize {
    1
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            address: default_address(),
            from_name: default_from_name(),
            reply_secret: None,
            own_addresses: Vec::new(),
            own_domains: Vec::new(),
            staff_addresses: Vec::new(),
            staff_domains: Vec::new(),
            authserv_ids: Vec::new(),
            trusted_received_hops: default_trusted_received_hops(),
            staff_auth_exempt: Vec::new(),
            replies_per_sender_per_hour: default_rate_limit(),
            max_attachment_bytes: default_max_attachment(),
            max_total_attachment_bytes: default_max_total_attachment(),
            max_processing_attempts: default_max_processing_attempts(),
            processing_timeout_ms: default_processing_timeout_ms(),
            processing_timeout_per_mib_ms: default_processing_timeout_per_mib_ms(),
            imap: None,
            smtp: None,
            oauth2: None,
        }
    }
}

impl MailSettings {
    /// How long parsing a message of `bytes` may take: the base allowance, more for each whole MiB, never
    /// over the ten-minute ceiling.
    pub fn parse_deadline(&self, bytes: usize) -> std::time::Duration {
        let mib = u64::try_from(bytes >> 20).unwrap_or(u64::MAX);
        let ms = self
            .processing_timeout_ms
            .saturating_add(self.processing_timeout_per_mib_ms.saturating_mul(mib))
            .clamp(1, *validate::PROCESSING_TIMEOUT_MS.end());
        std::time::Duration::from_millis(ms)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    pub token: SecretString,
    pub guild_id: u64,
    /// A channel where every staff message becomes an internal request.
    #[serde(default)]
    pub intake_channel: Option<String>,
    /// Role that may work every department's items.
    #[serde(default)]
    pub supervisor_role: Option<String>,
    /// The staff member who filed an internal request from chat hears of each step by direct message (in the
    /// thread they filed from when their DMs are closed). Off by default: the notices go to that thread.
    #[serde(default)]
    pub requester_dm: bool,
    /// Role paged (the only mention the bot makes) when an emergency is posted to dispatch.
    #[serde(default)]
    pub oncall_role: Option<String>,
    /// Test only: a loopback Discord stand-in (`http://127.0.0.1:PORT`); turns serenity's ratelimiter off.
    #[serde(default)]
    pub api_proxy: Option<String>,
    /// When the Discord adapter cannot start (e.g. an empty token), post to the local chat log instead of
    /// refusing to start. Off by default: a configured transport that cannot start stops the service.
    #[serde(default)]
    pub fallback_to_local: bool,
}

/// Outbox delivery timing; the bounds are [`MAX_ATTEMPTS`], [`BACKOFF_BASE_MS`], [`BACKOFF_MAX_MS`], [`POLL_MS`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a row is given up (marked failed, with an event).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// The delay after the first failure; it doubles with each further one.
    #[serde(default = "default_backoff_base_ms")]
    pub backoff_base_ms: u64,
    /// The longest delay between two attempts.
    #[serde(default = "default_backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// The longest the idle worker waits before looking for due rows again. Commits that queue rows wake it
    /// at once (and scheduled retries at their time), so this is only a safety net.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
}

impl OutboxSettings {
    /// The delay before the next attempt after `attempts` failed ones: `backoff_base_ms` doubled per further
    /// failure, at most `backoff_max_ms`. Saturating throughout, so no setting can make it wrap negative.
    pub fn retry_delay_ms(&self, attempts: i64) -> i64 {
        let doublings = attempts.saturating_sub(1).clamp(0, 63) as u32;
        let delay = self
            .backoff_base_ms
            .saturating_mul(1u64 << doublings)
            .min(self.backoff_max_ms);
        i64::try_from(delay).unwrap_or(i64::MAX)
    }
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            max_attempts: default_max_attempts(),
            backoff_base_ms: default_backoff_base_ms(),
            backoff_max_ms: default_backoff_max_ms(),
            poll_ms: default_poll_ms(),
        }
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_address() -> String {
    "311@city.test".into()
}
fn default_from_name() -> String {
    "City of Riverton 311".into()
}
fn default_rate_limit() -> u32 {
    5
}
fn default_max_attachment() -> usize {
    5 * 1024 * 1024
}
fn default_max_total_attachment() -> usize {
    7 * 1024 * 1024
}
fn default_max_attempts() -> u32 {
    12
}
fn default_backoff_base_ms() -> u64 {
    2_000
}
fn default_backoff_max_ms() -> u64 {
    15 * 60 * 1000
}
fn default_poll_ms() -> u64 {
    5_000
}
fn default_http_bind() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 8311))
}

impl Settings {
    /// Loads settings from an optional TOML file plus `CONNECT311__...` environment overrides, and checks them
    /// (paths included). Errors name the file, the key and the reason.
    pub fn load(file: Option<&Path>) -> Result<Settings> {
        let mut fig = Figment::new();
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig.merge(Env::prefixed("CONNECT311__").split("__"));
        let mut settings: Settings = fig.extract().map_err(|e| {
            let mut msg = String::new();
            for err in e {
                if !msg.is_empty() {
                    msg.push('\n');
                }
                msg.push_str(&describe_figment_error(&err));
            }
            anyhow::anyhow!(msg)
        })?;
        settings.file = file.map(Path::to_path_buf);
        settings
            .validate()
            .and_then(|()| settings.check_paths())
            .map_err(|e| settings.in_file(e))?;
        Ok(settings)
    }

    /// `e`, prefixed with the settings file when there is one (as figment's own errors are).
    pub fn in_file(&self, e: anyhow::Error) -> anyhow::Error {
        match &self.file {
            Some(f) => anyhow::anyhow!("{}: {e:#}", f.display()),
            None => e,
        }
    }

    /// Parses settings from TOML text alone (no environment), for checks and tests.
    pub fn from_toml_str(text: &str) -> Result<Settings> {
        let settings: Settings = Figment::new()
            .merge(Toml::string(text))
            .extract()
            .map_err(|e| anyhow::anyhow!(describe_figment_error(&e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The database URL, defaulting to a SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        self.database.url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.join("connect311.db").to_string_lossy()
            )
        })
    }

    /// The city configuration text: the configured file, or the built-in example city.
    pub fn city_toml(&self) -> Result<(String, String)> {
        match &self.city_file {
            Some(p) => Ok((
                std::fs::read_to_string(p)
                    .with_context(|| format!("city_file: cannot read {}", p.display()))?,
                p.display().to_string(),
            )),
            None => Ok((EXAMPLE_CITY.to_string(), "built-in config/city.toml".into())),
        }
    }

    /// The templates text: the configured file, or the built-in ones.
    pub fn templates_toml(&self) -> Result<(String, String)> {
        match &self.templates_file {
            Some(p) => Ok((
                std::fs::read_to_string(p)
                    .with_context(|| format!("templates_file: cannot read {}", p.display()))?,
                p.display().to_string(),
            )),
            None => Ok((
                EXAMPLE_TEMPLATES.to_string(),
                "built-in config/templates.toml".into(),
            )),
        }
    }
}

fn describe_figment_error(e: &figment::Error) -> String {
    let key = e.path.join(".");
    let origin = e
        .metadata
        .as_ref()
        .and_then(|m| m.source.as_ref())
        .map(|s| format!("{s}: "))
        .unwrap_or_default();
    if key.is_empty() {
        format!("{origin}{}", e.kind)
    } else {
        format!("{origin}{key}: {}", e.kind)
    }
}

/// The example city shipped with the binary, so `connect311 serve` works from any directory.
pub const EXAMPLE_CITY: &str = include_str!("../config/city.toml");
/// The example templates shipped with the binary.
pub const EXAMPLE_TEMPLATES: &str = include_str!("../config/templates.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_means_embedded_defaults() {
        let s = Settings::from_toml_str("").unwrap();
        assert_eq!(s.mail.address, "311@city.test");
        assert!(s.database_url().starts_with("sqlite://"));
        assert!(s.discord.is_none());
        assert!(s.http.is_none(), "the HTTP side is opt-in");
    }

    #[test]
    fn http_section_defaults_to_loopback_8311() {
        let s = Settings::from_toml_str("[http]\n").unwrap();
        assert_eq!(s.http.unwrap().bind.to_string(), "127.0.0.1:8311");
        let s = Settings::from_toml_str("[http]\nbind = \"0.0.0.0:0\"\n").unwrap();
        assert_eq!(s.http.unwrap().bind.port(), 0);
        let err = Settings::from_toml_str("[http]\nbind = \"localhost\"\n").unwrap_err();
        assert!(err.to_string().contains("http.bind"), "{err}");
        let err = Settings::from_toml_str("[http]\nport = 80\n").unwrap_err();
        assert!(err.to_string().contains("port"), "{err}");
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Settings::from_toml_str("[mail]\nadress = \"x@y\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("adress"), "{msg}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = Settings::from_toml_str("[outbox]\nmax_attempts = \"many\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("outbox.max_attempts"), "{msg}");
    }

    #[test]
    fn routing_model_is_optional_and_checked_for_unknown_keys() {
        assert!(Settings::from_toml_str("").unwrap().routing.model.is_none());
        let s = Settings::from_toml_str("[routing]\nmodel = \"data/routing.model\"\n").unwrap();
        assert_eq!(
            s.routing.model.unwrap(),
            PathBuf::from("data/routing.model")
        );
        let err = Settings::from_toml_str("[routing]\nmodle = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("modle"), "{err}");
    }

    #[test]
    fn bad_database_url_is_refused() {
        let err = Settings::from_toml_str("[database]\nurl = \"mysql://x\"\n").unwrap_err();
        assert!(err.to_string().contains("database.url"), "{err}");
    }
}
