//! The sender seam ([`MailSender`], [`SendError`]) and a directory of `.eml` files for the zero-setup embedded
//! default; SMTP is in `smtp.rs`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use async_trait::async_trait;

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

    /// True when the mail server (or the OAuth2 provider behind it) refused our credentials: the message is
    /// fine and waits in the outbox, but nothing will be sent until the settings are fixed.
    pub fn is_auth_failure(&self) -> bool {
        match self {
            SendError::Permanent(e) | SendError::Transient(e) => {
                e.downcast_ref::<AuthFailed>().is_some()
            }
        }
    }

    /// An SMTP failure: lettre's 5xx is permanent; 4xx, connection, TLS and timeouts are transient.
    pub(super) fn from_smtp(e: lettre::transport::smtp::Error) -> Self {
        if e.is_permanent() {
            SendError::Permanent(e.into())
        } else {
            SendError::Transient(e.into())
        }
    }
}

/// The marker (an error context) of a refused login: [`SendError::is_auth_failure`] looks for it. Displayed as
/// "authentication failed", followed by the server's or the provider's reason.
#[derive(Debug, Clone, Copy)]
pub struct AuthFailed;

impl std::fmt::Display for AuthFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("authentication failed")
    }
}

/// Anything that can deliver an [`OutgoingMail`].
#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError>;
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
}
