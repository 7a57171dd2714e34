//! Multipart uploads: the stand-in takes `payload_json` + `files[n]` as Discord does (at most 10 files, at
//! most 10 MiB each) and keeps the files; the adapter posts a work-order card with a resident's photos.

use bots::chat::{ChatFile, ChatOutbound};
use bots::discord::DiscordOutbound;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::harness::card;
use crate::limits::Api;

const MIB: usize = 1024 * 1024;

/// Posts `files` (name, type, size) with a message naming each in `attachments`.
async fn upload(api: &Api, files: &[(&str, &str, usize)]) -> (StatusCode, Value) {
    let attachments: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| json!({"id": i, "filename": name}))
        .collect();
    let payload = json!({"content": "photos", "attachments": attachments});
    let mut form = Form::new().text("payload_json", payload.to_string());
    for (i, (name, mime, size)) in files.iter().enumerate() {
        let bytes: Vec<u8> = (0..*size).map(|b| (b % 251) as u8).collect();
        let part = Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap();
        form = form.part(format!("files[{i}]"), part);
    }
    let url = format!(
        "{}/api/v10/channels/{}/messages",
        api.standin.api_url(),
        api.channel
    );
    let answer = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn uploads_are_taken_kept_and_refused_at_discords_limits() {
    let api = Api::start().await;
    let (status, message) = upload(
        &api,
        &[
            ("bache.jpg", "image/jpeg", 3000),
            ("notes.txt", "text/plain", 12),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{message:#}");
    let kept = message["attachments"].as_array().unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(
        (
            &kept[0]["filename"],
            &kept[0]["size"],
            &kept[0]["content_type"]
        ),
        (&json!("bache.jpg"), &json!(3000), &json!("image/jpeg"))
    );
    let bytes = api
        .standin
        .attachment_data(kept[0]["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes.len(), 3000);
    assert_eq!(bytes[252], 1, "the bytes as sent");
    let stored = &api.standin.messages(&api.channel)[0];
    assert_eq!(stored["attachments"], message["attachments"]);

    let exactly = upload(&api, &[("big.png", "image/png", 10 * MIB)]).await;
    assert_eq!(exactly.0, StatusCode::OK, "10 MiB is within the limit");
    let over = upload(&api, &[("huge.png", "image/png", 10 * MIB + 1)]).await;
    assert_eq!(
        (over.0, &over.1["code"]),
        (StatusCode::PAYLOAD_TOO_LARGE, &json!(40005))
    );
    let ten: Vec<(&str, &str, usize)> = vec![("a.png", "image/png", 10); 10];
    assert_eq!(upload(&api, &ten).await.0, StatusCode::OK);
    let eleven: Vec<(&str, &str, usize)> = vec![("a.png", "image/png", 10); 11];
    let (status, refused) = upload(&api, &eleven).await;
    assert_eq!(
        (status, &refused["code"]),
        (StatusCode::BAD_REQUEST, &json!(50035))
    );
    assert_eq!(
        refused["errors"]["attachments"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    assert_eq!(
        api.standin.messages(&api.channel).len(),
        3,
        "refused uploads leave nothing"
    );
}

#[tokio::test]
async fn a_work_order_card_carries_the_residents_photos() {
    let api = Api::start().await;
    let outbound = DiscordOutbound::new(&api.standin.config());
    let photo = ChatFile {
        filename: "IMG 0042 (bache).jpg".into(),
        content_type: "image/jpeg".into(),
        data: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
    };
    let note = ChatFile {
        filename: "../report.pdf".into(),
        content_type: "application/pdf".into(),
        data: b"%PDF-1.4".to_vec(),
    };
    let posted = outbound
        .post_work_order_with_files(
            &api.channel,
            &card("311-000042", "Pothole"),
            None,
            &[photo.clone(), note],
        )
        .await
        .unwrap();
    let message = api.standin.message(&posted.message_id).unwrap();
    let names: Vec<&str> = message["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["IMG_0042__bache_.jpg", "report.pdf"]);
    assert_eq!(
        message["embeds"][0]["image"]["url"],
        "attachment://IMG_0042__bache_.jpg"
    );
    let id = message["attachments"][0]["id"].as_str().unwrap();
    assert_eq!(api.standin.attachment_data(id).unwrap(), photo.data);
    assert!(
        posted.thread_id.is_some(),
        "the card's thread opens as without files"
    );
    assert!(
        message["components"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "buttons kept"
    );
}
