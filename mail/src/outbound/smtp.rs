//! SMTP delivery with lettre: plaintext to a loopback relay, or submission with STARTTLS (587) or implicit TLS
//! (465), trusting the Mozilla roots plus an optional private CA, and logging in with a password (PLAIN, LOGIN)
//! or an OAuth2 bearer token (XOAUTH2, as Microsoft 365 and Google Workspace require).
//!
//! Without login, lettre's pooled transport is used. With login, each message gets its own connection
//! (connect, TLS, AUTH, send, QUIT), so a refused login is told apart from a refused message: a refused login is
//! transient and marked [`AuthFailed`] (the mail waits in the outbox until the credentials work), and a refused
//! token is replaced by a new one from the provider and tried once more before the message waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use async_trait::async_trait;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::send::{AuthFailed, MailSender, SendError};
use super::{build, OutgoingMail};
use crate::oauth::TokenSource;

/// Connections the pool keeps open at most: as many as the outbox worker sends at once, so concurrent mails
/// reuse warm connections instead of queueing behind one or opening more than the relay needs.
pub const POOL_SIZE: u32 = 8;

/// Transport security for [`SmtpOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plaintext, for loopback relays only.
    #[default]
    Plain,
    /// STARTTLS required (submission, port 587): a server that does not offer it is an error.
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
}

/// How to log in to the relay.
#[derive(Clone, Default)]
pub enum SmtpAuth {
    /// No AUTH (a relay that trusts our address).
    #[default]
    None,
    /// `AUTH PLAIN` or `AUTH LOGIN` with a password.
    Password {
        mechanism: PasswordMechanism,
        username: String,
        password: String,
    },
    /// `AUTH XOAUTH2` with a token from `tokens` for the mailbox `username`.
    Xoauth2 {
        username: String,
        tokens: Arc<TokenSource>,
    },
}

impl std::fmt::Debug for SmtpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpAuth::None => f.write_str("None"),
            SmtpAuth::Password {
                mechanism,
                username,
                ..
            } => {
                write!(f, "Password({mechanism:?}, {username})")
            }
            SmtpAuth::Xoauth2 { username, tokens } => {
                write!(f, "Xoauth2({username}, {})", tokens.provider())
            }
        }
    }
}

/// The password mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordMechanism {
    Plain,
    Login,
}

/// SMTP relay settings.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Extra trust anchors (PEM) besides the Mozilla roots, for a private CA.
    pub ca_file: Option<PathBuf>,
    pub auth: SmtpAuth,
    pub timeout: Duration,
}

impl SmtpOptions {
    pub fn plain(host: &str, port: u16) -> Self {
        Self {
            host: host.to_string(),
            port,
            security: SmtpSecurity::Plain,
            ca_file: None,
            auth: SmtpAuth::None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Sends through an SMTP relay.
pub struct SmtpSender {
    opts: SmtpOptions,
    tls: Option<TlsParameters>,
    /// lettre's pool, used when there is no login.
    pooled: Option<AsyncSmtpTransport<Tokio1Executor>>,
    loop_id: String,
}

impl SmtpSender {
    /// Plaintext relay without credentials (the loopback Postfix). Call inside the tokio runtime: the pool
    /// spawns a task when built.
    pub fn new(host: &str, port: u16, loop_id: &str) -> Self {
        Self::from_options(&SmtpOptions::plain(host, port), loop_id)
            .expect("a plaintext transport always builds")
    }

    /// Any relay. Fails for settings no retry can fix (an unreadable or empty `ca_file`). Call inside the
    /// tokio runtime.
    pub fn from_options(opts: &SmtpOptions, loop_id: &str) -> anyhow::Result<Self> {
        let tls = match opts.security {
            SmtpSecurity::Plain => None,
            SmtpSecurity::StartTls | SmtpSecurity::Tls => Some(tls_parameters(opts)?),
        };
        let pooled = matches!(opts.auth, SmtpAuth::None).then(|| {
            let mode = match (&tls, opts.security) {
                (Some(p), SmtpSecurity::StartTls) => Tls::Required(p.clone()),
                (Some(p), SmtpSecurity::Tls) => Tls::Wrapper(p.clone()),
                _ => Tls::None,
            };
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(opts.host.as_str())
                .port(opts.port)
                .tls(mode)
                .timeout(Some(opts.timeout))
                .pool_config(PoolConfig::new().max_size(POOL_SIZE))
                .build()
        });
        Ok(Self {
            opts: opts.clone(),
            tls,
            pooled,
            loop_id: loop_id.to_string(),
        })
    }
}

/// Loads what [`SmtpSender::from_options`] needs (the TLS trust anchors, `ca_file` included) without connecting
/// or starting a pool: a start-up check for the errors no retry can fix.
pub fn check_config(opts: &SmtpOptions) -> anyhow::Result<()> {
    match opts.security {
        SmtpSecurity::Plain => Ok(()),
        SmtpSecurity::StartTls | SmtpSecurity::Tls => tls_parameters(opts).map(drop),
    }
}

fn tls_parameters(opts: &SmtpOptions) -> anyhow::Result<TlsParameters> {
    let mut builder = TlsParameters::builder(opts.host.clone());
    if let Some(path) = &opts.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("reading CA certificates from {}", path.display()))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            anyhow::bail!("no PEM certificate in CA file {}", path.display());
        }
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| anyhow!("CA certificates in {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build_rustls()
        .map_err(|e| anyhow!("TLS set-up for {}: {e}", opts.host))
}

#[async_trait]
impl MailSender for SmtpSender {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build(mail, &self.loop_id)?;
        let sent = match &self.pooled {
            Some(pool) => pool
                .send(message)
                .await
                .map(drop)
                .map_err(SendError::from_smtp),
            None => self.send_with_login(&message).await,
        };
        sent.map_err(|e| e.context(format!("sending {} to {}", mail.message_id, mail.to.email)))
    }
}

impl SmtpSender {
    /// One connection per message: a refused XOAUTH2 token is replaced once and the message tried again.
    async fn send_with_login(&self, message: &Message) -> Result<(), SendError> {
        let (mechanism, username, secret) = match &self.opts.auth {
            SmtpAuth::None => unreachable!("the pool sends without login"),
            SmtpAuth::Password {
                mechanism,
                username,
                password,
            } => {
                let m = match mechanism {
                    PasswordMechanism::Plain => Mechanism::Plain,
                    PasswordMechanism::Login => Mechanism::Login,
                };
                (m, username, password.clone())
            }
            SmtpAuth::Xoauth2 { username, tokens } => {
                let token = tokens
                    .token()
                    .await
                    .map_err(|e| refused_token(username, e))?;
                match self
                    .deliver(message, Mechanism::Xoauth2, username, &token)
                    .await
                {
                    Err(e) if e.is_auth_failure() => {
                        tracing::warn!(user = %username, error = %format!("{e:#}"), "SMTP refused the OAuth2 token; fetching a new one");
                        let token = tokens
                            .replace(&token)
                            .await
                            .map_err(|e| refused_token(username, e))?;
                        return self
                            .deliver(message, Mechanism::Xoauth2, username, &token)
                            .await;
                    }
                    other => return other,
                }
            }
        };
        self.deliver(message, mechanism, username, &secret).await
    }

    async fn deliver(
        &self,
        message: &Message,
        mechanism: Mechanism,
        username: &str,
        secret: &str,
    ) -> Result<(), SendError> {
        let mut conn = self.connect().await?;
        let creds = Credentials::new(username.to_string(), secret.to_string());
        if let Err(e) = conn.auth(&[mechanism], &creds).await {
            conn.abort().await;
            return Err(login_refused(mechanism, username, e));
        }
        let sent = conn.send(message.envelope(), &message.formatted()).await;
        if sent.is_ok() {
            // Best effort: the message is accepted whatever QUIT answers.
            let _ = conn.quit().await;
        } else {
            conn.abort().await;
        }
        sent.map(drop).map_err(SendError::from_smtp)
    }

    /// TCP, TLS as configured (STARTTLS required when asked for) and EHLO.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let o = &self.opts;
        let hello = ClientId::default();
        let wrapper = (o.security == SmtpSecurity::Tls)
            .then(|| self.tls.clone())
            .flatten();
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (o.host.as_str(), o.port),
            Some(o.timeout),
            &hello,
            wrapper,
            None,
        )
        .await
        .map_err(|e| {
            SendError::from_smtp(e).context(format!("connecting to {}:{}", o.host, o.port))
        })?;
        if let (SmtpSecurity::StartTls, Some(tls)) = (o.security, &self.tls) {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(SendError::Transient(anyhow!(
                    "{}:{} does not offer STARTTLS; refusing to log in without TLS",
                    o.host,
                    o.port
                )));
            }
            conn.starttls(tls.clone(), &hello)
                .await
                .map_err(|e| SendError::from_smtp(e).context("STARTTLS"))?;
        }
        Ok(conn)
    }
}

/// A refused login: transient (the message is fine; fixing the credentials lets it go) and marked.
fn login_refused(
    mechanism: Mechanism,
    username: &str,
    e: lettre::transport::smtp::Error,
) -> SendError {
    let reason = if mechanism == Mechanism::Xoauth2 && e.is_client() {
        // lettre stops at the server's error challenge: the token was refused.
        "the server refused the token".to_string()
    } else {
        e.to_string()
    };
    SendError::Transient(
        anyhow!("SMTP AUTH {mechanism} as {username}: {reason}").context(AuthFailed),
    )
}

fn refused_token(username: &str, e: crate::oauth::OAuthError) -> SendError {
    SendError::Transient(
        anyhow::Error::new(e)
            .context(format!("no OAuth2 token for {username}"))
            .context(AuthFailed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_relay_that_is_not_listening_is_transient() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut opts = SmtpOptions::plain("127.0.0.1", port);
        opts.timeout = Duration::from_secs(5);
        let sender = SmtpSender::from_options(&opts, "x").unwrap();
        let err = sender
            .send(&super::super::tests::sample())
            .await
            .unwrap_err();
        assert!(!err.is_permanent(), "{err:?}");
        assert!(!err.is_auth_failure(), "{err:?}");
    }

    #[test]
    fn an_empty_ca_file_is_refused_at_set_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "").unwrap();
        let mut opts = SmtpOptions::plain("127.0.0.1", 587);
        opts.security = SmtpSecurity::StartTls;
        opts.ca_file = Some(path);
        let err = SmtpSender::from_options(&opts, "x")
            .err()
            .expect("accepted");
        assert!(format!("{err:#}").contains("no PEM certificate"), "{err:#}");
    }
}
