//! A phone photo's GPS position places a request whose text names no place (kind `photo_gps`); a place in the
//! text wins over it; either way the decision's reasons say which. Through the real desk on both stores.

use super::{mail_with_files, phone_photo, AT};
use crate::support::{self, created, Backend, INBOX};

on_both_stores!(
    a_photos_gps_places_a_request_whose_text_names_no_place,
    the_texts_place_wins_over_the_photos_gps,
);

fn reasons(req: &connect311::store::Request) -> Vec<String> {
    req.decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

async fn a_photos_gps_places_a_request_whose_text_names_no_place(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), "").await;
    let raw = mail_with_files(
        "Ann <ann@example.test>",
        INBOX,
        "Pothole",
        &support::unique("gps"),
        "There is a huge pothole here, my tyre burst. Photo attached.",
        &[("IMG_4512.jpeg", "image/jpeg", &phone_photo())],
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert_eq!(req.department.as_str(), "streets");
    let (lat, lon) = (req.lat.unwrap(), req.lon.unwrap());
    assert!(
        (lat - AT.0).abs() < 1e-5 && (lon - AT.1).abs() < 1e-5,
        "{lat},{lon}"
    );
    assert_eq!(
        req.location_text.as_deref(),
        Some(format!("{lat:.5}, {lon:.5}").as_str()),
        "the place staff read"
    );
    assert_eq!(req.decision["location"]["kind"], "photo_gps");
    let why = reasons(&req);
    assert!(
        why.iter()
            .any(|w| w.contains("photo_gps") && w.contains("IMG_4512.jpeg")),
        "{why:?}"
    );
}

async fn the_texts_place_wins_over_the_photos_gps(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), "").await;
    let raw = mail_with_files(
        "Bo <bo@example.test>",
        INBOX,
        "Pothole",
        &support::unique("gps"),
        "Deep pothole in front of 120 N Main St.",
        &[("IMG_0001.jpeg", "image/jpeg", &phone_photo())],
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());
    let req = desk.store().request(r).await.unwrap().unwrap();
    assert!(
        req.location_text.as_deref().unwrap().contains("120 N Main"),
        "{:?}",
        req.location_text
    );
    assert_ne!(req.decision["location"]["kind"], "photo_gps");
    let why = reasons(&req);
    assert!(
        why.iter()
            .any(|w| w.contains("wins over the GPS position in photo IMG_0001.jpeg")),
        "{why:?}"
    );
}
