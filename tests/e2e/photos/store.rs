//! The store keeps a resident's photos without their metadata and reads them back — a request's photos, one
//! photo by id, the first photo of each of a page of requests, the photos posted with a card — the same on
//! SQLite and PostgreSQL.

use connect311::store::{AttachmentId, Change, NewAttachment};
use mail::photo::fixture::SECRET;
use mail::photo::{gps_position, strip_metadata, ImageFormat};

use super::{contains, phone_photo};
use crate::store_contract::new_request;
use crate::support;

fn attachment(name: &str, content_type: &str, data: &[u8]) -> NewAttachment {
    NewAttachment::from_mail(&mail::Attachment {
        filename: name.into(),
        content_type: content_type.into(),
        size: data.len(),
        inline: false,
        data: data.to_vec(),
    })
}

#[tokio::test]
async fn photos_are_kept_without_their_metadata_and_read_back_alike_on_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let photo = phone_photo();
    let clean = strip_metadata(&photo).unwrap();
    for store in support::both_stores(dir.path()).await {
        let d = store.dialect();
        let with = |files: Vec<NewAttachment>| Change {
            attachments: files,
            ..Change::default()
        };
        let pdf = attachment("plan.pdf", "application/pdf", b"%PDF-1.4 plan");
        // A sender's claimed type is not believed: the photo is a JPEG by its bytes.
        let jpeg = attachment("IMG_4512.jpeg", "application/octet-stream", &photo);
        let a = store
            .create_request(&new_request("a@example.test"), 1_000, |_| {
                with(vec![pdf, jpeg])
            })
            .await
            .unwrap();
        let b = store
            .create_request(&new_request("b@example.test"), 1_001, |_| with(vec![]))
            .await
            .unwrap();

        let images = store.images_of(a).await.unwrap();
        assert_eq!(images.len(), 1, "{d}: only the photo may be shown");
        let img = &images[0];
        assert_eq!(
            (
                img.reference,
                img.filename.as_str(),
                img.format,
                img.content_type()
            ),
            (a, "IMG_4512.jpeg", ImageFormat::Jpeg, "image/jpeg"),
            "{d}"
        );
        assert_eq!(img.data, clean, "{d}: stored stripped");
        assert!(
            gps_position(&img.data).is_none() && !contains(&img.data, SECRET.as_bytes()),
            "{d}"
        );
        assert!(store.images_of(b).await.unwrap().is_empty(), "{d}");

        assert_eq!(
            store.image(img.id).await.unwrap().as_ref(),
            Some(img),
            "{d}"
        );
        let pdf_id = AttachmentId::new(img.id.get() - 1).unwrap();
        assert_eq!(
            store.image(pdf_id).await.unwrap(),
            None,
            "{d}: a PDF is never served as a photo"
        );

        let first = store.first_images(&[a, b]).await.unwrap();
        assert_eq!(first.len(), 1, "{d}");
        assert_eq!(first[&a], img.id, "{d}");

        store.record_card_photos("msg-1", &[img.id]).await.unwrap();
        store.record_card_photos("msg-1", &[img.id]).await.unwrap();
        assert_eq!(
            store.card_photos("msg-1").await.unwrap(),
            ["IMG_4512.jpeg"],
            "{d}"
        );
        assert!(store.card_photos("msg-2").await.unwrap().is_empty(), "{d}");
    }
}
