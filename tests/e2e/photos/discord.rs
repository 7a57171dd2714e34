//! A resident's phone photo, emailed through the real Postfix and Dovecot, reaches the department's Discord
//! channel (the stand-in) on the work-order card: the file's bytes are the photo without its metadata, the card
//! shows it and names the other attachment; it stays shown when the card is edited, and goes with the card when
//! the request is reassigned.

use connect311::desk::StaffAction;
use mail::photo::fixture::SECRET;
use mail::photo::{gps_position, strip_metadata};
use mail::testkit;
use serde_json::Value;

use super::{contains, mail_with_files, phone_photo};
use crate::support::town::{resident, Town, WAIT};
use crate::support::{self, operator};

/// The card's files as (posted name, bytes kept by the stand-in).
fn files_of(town: &Town, card: &Value) -> Vec<(String, Vec<u8>)> {
    card["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let id = a["id"].as_str().unwrap();
            (
                a["filename"].as_str().unwrap().to_string(),
                town.standin
                    .attachment_data(id)
                    .expect("the stand-in keeps the file"),
            )
        })
        .collect()
}

/// The card's embed field `name`, if it has one.
fn field(card: &Value, name: &str) -> Option<String> {
    card["embeds"][0]["fields"]
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
        .map(|f| f["value"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emailed_phone_photo_is_posted_with_the_card_without_its_metadata() {
    let town = Town::start().await;
    let res = resident();
    let photo = phone_photo();
    let raw = mail_with_files(
        &res,
        &town.inbox,
        "Pothole",
        &support::unique("photo"),
        "A pothole that swallowed my bike wheel, photo attached.",
        &[
            ("IMG 4512.jpeg", "image/jpeg", &photo),
            (
                "statement.pdf",
                "application/pdf",
                b"%PDF-1.4 what happened",
            ),
        ],
    );
    testkit::smtp_send_raw_on(testkit::SMTP_PORT, &res, &[&town.inbox], &raw)
        .await
        .unwrap();
    let req = town.request_from(&res).await;
    assert_eq!(req.department.as_str(), "streets");
    let r = req.reference.to_string();
    let card = town.card("streets", &r).await;

    let clean = strip_metadata(&photo).unwrap();
    let files = files_of(&town, &card);
    assert_eq!(files.len(), 1, "only the photo is posted: {card}");
    assert_eq!(files[0].0, "IMG_4512.jpeg");
    assert_eq!(files[0].1, clean, "the bytes of the stripped photo");
    assert!(gps_position(&files[0].1).is_none() && !contains(&files[0].1, SECRET.as_bytes()));
    assert_eq!(card["attachments"][0]["content_type"], "image/jpeg");
    assert_eq!(
        card["embeds"][0]["image"]["url"],
        "attachment://IMG_4512.jpeg"
    );
    assert_eq!(
        field(&card, "Other attachments").as_deref(),
        Some("statement.pdf")
    );
    assert!(
        field(&card, "Location").is_some_and(|l| l.starts_with("41.5012")),
        "placed by the photo's GPS: {card}"
    );

    // An edit keeps showing the photo.
    town.desk()
        .act(req.reference, &operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    let id = card["id"].as_str().unwrap().to_string();
    let edited = town
        .standin
        .wait_for_value(
            move |s| {
                s.message(&id)
                    .filter(|m| m["embeds"].to_string().contains("acknowledged"))
            },
            WAIT,
        )
        .await
        .expect("the card is edited");
    assert_eq!(
        edited["embeds"][0]["image"]["url"],
        "attachment://IMG_4512.jpeg"
    );
    assert_eq!(
        field(&edited, "Other attachments").as_deref(),
        Some("statement.pdf")
    );
    assert_eq!(
        files_of(&town, &edited),
        files,
        "the files stay with the card"
    );

    // Reassigned, the card is posted anew in the other department's channel, with the photo.
    let to = StaffAction::Reassign {
        to: "parks".into(),
        why: Some("it is in the park".into()),
    };
    town.desk()
        .act(req.reference, &operator(), to)
        .await
        .unwrap();
    let moved = town.card("parks", &r).await;
    let files = files_of(&town, &moved);
    assert_eq!(files.len(), 1, "{moved}");
    assert_eq!(files[0].1, clean);
    assert_eq!(
        moved["embeds"][0]["image"]["url"],
        "attachment://IMG_4512.jpeg"
    );
    town.outbox_drained().await;
    town.svc.shutdown().await;
}
