//! Open311 `media_url` for emailed photos: a signed, expiring link on the service's HTTP side that serves the
//! photo without its metadata, with the right headers; a tampered link is refused (404), an expired one is gone
//! (410); the photos of requests Open311 does not publish (emergencies, internal requests) get no link.

use std::net::SocketAddr;
use std::time::Duration;

use connect311::store::{Change, InternalOrigin, NewAttachment};
use mail::photo::fixture::SECRET;
use mail::photo::{gps_position, strip_metadata};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{contains, mail_with_files, phone_photo};
use crate::open311::OPEN311;
use crate::store_contract::new_request;
use crate::support::http::get;
use crate::support::observe::serve;
use crate::support::{self, created, Backend, INBOX};

on_both_stores!(
    an_emailed_photo_is_published_through_a_signed_expiring_link_without_its_metadata,
    photos_of_requests_open311_does_not_publish_get_no_link,
);

/// A response with a binary body.
struct Fetched {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over a fresh connection, the body kept as bytes.
async fn fetch(addr: SocketAddr, path: &str) -> Fetched {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")),
        "a photo is sent with its length"
    );
    Fetched {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The `media_url` of request `r` in `/open311/v2/requests/{r}.json`.
async fn media_url(addr: SocketAddr, r: routing::RequestRef) -> Option<String> {
    let reply = get(addr, &format!("/open311/v2/requests/{r}.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()[0]["media_url"].as_str().map(String::from)
}

/// `url` less its `http://host` part.
fn path_of(url: &str, addr: SocketAddr) -> String {
    url.strip_prefix(&format!("http://{addr}"))
        .unwrap_or_else(|| panic!("{url} is not on this service ({addr})"))
        .to_string()
}

/// `path` with the last character of segment `i` (from the end) changed.
fn tampered(path: &str, from_end: usize) -> String {
    let mut parts: Vec<String> = path.split('/').map(String::from).collect();
    let i = parts.len() - 1 - from_end;
    let last = parts[i].pop().unwrap();
    parts[i].push(if last == '1' { '2' } else { '1' });
    parts.join("/")
}

async fn an_emailed_photo_is_published_through_a_signed_expiring_link_without_its_metadata(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let settings = OPEN311.replacen(
        "[http]\n",
        "[http]\npublic_base_url = \"http://127.0.0.1\"\n",
        1,
    );
    let (desk, clock) = backend.desk(dir.path(), &settings).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let photo = phone_photo();
    let raw = mail_with_files(
        "Ann <ann@example.test>",
        INBOX,
        "Pothole",
        &support::unique("media"),
        "A pothole that swallowed my bike wheel.",
        &[
            ("plan.pdf", "application/pdf", b"%PDF-1.4 plan"),
            ("IMG_4512.jpeg", "image/jpeg", &photo),
        ],
    );
    let r = created(&desk.ingest_email(&raw).await.unwrap());

    let url = media_url(addr, r).await.expect("the photo is published");
    let xml = get(addr, &format!("/open311/v2/requests/{r}.xml")).await;
    assert!(
        xml.body.contains(&url),
        "the same link in XML: {}",
        xml.body
    );
    let list = get(addr, "/open311/v2/requests.json").await;
    assert_eq!(
        list.json()[0]["media_url"].as_str(),
        Some(url.as_str()),
        "and in the list"
    );

    let path = path_of(&url, addr);
    let got = fetch(addr, &path).await;
    assert_eq!(got.status, 200, "{}", String::from_utf8_lossy(&got.body));
    assert_eq!(
        got.body,
        strip_metadata(&photo).unwrap(),
        "the stripped photo"
    );
    assert!(gps_position(&got.body).is_none() && !contains(&got.body, SECRET.as_bytes()));
    assert_eq!(got.header("content-type"), Some("image/jpeg"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        got.header("content-disposition"),
        Some("inline; filename=\"IMG_4512.jpeg\"")
    );
    let cache = got.header("cache-control").unwrap();
    let max_age: i64 = cache
        .strip_prefix("public, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=86_400).contains(&max_age), "{cache}");

    // Any change to the link is refused without saying what exists.
    for from_end in 0..3 {
        let bad = fetch(addr, &tampered(&path, from_end)).await;
        assert_eq!(bad.status, 404, "{}", tampered(&path, from_end));
        assert_eq!(bad.header("cache-control"), Some("no-store"));
    }
    assert_eq!(fetch(addr, "/media/1/99999999999/00").await.status, 404);
    assert_eq!(fetch(addr, "/media/x/y/z").await.status, 404);

    // The resident's status page links the photo through a signed link of its own; the PDF is named only.
    let page_url = desk.status_url(r).expect("a status page");
    let page = get(addr, page_url.strip_prefix("http://127.0.0.1").unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let href = page
        .body
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .find(|h| h.starts_with("/media/"))
        .unwrap_or_else(|| panic!("the page links the photo: {}", page.body));
    assert_eq!(
        fetch(addr, href).await.body,
        strip_metadata(&photo).unwrap()
    );
    assert!(page.body.contains("plan.pdf"), "{}", page.body);
    assert_eq!(
        page.body.matches("href=\"/media/").count(),
        1,
        "only the photo is linked"
    );

    // After its expiry (at least a week), the link is gone; Open311 then publishes a fresh one.
    let expiry: i64 = path.split('/').nth(3).unwrap().parse().unwrap();
    let now = desk.now();
    assert!(
        expiry * 1000 - now >= 7 * 86_400_000,
        "good for at least a week"
    );
    support::set_clock(&clock, expiry * 1000);
    assert_eq!(fetch(addr, &path).await.status, 410);
    let fresh = path_of(&media_url(addr, r).await.unwrap(), addr);
    assert_ne!(fresh, path);
    assert_eq!(fetch(addr, &fresh).await.status, 200);
    svc.shutdown().await;
}

async fn photos_of_requests_open311_does_not_publish_get_no_link(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let photo = phone_photo();
    let emergency = mail_with_files(
        "Sam <sam@example.test>",
        INBOX,
        "help",
        &support::unique("media"),
        "Strong smell of gas in the hallway of 45 Elm Street",
        &[("hallway.jpeg", "image/jpeg", &photo)],
    );
    let e = created(&desk.ingest_email(&emergency).await.unwrap());
    assert!(desk
        .store()
        .request(e)
        .await
        .unwrap()
        .unwrap()
        .emergency
        .is_some());
    let internal = desk
        .store()
        .create_request(&new_request("pat@parks.city.test"), desk.now(), |_| {
            Change {
                internal: Some(InternalOrigin {
                    department: "parks".into(),
                    person: "pat@parks.city.test".into(),
                    person_name: None,
                    notify_chat: None,
                    notify_email: None,
                }),
                attachments: vec![NewAttachment::from_mail(&mail::Attachment {
                    filename: "bench.jpeg".into(),
                    content_type: "image/jpeg".into(),
                    size: photo.len(),
                    inline: false,
                    data: photo.clone(),
                })],
                ..Change::default()
            }
        })
        .await
        .unwrap();
    // A published request, filed last, so the list has something to show.
    let public = mail_with_files(
        "Ann <ann@example.test>",
        INBOX,
        "Pothole",
        &support::unique("media"),
        "A pothole that swallowed my bike wheel.",
        &[("IMG_1.jpeg", "image/jpeg", &photo)],
    );
    let p = created(&desk.ingest_email(&public).await.unwrap());
    assert_eq!(
        desk.store().images_of(internal).await.unwrap().len(),
        1,
        "the photo is kept"
    );
    for hidden in [e, internal] {
        let one = get(addr, &format!("/open311/v2/requests/{hidden}.json")).await;
        assert_eq!(one.status, 404, "{hidden}: {}", one.body);
    }
    let list = get(addr, "/open311/v2/requests.json").await;
    assert_eq!(list.ids(), [p.to_string()], "only the published request");
    assert_eq!(
        list.json()[0]["media_url"].as_str(),
        media_url(addr, p).await.as_deref()
    );
    svc.shutdown().await;
}
