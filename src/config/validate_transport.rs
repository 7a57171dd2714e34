//! Checks of `[mail.imap]`, `[mail.smtp]` and `[mail.oauth2]` that serde cannot express: what each login mode
//! needs, no credentials over plaintext to anything but loopback, and one complete OAuth2 credential per
//! provider. Errors name the dotted key and the reason. Files named here are read when the transports start.

use std::ops::RangeInclusive;

use anyhow::{bail, Result};
use secrecy::ExposeSecret;

use super::{
    ImapAuthKind, ImapSecurity, ImapSettings, MailSettings, OAuth2Settings, OAuthProviderKind,
    SmtpAuthKind, SmtpSecurity, SmtpSettings,
};

pub(super) fn check_transports(m: &MailSettings) -> Result<()> {
    let mut wants_token = None;
    if let Some(imap) = &m.imap {
        check_imap(imap)?;
        if imap.auth != ImapAuthKind::Password {
            wants_token = Some("mail.imap.auth");
        }
    }
    if let Some(smtp) = &m.smtp {
        check_smtp(smtp)?;
        if smtp.auth == SmtpAuthKind::Xoauth2 {
            wants_token = Some("mail.smtp.auth");
        }
    }
    match (&m.oauth2, wants_token) {
        (None, Some(key)) => {
            bail!("{key}: a token login needs a [mail.oauth2] section (provider and credential)")
        }
        (Some(o), _) => check_oauth2(o, m),
        (None, None) => Ok(()),
    }
}

fn check_imap(imap: &ImapSettings) -> Result<()> {
    for (key, value) in [
        ("host", &imap.host),
        ("username", &imap.username),
        ("mailbox", &imap.mailbox),
    ] {
        if value.trim().is_empty() {
            bail!("mail.imap.{key}: must not be empty");
        }
    }
    if imap.port == Some(0) {
        bail!("mail.imap.port: must not be 0");
    }
    if imap.auth == ImapAuthKind::Password && is_blank(imap.password.as_ref()) {
        bail!("mail.imap.password: needed with auth = \"password\" (or CONNECT311__MAIL__IMAP__PASSWORD)");
    }
    if imap.security == ImapSecurity::Plain && !is_loopback(&imap.host) {
        bail!("mail.imap.security: \"plain\" sends the login in clear; only a loopback host may use it");
    }
    check_hot_mode(imap)
}

/// `mail.imap.busy_poll_ms`: below this the worker spins on the server; above it hot mode is no faster than
/// IDLE's own delay.
pub const BUSY_POLL_MS: RangeInclusive<u64> = 5..=1_000;
/// `mail.imap.busy_window_ms`: 0 (off) to an hour.
pub const BUSY_WINDOW_MS: RangeInclusive<u64> = 0..=3_600_000;

fn check_hot_mode(imap: &ImapSettings) -> Result<()> {
    let (poll, window) = (imap.busy_poll_ms, imap.busy_window_ms);
    if !BUSY_POLL_MS.contains(&poll) {
        bail!(
            "mail.imap.busy_poll_ms: {poll} is outside {}..={} (milliseconds between NOOPs while mail flows)",
            BUSY_POLL_MS.start(),
            BUSY_POLL_MS.end()
        );
    }
    if !BUSY_WINDOW_MS.contains(&window) {
        bail!(
            "mail.imap.busy_window_ms: {window} is outside 0..={} (0 turns hot mode off)",
            BUSY_WINDOW_MS.end()
        );
    }
    if window != 0 && window < poll {
        bail!("mail.imap.busy_window_ms: {window} is shorter than busy_poll_ms ({poll}); use 0 to turn hot mode off");
    }
    Ok(())
}

fn check_smtp(smtp: &SmtpSettings) -> Result<()> {
    if smtp.host.trim().is_empty() {
        bail!("mail.smtp.host: must not be empty");
    }
    if smtp.port == Some(0) {
        bail!("mail.smtp.port: must not be 0");
    }
    let blank_user = smtp.username.as_deref().is_none_or(|u| u.trim().is_empty());
    match smtp.auth {
        SmtpAuthKind::None => {
            if smtp.username.is_some() || smtp.password.is_some() {
                bail!("mail.smtp.auth: username/password are set but auth = \"none\"; say \"plain\" or \"login\"");
            }
        }
        SmtpAuthKind::Plain | SmtpAuthKind::Login => {
            if blank_user {
                bail!("mail.smtp.username: needed with auth = \"plain\" / \"login\"");
            }
            if is_blank(smtp.password.as_ref()) {
                bail!("mail.smtp.password: needed with auth = \"plain\" / \"login\" (or CONNECT311__MAIL__SMTP__PASSWORD)");
            }
        }
        SmtpAuthKind::Xoauth2 if blank_user => {
            bail!(
                "mail.smtp.username: needed with auth = \"xoauth2\" (the mailbox the token is for)"
            )
        }
        SmtpAuthKind::Xoauth2 => {}
    }
    if smtp.security == SmtpSecurity::Plain
        && smtp.auth != SmtpAuthKind::None
        && !is_loopback(&smtp.host)
    {
        bail!("mail.smtp.security: \"plain\" would send the login in clear; use \"starttls\" or \"tls\"");
    }
    Ok(())
}

fn check_oauth2(o: &OAuth2Settings, m: &MailSettings) -> Result<()> {
    let secret = !is_blank(o.client_secret.as_ref());
    let certificate = o.certificate_file.is_some() || o.certificate_key_file.is_some();
    let client_id = o.client_id.as_deref().is_some_and(|c| !c.trim().is_empty());
    match o.provider {
        OAuthProviderKind::Microsoft => {
            if o.tenant.as_deref().is_none_or(|t| t.trim().is_empty()) {
                bail!("mail.oauth2.tenant: needed for microsoft (the directory id or a verified domain)");
            }
            if !client_id {
                bail!("mail.oauth2.client_id: needed for microsoft (the app registration's application id)");
            }
            if o.refresh_token.is_some() || o.service_account_file.is_some() {
                bail!("mail.oauth2: refresh_token and service_account_file are for google; microsoft uses client credentials");
            }
            match (secret, certificate) {
                (true, true) => bail!("mail.oauth2: give client_secret or certificate_file, not both"),
                (false, false) => bail!("mail.oauth2.client_secret: needed for microsoft (or certificate_file + certificate_key_file)"),
                (false, true) if o.certificate_file.is_none() || o.certificate_key_file.is_none() => {
                    bail!("mail.oauth2.certificate_key_file: certificate_file and certificate_key_file go together")
                }
                _ => {}
            }
        }
        OAuthProviderKind::Google => check_google(o, m, secret, client_id, certificate)?,
    }
    if let Some(url) = &o.token_url {
        let local = url
            .strip_prefix("http://")
            .is_some_and(|rest| is_loopback(host_of(rest)));
        if !url.starts_with("https://") && !local {
            bail!("mail.oauth2.token_url: must be https:// (plain http only to a loopback host)");
        }
    }
    Ok(())
}

fn check_google(
    o: &OAuth2Settings,
    m: &MailSettings,
    secret: bool,
    client_id: bool,
    certificate: bool,
) -> Result<()> {
    if o.tenant.is_some() || certificate {
        bail!("mail.oauth2: tenant and certificate_file are for microsoft");
    }
    match (
        !is_blank(o.refresh_token.as_ref()),
        o.service_account_file.is_some(),
    ) {
        (true, true) => bail!("mail.oauth2: give refresh_token or service_account_file, not both"),
        (false, false) => {
            bail!("mail.oauth2.refresh_token: needed for google (or service_account_file)")
        }
        (true, false) if !(client_id && secret) => {
            bail!("mail.oauth2.client_id: a refresh token needs the OAuth client's client_id and client_secret")
        }
        (false, true)
            if m.imap.is_none() && m.smtp.as_ref().is_none_or(|s| s.username.is_none()) =>
        {
            bail!("mail.oauth2.service_account_file: the service account needs a mailbox to act as (mail.imap.username or mail.smtp.username)")
        }
        _ => Ok(()),
    }
}

fn is_blank(s: Option<&secrecy::SecretString>) -> bool {
    s.is_none_or(|s| s.expose_secret().trim().is_empty())
}

fn host_of(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or("");
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// `localhost`, 127.0.0.0/8 or ::1: a relay on this machine.
pub(super) fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
