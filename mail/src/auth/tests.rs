//! Table tests with real-world-shaped Authentication-Results headers (Gmail, Microsoft 365, Postfix with
//! OpenDKIM/OpenDMARC, forged headers).

use super::*;
use crate::inbound::parse;
use crate::Limits;

/// A message from `from` carrying these Authentication-Results values, topmost first (as a mail server stacks
/// them), each folded the way servers do.
fn message(from: &str, results: &[&str]) -> Inbound {
    let mut raw = String::from("Return-Path: <bounce@example.net>\r\n");
    for r in results {
        let folded = r.replace("; ", ";\r\n\t");
        raw.push_str(&format!("Authentication-Results: {folded}\r\n"));
    }
    // The city's receiving server (one trusted hop) prepended the headers above its own Received line.
    raw.push_str(RECEIVED_BY_MX);
    raw.push_str(&format!(
        "From: Staff Member <{from}>\r\nTo: 311@city.test\r\nSubject: Re: [311-000123] close\r\n\
         Message-ID: <auth-test@city.test>\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\nclose\r\n"
    ));
    let inb = parse(raw.as_bytes(), &Limits::default()).expect("test message parses");
    assert_eq!(inb.authentication_results.len(), results.len());
    inb
}

const RECEIVED_BY_MX: &str = "Received: from mail.example.net (mail.example.net [192.0.2.7])\r\n\tby mx.city.test (Postfix) with ESMTPS id 4Xyz; Mon, 3 Mar 2025 10:00:01 +0000\r\n";

fn one_hop(ids: &[String]) -> TrustedHops<'_> {
    TrustedHops {
        authserv_ids: ids,
        received_hops: 1,
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

struct Case {
    name: &'static str,
    from: &'static str,
    headers: &'static [&'static str],
    trusted: &'static [&'static str],
    method: Option<&'static str>,
    /// Lower-case fragments the reason must contain.
    reason_has: &'static [&'static str],
}

const GMAIL_PASS: &str = "mx.google.com; \
    dkim=pass header.i=@city.test header.s=20230601 header.b=Ab+C/d9==; \
    spf=pass (google.com: domain of staff@city.test designates 209.85.220.41 as permitted sender) smtp.mailfrom=staff@city.test; \
    dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=city.test";

const CASES: &[Case] = &[
    Case {
        name: "gmail, all three pass",
        from: "staff@city.test",
        headers: &[GMAIL_PASS],
        trusted: &["mx.google.com"],
        method: Some("dmarc"),
        reason_has: &["dmarc=pass for city.test", "mx.google.com"],
    },
    Case {
        name: "gmail, no dmarc record: dkim via header.i",
        from: "staff@city.test",
        headers: &["mx.google.com; dkim=pass header.i=@city.test header.s=s1 header.b=xYz12345; \
                    spf=pass (google.com: domain of staff@city.test designates 209.85.220.41 as permitted sender) smtp.mailfrom=staff@city.test; \
                    dmarc=none (p=NONE dis=NONE) header.from=city.test"],
        trusted: &["mx.google.com"],
        method: Some("dkim"),
        reason_has: &["dkim=pass", "signed by city.test"],
    },
    Case {
        name: "microsoft 365 with authserv-id and version",
        from: "Staff@City.Test",
        headers: &["mx.microsoft.com 1; spf=pass (sender IP is 40.107.22.50) smtp.mailfrom=city.test; \
                    dkim=pass (signature was verified) header.d=city.test;dmarc=pass action=none header.from=city.test;compauth=pass reason=100"],
        trusted: &["mx.microsoft.com"],
        method: Some("dmarc"),
        reason_has: &["dmarc=pass"],
    },
    Case {
        name: "microsoft 365 without authserv-id cannot be attributed",
        from: "staff@city.test",
        headers: &["spf=pass (sender IP is 40.107.22.50) smtp.mailfrom=city.test; \
                    dkim=pass (signature was verified) header.d=city.test;dmarc=pass action=none header.from=city.test;compauth=pass reason=100"],
        trusted: &["mx.microsoft.com"],
        method: None,
        reason_has: &["without authserv-id", "no authentication-results header from a trusted server"],
    },
    Case {
        name: "forged header from an untrusted host is ignored",
        from: "staff@city.test",
        headers: &["evil.example; dmarc=pass header.from=city.test; dkim=pass header.d=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["untrusted authserv-id \"evil.example\"", "mx.city.test"],
    },
    Case {
        name: "forged header reusing our id below ours: only the topmost trusted one counts",
        from: "staff@city.test",
        headers: &[
            "mx.city.test; spf=softfail (mx.city.test: 203.0.113.9 is not permitted) smtp.mailfrom=staff@city.test; dkim=none; dmarc=none header.from=city.test",
            "mx.city.test; dmarc=pass header.from=city.test",
        ],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["spf=softfail", "dkim=none", "dmarc=none"],
    },
    Case {
        name: "an untrusted internal hop above ours is skipped",
        from: "staff@city.test",
        headers: &[
            "spamfilter.internal; x-spam=pass",
            "mx.city.test; dkim=pass header.d=city.test header.s=k1; spf=pass smtp.mailfrom=city.test",
        ],
        trusted: &["mx.city.test"],
        method: Some("dkim"),
        reason_has: &["verified by mx.city.test"],
    },
    Case {
        name: "several trusted ids: the topmost trusted header decides",
        from: "staff@city.test",
        headers: &[
            "relay.city.test; spf=pass smtp.mailfrom=staff@city.test",
            "mx.city.test; spf=fail smtp.mailfrom=staff@city.test",
        ],
        trusted: &["mx.city.test", "relay.city.test"],
        method: Some("spf"),
        reason_has: &["relay.city.test"],
    },
    Case {
        name: "nested comments containing semicolons, quoted values, spaces around =",
        from: "staff@city.test",
        headers: &["mx.city.test (Postfix; checker (v2.1; \\) escaped)); \
                    dkim = pass (2048-bit key; unprotected) header.d=city.test header.s=\"k1\" header.b=\"Xy/z+1=\"; \
                    spf=pass(ok;fine)smtp.mailfrom=\"staff@city.test\""],
        trusted: &["mx.city.test"],
        method: Some("dkim"),
        reason_has: &["signed by city.test"],
    },
    Case {
        name: "case differences everywhere",
        from: "Staff@CITY.test",
        headers: &["MX.City.Test.; DKIM=Pass Header.D=CITY.TEST HEADER.S=k1"],
        trusted: &["mx.city.TEST"],
        method: Some("dkim"),
        reason_has: &["dkim=pass"],
    },
    Case {
        name: "dkim by a parent domain of From",
        from: "crew7@ops.city.test",
        headers: &["mx.city.test; dkim=pass header.d=city.test"],
        trusted: &["mx.city.test"],
        method: Some("dkim"),
        reason_has: &["signed by city.test for from domain ops.city.test"],
    },
    Case {
        name: "dkim by a subdomain of From is not enough",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=pass header.d=mail.city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["signed by mail.city.test, not the from domain city.test"],
    },
    Case {
        name: "dkim by a look-alike suffix is not a parent",
        from: "staff@evilcity.test",
        headers: &["mx.city.test; dkim=pass header.d=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["signed by city.test"],
    },
    Case {
        name: "dkim by a bare top-level domain never counts",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=pass header.d=test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["signed by test"],
    },
    Case {
        name: "dkim pass by an email service provider's domain",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=pass header.d=sendgrid.net header.s=s1; spf=pass smtp.mailfrom=bounces+123@sendgrid.net; dmarc=none header.from=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["signed by sendgrid.net", "spf=pass for envelope sender domain sendgrid.net", "dmarc=none"],
    },
    Case {
        name: "spf for a subdomain bounce address is not the From domain",
        from: "staff@city.test",
        headers: &["mx.city.test; spf=pass smtp.mailfrom=bounce@mail.city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["mail.city.test"],
    },
    Case {
        name: "spf pass with bare domain mailfrom",
        from: "staff@city.test",
        headers: &["mx.city.test; spf=pass smtp.mailfrom=city.test smtp.helo=mail.city.test"],
        trusted: &["mx.city.test"],
        method: Some("spf"),
        reason_has: &["spf=pass"],
    },
    Case {
        name: "dmarc pass for another header.from",
        from: "staff@city.test",
        headers: &["mx.city.test; dmarc=pass header.from=other.example"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["header.from=other.example"],
    },
    Case {
        name: "dmarc=fail vetoes an aligned dkim pass",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=pass header.d=city.test; dmarc=fail (p=reject) header.from=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["dmarc=fail", "overrides dkim=pass"],
    },
    Case {
        name: "dmarc fail",
        from: "staff@city.test",
        headers: &["mx.city.test; dmarc=fail (p=quarantine) header.from=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["not authenticated by mx.city.test", "dmarc=fail"],
    },
    Case {
        name: "temporary and permanent errors",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=temperror (DNS timeout) header.d=city.test; spf=permerror smtp.mailfrom=city.test; dmarc=temperror"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["dkim=temperror (city.test)", "spf=permerror", "dmarc=temperror"],
    },
    Case {
        name: "neutral and policy results",
        from: "staff@city.test",
        headers: &["mx.city.test; dkim=policy header.d=city.test; spf=neutral smtp.mailfrom=city.test"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["dkim=policy", "spf=neutral"],
    },
    Case {
        name: "no authentication done",
        from: "staff@city.test",
        headers: &["mx.city.test 1; none"],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["no dmarc, dkim or spf result"],
    },
    Case {
        name: "no header at all",
        from: "staff@city.test",
        headers: &[],
        trusted: &["mx.city.test"],
        method: None,
        reason_has: &["no authentication-results header"],
    },
    Case {
        name: "nothing trusted is configured",
        from: "staff@city.test",
        headers: &[GMAIL_PASS],
        trusted: &[],
        method: None,
        reason_has: &["no trusted authserv-id"],
    },
];

#[test]
fn verdict_table() {
    let mut failures = Vec::new();
    for c in CASES {
        let inb = message(c.from, c.headers);
        let trusted = ids(c.trusted);
        let v = sender_authenticated(&inb, one_hop(&trusted));
        eprintln!(
            "{:<75} {:<5} {:?}: {}",
            c.name, v.passed, v.method, v.reason
        );
        let reason = v.reason.to_lowercase();
        let ok = v.passed == c.method.is_some()
            && v.method.as_deref() == c.method
            && c.reason_has
                .iter()
                .all(|f| reason.contains(&f.to_lowercase()));
        if !ok {
            failures.push(format!(
                "{}: got passed={} method={:?} reason={:?}; want method={:?} reason containing {:?}",
                c.name, v.passed, v.method, v.reason, c.method, c.reason_has
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn missing_from_fails() {
    let raw = "Authentication-Results: mx.city.test; dmarc=pass\r\nTo: 311@city.test\r\nSubject: x\r\n\r\nbody\r\n";
    let inb = parse(raw.as_bytes(), &Limits::default()).unwrap();
    let trusted = ids(&["mx.city.test"]);
    let v = sender_authenticated(&inb, one_hop(&trusted));
    assert!(!v.passed && v.method.is_none());
    assert!(v.reason.contains("no From"), "{}", v.reason);
}

#[test]
fn parses_the_rfc_8601_examples() {
    // RFC 8601 appendix B.5 / B.6 shapes.
    let ar = parse_authentication_results(
        "example.com; spf=pass smtp.mailfrom=example.net; dkim/1=pass header.i=@mail-router.example.net; \
         dkim=fail reason=\"bad; signature\" header.i=@newyork.example.com",
    )
    .unwrap();
    assert_eq!(ar.authserv_id, "example.com");
    assert_eq!(ar.version, None);
    assert_eq!(ar.results.len(), 3);
    assert_eq!(ar.results[1].method, "dkim");
    assert_eq!(
        ar.results[1].property("header.i"),
        Some("@mail-router.example.net")
    );
    assert_eq!(ar.results[2].result, "fail");
    assert_eq!(ar.results[2].reason.as_deref(), Some("bad; signature"));
    assert_eq!(
        ar.results[2].property("HEADER.I"),
        Some("@newyork.example.com")
    );

    let ar = parse_authentication_results("\"mx.example.org\" 1; none").unwrap();
    assert_eq!(ar.authserv_id, "mx.example.org");
    assert_eq!(ar.version, Some(1));
    assert!(ar.results.is_empty());

    let ar = parse_authentication_results(
        "mx.example.org; dkim / 1 = pass header.b=ab+c/d== header.d=example.org",
    )
    .unwrap();
    assert_eq!(ar.results[0].method, "dkim");
    assert_eq!(ar.results[0].property("header.b"), Some("ab+c/d=="));
    assert_eq!(ar.results[0].property("header.d"), Some("example.org"));

    assert_eq!(parse_authentication_results(""), None);
    assert_eq!(parse_authentication_results("   ; spf=pass"), None);
    assert_eq!(
        parse_authentication_results("spf=pass smtp.mailfrom=x.example"),
        None
    );
    // Unbalanced junk never panics.
    for junk in [
        "mx; dkim=\"",
        "mx; (((",
        "mx; =",
        "mx; dkim=pass header.d=\"a\\",
        "mx; \u{e9}=\u{e9}",
    ] {
        let _ = parse_authentication_results(junk);
    }
}

/// A raw message with these header lines (top first) above From/To/Subject.
fn with_trace(lines: &[&str]) -> Inbound {
    let mut raw = lines.join("\r\n");
    raw.push_str(
        "\r\nFrom: Crew <crew@city.test>\r\nTo: 311@city.test\r\nSubject: Re: [311-000123]\r\n\
         Message-ID: <trace@city.test>\r\n\r\nclose: done\r\n",
    );
    parse(raw.as_bytes(), &Limits::default()).unwrap()
}

const STAMP: &str = "Authentication-Results: mx.city.test; dmarc=pass header.from=city.test";
const LMTP: &str = "Received: from mx.city.test by imap.city.test (Dovecot) with LMTP id x1";
const MX: &str = "Received: from evil.example by mx.city.test (Postfix) with ESMTP id x2";
const SENDER: &str = "Received: from laptop by evil.example with ESMTP id x3";

#[test]
fn a_forged_header_below_the_receiving_servers_received_line_is_not_believed() {
    let trusted = ids(&["mx.city.test"]);
    // RFC 8601 §5: the sender wrote this one; our MX added no header of its own and did not strip it.
    let forged = with_trace(&[MX, STAMP, SENDER]);
    let v = sender_authenticated(&forged, one_hop(&trusted));
    assert!(!v.passed, "{}", v.reason);
    assert!(
        v.reason.contains("below the city's receiving server"),
        "{}",
        v.reason
    );
    // The same header above our MX's Received line was added by our MX.
    let stamped = with_trace(&[STAMP, MX, SENDER]);
    assert!(sender_authenticated(&stamped, one_hop(&trusted)).passed);
}

#[test]
fn trusted_hops_counts_every_received_line_the_city_adds() {
    let trusted = ids(&["mx.city.test"]);
    let two = TrustedHops {
        authserv_ids: &trusted,
        received_hops: 2,
    };
    // Postfix MX (with a DMARC milter) then Dovecot LMTP: the stamp sits between their two Received lines.
    let real = with_trace(&[LMTP, STAMP, MX, SENDER]);
    assert!(sender_authenticated(&real, two).passed);
    assert!(!sender_authenticated(&real, one_hop(&trusted)).passed);
    // Below both of the city's lines: the sender's own.
    let forged = with_trace(&[LMTP, MX, STAMP, SENDER]);
    assert!(!sender_authenticated(&forged, two).passed);
    // A forged copy below a genuine stamp does not matter; the genuine stamp decides.
    let fail = "Authentication-Results: mx.city.test; dmarc=fail header.from=city.test";
    let genuine_fail = with_trace(&[LMTP, fail, MX, STAMP, SENDER]);
    assert!(!sender_authenticated(&genuine_fail, two).passed);
}

#[test]
fn a_message_that_never_passed_the_receiving_server_is_not_believed() {
    let trusted = ids(&["mx.city.test"]);
    // Appended straight into the mailbox (or written by hand): no Received line at all.
    let v = sender_authenticated(&with_trace(&[STAMP]), one_hop(&trusted));
    assert!(!v.passed);
    assert!(v.reason.contains("0 Received"), "{}", v.reason);
}
