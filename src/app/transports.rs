//! The mail transports from the settings: the IMAP worker's login, the SMTP sender's security and login, and
//! the OAuth2 token source both use with Microsoft 365 or Google Workspace. Files the settings name (CA,
//! certificate, service-account key) are read here, so a bad one stops the start naming its key.

use std::sync::Arc;

use anyhow::{Context, Result};
use mail::oauth::{Grant, OAuthConfig, Provider, ServiceAccountKey, TokenSource};
use mail::outbound::{PasswordMechanism, SmtpAuth, SmtpOptions};
use secrecy::ExposeSecret;

use crate::config::{
    ImapAuthKind, ImapSecurity, ImapSettings, MailSettings, OAuth2Settings, OAuthProviderKind,
    SmtpAuthKind, SmtpSecurity, SmtpSettings,
};

/// The IMAP worker's configuration: where, how protected, and how it logs in.
pub fn imap_config(mail: &MailSettings, imap: &ImapSettings) -> Result<mail::imap::ImapConfig> {
    let password = imap
        .password
        .as_ref()
        .map(|p| p.expose_secret().to_string());
    let mut cfg = mail::imap::ImapConfig::new(
        &imap.host,
        imap.effective_port(),
        &imap.username,
        password.as_deref().unwrap_or(""),
    )
    .with_security(match imap.security {
        ImapSecurity::Tls => mail::imap::ImapSecurity::Tls,
        ImapSecurity::Starttls => mail::imap::ImapSecurity::StartTls,
        ImapSecurity::Plain => mail::imap::ImapSecurity::Plain,
    });
    if let Some(ca) = &imap.ca_file {
        cfg = cfg.with_ca_file(ca.clone());
    }
    let mechanism = match imap.auth {
        ImapAuthKind::Password => None,
        ImapAuthKind::Xoauth2 => Some(mail::imap::SaslMechanism::Xoauth2),
        ImapAuthKind::Oauthbearer => Some(mail::imap::SaslMechanism::OAuthBearer),
    };
    if let Some(mechanism) = mechanism {
        cfg = cfg.with_bearer(mechanism, token_source(mail, &imap.username)?);
    }
    cfg.mailbox = imap.mailbox.clone();
    cfg.processed_by_month = imap.processed_by_month;
    cfg.busy_poll = std::time::Duration::from_millis(imap.busy_poll_ms);
    cfg.busy_window = std::time::Duration::from_millis(imap.busy_window_ms);
    Ok(cfg)
}

/// The SMTP sender's options.
pub fn smtp_options(mail: &MailSettings, smtp: &SmtpSettings) -> Result<SmtpOptions> {
    let mut opts = SmtpOptions::plain(&smtp.host, smtp.effective_port());
    opts.security = match smtp.security {
        SmtpSecurity::Starttls => mail::outbound::SmtpSecurity::StartTls,
        SmtpSecurity::Tls => mail::outbound::SmtpSecurity::Tls,
        SmtpSecurity::Plain => mail::outbound::SmtpSecurity::Plain,
    };
    opts.ca_file = smtp.ca_file.clone();
    let username = smtp.username.clone().unwrap_or_default();
    let password = || {
        smtp.password
            .as_ref()
            .map(|p| p.expose_secret().to_string())
            .unwrap_or_default()
    };
    opts.auth = match smtp.auth {
        SmtpAuthKind::None => SmtpAuth::None,
        SmtpAuthKind::Plain | SmtpAuthKind::Login => SmtpAuth::Password {
            mechanism: if smtp.auth == SmtpAuthKind::Plain {
                PasswordMechanism::Plain
            } else {
                PasswordMechanism::Login
            },
            username,
            password: password(),
        },
        SmtpAuthKind::Xoauth2 => SmtpAuth::Xoauth2 {
            tokens: token_source(mail, &username)?,
            username,
        },
    };
    Ok(opts)
}

/// The token source of `[mail.oauth2]`, for the mailbox `mailbox` (a Google service account acts as it).
fn token_source(mail: &MailSettings, mailbox: &str) -> Result<Arc<TokenSource>> {
    let o = mail
        .oauth2
        .as_ref()
        .context("mail.oauth2: needed for a token login")?;
    let (provider, grant) = match o.provider {
        OAuthProviderKind::Microsoft => (Provider::Microsoft, microsoft_grant(o)?),
        OAuthProviderKind::Google => (Provider::Google, google_grant(o, mailbox)?),
    };
    let mut cfg = OAuthConfig::new(provider, o.tenant.as_deref(), grant);
    if let Some(scope) = &o.scope {
        cfg.scope = scope.clone();
    }
    if let Some(url) = o.token_url.clone().or_else(|| service_account_uri(o)) {
        cfg.token_url = url;
    }
    Ok(Arc::new(TokenSource::new(cfg).context("mail.oauth2")?))
}

fn secret(s: &Option<secrecy::SecretString>) -> String {
    s.as_ref()
        .map(|s| s.expose_secret().to_string())
        .unwrap_or_default()
}

fn read(key: &str, path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .with_context(|| format!("mail.oauth2.{key}: cannot read {}", path.display()))
}

fn microsoft_grant(o: &OAuth2Settings) -> Result<Grant> {
    let client_id = o.client_id.clone().unwrap_or_default();
    match (&o.certificate_file, &o.certificate_key_file) {
        (Some(cert), Some(key)) => Grant::client_certificate(
            &client_id,
            &read("certificate_file", cert)?,
            &read("certificate_key_file", key)?,
        )
        .map_err(|e| anyhow::anyhow!("mail.oauth2.certificate_file: {e}")),
        _ => Ok(Grant::ClientSecret {
            client_id,
            secret: secret(&o.client_secret),
        }),
    }
}

fn google_grant(o: &OAuth2Settings, mailbox: &str) -> Result<Grant> {
    match &o.service_account_file {
        Some(path) => {
            let json = String::from_utf8_lossy(&read("service_account_file", path)?).into_owned();
            ServiceAccountKey::parse(&json)
                .and_then(|k| k.grant(mailbox))
                .map_err(|e| {
                    anyhow::anyhow!("mail.oauth2.service_account_file: {}: {e}", path.display())
                })
        }
        None => Ok(Grant::RefreshToken {
            client_id: o.client_id.clone().unwrap_or_default(),
            client_secret: secret(&o.client_secret),
            refresh_token: secret(&o.refresh_token),
        }),
    }
}

/// A service-account key names its own token endpoint.
fn service_account_uri(o: &OAuth2Settings) -> Option<String> {
    let path = o.service_account_file.as_ref()?;
    let json = std::fs::read_to_string(path).ok()?;
    ServiceAccountKey::parse(&json).ok()?.token_uri
}
