//! Transport for the IMAP worker: plain TCP, implicit TLS (993) or STARTTLS (143), over tokio-rustls with the
//! `ring` provider. Trust anchors are the Mozilla set from webpki-roots plus, optionally, the certificates in
//! [`ImapConfig::ca_file`] (a private CA, or the test CA of `scripts/mailserver.sh`).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::{ImapConfig, ImapSecurity};

/// The byte stream under an IMAP client: plain or TLS, one type so the session code is the same for both.
#[derive(Debug)]
pub(crate) enum ImapStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// What a connection needs besides the config: the TLS client set up once per worker (trust anchors loaded),
/// `None` for [`ImapSecurity::Plain`].
#[derive(Clone)]
pub(crate) struct Transport {
    tls: Option<TlsConnector>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Transport {
    /// Loads the trust anchors. Fails only for configuration errors (an unreadable or empty `ca_file`), which
    /// retrying would not fix.
    pub(crate) fn new(cfg: &ImapConfig) -> anyhow::Result<Self> {
        if cfg.security == ImapSecurity::Plain {
            return Ok(Self { tls: None });
        }
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = &cfg.ca_file {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| anyhow!("reading CA certificates from {}: {e}", path.display()))?;
            if certs.is_empty() {
                bail!("no PEM certificate in CA file {}", path.display());
            }
            for cert in certs {
                roots
                    .add(cert)
                    .with_context(|| format!("CA certificate in {}", path.display()))?;
            }
        }
        // An explicit provider: whatever else in the process enables rustls features, the choice is never ambiguous.
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .context("TLS protocol versions")?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(Self {
            tls: Some(TlsConnector::from(Arc::new(config))),
        })
    }

    /// TCP connect, TLS as configured, and the server greeting read: a client ready for `login`.
    pub(crate) async fn connect(
        &self,
        cfg: &ImapConfig,
    ) -> anyhow::Result<async_imap::Client<ImapStream>> {
        let ct = cfg.command_timeout;
        let addr = format!("{}:{}", cfg.host, cfg.port);
        let tcp = match tokio::time::timeout(ct, TcpStream::connect((cfg.host.as_str(), cfg.port)))
            .await
        {
            Ok(r) => r.with_context(|| format!("IMAP connect to {addr}"))?,
            Err(_) => bail!("IMAP connect to {addr} timed out after {ct:?}"),
        };
        match (cfg.security, &self.tls) {
            (ImapSecurity::Plain, _) => {
                let mut client = async_imap::Client::new(ImapStream::Plain(tcp));
                read_greeting(&mut client, ct).await?;
                Ok(client)
            }
            (ImapSecurity::Tls, Some(tls)) => {
                let stream = handshake(tls, tcp, cfg).await?;
                let mut client = async_imap::Client::new(stream);
                read_greeting(&mut client, ct).await?;
                Ok(client)
            }
            (ImapSecurity::StartTls, Some(tls)) => {
                let mut client = async_imap::Client::new(ImapStream::Plain(tcp));
                read_greeting(&mut client, ct).await?;
                match tokio::time::timeout(ct, client.run_command_and_check_ok("STARTTLS", None))
                    .await
                {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        return Err(anyhow!(e)
                            .context(format!("IMAP STARTTLS refused by {addr} (no TLS on 143?)")))
                    }
                    Err(_) => bail!("IMAP STARTTLS timed out after {ct:?}"),
                }
                let ImapStream::Plain(tcp) = client.into_inner() else {
                    unreachable!("STARTTLS starts from a plain stream")
                };
                // No greeting after STARTTLS (RFC 3501 §6.2.1): the client is ready for login.
                let stream = handshake(tls, tcp, cfg).await?;
                Ok(async_imap::Client::new(stream))
            }
            (_, None) => bail!("internal: TLS requested but no TLS client configured"),
        }
    }
}

async fn read_greeting(
    client: &mut async_imap::Client<ImapStream>,
    ct: Duration,
) -> anyhow::Result<()> {
    // The server speaks first; login before reading the greeting would misread it as the login reply.
    match tokio::time::timeout(ct, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => bail!("server closed the connection before its greeting"),
        Ok(Err(e)) => Err(anyhow!(e).context("IMAP greeting")),
        Err(_) => bail!("IMAP greeting timed out after {ct:?}"),
    }
}

async fn handshake(
    tls: &TlsConnector,
    tcp: TcpStream,
    cfg: &ImapConfig,
) -> anyhow::Result<ImapStream> {
    let ct = cfg.command_timeout;
    let name = ServerName::try_from(cfg.host.clone())
        .with_context(|| format!("{:?} is not a valid TLS server name", cfg.host))?;
    match tokio::time::timeout(ct, tls.connect(name, tcp)).await {
        Ok(Ok(s)) => Ok(ImapStream::Tls(Box::new(s))),
        Ok(Err(e)) => Err(describe_tls_error(e, cfg)),
        Err(_) => bail!(
            "TLS handshake with {}:{} timed out after {ct:?}",
            cfg.host,
            cfg.port
        ),
    }
}

/// Turns a handshake failure into a message an operator can act on; certificate problems say so plainly.
fn describe_tls_error(e: io::Error, cfg: &ImapConfig) -> anyhow::Error {
    let server = format!("{}:{}", cfg.host, cfg.port);
    let rustls_err = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_err {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            let trust = match &cfg.ca_file {
                Some(p) => format!("the Mozilla roots and {}", p.display()),
                None => "the Mozilla roots (set ca_file for a private CA)".to_string(),
            };
            let what = match cert {
                rustls::CertificateError::UnknownIssuer => "not issued by a trusted CA",
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. } => {
                    "not valid for this host name"
                }
                rustls::CertificateError::Expired
                | rustls::CertificateError::ExpiredContext { .. } => "expired",
                rustls::CertificateError::NotValidYet
                | rustls::CertificateError::NotValidYetContext { .. } => "not valid yet",
                rustls::CertificateError::Revoked => "revoked",
                _ => "invalid",
            };
            anyhow!(
                "TLS certificate of IMAP server {server} rejected: {what} ({cert:?}; name checked: {:?}; trusted: {trust})",
                cfg.host
            )
        }
        Some(other) => anyhow!("TLS handshake with IMAP server {server} failed: {other}"),
        None => anyhow!(e).context(format!("TLS handshake with IMAP server {server}")),
    }
}
