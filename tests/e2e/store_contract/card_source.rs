//! The store contract for a card's sources (both stores): one read gives the request, who asked for an
//! internal one, how many duplicates were folded into it and whether it has photos to show.

use connect311::store::{Change, InternalOrigin, NewAttachment, StatusChange};
use mail::photo::ImageFormat;
use routing::{CloseReason, RequestRef};

use super::new_request;
use crate::support;

fn attachment(name: &str, image: Option<ImageFormat>) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        data: b"bytes".to_vec(),
        image,
    }
}

/// A request closed as a duplicate of `original`.
async fn duplicate_of(store: &connect311::store::Store, original: RequestRef, who: &str) {
    let mut new = new_request(who);
    new.linked_to = Some(original);
    store
        .create_request(&new, 1_100, |_| Change {
            status: Some(StatusChange::Closed {
                reason: CloseReason::Duplicate,
            }),
            ..Change::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_card_s_sources_are_read_together() {
    let dir = tempfile::tempdir().unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let plain = store
            .create_request(&new_request("a@example.test"), 1_000, |_| Change {
                attachments: vec![attachment("notes.pdf", None)],
                ..Change::default()
            })
            .await
            .unwrap();
        let origin = InternalOrigin {
            department: "parks".into(),
            person: "discord:42".into(),
            person_name: Some("Pat".into()),
            notify_chat: Some("c-1".into()),
            notify_email: None,
        };
        let internal = store
            .create_request(&new_request("pat@city.test"), 1_000, |_| Change {
                internal: Some(origin.clone()),
                attachments: vec![attachment("hole.jpg", Some(ImageFormat::Jpeg))],
                ..Change::default()
            })
            .await
            .unwrap();
        duplicate_of(&store, internal, "b@example.test").await;
        duplicate_of(&store, internal, "c@example.test").await;
        let mut linked = new_request("e@example.test");
        linked.linked_to = Some(internal);
        store
            .create_request(&linked, 1_200, |_| Change::default())
            .await
            .unwrap();

        let p = store.card_source(plain).await.unwrap().expect("plain");
        assert_eq!(p.request.reference, plain, "{d}");
        assert_eq!(p.request.requester, "a@example.test", "{d}");
        assert_eq!(
            (p.origin, p.duplicates, p.has_images),
            (None, 0, false),
            "{d}: a resident's request, no duplicates, an attachment that is no photo"
        );
        let i = store
            .card_source(internal)
            .await
            .unwrap()
            .expect("internal");
        assert_eq!(i.request.reference, internal, "{d}");
        assert_eq!(i.origin, Some(origin), "{d}");
        assert_eq!(
            (i.duplicates, i.has_images),
            (2, true),
            "{d}: two duplicates (a linked request still open is not one), a photo"
        );
        let missing = RequestRef::new(999_999).unwrap();
        assert!(store.card_source(missing).await.unwrap().is_none(), "{d}");
    }
}
