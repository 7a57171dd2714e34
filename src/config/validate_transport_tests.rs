//! `[mail.imap]`, `[mail.smtp]` and `[mail.oauth2]`: what each login needs, defaults, and refusals that name
//! the key.

use super::*;

fn refused(text: &str) -> String {
    match Settings::from_toml_str(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const MICROSOFT: &str = "[mail.oauth2]\nprovider = \"microsoft\"\ntenant = \"riverton.onmicrosoft.com\"\n\
                         client_id = \"00000000-0000-0000-0000-000000000001\"\nclient_secret = \"s\"\n";

#[test]
fn smtp_defaults_to_required_starttls_on_587_without_login() {
    let s = Settings::from_toml_str("[mail.smtp]\nhost = \"smtp.city.test\"\n").unwrap();
    let smtp = s.mail.smtp.unwrap();
    assert_eq!(smtp.security, SmtpSecurity::Starttls);
    assert_eq!(smtp.auth, SmtpAuthKind::None);
    assert_eq!(smtp.effective_port(), 587);
    for (security, port) in [("tls", 465), ("plain", 25)] {
        let s = Settings::from_toml_str(&format!(
            "[mail.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"{security}\"\n"
        ))
        .unwrap();
        assert_eq!(s.mail.smtp.unwrap().effective_port(), port);
    }
}

#[test]
fn the_issue_keys_are_accepted() {
    let s = Settings::from_toml_str(&format!(
        "[mail.smtp]\nhost = \"smtp.office365.com\"\nauth = \"xoauth2\"\nusername = \"311@riverton.gov\"\n\
         [mail.imap]\nhost = \"outlook.office365.com\"\nusername = \"311@riverton.gov\"\nauth = \"oauthbearer\"\n{MICROSOFT}"
    ))
    .unwrap();
    assert_eq!(s.mail.imap.unwrap().auth, ImapAuthKind::Oauthbearer);
    let s = Settings::from_toml_str(
        "[mail.smtp]\nhost = \"smtp.city.test\"\nauth = \"login\"\nusername = \"u\"\npassword = \"p\"\nca_file = \"/x.pem\"\n",
    )
    .unwrap();
    assert_eq!(s.mail.smtp.unwrap().auth, SmtpAuthKind::Login);
}

#[test]
fn logins_missing_what_they_need_are_refused_by_key() {
    let cases: &[(&str, &[&str])] = &[
        ("[mail.smtp]\nhost = \"h\"\nauth = \"plain\"\npassword = \"p\"\n", &["mail.smtp.username"]),
        ("[mail.smtp]\nhost = \"h\"\nauth = \"login\"\nusername = \"u\"\n", &["mail.smtp.password", "CONNECT311__MAIL__SMTP__PASSWORD"]),
        ("[mail.smtp]\nhost = \"h\"\nusername = \"u\"\npassword = \"p\"\n", &["mail.smtp.auth", "none"]),
        ("[mail.smtp]\nhost = \"h\"\nauth = \"xoauth2\"\nusername = \"u\"\n", &["mail.smtp.auth", "[mail.oauth2]"]),
        ("[mail.smtp]\nhost = \"smtp.city.test\"\nsecurity = \"plain\"\nauth = \"plain\"\nusername = \"u\"\npassword = \"p\"\n", &["mail.smtp.security", "clear"]),
        ("[mail.smtp]\nhost = \"h\"\nsecurity = \"ssl\"\n", &["mail.smtp.security"]),
        ("[mail.smtp]\nhost = \"h\"\nauth = \"cram-md5\"\n", &["mail.smtp.auth"]),
        ("[mail.imap]\nhost = \"h\"\nusername = \"u\"\n", &["mail.imap.password"]),
        ("[mail.imap]\nhost = \"h\"\nusername = \"u\"\nauth = \"xoauth2\"\n", &["mail.imap.auth", "[mail.oauth2]"]),
        ("[mail.imap]\nhost = \"imap.city.test\"\nusername = \"u\"\npassword = \"p\"\nsecurity = \"plain\"\n", &["mail.imap.security", "loopback"]),
    ];
    for (text, needles) in cases {
        let msg = refused(text);
        for n in *needles {
            assert!(msg.contains(n), "{text}\n-> {msg}\n(missing {n})");
        }
    }
}

#[test]
fn oauth2_credentials_must_be_complete_and_of_their_provider() {
    let ms = "[mail.oauth2]\nprovider = \"microsoft\"\n";
    let g = "[mail.oauth2]\nprovider = \"google\"\n";
    let cases: &[(String, &str)] = &[
        (format!("{ms}client_id = \"c\"\nclient_secret = \"s\"\n"), "mail.oauth2.tenant"),
        (format!("{ms}tenant = \"t\"\nclient_secret = \"s\"\n"), "mail.oauth2.client_id"),
        (format!("{ms}tenant = \"t\"\nclient_id = \"c\"\n"), "mail.oauth2.client_secret"),
        (format!("{ms}tenant = \"t\"\nclient_id = \"c\"\nclient_secret = \"s\"\ncertificate_file = \"a\"\ncertificate_key_file = \"b\"\n"), "not both"),
        (format!("{ms}tenant = \"t\"\nclient_id = \"c\"\ncertificate_file = \"a\"\n"), "mail.oauth2.certificate_key_file"),
        (format!("{ms}tenant = \"t\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n"), "for google"),
        (format!("{g}client_id = \"c\"\nclient_secret = \"s\"\n"), "mail.oauth2.refresh_token"),
        (format!("{g}refresh_token = \"r\"\n"), "mail.oauth2.client_id"),
        (format!("{g}tenant = \"t\"\nrefresh_token = \"r\"\nclient_id = \"c\"\nclient_secret = \"s\"\n"), "for microsoft"),
        (format!("{g}service_account_file = \"sa.json\"\n"), "mail.oauth2.service_account_file"),
        (format!("{MICROSOFT}token_url = \"http://login.example.test/token\"\n"), "mail.oauth2.token_url"),
        (format!("{MICROSOFT}secret = \"s\"\n"), "secret"),
        ("[mail.oauth2]\nprovider = \"yahoo\"\n".to_string(), "mail.oauth2.provider"),
    ];
    for (text, needle) in cases {
        let msg = refused(text);
        assert!(msg.contains(needle), "{text}\n-> {msg}\n(missing {needle})");
    }
    Settings::from_toml_str(&format!(
        "{MICROSOFT}token_url = \"http://127.0.0.1:8080/t/oauth2/v2.0/token\"\n"
    ))
    .expect("a loopback stand-in may be plain http");
    Settings::from_toml_str(&format!(
        "{g}service_account_file = \"sa.json\"\n[mail.imap]\nhost = \"imap.gmail.com\"\nusername = \"311@riverton.gov\"\nauth = \"xoauth2\"\n"
    ))
    .expect("a service account acting as the inbox");
}

const IMAP: &str = "[mail.imap]\nhost = \"imap.city.test\"\nusername = \"u\"\npassword = \"p\"\n";

#[test]
fn hot_mode_defaults_and_reaches_the_worker() {
    let s = Settings::from_toml_str(IMAP).unwrap();
    let imap = s.mail.imap.clone().unwrap();
    assert_eq!((imap.busy_poll_ms, imap.busy_window_ms), (25, 20_000));
    let s =
        Settings::from_toml_str(&format!("{IMAP}busy_poll_ms = 40\nbusy_window_ms = 0\n")).unwrap();
    let cfg = crate::app::imap_config(&s.mail, s.mail.imap.as_ref().unwrap()).unwrap();
    assert_eq!(cfg.busy_poll, std::time::Duration::from_millis(40));
    assert!(cfg.busy_window.is_zero(), "0 turns hot mode off");
}

#[test]
fn hot_mode_settings_out_of_range_are_refused_by_key() {
    let cases: &[(&str, &[&str])] = &[
        (
            "busy_poll_ms = 0\n",
            &["mail.imap.busy_poll_ms", "5..=1000"],
        ),
        ("busy_poll_ms = 4\n", &["mail.imap.busy_poll_ms"]),
        ("busy_poll_ms = 1001\n", &["mail.imap.busy_poll_ms"]),
        (
            "busy_window_ms = 3600001\n",
            &["mail.imap.busy_window_ms", "0 turns hot mode off"],
        ),
        (
            "busy_poll_ms = 100\nbusy_window_ms = 50\n",
            &["mail.imap.busy_window_ms", "shorter than busy_poll_ms"],
        ),
        ("busy_poll_ms = -1\n", &["busy_poll_ms"]),
        ("busy_poll = 25\n", &["busy_poll"]),
    ];
    for (extra, needles) in cases {
        let text = format!("{IMAP}{extra}");
        let msg = refused(&text);
        for n in *needles {
            assert!(msg.contains(n), "{text}\n-> {msg}\n(missing {n})");
        }
    }
}
