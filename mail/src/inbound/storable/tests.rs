//! storable_raw on messages with refused attachments, oversize text, and nothing to remove.

use super::*;
use crate::inbound::parse;

fn header_block(raw: &[u8]) -> &[u8] {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    &raw[..end]
}

fn with_attachment(data_len: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..data_len).map(|i| (i * 7 % 251) as u8).collect();
    let encoded = base64_lines(&data);
    let mut raw = b"Return-Path: <ana@example.test>\r\nFrom: Ana <ana@example.test>\r\nTo: 311@city.test\r\n\
        Subject: Graffiti\r\nMessage-ID: <big-1@example.test>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n--XYZ\r\n\
        Content-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n--ALT\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attached photo.\r\n--ALT\r\n\
        Content-Type: text/html; charset=utf-8\r\n\r\n<p>See the attached <i>photo</i>.</p>\r\n--ALT--\r\n\
        --XYZ\r\nContent-Type: image/jpeg; name=\"wall.jpg\"\r\n\
        Content-Disposition: attachment; filename=\"wall.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(encoded.as_bytes());
    raw.extend_from_slice(b"--XYZ\r\nContent-Type: application/pdf\r\n\
        Content-Disposition: attachment; filename=\"small.pdf\"\r\n\r\n%PDF-1.4 tiny\r\n--XYZ--\r\n");
    raw
}

#[test]
fn a_refused_30_mb_attachment_becomes_a_small_placeholder() {
    let data_len = 30 * 1024 * 1024;
    let raw = with_attachment(data_len);
    assert!(raw.len() > 40 * 1024 * 1024);
    let limits = Limits::default();
    let stored = storable_raw(&raw, &limits);
    assert!(stored.len() < 1024 * 1024, "{} bytes", stored.len());
    assert_eq!(
        header_block(&stored),
        header_block(&raw),
        "headers byte for byte"
    );

    let before = parse(&raw, &limits).unwrap();
    let after = parse(&stored, &limits).expect("still a parseable message");
    assert_eq!(after.text, before.text);
    assert_eq!(after.subject, before.subject);
    assert_eq!(before.oversize.len(), 1);
    assert!(after.oversize.is_empty());
    let names: Vec<&str> = after
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert_eq!(
        names,
        ["wall.jpg.removed.txt", "small.pdf"],
        "same parts, same order"
    );

    let data: Vec<u8> = (0..data_len).map(|i| (i * 7 % 251) as u8).collect();
    let sha = hex::encode(Sha256::digest(&data));
    let text = String::from_utf8_lossy(&stored);
    let header = text
        .lines()
        .find(|l| l.starts_with(REMOVED_HEADER))
        .expect("placeholder header");
    assert!(header.contains(&format!("size={data_len}")), "{header}");
    assert!(header.contains(&format!("sha256={sha}")), "{header}");
    assert!(header.contains("filename*=utf-8''wall.jpg") && header.contains("image/jpeg"));
    let note = String::from_utf8_lossy(&after.attachments[0].data).into_owned();
    assert!(
        note.contains("wall.jpg") && note.contains(&sha) && note.contains("30.0 MB"),
        "{note}"
    );
    assert!(
        text.ends_with("%PDF-1.4 tiny\r\n--XYZ--\r\n"),
        "the parts after it are untouched"
    );
}

#[test]
fn nothing_refused_comes_back_borrowed_and_identical() {
    for name in ["photo.eml", "plain.eml", "html_only.eml", "dsn_bounce.eml"] {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let raw = std::fs::read(&path).unwrap();
        let stored = storable_raw(&raw, &Limits::default());
        assert!(matches!(stored, Cow::Borrowed(_)), "{name}");
        assert_eq!(&*stored, &raw[..], "{name}");
    }
    let raw = with_attachment(1000);
    assert!(matches!(
        storable_raw(&raw, &Limits::default()),
        Cow::Borrowed(_)
    ));
}

#[test]
fn a_whole_message_attachment_keeps_its_headers_and_gets_a_note() {
    let mut raw = b"From: a@example.test\r\nSubject: scan\r\nContent-Type: application/pdf\r\n\
        Content-Disposition: attachment; filename=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(base64_lines(&[7u8; 3000]).as_bytes());
    let limits = Limits {
        max_attachment_bytes: 1000,
        ..Limits::default()
    };
    let stored = storable_raw(&raw, &limits);
    assert!(stored.starts_with(format!("{REMOVED_HEADER}: ").as_bytes()));
    assert!(stored.len() < 1000);
    let after = parse(&stored, &limits).unwrap();
    assert_eq!(after.subject, "scan");
    let note = String::from_utf8_lossy(&after.attachments[0].data).into_owned();
    assert!(
        note.contains("scan.pdf") && note.contains("size: 3000 bytes"),
        "{note}"
    );
}

#[test]
fn an_oversize_text_part_is_cut_with_a_note() {
    let body = "The streetlight on Oak is out. ".repeat(1000);
    let raw = format!(
        "From: a@example.test\r\nSubject: long\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         Espa=F1a {body}\r\n--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=x.png\r\n\
         \r\nPNG\r\n--b--\r\n"
    );
    let limits = Limits {
        max_text_bytes: 2000,
        ..Limits::default()
    };
    let stored = storable_raw(raw.as_bytes(), &limits);
    assert!(stored.len() < 4000, "{}", stored.len());
    // Read back with room to spare, so parse's own cut does not hide the stored note.
    let after = parse(&stored, &Limits::default()).unwrap();
    assert!(
        after.text.starts_with("España The streetlight"),
        "{}",
        after.text
    );
    assert!(
        after.text.contains("[... message cut by connect311: "),
        "{}",
        after.text
    );
    assert_eq!(after.attachments[0].filename, "x.png");
    assert!(String::from_utf8_lossy(&stored).contains(&format!("{REMOVED_HEADER}: cut; kept=2000")));
}

#[test]
fn a_huge_single_part_body_is_cut_at_a_clean_point() {
    for (cte, body) in [
        ("8bit", "é".repeat(50_000)),
        ("quoted-printable", "=C3=A9".repeat(50_000)),
        ("base64", base64_lines("é".repeat(50_000).as_bytes())),
    ] {
        let raw = format!(
            "From: a@example.test\r\nSubject: one line\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: {cte}\r\n\r\n{body}"
        );
        let limits = Limits {
            max_text_bytes: 3001,
            ..Limits::default()
        };
        let stored = storable_raw(raw.as_bytes(), &limits);
        assert!(stored.len() < 10_000, "{cte}: {}", stored.len());
        assert!(
            stored.starts_with(format!("{REMOVED_HEADER}: cut; ").as_bytes()),
            "{cte}"
        );
        let after = parse(&stored, &Limits::default()).unwrap();
        let (kept, note) = after.text.split_once("\n[... ").expect(cte);
        assert!(
            kept.chars().all(|c| c == 'é') && kept.len() > 2000,
            "{cte}: {kept:?}"
        );
        assert!(
            note.starts_with("message cut by connect311"),
            "{cte}: {note}"
        );
    }
}

#[test]
fn junk_is_kept_only_up_to_the_attachment_total() {
    let junk = vec![0u8; 5000];
    let limits = Limits {
        max_total_attachment_bytes: 1000,
        ..Limits::default()
    };
    let stored = storable_raw(&junk, &limits);
    assert!(stored.len() < 1200 && stored.starts_with(&junk[..1000]));
    assert!(matches!(
        storable_raw(&junk[..900], &limits),
        Cow::Borrowed(_)
    ));
}
