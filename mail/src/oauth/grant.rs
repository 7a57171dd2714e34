//! The credential a token is asked for with, and the form it becomes: a client secret or a signed certificate
//! assertion (Microsoft client credentials), a refresh token (Google OAuth client), or a signed service-account
//! assertion with domain-wide delegation (Google).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha2::Digest;

use super::{OAuthConfig, OAuthError, Provider};

/// How the service proves who it is to the token endpoint.
#[derive(Clone)]
pub enum Grant {
    /// Client credentials with the app registration's client secret.
    ClientSecret { client_id: String, secret: String },
    /// Client credentials with a certificate uploaded to the app registration: a JWT signed with its private
    /// key (RS256), naming the certificate by its SHA-1 thumbprint (`x5t`).
    ClientCertificate {
        client_id: String,
        key: EncodingKey,
        thumbprint: String,
    },
    /// A long-lived refresh token of an OAuth client (Google: consented once by the mailbox's user).
    RefreshToken {
        client_id: String,
        client_secret: String,
        refresh_token: String,
    },
    /// A service account acting as `subject` (the mailbox) through domain-wide delegation.
    ServiceAccount {
        client_email: String,
        key: EncodingKey,
        subject: String,
    },
}

impl Grant {
    /// A short name for logs (never the secret).
    pub fn kind(&self) -> &'static str {
        match self {
            Grant::ClientSecret { .. } => "client_secret",
            Grant::ClientCertificate { .. } => "client_certificate",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::ServiceAccount { .. } => "service_account",
        }
    }

    /// A certificate credential from the PEM certificate (as uploaded to the app registration) and its key.
    pub fn client_certificate(
        client_id: &str,
        cert_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<Self, String> {
        use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer};
        let cert =
            CertificateDer::from_pem_slice(cert_pem).map_err(|e| format!("certificate: {e}"))?;
        let key = EncodingKey::from_rsa_pem(key_pem)
            .map_err(|e| format!("private key (an RSA key in PEM is needed): {e}"))?;
        Ok(Grant::ClientCertificate {
            client_id: client_id.to_string(),
            key,
            thumbprint: b64url(&sha1::Sha1::digest(cert.as_ref())),
        })
    }

    /// The form fields of the token request.
    pub(super) fn form(
        &self,
        cfg: &OAuthConfig,
    ) -> Result<Vec<(&'static str, String)>, OAuthError> {
        let scope = cfg.scope.clone();
        Ok(match self {
            Grant::ClientSecret { client_id, secret } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.clone()),
                ("client_secret", secret.clone()),
                ("scope", scope),
            ],
            Grant::ClientCertificate {
                client_id,
                key,
                thumbprint,
            } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.clone()),
                ("scope", scope),
                ("client_assertion_type", JWT_BEARER_ASSERTION.into()),
                (
                    "client_assertion",
                    client_assertion(cfg, client_id, key, thumbprint)?,
                ),
            ],
            Grant::RefreshToken {
                client_id,
                client_secret,
                refresh_token,
            } => vec![
                ("grant_type", "refresh_token".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.clone()),
                ("refresh_token", refresh_token.clone()),
            ],
            Grant::ServiceAccount {
                client_email,
                key,
                subject,
            } => vec![
                ("grant_type", JWT_BEARER_GRANT.into()),
                (
                    "assertion",
                    service_assertion(cfg, client_email, key, subject)?,
                ),
            ],
        })
    }
}

/// RFC 7523 client authentication with a signed JWT.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 7523 authorization grant with a signed JWT (Google service accounts).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The claims of a client assertion (Microsoft) or a service-account assertion (Google).
#[derive(Debug, Serialize, Deserialize)]
pub struct AssertionClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn client_assertion(
    cfg: &OAuthConfig,
    client_id: &str,
    key: &EncodingKey,
    thumbprint: &str,
) -> Result<String, OAuthError> {
    let now = unix_now();
    let mut header = Header::new(Algorithm::RS256);
    header.x5t = Some(thumbprint.to_string());
    let claims = AssertionClaims {
        iss: client_id.to_string(),
        sub: client_id.to_string(),
        aud: cfg.token_url.clone(),
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: Some(unique_id()),
        scope: None,
    };
    sign(cfg.provider, &header, &claims, key)
}

fn service_assertion(
    cfg: &OAuthConfig,
    client_email: &str,
    key: &EncodingKey,
    subject: &str,
) -> Result<String, OAuthError> {
    let now = unix_now();
    let claims = AssertionClaims {
        iss: client_email.to_string(),
        sub: subject.to_string(),
        aud: cfg.token_url.clone(),
        iat: now,
        nbf: now,
        exp: now + 3600,
        jti: None,
        scope: Some(cfg.scope.clone()),
    };
    sign(cfg.provider, &Header::new(Algorithm::RS256), &claims, key)
}

fn sign(
    provider: Provider,
    header: &Header,
    claims: &AssertionClaims,
    key: &EncodingKey,
) -> Result<String, OAuthError> {
    jsonwebtoken::encode(header, claims, key).map_err(|e| OAuthError::Credential {
        provider,
        reason: format!("signing the assertion: {e}"),
    })
}

/// The fields of a Google service-account JSON key that a token needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl ServiceAccountKey {
    /// Parses the JSON key file Google's console downloads.
    pub fn parse(json: &str) -> Result<Self, String> {
        let key: ServiceAccountKey = serde_json::from_str(json)
            .map_err(|e| format!("not a service-account JSON key: {e}"))?;
        EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .map_err(|e| format!("private_key: {e}"))?;
        Ok(key)
    }

    /// The grant acting as `subject` (the mailbox to open).
    pub fn grant(&self, subject: &str) -> Result<Grant, String> {
        Ok(Grant::ServiceAccount {
            client_email: self.client_email.clone(),
            key: EncodingKey::from_rsa_pem(self.private_key.as_bytes())
                .map_err(|e| format!("private_key: {e}"))?,
            subject: subject.to_string(),
        })
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A value never used twice (time, process and a counter, hashed), for `jti`.
fn unique_id() -> String {
    unique_hex(32)
}

/// `len` hex digits (at most 64) of a hash of the time, the process and a counter: never the same twice.
pub(crate) fn unique_hex(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut digest = hex::encode(sha2::Sha256::digest(seed.as_bytes()));
    digest.truncate(len.min(64));
    digest
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
