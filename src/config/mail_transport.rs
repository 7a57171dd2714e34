//! `[mail.imap]`, `[mail.smtp]` and `[mail.oauth2]`: how the service reaches the city's mailbox, and the
//! OAuth2 credential Microsoft 365 and Google Workspace require instead of passwords.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapSettings {
    pub host: String,
    /// Defaults to 993 with `tls`, 143 otherwise.
    #[serde(default)]
    pub port: Option<u16>,
    /// `tls` (implicit, the default), `starttls`, or `plain` (only for a loopback test server).
    #[serde(default)]
    pub security: ImapSecurity,
    /// Extra CA certificate (PEM) to trust besides the public roots, for a city's private CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The mailbox's login (its address with Microsoft 365 and Google).
    pub username: String,
    /// Needed with `auth = "password"`.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// `password` (IMAP LOGIN, the default), `xoauth2` or `oauthbearer` (a token from `[mail.oauth2]`).
    #[serde(default)]
    pub auth: ImapAuthKind,
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    /// File processed mail by month (`Processed/2026-11`, by when the server received it) instead of all in
    /// one `Processed` folder that grows forever. Off by default.
    #[serde(default)]
    pub processed_by_month: bool,
    /// Hot mode: while mail was handled within the last `busy_window_ms`, look for more by a `NOOP` this often
    /// instead of waiting on IDLE (which Dovecot answers only ~500 ms after a delivery). Default 25.
    #[serde(default = "default_busy_poll_ms")]
    pub busy_poll_ms: u64,
    /// How long hot mode lasts after the last handled mail; 0 turns it off. Default 20000 (20 s).
    #[serde(default = "default_busy_window_ms")]
    pub busy_window_ms: u64,
}

/// How the IMAP connection is protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    #[default]
    Tls,
    Starttls,
    Plain,
}

/// How the inbox worker logs in.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImapAuthKind {
    #[default]
    Password,
    Xoauth2,
    Oauthbearer,
}

impl ImapSettings {
    /// The port to use: the configured one, or the standard one for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            ImapSecurity::Tls => 993,
            ImapSecurity::Starttls | ImapSecurity::Plain => 143,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Defaults to 587 with `starttls`, 465 with `tls`, 25 with `plain`.
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (required, the default: submission), `tls` (implicit) or `plain` (a loopback relay only).
    #[serde(default)]
    pub security: SmtpSecurity,
    /// `none` (the default), `plain`, `login` (with `username` and `password`) or `xoauth2` (a token from
    /// `[mail.oauth2]` for the mailbox `username`).
    #[serde(default)]
    pub auth: SmtpAuthKind,
    #[serde(default)]
    pub username: Option<String>,
    /// Secret; `CONNECT311__MAIL__SMTP__PASSWORD` overrides it.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// Extra CA certificate (PEM) to trust besides the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    #[default]
    Starttls,
    Tls,
    Plain,
}

/// How the sender logs in to the relay.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpAuthKind {
    #[default]
    None,
    Plain,
    Login,
    Xoauth2,
}

impl SmtpSettings {
    /// The configured port, or the standard one for the security mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plain => 25,
        })
    }
}

/// `[mail.oauth2]`: one credential for both IMAP and SMTP (their scopes are the same token's).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Settings {
    /// `microsoft` (Microsoft 365 / Entra ID) or `google` (Google Workspace).
    pub provider: OAuthProviderKind,
    /// Microsoft: the directory (tenant) id or a verified domain (`riverton.onmicrosoft.com`).
    #[serde(default)]
    pub tenant: Option<String>,
    /// Microsoft: the app registration's application (client) id. Google: the OAuth client id (with
    /// `refresh_token`).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Microsoft: a client secret's value. Google: the OAuth client secret. `CONNECT311__MAIL__OAUTH2__CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// Microsoft, instead of a secret: the certificate (PEM) uploaded to the app registration …
    #[serde(default)]
    pub certificate_file: Option<PathBuf>,
    /// … and its RSA private key (PEM).
    #[serde(default)]
    pub certificate_key_file: Option<PathBuf>,
    /// Google: a refresh token the mailbox's user consented to. `CONNECT311__MAIL__OAUTH2__REFRESH_TOKEN`.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Google, instead of a refresh token: a service account's JSON key with domain-wide delegation; it acts
    /// as the mailbox (`mail.imap.username`, else `mail.smtp.username`).
    #[serde(default)]
    pub service_account_file: Option<PathBuf>,
    /// Overrides the scope (Microsoft `https://outlook.office365.com/.default`, Google `https://mail.google.com/`).
    #[serde(default)]
    pub scope: Option<String>,
    /// Overrides the token endpoint (a national cloud such as `login.microsoftonline.us`).
    #[serde(default)]
    pub token_url: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OAuthProviderKind {
    Microsoft,
    Google,
}

fn default_busy_poll_ms() -> u64 {
    mail::imap::DEFAULT_BUSY_POLL.as_millis() as u64
}

fn default_busy_window_ms() -> u64 {
    mail::imap::DEFAULT_BUSY_WINDOW.as_millis() as u64
}

fn default_mailbox() -> String {
    "INBOX".into()
}
