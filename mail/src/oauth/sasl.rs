//! The SASL initial responses that carry a bearer token: XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER
//! (RFC 7628), and an IMAP authenticator that sends one and keeps the server's error challenge.

use std::sync::{Arc, Mutex};

/// Which SASL mechanism carries the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    Xoauth2,
    OAuthBearer,
}

impl SaslMechanism {
    pub fn name(self) -> &'static str {
        match self {
            SaslMechanism::Xoauth2 => "XOAUTH2",
            SaslMechanism::OAuthBearer => "OAUTHBEARER",
        }
    }
}

/// `user=<user>^Aauth=Bearer <token>^A^A`.
pub fn xoauth2_response(user: &str, token: &str) -> String {
    format!("user={user}\x01auth=Bearer {token}\x01\x01")
}

/// RFC 7628 §3.1: a GS2 header naming the user (`,` and `=` escaped), then `auth=Bearer <token>`.
pub fn oauthbearer_response(user: &str, token: &str) -> String {
    let user = user.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={user},\x01auth=Bearer {token}\x01\x01")
}

/// Answers the server's first (empty) challenge with the token; a later challenge is the server's error report
/// (a JSON object, RFC 7628 §3.2.2), which is kept for the error message and answered as the mechanism says
/// (an empty response for XOAUTH2, `^A` for OAUTHBEARER), so the server ends the exchange with NO.
pub(crate) struct BearerAuthenticator {
    initial: Option<String>,
    mechanism: SaslMechanism,
    pub(crate) server_error: Arc<Mutex<Option<String>>>,
}

impl BearerAuthenticator {
    pub(crate) fn new(mechanism: SaslMechanism, user: &str, token: &str) -> Self {
        let initial = match mechanism {
            SaslMechanism::Xoauth2 => xoauth2_response(user, token),
            SaslMechanism::OAuthBearer => oauthbearer_response(user, token),
        };
        Self {
            initial: Some(initial),
            mechanism,
            server_error: Arc::default(),
        }
    }
}

impl async_imap::Authenticator for BearerAuthenticator {
    type Response = String;

    fn process(&mut self, challenge: &[u8]) -> String {
        if let Some(initial) = self.initial.take() {
            return initial;
        }
        let text = String::from_utf8_lossy(challenge).into_owned();
        if let Ok(mut slot) = self.server_error.lock() {
            *slot = Some(text);
        }
        match self.mechanism {
            SaslMechanism::Xoauth2 => String::new(),
            SaslMechanism::OAuthBearer => "\x01".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::Authenticator;

    #[test]
    fn responses_follow_the_mechanisms() {
        assert_eq!(
            xoauth2_response("311@city.test", "tok"),
            "user=311@city.test\x01auth=Bearer tok\x01\x01"
        );
        assert_eq!(
            oauthbearer_response("a,b=c@city.test", "tok"),
            "n,a=a=2Cb=3Dc@city.test,\x01auth=Bearer tok\x01\x01"
        );
    }

    #[test]
    fn the_error_challenge_is_kept_and_answered() {
        let mut a = BearerAuthenticator::new(SaslMechanism::OAuthBearer, "u", "t");
        assert!(a.process(b"").starts_with("n,a=u,"));
        assert_eq!(a.process(br#"{"status":"401"}"#), "\x01");
        assert_eq!(
            a.server_error.lock().unwrap().as_deref(),
            Some(r#"{"status":"401"}"#)
        );
    }
}
