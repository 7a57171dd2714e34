//! Composition: loop headers, threading, language, and round-tripping through our own parser.

use super::*;
use crate::guard::{automated, OwnAddresses};
use crate::inbound::{parse, Limits};

pub(super) fn sample() -> OutgoingMail {
    OutgoingMail {
        from: Address::with_name("City 311", "311@city.test"),
        to: Address::with_name("María López", "maria@example.test"),
        reply_to: Some("311+311-000123-deadbeef@city.test".into()),
        subject: "Su solicitud [311-000123]".into(),
        text: "Gracias por su reporte.\nNúmero: 311-000123\n".into(),
        message_id: "ack-311-000123@city.test".into(),
        in_reply_to: Some("<orig@example.test>".into()),
        references: vec!["orig@example.test".into()],
        auto_submitted: AutoSubmitted::AutoReplied,
        language: Some("es".into()),
        attachments: Vec::new(),
    }
}

#[test]
fn headers_and_round_trip() {
    let bytes = build(&sample(), "311@city.test").unwrap().formatted();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Auto-Submitted: auto-replied\r\n"), "{text}");
    assert!(text.contains("X-Auto-Response-Suppress: All\r\n"));
    assert!(text.contains("X-Connect311-Loop: 311@city.test\r\n"));
    assert!(text.contains("Content-Language: es\r\n"));
    assert!(text.contains("Message-ID: <ack-311-000123@city.test>\r\n"));
    assert!(!text.to_ascii_lowercase().contains("precedence:"));

    let inb = parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(inb.message_id.as_deref(), Some("ack-311-000123@city.test"));
    assert_eq!(inb.in_reply_to, vec!["orig@example.test".to_string()]);
    assert_eq!(inb.references, vec!["orig@example.test".to_string()]);
    assert_eq!(inb.to[0].name.as_deref(), Some("María López"));
    assert_eq!(
        inb.reply_to.as_ref().unwrap().email,
        "311+311-000123-deadbeef@city.test"
    );
    assert_eq!(inb.subject, "Su solicitud [311-000123]");
    assert_eq!(inb.text, "Gracias por su reporte.\nNúmero: 311-000123");
    assert_eq!(inb.loop_header.as_deref(), Some("311@city.test"));
    // Our own mail coming back is never answered.
    assert!(automated(&inb, &OwnAddresses::default()).is_some());
}

#[test]
fn serde_round_trip_for_the_outbox() {
    let m = sample();
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"auto-replied\""), "{json}");
    let back: OutgoingMail = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
}

#[test]
fn bad_address_is_permanent() {
    let mut m = sample();
    m.to = Address::new("not an address");
    let err = build(&m, "x").unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
}

#[test]
fn header_injection_in_subject_is_neutralised() {
    let mut m = sample();
    m.subject = "Hi\r\nBcc: victim@example.test".into();
    let bytes = build(&m, "x").unwrap().formatted();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("\r\nBcc:"), "{text}");
}

#[tokio::test]
async fn file_sender_writes_eml() {
    let dir = tempfile::tempdir().unwrap();
    let sender = FileSender::new(dir.path()).with_loop_id("311@city.test");
    sender.send(&sample()).await.unwrap();
    let path = sender.path_for("ack-311-000123@city.test");
    let inb = parse(&std::fs::read(path).unwrap(), &Limits::default()).unwrap();
    assert_eq!(inb.loop_header.as_deref(), Some("311@city.test"));
}

#[test]
fn attachments_make_a_mixed_message_whose_files_decode_as_sent() {
    let jpeg: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain(0..=255u8)
        .collect();
    let mut mail = sample();
    mail.attachments = vec![
        MailAttachment {
            filename: "IMG \"1\".jpeg".into(),
            content_type: "image/jpeg".into(),
            data: jpeg.clone(),
        },
        MailAttachment {
            filename: "notes.bin".into(),
            content_type: "not a type".into(),
            data: vec![1, 2, 3],
        },
    ];
    let bytes = build(&mail, "311@city.test").unwrap().formatted();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("multipart/mixed"), "{text}");
    assert!(text.contains("Auto-Submitted: auto-replied\r\n"));
    let inb = parse(&bytes, &Limits::default()).unwrap();
    assert!(inb.text.contains("Gracias por su reporte."), "{}", inb.text);
    assert_eq!(inb.attachments.len(), 2, "{:?}", inb.attachments);
    assert_eq!(inb.attachments[0].filename, "IMG _1_.jpeg");
    assert_eq!(inb.attachments[0].content_type, "image/jpeg");
    assert_eq!(inb.attachments[0].data, jpeg);
    assert_eq!(inb.attachments[1].content_type, "application/octet-stream");
    assert_eq!(inb.attachments[1].data, [1, 2, 3]);
    assert!(
        !format!("{:?}", mail.attachments[0]).contains("255"),
        "Debug shows the size, not the bytes"
    );
}
