//! A city on an OAuth2 mail provider, end to end: the whole service reads its inbox with IMAP XOAUTH2 and answers
//! through authenticated submission (Postfix 587, STARTTLS, SASL XOAUTH2), with Microsoft-style client-credential
//! tokens from the identity-provider stand-in; the real Dovecot checks every token. A wrong client secret keeps
//! the acknowledgement in the outbox, readiness names the provider's error, and once the secret is right the
//! same mail goes out. Needs scripts/mailserver.sh; a missing server fails loudly.

use crate::support;

use std::time::Duration;

use mail::testkit::{self, idp::IdpStandIn};
use support::email;
use support::observe::{failing, ready_until, serve, wall_clock_desk, HTTP};

const WAIT: Duration = Duration::from_secs(60);

/// Settings for a city whose mailbox `inbox` is reached with tokens from `idp` (client secret `secret`);
/// `imap_auth` is the inbox worker's `auth`.
fn oauth_city(inbox: &str, idp: &IdpStandIn, secret: &str, imap_auth: &str) -> String {
    let ca = testkit::TEST_CA;
    format!(
        "{HTTP}[mail]\naddress = \"{inbox}\"\n\
         [mail.imap]\nhost = \"127.0.0.1\"\nsecurity = \"tls\"\nca_file = \"{ca}\"\nusername = \"{inbox}\"\n\
         auth = \"{imap_auth}\"\npassword = \"test\"\n\
         [mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"starttls\"\nca_file = \"{ca}\"\n\
         auth = \"xoauth2\"\nusername = \"{inbox}\"\n\
         [mail.oauth2]\nprovider = \"microsoft\"\ntenant = \"riverton\"\nclient_id = \"test-client\"\n\
         client_secret = \"{secret}\"\ntoken_url = \"{url}\"\n\
         [outbox]\nbackoff_base_ms = 200\nbackoff_max_ms = 1000\npoll_ms = 100\n",
        port = testkit::SUBMISSION_PORT,
        url = idp.microsoft_url("riverton"),
    )
}

async fn report(resident: &str, inbox: &str, text: &str) -> String {
    let mid = format!("{}@example.test", testkit::unique_local("m"));
    let raw = email(resident, inbox, "Streetlight out", &mid, "", text);
    testkit::smtp_send_raw(resident, &[inbox], &raw)
        .await
        .expect("Postfix accepts the report");
    mid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_city_on_xoauth2_reads_its_inbox_and_answers_residents() {
    testkit::require_submission();
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    let desk = wall_clock_desk(
        dir.path(),
        &oauth_city(&inbox, &idp, "test-secret", "xoauth2"),
    )
    .await;
    let svc = serve(desk, None);
    let resident = format!("{}@example.test", testkit::unique_local("res"));
    let mid = report(&resident, &inbox, "The streetlight at 5th and Main is out.").await;

    let ack = testkit::wait_for_messages(&resident, "INBOX", 1, WAIT).await;
    let ack = mail::inbound::parse(&ack[0], &mail::Limits::default()).unwrap();
    assert_eq!(
        ack.in_reply_to,
        vec![mid],
        "the acknowledgement answers the report"
    );
    let logins = testkit::dovecot_logins(&inbox);
    assert!(
        logins
            .iter()
            .any(|l| l.contains("method=XOAUTH2") && l.contains(", TLS,")),
        "the inbox was read with a token over TLS: {logins:?}"
    );
    assert!(
        !idp.state().issued.is_empty(),
        "tokens came from the provider"
    );
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_keeps_the_mail_and_readiness_names_the_provider_error() {
    testkit::require_submission();
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
    let idp = IdpStandIn::start(&inbox).await.unwrap();
    // The inbox logs in with its password, so intake works while sending cannot.
    let toml = oauth_city(&inbox, &idp, "rotated-secret", "password");
    let desk = wall_clock_desk(dir.path(), &toml).await;
    let svc = serve(desk, None);
    let addr = svc.http_addr.unwrap();
    let resident = format!("{}@example.test", testkit::unique_local("res"));
    report(&resident, &inbox, "The streetlight at 5th and Main is out.").await;

    let v = ready_until(addr, "503 naming the refused SMTP login", |code, v| {
        code == 503
            && v["components"]["smtp"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("authentication failed"))
    })
    .await;
    assert_eq!(failing(&v), ["smtp"], "{v}");
    let reason = v["components"]["smtp"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("microsoft token endpoint refused: invalid_client (AADSTS7000215"),
        "{reason}"
    );
    let rows = svc.desk.store().outbox_rows(true).await.unwrap();
    let ack = rows
        .iter()
        .find(|r| r.kind == "email" && r.recipient.as_deref() == Some(resident.as_str()))
        .unwrap_or_else(|| panic!("the acknowledgement waits in the outbox: {rows:?}"));
    assert!(ack.attempts >= 1 && ack.failed_at.is_none(), "{ack:?}");
    assert!(
        ack.last_error
            .as_deref()
            .is_some_and(|e| e.contains("invalid_client")),
        "{ack:?}"
    );

    // The city's admin makes the registration's secret the configured one: the same mail goes out.
    idp.state().client_secret = "rotated-secret".into();
    let got = testkit::wait_for_messages(&resident, "INBOX", 1, WAIT).await;
    assert_eq!(got.len(), 1);
    ready_until(addr, "200 once mail goes out", |code, _| code == 200).await;
    svc.shutdown().await;
}

/// `check-config` on a settings file; its exit status and stderr.
fn check_config(dir: &std::path::Path, name: &str, toml: &str) -> (bool, String) {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("data_dir = \"{}/data\"\n{toml}", dir.display()),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_config_reads_the_credential_files_and_names_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let microsoft = "[mail.oauth2]\nprovider = \"microsoft\"\ntenant = \"riverton.onmicrosoft.com\"\nclient_id = \"c\"\n";
    let imap = "[mail.imap]\nhost = \"outlook.office365.com\"\nusername = \"311@riverton.gov\"\nauth = \"xoauth2\"\n";
    let cases = [
        (
            format!("[mail.smtp]\nhost = \"smtp.city.test\"\nca_file = \"{d}/no-ca.pem\"\n"),
            "mail.smtp.ca_file: reading CA certificates",
        ),
        (
            format!("{imap}{microsoft}certificate_file = \"{d}/app.pem\"\ncertificate_key_file = \"{d}/app.key\"\n"),
            "mail.oauth2.certificate_file: cannot read",
        ),
        (
            format!("{imap}[mail.oauth2]\nprovider = \"google\"\nservice_account_file = \"{d}/sa.json\"\n"),
            "mail.oauth2.service_account_file: cannot read",
        ),
    ];
    for (i, (toml, expected)) in cases.iter().enumerate() {
        let (ok, err) = check_config(dir.path(), &format!("bad-{i}.toml"), toml);
        assert!(!ok && err.contains(expected), "{toml}\n-> {err}");
    }
    let (ok, err) = check_config(
        dir.path(),
        "good.toml",
        &format!("{imap}[mail.smtp]\nhost = \"smtp.office365.com\"\nauth = \"xoauth2\"\nusername = \"311@riverton.gov\"\n{microsoft}client_secret = \"s\"\n"),
    );
    assert!(ok, "the README's Microsoft 365 settings pass: {err}");
}
