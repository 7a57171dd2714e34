//! Table tests for the loop guard.

use super::*;
use crate::inbound::{parse, Address, Limits};

fn own() -> OwnAddresses {
    OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec!["city.test".into()],
    }
}

fn person() -> Inbound {
    parse(
        b"Return-Path: <maria@example.test>\nFrom: Maria <maria@example.test>\nTo: 311@city.test\n\
          Subject: Pothole on Main Street\nMessage-ID: <p1@example.test>\n\nThere is a pothole.\n",
        &Limits::default(),
    )
    .unwrap()
}

fn fixture(name: &str) -> Inbound {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read(path).unwrap(), &Limits::default()).unwrap()
}

#[test]
fn people_pass() {
    assert_eq!(automated(&person(), &own()), None);
    for subject in [
        "Re: Pothole [311-000123]",
        "Basura en la calle España",
        "Auto accident at 5th and Oak",
        "Office of the mayor has a leak",
        "Vecino ausente, basura acumulada",
    ] {
        let mut m = person();
        m.subject = subject.into();
        assert_eq!(automated(&m, &own()), None, "{subject}");
    }
    let mut m = person();
    m.auto_submitted = Some("no".into());
    assert_eq!(automated(&m, &own()), None);
}

#[test]
fn machine_mail_is_flagged() {
    type Edit = fn(&mut Inbound);
    let cases: Vec<(&str, Edit)> = vec![
        ("auto-replied", |m| {
            m.auto_submitted = Some("auto-replied".into())
        }),
        ("auto-generated", |m| {
            m.auto_submitted = Some("auto-generated; owner-email=x".into())
        }),
        ("precedence bulk", |m| m.precedence = Some("bulk".into())),
        ("precedence list", |m| m.precedence = Some("List".into())),
        ("precedence junk", |m| m.precedence = Some("junk".into())),
        ("list-id", |m| {
            m.list_id = Some("<x.lists.example.test>".into())
        }),
        ("x-loop us", |m| m.x_loop = vec!["311@city.test".into()]),
        ("x-loop plus", |m| {
            m.x_loop = vec!["311+311-1-abc@City.Test".into()]
        }),
        ("our loop header", |m| {
            m.loop_header = Some("311@city.test".into())
        }),
        ("suppress all", |m| {
            m.x_auto_response_suppress = Some("All".into())
        }),
        ("suppress oof", |m| {
            m.x_auto_response_suppress = Some("DR, OOF".into())
        }),
        ("x-autoreply", |m| m.x_autoreply = Some("yes".into())),
        ("null sender", |m| m.return_path = Some(String::new())),
        ("mailer-daemon", |m| {
            m.from = Some(Address::new("MAILER-DAEMON@example.test"))
        }),
        ("postmaster", |m| {
            m.from = Some(Address::new("postmaster@example.test"))
        }),
        ("noreply", |m| {
            m.from = Some(Address::new("no-reply@shop.example"))
        }),
        ("donotreply", |m| {
            m.from = Some(Address::new("do_not_reply@shop.example"))
        }),
        ("list owner", |m| {
            m.from = Some(Address::new("owner-neighbours@example.test"))
        }),
        ("own address", |m| {
            m.from = Some(Address::new("311@city.test"))
        }),
        ("own domain", |m| {
            m.from = Some(Address::new("roads@city.test"))
        }),
        ("own subdomain", |m| {
            m.from = Some(Address::new("x@mail.city.test"))
        }),
        ("ooo en", |m| m.subject = "Out of Office: Pothole".into()),
        ("automatic reply", |m| {
            m.subject = "Automatic reply: Your request".into()
        }),
        ("auto:", |m| m.subject = "Auto: Re: pothole".into()),
        ("autoreply", |m| m.subject = "Autoreply".into()),
        ("respuesta", |m| {
            m.subject = "Respuesta automática: Su solicitud".into()
        }),
        ("fuera", |m| m.subject = "Fuera de la oficina".into()),
        ("ausente", |m| m.subject = "Ausente hasta el lunes".into()),
        ("fr", |m| m.subject = "Réponse automatique : demande".into()),
        ("report", |m| {
            m.content_type = Some("multipart/report".into())
        }),
    ];
    for (name, edit) in cases {
        let mut m = person();
        edit(&mut m);
        assert!(automated(&m, &own()).is_some(), "{name} should be flagged");
    }
}

#[test]
fn fixtures_are_classified() {
    assert_eq!(automated(&fixture("plain.eml"), &own()), None);
    assert_eq!(automated(&fixture("spanish_latin1.eml"), &own()), None);
    for f in ["vacation.eml", "dsn_bounce.eml", "list.eml"] {
        let reason = automated(&fixture(f), &own());
        assert!(reason.is_some(), "{f}");
    }
}

#[test]
fn own_addresses_match_plus_detail_and_case() {
    let o = OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec![],
    };
    assert!(o.contains("<311+311-000001-abcdef12@CITY.test>"));
    assert!(!o.contains("3111@city.test"));
    assert!(!o.contains("311@city.test.evil"));
}

#[test]
fn look_alikes_of_our_addresses_and_domains_are_ours() {
    let o = OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec!["city.test".into()],
    };
    for spoof in [
        "311@c\u{456}ty.test",
        "noreply@xn--cty-jhd.test",
        "anyone@mail.\u{441}ity.test",
        "staff@ｃｉｔｙ.test",
    ] {
        assert!(o.contains(spoof), "{spoof}");
    }
    let address_only = OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec![],
    };
    assert!(address_only.contains("311@c\u{456}ty.test"));
    assert!(address_only.contains("3l1+x@city.test"));
    assert!(
        !address_only.contains("maria@city.test"),
        "addresses match exactly, not by domain"
    );
    assert!(!o.contains("maria@clty.test") && !o.contains("maria@city.test.evil"));

    let mut m = person();
    m.from = Some(Address::new("311@c\u{456}ty.test"));
    m.return_path = None;
    assert!(automated(&m, &o).is_some_and(|r| r.contains("one of our own")));
}
