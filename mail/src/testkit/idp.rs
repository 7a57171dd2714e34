//! A loopback identity-provider stand-in for OAuth2 tests: Microsoft's v2.0 token endpoint
//! (`POST /{tenant}/oauth2/v2.0/token`, client credentials with a secret or a certificate assertion) and
//! Google's (`POST /token`, refresh token or service-account assertion), answering and refusing as the real ones
//! are documented to (`invalid_client` with `AADSTS7000215`, `invalid_grant`, …).
//!
//! The access tokens it issues are JWTs signed (HS256) with the key `scripts/mailserver.sh` gave Dovecot's
//! `oauth2` passdb ([`OAUTH2_KEY`]), so the real Dovecot and Postfix accept them, with `sub` = the mailbox the
//! credential was granted. `lifetimes` sets how long the servers honour the next tokens (negative: already
//! expired) and `reported_expires_in` what the endpoint claims, so a test can hand out a token that dies early.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::json;

use crate::oauth::grant::{AssertionClaims, JWT_BEARER_ASSERTION, JWT_BEARER_GRANT};

/// The test signing key Dovecot checks tokens with (base64), written by `scripts/mailserver.sh`.
pub const OAUTH2_KEY: &str = "/etc/dovecot/connect311-test-oauth2.key";
/// The `kid` Dovecot's key dictionary files the key under.
pub const OAUTH2_KID: &str = "connect311-test";

/// What the stand-in knows and has done; tests change it between requests.
#[derive(Debug, Clone)]
pub struct IdpState {
    /// The app registration (Microsoft) or OAuth client (Google).
    pub client_id: String,
    pub client_secret: String,
    /// The mailbox a client-credentials token is for (the mailbox permission the app was granted).
    pub mailbox: String,
    /// SHA-1 thumbprint (`x5t`) and public key (PEM) of the certificate uploaded to the app registration.
    pub certificate: Option<(String, Vec<u8>)>,
    /// Google refresh tokens and the user each was consented by.
    pub refresh_tokens: HashMap<String, String>,
    /// A Google service account allowed domain-wide delegation: its email and public key (PEM).
    pub service_account: Option<(String, Vec<u8>)>,
    /// Seconds the mail servers accept each of the next tokens (their `exp`); negative = expired at issue.
    /// Once empty, tokens last an hour.
    pub lifetimes: std::collections::VecDeque<i64>,
    /// `expires_in` as told to the client; the real lifetime when `None`.
    pub reported_expires_in: Option<u64>,
    /// Every token issued, in order.
    pub issued: Vec<String>,
    /// Every request, refused ones included.
    pub requests: u64,
}

/// A running stand-in on 127.0.0.1 (port 0).
pub struct IdpStandIn {
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for IdpStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl IdpStandIn {
    /// Starts one whose client-credentials tokens open `mailbox`; the client is `test-client` / `test-secret`.
    pub async fn start(mailbox: &str) -> anyhow::Result<Self> {
        let state = Arc::new(Mutex::new(IdpState {
            client_id: "test-client".into(),
            client_secret: "test-secret".into(),
            mailbox: mailbox.to_string(),
            certificate: None,
            refresh_tokens: HashMap::new(),
            service_account: None,
            lifetimes: Default::default(),
            reported_expires_in: None,
            issued: Vec::new(),
            requests: 0,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(microsoft))
            .route("/token", post(google))
            .with_state(Shared {
                state: state.clone(),
                base: format!("http://{addr}"),
            });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, state, task })
    }

    /// Microsoft's token URL for `tenant` on this stand-in.
    pub fn microsoft_url(&self, tenant: &str) -> String {
        format!("http://{}/{tenant}/oauth2/v2.0/token", self.addr)
    }

    /// Google's token URL on this stand-in.
    pub fn google_url(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// The state, to read or change.
    pub fn state(&self) -> MutexGuard<'_, IdpState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<IdpState>>,
    base: String,
}

type Fields = HashMap<String, String>;

async fn microsoft(
    State(s): State<Shared>,
    Path(tenant): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    let url = format!("{}/{tenant}/oauth2/v2.0/token", s.base);
    let mut st = s
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    st.requests += 1;
    if let Err((status, code, text)) = check_microsoft(&st, &f, &url) {
        let aadsts: u32 = text[6..text.find(':').unwrap_or(6)].parse().unwrap_or(0);
        return (
            status,
            Json(json!({"error": code, "error_description": format!("{text}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000"), "error_codes": [aadsts]})),
        )
            .into_response();
    }
    let mailbox = st.mailbox.clone();
    issue(&mut st, &mailbox, "https://outlook.office365.com/.default")
}

fn check_microsoft(
    st: &IdpState,
    f: &Fields,
    url: &str,
) -> Result<(), (StatusCode, &'static str, String)> {
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return Err((
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type.".into(),
        ));
    }
    if field("client_id") != st.client_id {
        return Err((
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            format!(
                "AADSTS700016: Application with identifier '{}' was not found in the directory.",
                field("client_id")
            ),
        ));
    }
    if field("scope") != "https://outlook.office365.com/.default" {
        return Err((StatusCode::BAD_REQUEST, "invalid_scope", format!("AADSTS1002012: The provided value for scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.", field("scope"))));
    }
    if let Some(secret) = f.get("client_secret") {
        return if *secret == st.client_secret {
            Ok(())
        } else {
            Err((StatusCode::UNAUTHORIZED, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.".into()))
        };
    }
    if field("client_assertion_type") == JWT_BEARER_ASSERTION {
        return check_client_assertion(st, field("client_assertion"), url);
    }
    Err((StatusCode::UNAUTHORIZED, "invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into()))
}

fn check_client_assertion(
    st: &IdpState,
    jwt: &str,
    url: &str,
) -> Result<(), (StatusCode, &'static str, String)> {
    let refuse = |why: String| {
        (
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("AADSTS700027: Client assertion failed signature validation. ({why})"),
        )
    };
    let Some((thumbprint, public)) = &st.certificate else {
        return Err(refuse("no certificate is registered".into()));
    };
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| refuse(e.to_string()))?;
    if header.x5t.as_deref() != Some(thumbprint) {
        return Err(refuse(format!(
            "key with thumbprint {:?} not found",
            header.x5t
        )));
    }
    let claims = verify(jwt, public, url).map_err(refuse)?;
    if claims.iss != st.client_id || claims.sub != st.client_id {
        return Err(refuse("iss and sub must be the client id".into()));
    }
    Ok(())
}

async fn google(State(s): State<Shared>, Form(f): Form<Fields>) -> Response {
    let url = format!("{}/token", s.base);
    let mut st = s
        .state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    st.requests += 1;
    match check_google(&st, &f, &url) {
        Ok(user) => issue(&mut st, &user, "https://mail.google.com/"),
        Err((status, code, text)) => (
            status,
            Json(json!({"error": code, "error_description": text})),
        )
            .into_response(),
    }
}

/// The user the token is for, or the refusal.
fn check_google(
    st: &IdpState,
    f: &Fields,
    url: &str,
) -> Result<String, (StatusCode, &'static str, String)> {
    let field = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    match field("grant_type") {
        "refresh_token" => {
            if field("client_id") != st.client_id || field("client_secret") != st.client_secret {
                return Err((
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Unauthorized".into(),
                ));
            }
            st.refresh_tokens
                .get(field("refresh_token"))
                .cloned()
                .ok_or((
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token has been expired or revoked.".into(),
                ))
        }
        JWT_BEARER_GRANT => {
            let refuse = |why: String| (StatusCode::BAD_REQUEST, "invalid_grant", why);
            let Some((email, public)) = &st.service_account else {
                return Err(refuse("Invalid grant: account not found".into()));
            };
            let claims = verify(field("assertion"), public, url)
                .map_err(|_| refuse("Invalid JWT Signature.".into()))?;
            if claims.iss != *email {
                return Err(refuse("Invalid grant: account not found".into()));
            }
            if !claims
                .scope
                .unwrap_or_default()
                .split(' ')
                .any(|s| s == "https://mail.google.com/")
            {
                return Err((StatusCode::UNAUTHORIZED, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.".into()));
            }
            Ok(claims.sub)
        }
        _ => Err((
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type: ".to_string() + field("grant_type"),
        )),
    }
}

/// Checks an RS256 assertion's signature, audience (this endpoint) and lifetime.
fn verify(jwt: &str, public_pem: &[u8], url: &str) -> Result<AssertionClaims, String> {
    let key = DecodingKey::from_rsa_pem(public_pem).map_err(|e| e.to_string())?;
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[url]);
    v.leeway = 0;
    jsonwebtoken::decode::<AssertionClaims>(jwt, &key, &v)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

fn issue(st: &mut IdpState, sub: &str, scope: &str) -> Response {
    let lifetime = st.lifetimes.pop_front().unwrap_or(3600);
    match mint(sub, lifetime) {
        Ok(token) => {
            st.issued.push(token.clone());
            let expires_in = st.reported_expires_in.unwrap_or(lifetime.max(0) as u64);
            Json(json!({"token_type": "Bearer", "scope": scope, "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token})).into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "server_error", "error_description": e.to_string()})),
        )
            .into_response(),
    }
}

/// An access token Dovecot accepts for `sub` for `lifetime_s` seconds (signed with [`OAUTH2_KEY`]); a negative
/// lifetime makes one that expired that long ago.
pub fn mint(sub: &str, lifetime_s: i64) -> anyhow::Result<String> {
    use anyhow::Context;
    use base64::Engine;
    let b64 = std::fs::read_to_string(OAUTH2_KEY)
        .with_context(|| format!("{OAUTH2_KEY} (run `sudo scripts/mailserver.sh`)"))?;
    let secret = base64::engine::general_purpose::STANDARD.decode(b64.trim())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let iat = now.min(now + lifetime_s);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(OAUTH2_KID.into());
    let claims = json!({"sub": sub, "iat": iat, "nbf": iat, "exp": now + lifetime_s, "jti": crate::testkit::unique_local("tok")});
    Ok(jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(&secret),
    )?)
}

/// A certificate for an app registration, as [`rsa_certificate`] makes it.
pub struct TestCertificate {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub public_pem: Vec<u8>,
    /// SHA-1 thumbprint as `x5t`.
    pub thumbprint: String,
}

/// A self-signed RSA certificate and its key in `dir` (`cert.pem`, `key.pem`), as a city would make for an app
/// registration.
pub fn rsa_certificate(dir: &std::path::Path) -> anyhow::Result<TestCertificate> {
    use anyhow::Context;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=connect311 app",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .context("running openssl")?;
    anyhow::ensure!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .output()
        .context("running openssl")?;
    anyhow::ensure!(
        public.status.success(),
        "openssl pkey: {}",
        String::from_utf8_lossy(&public.stderr)
    );
    let cert_pem = std::fs::read(&cert)?;
    let grant = crate::oauth::Grant::client_certificate("x", &cert_pem, &std::fs::read(&key)?)
        .map_err(anyhow::Error::msg)?;
    let crate::oauth::Grant::ClientCertificate { thumbprint, .. } = grant else {
        unreachable!()
    };
    Ok(TestCertificate {
        cert_pem,
        key_pem: std::fs::read(&key)?,
        public_pem: public.stdout,
        thumbprint,
    })
}
