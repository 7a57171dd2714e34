//! OAuth2 access tokens for mailbox login (IMAP and SMTP XOAUTH2 / OAUTHBEARER): fetched from the provider's
//! token endpoint, cached, refreshed before they expire and again whenever a mail server refuses one.
//!
//! Two providers, as cities use them: Microsoft 365 (Entra ID client-credentials grant for an app registration,
//! with a client secret or a certificate) and Google Workspace (a refresh token of an OAuth client, or a service
//! account with domain-wide delegation). One token serves both IMAP and SMTP: Microsoft's
//! `https://outlook.office365.com/.default` and Google's `https://mail.google.com/` scopes cover both.

mod endpoint;
pub(crate) mod grant;
mod sasl;

use std::fmt;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

pub use grant::{Grant, ServiceAccountKey};
pub(crate) use sasl::BearerAuthenticator;
pub use sasl::{oauthbearer_response, xoauth2_response, SaslMechanism};

/// Who issues the tokens. Decides the default endpoint and scope and how errors are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Microsoft,
    Google,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Microsoft => "microsoft",
            Provider::Google => "google",
        })
    }
}

impl Provider {
    /// The token endpoint: Microsoft's per tenant (a tenant id or a verified domain), Google's global one.
    pub fn token_url(self, tenant: Option<&str>) -> String {
        match self {
            Provider::Microsoft => format!(
                "https://login.microsoftonline.com/{}/oauth2/v2.0/token",
                tenant.unwrap_or("organizations")
            ),
            Provider::Google => "https://oauth2.googleapis.com/token".to_string(),
        }
    }

    /// The scope that grants IMAP and SMTP access to a mailbox.
    pub fn mail_scope(self) -> &'static str {
        match self {
            Provider::Microsoft => "https://outlook.office365.com/.default",
            Provider::Google => "https://mail.google.com/",
        }
    }
}

/// Why no token could be had. Every arm names the provider; a refusal carries the provider's own error code
/// (`invalid_client`, `invalid_grant`, …) and the first line of its description (`AADSTS7000215: …`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum OAuthError {
    #[error("{provider} token endpoint refused: {code} ({description})")]
    Refused {
        provider: Provider,
        code: String,
        description: String,
        http_status: u16,
    },
    #[error("{provider} token endpoint {url} unreachable: {reason}")]
    Unreachable {
        provider: Provider,
        url: String,
        reason: String,
    },
    #[error("{provider} token endpoint answered HTTP {http_status} without a token: {reason}")]
    Malformed {
        provider: Provider,
        http_status: u16,
        reason: String,
    },
    /// The configured credential itself is unusable (a key that does not parse).
    #[error("{provider} credential unusable: {reason}")]
    Credential { provider: Provider, reason: String },
}

impl OAuthError {
    pub fn provider(&self) -> Provider {
        match self {
            OAuthError::Refused { provider, .. }
            | OAuthError::Unreachable { provider, .. }
            | OAuthError::Malformed { provider, .. }
            | OAuthError::Credential { provider, .. } => *provider,
        }
    }

    /// The provider's error code when it refused (`invalid_client`), else `None`.
    pub fn code(&self) -> Option<&str> {
        match self {
            OAuthError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Where and how to ask for tokens.
#[derive(Clone)]
pub struct OAuthConfig {
    pub provider: Provider,
    pub token_url: String,
    pub scope: String,
    pub grant: Grant,
    /// Limit for one token request.
    pub timeout: Duration,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("provider", &self.provider)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("grant", &self.grant.kind())
            .finish()
    }
}

impl OAuthConfig {
    /// The provider's endpoint and mail scope for `grant`.
    pub fn new(provider: Provider, tenant: Option<&str>, grant: Grant) -> Self {
        Self {
            provider,
            token_url: provider.token_url(tenant),
            scope: provider.mail_scope().to_string(),
            grant,
            timeout: Duration::from_secs(30),
        }
    }
}

struct Cached {
    token: String,
    refresh_at: Instant,
}

/// A cached access token from one [`OAuthConfig`]. Cheap to share (`Arc<TokenSource>`) between the IMAP worker
/// and the SMTP sender; concurrent callers wait for one request instead of each making their own.
pub struct TokenSource {
    cfg: OAuthConfig,
    http: reqwest::Client,
    cache: Mutex<Option<Cached>>,
    fetched: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("cfg", &self.cfg)
            .finish()
    }
}

impl TokenSource {
    pub fn new(cfg: OAuthConfig) -> Result<Self, OAuthError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .build()
            .map_err(|e| OAuthError::Credential {
                provider: cfg.provider,
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(Self {
            cfg,
            http,
            cache: Mutex::new(None),
            fetched: Default::default(),
        })
    }

    pub fn provider(&self) -> Provider {
        self.cfg.provider
    }

    /// A token valid for a while yet: the cached one, or a new one when it is close to expiry.
    pub async fn token(&self) -> Result<String, OAuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok(c.token.clone());
        }
        let issued = endpoint::request(&self.http, &self.cfg).await?;
        self.fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(provider = %self.cfg.provider, expires_in_s = issued.expires_in.as_secs(), "OAuth2 access token fetched");
        let token = issued.access_token.clone();
        *cache = Some(Cached {
            token: issued.access_token,
            refresh_at: Instant::now() + refresh_after(issued.expires_in),
        });
        Ok(token)
    }

    /// A mail server refused `rejected`: forget it (unless a newer one replaced it meanwhile) and get another.
    pub async fn replace(&self, rejected: &str) -> Result<String, OAuthError> {
        {
            let mut cache = self.cache.lock().await;
            if cache.as_ref().is_some_and(|c| c.token == rejected) {
                *cache = None;
            }
        }
        self.token().await
    }

    /// How many tokens were fetched from the endpoint so far (for logs and tests).
    pub fn fetched(&self) -> u64 {
        self.fetched.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// When to fetch the next token: a fifth of the lifetime early, at most five minutes early (clock skew, a
/// long SMTP transaction), so an hour's token is renewed after 55 minutes.
fn refresh_after(lifetime: Duration) -> Duration {
    lifetime.saturating_sub((lifetime / 5).min(Duration::from_secs(300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(refresh_after(Duration::from_secs(3600)).as_secs(), 3300);
        assert_eq!(refresh_after(Duration::from_secs(100)).as_secs(), 80);
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn default_endpoints_and_scopes() {
        assert_eq!(
            Provider::Microsoft.token_url(Some("contoso.onmicrosoft.com")),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(Provider::Google.mail_scope(), "https://mail.google.com/");
        assert_eq!(
            Provider::Microsoft.mail_scope(),
            "https://outlook.office365.com/.default"
        );
    }
}
