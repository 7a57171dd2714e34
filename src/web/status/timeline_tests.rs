use super::*;
use routing::{Language, Priority, RequestRef, Source, Status};
use serde_json::json;

fn request() -> Request {
    Request {
        reference: RequestRef::new(5).unwrap(),
        status: Status::Closed,
        close_reason: Some(CloseReason::Resolved),
        department: DepartmentId::new("parks"),
        category: None,
        language: Language::Es,
        priority: Priority::Normal,
        emergency: None,
        location_text: None,
        location_norm: None,
        lat: None,
        lon: None,
        source: Source::Email,
        requester: "ana@example.test".into(),
        requester_name: None,
        subject: "Bache".into(),
        description: "Hay un bache".into(),
        decision: json!({}),
        linked_to: None,
        created_at: 0,
        updated_at: 0,
        acknowledged_at: None,
        closed_at: None,
        response_due_at: 0,
        resolution_due_at: 0,
    }
}

fn event(at: i64, kind: EventKind, actor: &str, payload: serde_json::Value) -> Event {
    Event {
        id: at,
        reference: RequestRef::new(5).unwrap(),
        kind,
        actor: actor.into(),
        source: Source::Chat,
        at,
        payload,
    }
}

fn history() -> Vec<Event> {
    let ana = "ana@example.test";
    vec![
        event(
            1,
            EventKind::Created,
            ana,
            json!({ "attachments": [{"filename": "bache.jpg", "size": 9}] }),
        ),
        event(
            2,
            EventKind::Acknowledged,
            "chat:1",
            json!({ "actor_name": "Crew 7" }),
        ),
        event(
            3,
            EventKind::Comment,
            "chat:1",
            json!({ "text": "INTERNAL: crew short", "staff": true }),
        ),
        event(
            4,
            EventKind::Comment,
            "boss@city.test",
            json!({ "text": "INTERNAL by mail", "staff": true, "attachments": ["plan.pdf"] }),
        ),
        event(
            5,
            EventKind::Reassigned,
            "chat:1",
            json!({ "from": "streets", "to": "parks", "actor_name": "Crew 7" }),
        ),
        event(
            6,
            EventKind::Comment,
            ana,
            json!({ "text": "Sigue ahí", "staff": false, "attachments": ["otra.jpg"] }),
        ),
        event(7, EventKind::OverdueReminder, "system", json!({})),
        event(
            8,
            EventKind::PublicMessage,
            "chat:2",
            json!({ "text": "¿Dónde exactamente?", "actor_name": "Lee" }),
        ),
        event(
            9,
            EventKind::Closed,
            "chat:2",
            json!({ "reason": "resolved", "note": "Tapado.", "actor_name": "Lee" }),
        ),
        event(
            10,
            EventKind::Reopened,
            ana,
            json!({ "text": "No, sigue", "via": "status_page" }),
        ),
    ]
}

#[test]
fn the_resident_reads_their_story_without_internal_comments_or_names() {
    let t = timeline(&request(), &history(), false);
    let whats: Vec<What> = t.into_iter().map(|e| e.what).collect();
    let streets = DepartmentId::new("streets");
    assert_eq!(
        whats,
        vec![
            What::Received,
            What::SentTo {
                department: streets.clone()
            },
            What::Acknowledged {
                department: streets,
                by: None
            },
            What::MovedTo {
                department: DepartmentId::new("parks"),
                by: None
            },
            What::YouWrote {
                text: "Sigue ahí".into()
            },
            What::CityMessage {
                text: "¿Dónde exactamente?".into(),
                by: None
            },
            What::Closed {
                reason: Some(CloseReason::Resolved),
                note: "Tapado.".into(),
                by: None
            },
            What::Reopened {
                your_words: Some("No, sigue".into())
            },
        ]
    );
}

#[test]
fn staff_names_only_when_the_city_allows() {
    let t = timeline(&request(), &history(), true);
    let names: Vec<String> = t
        .iter()
        .filter_map(|e| match &e.what {
            What::Acknowledged { by, .. } | What::MovedTo { by, .. } => by.clone(),
            What::CityMessage { by, .. } | What::Closed { by, .. } => by.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["Crew 7", "Crew 7", "Lee", "Lee"]);
}

#[test]
fn only_the_residents_own_files_are_listed() {
    assert_eq!(
        resident_files(&request(), &history()),
        ["bache.jpg", "otra.jpg"]
    );
}
