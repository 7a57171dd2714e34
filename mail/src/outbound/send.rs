//! Senders: SMTP through lettre, and a directory of `.eml` files for the zero-setup embedded default.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{build, OutgoingMail};

/// Why a message was not delivered, classified where the failure is born: a permanent one is recorded and not
/// retried, a transient one is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// 5xx, or a message that can never be sent (bad address).
    #[error("permanent delivery failure")]
    Permanent(#[source] anyhow::Error),
    /// 4xx, timeouts, connection trouble, a full disk: retrying may help.
    #[error("transient delivery failure")]
    Transient(#[source] anyhow::Error),
}

impl SendError {
    /// True when retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// Adds context to the cause, keeping the classification.
    pub fn context(self, context: impl std::fmt::Display + Send + Sync + 'static) -> Self {
        match self {
            SendError::Permanent(e) => SendError::Permanent(e.context(context)),
            SendError::Transient(e) => SendError::Transient(e.context(context)),
        }
    }

    /// An SMTP failure: lettre's 5xx is permanent; 4xx, connection, TLS and timeouts are transient.
    fn from_smtp(e: lettre::transport::smtp::Error) -> Self {
        if e.is_permanent() {
            SendError::Permanent(e.into())
        } else {
            SendError::Transient(e.into())
        }
    }
}

/// Anything that can deliver an [`OutgoingMail`].
#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError>;
}

/// Transport security for [`SmtpOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plaintext, for loopback relays only.
    #[default]
    Plain,
    /// STARTTLS required (submission, port 587).
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
}

/// SMTP relay settings.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout: Duration,
}

impl SmtpOptions {
    pub fn plain(host: &str, port: u16) -> Self {
        Self {
            host: host.to_string(),
            port,
            security: SmtpSecurity::Plain,
            username: None,
            password: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Sends through an SMTP relay with lettre's pooled async transport.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    loop_id: String,
}

impl SmtpSender {
    /// Plaintext relay without credentials (the loopback Postfix). Call inside the tokio runtime: the pool
    /// spawns a task when built.
    pub fn new(host: &str, port: u16, loop_id: &str) -> Self {
        Self::from_options(&SmtpOptions::plain(host, port), loop_id)
            .expect("a plaintext transport always builds")
    }

    /// Any relay: TLS mode and optional credentials. Call inside the tokio runtime.
    pub fn from_options(opts: &SmtpOptions, loop_id: &str) -> anyhow::Result<Self> {
        let builder = match opts.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(opts.host.as_str())
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&opts.host)
                    .with_context(|| format!("STARTTLS relay {}", opts.host))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&opts.host)
                .with_context(|| format!("TLS relay {}", opts.host))?,
        };
        let mut builder = builder.port(opts.port).timeout(Some(opts.timeout));
        if let (Some(u), Some(p)) = (&opts.username, &opts.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            loop_id: loop_id.to_string(),
        })
    }
}

#[async_trait]
impl MailSender for SmtpSender {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build(mail, &self.loop_id)?;
        self.transport.send(message).await.map(drop).map_err(|e| {
            SendError::from_smtp(e)
                .context(format!("sending {} to {}", mail.message_id, mail.to.email))
        })
    }
}

/// Writes each message as `<message_id>.eml` into a directory: the embedded default needs no mail server, and an
/// operator (or a test) can read exactly what would have been sent.
pub struct FileSender {
    dir: PathBuf,
    loop_id: String,
}

impl FileSender {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            loop_id: "connect311".to_string(),
        }
    }

    /// Sets the value of our loop header (defaults to "connect311").
    pub fn with_loop_id(mut self, loop_id: &str) -> Self {
        self.loop_id = loop_id.to_string();
        self
    }

    /// Where the message with this id is (or would be) written.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_stem(message_id)))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A message id made safe as a file name (ids are chosen by us, but a stored row could hold anything).
fn file_stem(message_id: &str) -> String {
    message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '+' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

#[async_trait]
impl MailSender for FileSender {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let bytes = build(mail, &self.loop_id)?.formatted();
        self.write(&mail.message_id, &bytes)
            .await
            .map_err(SendError::Transient)
    }
}

impl FileSender {
    async fn write(&self, message_id: &str, bytes: &[u8]) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self.path_for(message_id);
        // Write then rename so a reader never sees half a message.
        let tmp = path.with_extension("eml.tmp");
        tokio::fs::write(&tmp, bytes)
            .await
            .with_context(|| format!("writing {}", tmp.display()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .with_context(|| format!("renaming to {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stem_is_safe() {
        assert_eq!(file_stem("<a/b@c>"), "a_b@c");
        assert_eq!(file_stem("../../etc"), "_.._etc");
    }

    #[test]
    fn context_keeps_the_classification() {
        let e = SendError::Permanent(anyhow::anyhow!("550 no such user")).context("sending");
        assert!(e.is_permanent());
        assert_eq!(
            format!("{:#}", anyhow::Error::new(e)),
            "permanent delivery failure: sending: 550 no such user"
        );
        let e = SendError::Transient(anyhow::anyhow!("421 try later")).context("sending");
        assert!(!e.is_permanent());
    }

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
    }
}
