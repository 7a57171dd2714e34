//! Parsing the crate's own fixtures (mail/tests/fixtures) and hostile inputs.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse_fixture(name: &str) -> Inbound {
    parse(&fixture(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn plain_message() {
    let m = parse_fixture("plain.eml");
    assert_eq!(
        m.message_id.as_deref(),
        Some("CAF1234.plain@mail.example.test")
    );
    let from = m.from.as_ref().unwrap();
    assert_eq!(from.email, "maria.lopez@example.test");
    assert_eq!(from.name.as_deref(), Some("Maria Lopez"));
    assert_eq!(m.return_path.as_deref(), Some("maria.lopez@example.test"));
    assert_eq!(m.to, vec![Address::with_name("City 311", "311@city.test")]);
    assert_eq!(m.cc, vec![Address::new("neighbour@example.test")]);
    assert_eq!(m.delivered_to, vec!["311@city.test".to_string()]);
    assert_eq!(m.subject, "Pothole on Main Street");
    assert_eq!(m.date.unwrap().to_rfc3339(), "2025-03-03T09:14:00+00:00");
    assert!(m.text.starts_with("Hello,\n\nThere is a large pothole"));
    assert!(!m.text.contains('\r'));
    assert!(!m.from_html);
    assert_eq!(m.authentication_results.len(), 1);
    assert!(m.attachments.is_empty() && m.oversize.is_empty() && m.dsn.is_none());
    assert_eq!(m.raw_size, fixture("plain.eml").len());
}

#[test]
fn html_only_is_reduced_to_text() {
    let m = parse_fixture("html_only.eml");
    assert!(m.from_html);
    assert!(m.text.contains("streetlight"), "{}", m.text);
    assert!(m.text.contains("Oak & 5th"), "{}", m.text);
    assert!(
        !m.text.contains('<') && !m.text.contains("alert"),
        "{}",
        m.text
    );
}

#[test]
fn spanish_latin1_is_decoded() {
    let m = parse_fixture("spanish_latin1.eml");
    assert_eq!(m.subject, "Basura en la calle España");
    assert_eq!(m.from.unwrap().name.as_deref(), Some("José Muñoz"));
    assert!(
        m.text.contains("calle España desde el miércoles"),
        "{}",
        m.text
    );
    assert!(m.text.contains("¿Pueden recogerla?"));
}

#[test]
fn photo_attachment_is_kept_with_a_safe_name() {
    let m = parse_fixture("photo.eml");
    assert_eq!(m.text, "See the attached photo of the graffiti.");
    assert_eq!(m.attachments.len(), 1);
    let a = &m.attachments[0];
    assert_eq!(a.filename, "wall.png");
    assert_eq!(a.content_type, "image/png");
    assert!(a.data.starts_with(b"\x89PNG"));
    assert_eq!(a.size, a.data.len());
}

#[test]
fn oversize_attachments_are_refused_politely() {
    let limits = Limits {
        max_attachment_bytes: 10,
        max_total_attachment_bytes: 100,
        ..Limits::default()
    };
    let m = parse(&fixture("photo.eml"), &limits).unwrap();
    assert!(m.attachments.is_empty());
    assert_eq!(m.oversize.len(), 1);
    assert!(m.oversize[0].starts_with("wall.png ("), "{:?}", m.oversize);
}

#[test]
fn total_limit_applies_across_attachments() {
    let mut raw = String::from(
        "From: a@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n",
    );
    for i in 0..3 {
        raw.push_str(&format!(
            "--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=f{i}.pdf\r\n\r\n{}\r\n",
            "x".repeat(40)
        ));
    }
    raw.push_str("--B--\r\n");
    let limits = Limits {
        max_attachment_bytes: 50,
        max_total_attachment_bytes: 90,
        ..Limits::default()
    };
    let m = parse(raw.as_bytes(), &limits).unwrap();
    assert_eq!(m.attachments.len(), 2);
    assert_eq!(m.oversize.len(), 1);
    assert!(m.oversize[0].starts_with("f2.pdf"));
}

#[test]
fn dsn_is_recognised() {
    let m = parse_fixture("dsn_bounce.eml");
    assert_eq!(m.return_path.as_deref(), Some(""));
    let b = m.dsn.expect("a DSN");
    assert_eq!(
        b.original_message_id.as_deref(),
        Some("ack-311-000123@city.test")
    );
    assert_eq!(b.recipient.as_deref(), Some("nobody@example.test"));
    assert_eq!(b.status.as_deref(), Some("5.1.1"));
    assert!(b.permanent && b.report);
}

#[test]
fn vacation_headers_are_captured() {
    let m = parse_fixture("vacation.eml");
    assert_eq!(m.auto_submitted.as_deref(), Some("auto-replied (vacation)"));
    assert_eq!(m.precedence.as_deref(), Some("bulk"));
    assert_eq!(m.x_auto_response_suppress.as_deref(), Some("All"));
    assert_eq!(m.in_reply_to, vec!["ack-311-000123@city.test".to_string()]);
    assert_eq!(m.references, vec!["ack-311-000123@city.test".to_string()]);
    assert_eq!(
        m.delivered_to,
        vec!["311+311-000123-deadbeef@city.test".to_string()]
    );
    assert!(m.dsn.is_none());
}

#[test]
fn list_headers_are_captured() {
    let m = parse_fixture("list.eml");
    assert!(m
        .list_id
        .as_deref()
        .unwrap()
        .contains("neighbourhood.lists.example.test"));
    assert_eq!(m.precedence.as_deref(), Some("list"));
}

#[test]
fn missing_message_id_still_parses() {
    let m = parse(
        b"From: a@example.test\nSubject: hi\n\nbody\n",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(m.message_id, None);
    assert_eq!(m.text, "body");
}

#[test]
fn junk_is_an_error() {
    let cases: &[&[u8]] = &[
        b"",
        b"   \r\n  ",
        b"\x00\x01\x02\x03binary\x00junk",
        b"just some text without any headers\nsecond line\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"X-Nothing-Useful: 1\n\nbody",
    ];
    for raw in cases {
        assert!(
            parse(raw, &Limits::default()).is_err(),
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let mut cases: Vec<Vec<u8>> = vec![
        b"From: a@b\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n".to_vec(),
        b"From: a@b\nContent-Type: text/html\n\n<".repeat(3),
        format!(
            "From: a@b\nContent-Type: text/html\n\n{}",
            "<div>".repeat(5000)
        )
        .into_bytes(),
        b"From: =?utf-8?B?////?= <x@y>\nSubject: =?bogus?Q?=FF?=\nDate: 99 Foo 99999 99:99:99\n\n"
            .to_vec(),
    ];
    cases.push((0..=255u8).cycle().take(4096).collect());
    for raw in cases {
        let _ = parse(&raw, &Limits::default());
    }
}

#[test]
fn authentication_results_all_kept_in_order_topmost_first() {
    // Three headers (one folded over several lines, one with odd case), interleaved with Received and an
    // ARC-Authentication-Results that must not be mixed in, and a forwarded message whose own header must not
    // leak into the outer list.
    let raw = "Return-Path: <staff@city.test>\r\n\
        Authentication-Results: mx.city.test;\r\n\
        \tdkim=pass header.d=city.test header.s=s1;\r\n\
        \tspf=pass (mx.city.test: domain of staff@city.test designates 10.0.0.1) smtp.mailfrom=staff@city.test;\r\n\
        \tdmarc=pass header.from=city.test\r\n\
        Received: from relay.city.test by mx.city.test; Mon, 3 Mar 2025 10:00:02 +0000\r\n\
        ARC-Authentication-Results: i=1; relay.city.test; spf=pass smtp.mailfrom=city.test\r\n\
        authentication-results: relay.city.test; spf=none smtp.mailfrom=city.test\r\n\
        Received: from outside by relay.city.test; Mon, 3 Mar 2025 10:00:01 +0000\r\n\
        AUTHENTICATION-RESULTS: forged.example; dmarc=pass header.from=city.test\r\n\
        From: Staff <staff@city.test>\r\n\
        To: 311@city.test\r\n\
        Subject: close 311-000123\r\n\
        Message-ID: <ar-order@city.test>\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
        \r\n\
        --b1\r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Done.\r\n\
        --b1\r\n\
        Content-Type: message/rfc822\r\n\
        \r\n\
        Authentication-Results: inner.example; dmarc=pass\r\n\
        From: someone@example.test\r\n\
        Subject: inner\r\n\
        \r\n\
        inner body\r\n\
        --b1--\r\n";
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(
        m.authentication_results,
        vec![
            "mx.city.test; dkim=pass header.d=city.test header.s=s1; spf=pass (mx.city.test: domain of \
             staff@city.test designates 10.0.0.1) smtp.mailfrom=staff@city.test; dmarc=pass header.from=city.test"
                .to_string(),
            "relay.city.test; spf=none smtp.mailfrom=city.test".to_string(),
            "forged.example; dmarc=pass header.from=city.test".to_string(),
        ]
    );
}

#[test]
fn a_huge_single_line_body_is_cut_with_a_marker() {
    let raw = format!(
        "From: a@example.test\r\nSubject: big\r\n\r\n{}\r\n",
        "é".repeat(1_500_000)
    );
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert!(m.text_cut);
    let (kept, marker) = m.text.rsplit_once("\n\n").unwrap();
    assert!(kept.len() <= Limits::default().max_text_bytes && kept.len() > 200_000);
    assert!(kept.chars().all(|c| c == 'é'));
    assert!(
        marker.starts_with("[… message cut: ") && marker.ends_with(" KB more]"),
        "{marker}"
    );
    let small = parse(
        b"From: a@example.test\nSubject: s\n\nshort\n",
        &Limits::default(),
    )
    .unwrap();
    assert!(!small.text_cut);
}

#[test]
fn a_long_html_body_is_cut_too() {
    let raw = format!(
        "From: a@example.test\r\nSubject: big\r\nContent-Type: text/html\r\n\r\n{}",
        "<p>The streetlight on Oak is out.</p>\r\n".repeat(20_000)
    );
    let limits = Limits {
        max_text_bytes: 10_000,
        ..Limits::default()
    };
    let m = parse(raw.as_bytes(), &limits).unwrap();
    assert!(m.from_html && m.text_cut);
    assert!(m.text.len() < 10_100, "{}", m.text.len());
    assert!(m.text.starts_with("The streetlight on Oak is out."));
}

#[test]
fn header_values_are_capped_and_on_one_line() {
    let raw = format!(
        "From: \"{}\" <a@example.test>\r\nTo: =?utf-8?Q?City=0D=0ABcc=3A_x@y.test?= <311@city.test>\r\n\
         Cc: \"Raw\rCR\" <c@example.test>\r\nSubject: {}\r\n\r\nbody\r\n",
        "N".repeat(890_000),
        "s".repeat(5000)
    );
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    let name = m.from.unwrap().name.unwrap();
    assert_eq!(name.chars().count(), 200);
    assert!(name.ends_with('…'));
    assert_eq!(m.subject.chars().count(), 998);
    assert_eq!(m.to[0].name.as_deref(), Some("City Bcc: x@y.test"));
    assert_eq!(m.cc[0].name.as_deref(), Some("Raw CR"));
}

#[test]
fn bidi_overrides_are_made_visible_everywhere() {
    let raw = "From: =?utf-8?Q?Ana=E2=80=AE?= <ana@example.test>\r\n\
        Subject: =?utf-8?Q?Invoice_=E2=80=AEfdp.exe?=\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        Pay =E2=80=AEnow=E2=81=A6 please\r\n--b\r\n\
        Content-Type: application/octet-stream\r\n\
        Content-Disposition: attachment; filename*=utf-8''photo%E2%80%AEgpj.exe\r\n\r\nMZ\r\n--b--\r\n";
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(m.subject, "Invoice [U+202E]fdp.exe");
    assert_eq!(m.from.unwrap().name.as_deref(), Some("Ana[U+202E]"));
    assert_eq!(m.text, "Pay [U+202E]now[U+2066] please");
    assert_eq!(m.attachments[0].filename, "photo[U+202E]gpj.exe");
}

#[test]
fn implausible_message_ids_are_dropped_and_references_bounded() {
    let refs: Vec<String> = (0..40).map(|i| format!("<r{i}@example.test>")).collect();
    let raw = format!(
        "From: a@example.test\r\nMessage-ID: <not an id>\r\nIn-Reply-To: <a<b@x.test> <ok@x.test>\r\n\
         References: {} <bad@@x.test> <noat>\r\nSubject: s\r\n\r\nbody\r\n",
        refs.join(" ")
    );
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(m.message_id, None, "the service synthesises one instead");
    assert_eq!(m.in_reply_to, vec!["ok@x.test".to_string()]);
    assert_eq!(m.references.len(), msgid::MAX_REFERENCES);
    assert_eq!(m.references[0], "r20@example.test");
    assert_eq!(m.references.last().unwrap(), "r39@example.test");
    let long = format!(
        "From: a@example.test\r\nMessage-ID: <{}@x.test>\r\n\r\nb",
        "a".repeat(300)
    );
    assert_eq!(
        parse(long.as_bytes(), &Limits::default())
            .unwrap()
            .message_id,
        None
    );
}

#[test]
fn the_first_from_is_the_identity_and_a_second_is_flagged() {
    let raw = "Authentication-Results: mx.city.test; dmarc=pass header.from=city.test\r\n\
        From: Maria <maria@example.test>\r\nFrom: noreply@city.test\r\nTo: 311@city.test\r\n\
        Subject: Pothole\r\nMessage-ID: <two-from@example.test>\r\n\r\nThere is a pothole.\r\n";
    let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(m.from.as_ref().unwrap().email, "maria@example.test");
    assert!(m.multiple_from);
    let own = crate::guard::OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec!["city.test".into()],
    };
    assert_eq!(
        crate::guard::automated(&m, &own),
        None,
        "a resident, not a machine"
    );
    let ids = ["mx.city.test".to_string()];
    let trust = crate::auth::TrustedHops {
        authserv_ids: &ids,
        received_hops: 1,
    };
    let verdict = crate::auth::sender_authenticated(&m, trust);
    assert!(!verdict.passed);
    assert!(verdict.reason.contains("RFC 7489"), "{}", verdict.reason);

    let two_mailboxes = parse(
        b"From: a@city.test, b@city.test\r\nSubject: s\r\n\r\nb",
        &Limits::default(),
    )
    .unwrap();
    assert!(two_mailboxes.multiple_from);
    assert!(!parse_fixture("plain.eml").multiple_from);
}

#[test]
fn a_message_in_a_message_in_a_multipart_does_not_panic() {
    // mail-parser loses track of the MIME tree here and trips a debug_assert (a panic in debug builds).
    let raw = "From: wrap@example.test\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"w0\"\r\n\r\n--w0\r\nContent-Type: message/rfc822\r\n\r\n\
        From: outer@example.test\r\nSubject: outer\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n\
        From: inner@example.test\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\nTesting\r\n\r\n--w0--\r\n";
    let outcome = std::panic::catch_unwind(|| parse(raw.as_bytes(), &Limits::default()));
    assert!(outcome.is_ok(), "parse panicked");
}
