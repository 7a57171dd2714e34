//! Authenticated mail against the real loopback Postfix + Dovecot (scripts/mailserver.sh): submission on 587
//! (STARTTLS) and 465 (implicit TLS) with passwords and XOAUTH2, IMAP with XOAUTH2 and OAUTHBEARER, and OAuth2
//! tokens from the identity-provider stand-in (mail::testkit::idp) for Microsoft 365 and Google Workspace
//! credentials. The mail servers check every token themselves (Dovecot's oauth2 passdb).

use std::sync::Arc;
use std::time::Duration;

use mail::imap::{check_connection, ImapConfig, ImapSecurity, SaslMechanism};
use mail::oauth::{Grant, OAuthConfig, Provider, ServiceAccountKey, TokenSource};
use mail::outbound::{
    AutoSubmitted, MailSender, OutgoingMail, PasswordMechanism, SmtpAuth, SmtpOptions,
    SmtpSecurity, SmtpSender,
};
use mail::testkit::idp::{rsa_certificate, IdpStandIn};
use mail::testkit::{
    dovecot_logins, require_submission, unique_local, wait_for_messages, IMAPS_PORT,
    SUBMISSIONS_PORT, SUBMISSION_PORT, TEST_CA,
};
use mail::Address;

const WAIT: Duration = Duration::from_secs(20);

fn city(prefix: &str) -> String {
    format!("{}@city.test", unique_local(prefix))
}

fn mail_to(from: &str, to: &str, subject: &str) -> OutgoingMail {
    OutgoingMail {
        from: Address::new(from),
        to: Address::new(to),
        reply_to: None,
        subject: subject.into(),
        text: "Your request 311-000042 was received.\n".into(),
        message_id: format!("{}@city.test", unique_local("sub")),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: AutoSubmitted::AutoReplied,
        language: Some("en".into()),
        attachments: Vec::new(),
    }
}

/// The whole cause chain, as the outbox records it.
fn chain(e: mail::outbound::SendError) -> String {
    format!("{:#}", anyhow::Error::new(e))
}

fn submission(port: u16, auth: SmtpAuth) -> SmtpOptions {
    let mut o = SmtpOptions::plain("127.0.0.1", port);
    o.security = if port == SUBMISSIONS_PORT {
        SmtpSecurity::Tls
    } else {
        SmtpSecurity::StartTls
    };
    o.ca_file = Some(TEST_CA.into());
    o.auth = auth;
    o.timeout = Duration::from_secs(15);
    o
}

fn xoauth2_sender(port: u16, user: &str, tokens: &Arc<TokenSource>) -> SmtpSender {
    let auth = SmtpAuth::Xoauth2 {
        username: user.into(),
        tokens: tokens.clone(),
    };
    SmtpSender::from_options(&submission(port, auth), "x").unwrap()
}

fn password(mechanism: PasswordMechanism, user: &str, password: &str) -> SmtpAuth {
    SmtpAuth::Password {
        mechanism,
        username: user.into(),
        password: password.into(),
    }
}

fn microsoft(idp: &IdpStandIn, secret: &str) -> Arc<TokenSource> {
    let mut cfg = OAuthConfig::new(
        Provider::Microsoft,
        Some("riverton"),
        Grant::ClientSecret {
            client_id: "test-client".into(),
            secret: secret.into(),
        },
    );
    cfg.token_url = idp.microsoft_url("riverton");
    Arc::new(TokenSource::new(cfg).unwrap())
}

fn imap(user: &str, mechanism: SaslMechanism, tokens: Arc<TokenSource>) -> ImapConfig {
    let mut cfg = ImapConfig::new("127.0.0.1", IMAPS_PORT, user, "")
        .with_security(ImapSecurity::Tls)
        .with_ca_file(TEST_CA)
        .with_bearer(mechanism, tokens);
    cfg.command_timeout = Duration::from_secs(15);
    cfg
}

#[tokio::test]
async fn submission_refuses_anyone_who_has_not_logged_in() {
    require_submission();
    let inbox = city("unauth");
    for port in [SUBMISSION_PORT, SUBMISSIONS_PORT] {
        let sender = SmtpSender::from_options(&submission(port, SmtpAuth::None), "x").unwrap();
        let err = sender
            .send(&mail_to("311@city.test", &inbox, "no login"))
            .await
            .expect_err("submission without login must be refused");
        let text = chain(err);
        assert!(text.contains("Access denied"), "{port}: {text}");
    }
    // A later message that logs in arrives alone: the refused ones were never queued.
    let sender = SmtpSender::from_options(
        &submission(
            SUBMISSION_PORT,
            password(PasswordMechanism::Plain, &inbox, "test"),
        ),
        "x",
    )
    .unwrap();
    sender
        .send(&mail_to(&inbox, &inbox, "marker after the refusals"))
        .await
        .unwrap();
    let got = wait_for_messages(&inbox, "INBOX", 1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0]).contains("marker after the refusals"));
}

#[tokio::test]
async fn password_logins_submit_on_587_and_465() {
    require_submission();
    let inbox = city("pw");
    for (port, mechanism) in [
        (SUBMISSION_PORT, PasswordMechanism::Plain),
        (SUBMISSIONS_PORT, PasswordMechanism::Login),
    ] {
        let sender =
            SmtpSender::from_options(&submission(port, password(mechanism, &inbox, "test")), "x")
                .unwrap();
        sender
            .send(&mail_to(&inbox, &inbox, &format!("via {port}")))
            .await
            .unwrap_or_else(|e| panic!("{port}: {e:#}"));
    }
    let got = wait_for_messages(&inbox, "INBOX", 2, WAIT).await;
    let text: String = got
        .iter()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .collect();
    assert!(
        text.contains("via 587") && text.contains("via 465"),
        "{text}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_failure_not_a_bad_message() {
    require_submission();
    let inbox = city("badpw");
    let sender = SmtpSender::from_options(
        &submission(
            SUBMISSION_PORT,
            password(PasswordMechanism::Plain, &inbox, "nope"),
        ),
        "x",
    )
    .unwrap();
    let err = sender
        .send(&mail_to(&inbox, &inbox, "x"))
        .await
        .unwrap_err();
    assert!(err.is_auth_failure() && !err.is_permanent(), "{err:?}");
    let text = chain(err);
    assert!(
        text.contains("authentication failed") && text.contains("535"),
        "{text}"
    );
}

#[tokio::test]
async fn microsoft_client_secret_tokens_open_imap_and_smtp() {
    require_submission();
    let inbox = city("m365");
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    let tokens = microsoft(&idp, "test-secret");
    let sender = xoauth2_sender(SUBMISSION_PORT, &inbox, &tokens);
    sender
        .send(&mail_to(&inbox, &inbox, "xoauth2 on 587"))
        .await
        .unwrap();
    for mechanism in [SaslMechanism::Xoauth2, SaslMechanism::OAuthBearer] {
        check_connection(&imap(&inbox, mechanism, tokens.clone()))
            .await
            .unwrap_or_else(|e| panic!("{mechanism:?}: {e:#}"));
    }
    wait_for_messages(&inbox, "INBOX", 1, WAIT).await;
    assert_eq!(
        idp.state().issued.len(),
        1,
        "one cached token serves IMAP and SMTP"
    );
    let logins = dovecot_logins(&inbox);
    assert!(
        logins.iter().any(|l| l.contains("method=XOAUTH2")),
        "{logins:?}"
    );
    assert!(
        logins.iter().any(|l| l.contains("method=OAUTHBEARER")),
        "{logins:?}"
    );
}

#[tokio::test]
async fn a_token_refused_as_expired_is_replaced_and_the_mail_still_goes() {
    require_submission();
    let inbox = city("expired");
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    // The endpoint says an hour, but the servers see the token as expired (revoked, clock skew).
    idp.state().reported_expires_in = Some(3600);
    idp.state().lifetimes.push_back(-60);
    let tokens = microsoft(&idp, "test-secret");
    let sender = xoauth2_sender(SUBMISSIONS_PORT, &inbox, &tokens);
    sender
        .send(&mail_to(&inbox, &inbox, "after a refused token"))
        .await
        .unwrap_or_else(|e| panic!("{}", chain(e)));
    assert_eq!(tokens.fetched(), 2, "SMTP replaced its refused token once");
    let got = wait_for_messages(&inbox, "INBOX", 1, WAIT).await;
    assert!(String::from_utf8_lossy(&got[0]).contains("after a refused token"));

    idp.state().lifetimes.push_back(-60);
    let imap_tokens = microsoft(&idp, "test-secret");
    check_connection(&imap(&inbox, SaslMechanism::Xoauth2, imap_tokens.clone()))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        imap_tokens.fetched(),
        2,
        "IMAP replaced its refused token once"
    );
}

#[tokio::test]
async fn tokens_near_expiry_are_renewed_before_use() {
    require_submission();
    let inbox = city("renew");
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    let tokens = microsoft(&idp, "test-secret");
    idp.state().reported_expires_in = Some(0);
    tokens.token().await.unwrap();
    tokens.token().await.unwrap();
    assert_eq!(
        idp.state().requests,
        2,
        "a token at its expiry is not reused"
    );
    idp.state().reported_expires_in = Some(3600);
    let t = tokens.token().await.unwrap();
    assert_eq!(tokens.token().await.unwrap(), t, "a fresh token is reused");
    assert_eq!(idp.state().requests, 3);
}

#[tokio::test]
async fn a_wrong_client_secret_names_the_provider_error_everywhere() {
    require_submission();
    let inbox = city("badsecret");
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    let tokens = microsoft(&idp, "not-the-secret");
    let sender = xoauth2_sender(SUBMISSION_PORT, &inbox, &tokens);
    let err = sender
        .send(&mail_to(&inbox, &inbox, "x"))
        .await
        .unwrap_err();
    assert!(err.is_auth_failure() && !err.is_permanent(), "{err:?}");
    let text = chain(err);
    assert!(
        text.contains("authentication failed")
            && text.contains("invalid_client")
            && text.contains("AADSTS7000215"),
        "{text}"
    );
    let err = check_connection(&imap(&inbox, SaslMechanism::Xoauth2, tokens))
        .await
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("microsoft token endpoint refused: invalid_client"),
        "{text}"
    );
}

#[tokio::test]
async fn microsoft_certificate_credentials_are_accepted() {
    require_submission();
    let inbox = city("cert");
    let dir = tempfile::tempdir().unwrap();
    let c = rsa_certificate(dir.path()).unwrap();
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    idp.state().certificate = Some((c.thumbprint, c.public_pem));
    let grant = Grant::client_certificate("test-client", &c.cert_pem, &c.key_pem).unwrap();
    let mut cfg = OAuthConfig::new(Provider::Microsoft, Some("riverton"), grant);
    cfg.token_url = idp.microsoft_url("riverton");
    let tokens = Arc::new(TokenSource::new(cfg).unwrap());
    check_connection(&imap(&inbox, SaslMechanism::Xoauth2, tokens))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));

    // Another certificate than the registered one is refused, with Microsoft's code.
    let other = tempfile::tempdir().unwrap();
    let c2 = rsa_certificate(other.path()).unwrap();
    let mut cfg = OAuthConfig::new(
        Provider::Microsoft,
        Some("riverton"),
        Grant::client_certificate("test-client", &c2.cert_pem, &c2.key_pem).unwrap(),
    );
    cfg.token_url = idp.microsoft_url("riverton");
    let err = TokenSource::new(cfg).unwrap().token().await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_client"), "{err}");
    assert!(err.to_string().contains("AADSTS700027"), "{err}");
}

#[tokio::test]
async fn google_refresh_tokens_and_service_accounts_are_accepted() {
    require_submission();
    let inbox = city("google");
    let idp = IdpStandIn::start("nobody@city.test").await.unwrap();
    idp.state()
        .refresh_tokens
        .insert("1//refresh".into(), inbox.clone());
    let mut cfg = OAuthConfig::new(
        Provider::Google,
        None,
        Grant::RefreshToken {
            client_id: "test-client".into(),
            client_secret: "test-secret".into(),
            refresh_token: "1//refresh".into(),
        },
    );
    cfg.token_url = idp.google_url();
    let tokens = Arc::new(TokenSource::new(cfg.clone()).unwrap());
    check_connection(&imap(&inbox, SaslMechanism::Xoauth2, tokens))
        .await
        .unwrap_or_else(|e| panic!("refresh token: {e:#}"));

    let dir = tempfile::tempdir().unwrap();
    let c = rsa_certificate(dir.path()).unwrap();
    let json = serde_json::json!({"type": "service_account", "client_email": "desk@riverton.iam.gserviceaccount.com", "private_key": String::from_utf8(c.key_pem).unwrap(), "token_uri": idp.google_url()});
    idp.state().service_account =
        Some(("desk@riverton.iam.gserviceaccount.com".into(), c.public_pem));
    let account = ServiceAccountKey::parse(&json.to_string()).unwrap();
    cfg.grant = account.grant(&inbox).unwrap();
    let tokens = Arc::new(TokenSource::new(cfg.clone()).unwrap());
    let sender = xoauth2_sender(SUBMISSIONS_PORT, &inbox, &tokens);
    sender
        .send(&mail_to(&inbox, &inbox, "as a service account"))
        .await
        .unwrap_or_else(|e| panic!("service account: {e:#}"));
    wait_for_messages(&inbox, "INBOX", 1, WAIT).await;

    // A revoked refresh token: Google's invalid_grant, named.
    cfg.grant = Grant::RefreshToken {
        client_id: "test-client".into(),
        client_secret: "test-secret".into(),
        refresh_token: "1//revoked".into(),
    };
    let err = TokenSource::new(cfg).unwrap().token().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "google token endpoint refused: invalid_grant (Token has been expired or revoked.)"
    );
}
