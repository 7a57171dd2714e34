//! One token request: the form POST to the provider's endpoint and its JSON answer (RFC 6749 §5.1 / §5.2).

use std::time::Duration;

use serde::Deserialize;

use super::{OAuthConfig, OAuthError};

/// A token the endpoint issued.
pub(super) struct Issued {
    pub access_token: String,
    pub expires_in: Duration,
}

#[derive(Deserialize)]
struct Success {
    access_token: String,
    /// Seconds; some endpoints send it as a string.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Failure {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Without `expires_in` a token is assumed to last an hour, as both providers' do.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

pub(super) async fn request(
    http: &reqwest::Client,
    cfg: &OAuthConfig,
) -> Result<Issued, OAuthError> {
    let provider = cfg.provider;
    let form = cfg.grant.form(cfg)?;
    let unreachable = |e: reqwest::Error| OAuthError::Unreachable {
        provider,
        url: cfg.token_url.clone(),
        reason: error_chain(&e),
    };
    let response = http
        .post(&cfg.token_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(unreachable)?;
    parse(cfg, status, &body)
}

fn parse(cfg: &OAuthConfig, status: u16, body: &str) -> Result<Issued, OAuthError> {
    let provider = cfg.provider;
    if (200..300).contains(&status) {
        let ok: Success = serde_json::from_str(body).map_err(|e| OAuthError::Malformed {
            provider,
            http_status: status,
            reason: format!("{e}"),
        })?;
        if ok.access_token.is_empty() {
            return Err(OAuthError::Malformed {
                provider,
                http_status: status,
                reason: "empty access_token".into(),
            });
        }
        return Ok(Issued {
            access_token: ok.access_token,
            expires_in: ok
                .expires_in
                .as_ref()
                .and_then(seconds)
                .unwrap_or(DEFAULT_LIFETIME),
        });
    }
    match serde_json::from_str::<Failure>(body) {
        Ok(f) => Err(OAuthError::Refused {
            provider,
            code: f.error,
            description: first_line(f.error_description.as_deref().unwrap_or("no description")),
            http_status: status,
        }),
        Err(_) => Err(OAuthError::Malformed {
            provider,
            http_status: status,
            reason: first_line(body),
        }),
    }
}

fn seconds(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    Some(Duration::from_secs(secs))
}

/// Microsoft's descriptions continue with trace and correlation ids on further lines; the first says what is wrong.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(300).collect();
    if line.chars().count() > 300 {
        out.push('…');
    }
    out
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{Grant, Provider};

    fn cfg() -> OAuthConfig {
        OAuthConfig::new(
            Provider::Microsoft,
            Some("contoso"),
            Grant::ClientSecret {
                client_id: "c".into(),
                secret: "s".into(),
            },
        )
    }

    #[test]
    fn a_refusal_names_the_provider_code_and_first_line() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[7000215]}"#;
        let Err(e) = parse(&cfg(), 401, body) else {
            panic!("accepted")
        };
        assert_eq!(e.code(), Some("invalid_client"));
        assert_eq!(
            e.to_string(),
            "microsoft token endpoint refused: invalid_client (AADSTS7000215: Invalid client secret provided.)"
        );
    }

    #[test]
    fn lifetimes_as_numbers_or_strings() {
        let ok = parse(
            &cfg(),
            200,
            r#"{"access_token":"t","expires_in":"120","token_type":"Bearer"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.expires_in, Duration::from_secs(120));
        let ok = parse(&cfg(), 200, r#"{"access_token":"t"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.expires_in, DEFAULT_LIFETIME);
    }

    #[test]
    fn garbage_is_malformed_not_a_token() {
        assert!(matches!(
            parse(&cfg(), 502, "<html>Bad gateway</html>"),
            Err(OAuthError::Malformed {
                http_status: 502,
                ..
            })
        ));
        assert!(matches!(
            parse(&cfg(), 200, r#"{"access_token":""}"#),
            Err(OAuthError::Malformed { .. })
        ));
    }
}
