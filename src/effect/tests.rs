//! Stored shapes: every kind written before effects were typed still decodes, and a bad row names its job.

use serde_json::json;

use super::*;

/// Payloads exactly as the untyped outbox wrote them (`json!` in compose.rs and sweeper.rs, `OutgoingMail`).
fn todays_rows() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "email",
            json!({
                "from": {"name": "City of Riverton 311", "email": "311@city.test"},
                "to": {"name": null, "email": "Ana@Example.test"},
                "reply_to": "311+311-000001-abcd@city.test",
                "subject": "We received your report [311-000001]",
                "text": "Thank you.",
                "message_id": "311-000001.1a.2b@city.test",
                "in_reply_to": "p1@example.test",
                "references": ["p1@example.test"],
                "auto_submitted": "auto-replied",
                "language": "en"
            }),
        ),
        (
            "chat_work_order",
            json!({"channel": "100", "department": "streets", "page_role": null}),
        ),
        (
            "chat_work_order",
            json!({"channel": "900", "department": "dispatch", "page_role": "555"}),
        ),
        ("chat_update", json!({})),
        ("chat_note", json!({"text": "Reassigned to Parks"})),
        (
            "chat_note",
            json!({"channel": "100", "text": "📊 Weekly 311 scorecard"}),
        ),
    ]
}

#[test]
fn todays_payloads_decode_and_encode_to_the_same_json() {
    for (kind, payload) in todays_rows() {
        let effect = Effect::decode(7, kind, &payload.to_string())
            .unwrap_or_else(|e| panic!("{kind} {payload}: {e}"));
        assert_eq!(effect.kind(), kind, "{payload}");
        let again: serde_json::Value = serde_json::from_str(&effect.payload()).unwrap();
        assert_eq!(again, payload, "{kind}");
    }
}

#[test]
fn decoded_fields_are_typed() {
    let rows = todays_rows();
    let decode = |i: usize| Effect::decode(1, rows[i].0, &rows[i].1.to_string()).unwrap();
    let Effect::Email(mail) = decode(0) else {
        panic!("not an email")
    };
    assert_eq!(
        mail.auto_submitted,
        mail::outbound::AutoSubmitted::AutoReplied
    );
    assert_eq!(decode(0).recipient().as_deref(), Some("ana@example.test"));
    assert_eq!(
        decode(2),
        Effect::PostWorkOrder(WorkOrderPost {
            channel: "900".into(),
            department: DepartmentId::dispatch(),
            page_role: Some("555".into()),
        })
    );
    assert_eq!(decode(3), Effect::UpdateWorkOrder(WorkOrderUpdate {}));
    assert_eq!(
        decode(4),
        Effect::ChatNote(ChatNote {
            channel: None,
            text: "Reassigned to Parks".into()
        })
    );
    assert_eq!(decode(4).recipient(), None);
    assert_eq!(decode(5).recipient().as_deref(), Some("100"));
}

#[test]
fn a_row_that_is_no_effect_names_its_job() {
    for (kind, payload, says) in [
        ("fax", "{}", "unknown variant `fax`"),
        ("chat_note", "{}", "missing field `text`"),
        (
            "chat_work_order",
            r#"{"channel": "1"}"#,
            "missing field `department`",
        ),
        ("email", "not json", "payload"),
    ] {
        let e = Effect::decode(42, kind, payload).unwrap_err();
        assert_eq!((e.id, e.kind.as_str()), (42, kind));
        let text = e.to_string();
        assert!(text.starts_with("outbox job 42: "), "{text}");
        assert!(text.contains(says), "{kind}: {text}");
    }
}

#[test]
fn a_department_email_keeps_its_step_and_rides_in_its_request_lane() {
    let rows = [
        json!({"department": "streets", "to": "Streets@City.test", "kind": {"step": "new"}}),
        json!({"department": "streets", "to": "streets@city.test", "kind": {"step": "moved", "to": "parks"}}),
        json!({"department": "parks", "to": "parks@city.test", "kind": {"step": "reopened", "why": "still broken"}}),
        json!({"department": "parks", "to": "parks@city.test", "kind": {"step": "escalated"}}),
        json!({"department": "parks", "to": "parks@city.test", "kind": {"step": "note", "text": "more"}}),
    ];
    for payload in rows {
        let effect = Effect::decode(3, "department_email", &payload.to_string()).unwrap();
        assert_eq!(effect.kind(), "department_email");
        let again: serde_json::Value = serde_json::from_str(&effect.payload()).unwrap();
        assert_eq!(again, payload);
        assert_eq!(effect.lane(Some(12)).as_deref(), Some("mail:request:12"));
    }
    let first = Effect::decode(3, "department_email", &rows_first()).unwrap();
    assert_eq!(first.recipient().as_deref(), Some("streets@city.test"));
    assert_eq!(
        first.lane(None).as_deref(),
        Some("mail:to:streets@city.test")
    );
    let Effect::DepartmentEmail(e) = first else {
        panic!("not a department email")
    };
    assert_eq!(e.kind, DepartmentMailKind::New);
    let bad = Effect::decode(
        4,
        "department_email",
        r#"{"department": "x", "to": "x@y", "kind": {"step": "fax"}}"#,
    );
    assert!(bad.unwrap_err().to_string().contains("fax"));
}

fn rows_first() -> String {
    json!({"department": "streets", "to": "Streets@City.test", "kind": {"step": "new"}}).to_string()
}
