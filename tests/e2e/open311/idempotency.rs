//! A retried `POST requests` never files twice: the same `Idempotency-Key` (or, without one, the same form
//! within ten minutes) answers with the first request's id and `Idempotent-Replayed: true`, even when the two
//! arrive together; a key reused for another form is refused (422) and files nothing; a new key, or the same
//! form after the window, is a new request. Each filed request sends its one acknowledgement.

use super::{assert_error, KEY, OPEN311};
use crate::support::http::{post_form_with, Reply};
use crate::support::observe::serve;
use crate::support::{emails_to, Backend};

const HOUR: i64 = 3_600_000;

fn id_of(r: &Reply) -> String {
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string()
}

on_both_stores!(a_retried_post_answers_with_the_request_it_already_filed);

async fn a_retried_post_answers_with_the_request_it_already_filed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = backend.desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let form = |description: &'static str| {
        vec![
            ("api_key", KEY),
            ("service_code", "graffiti"),
            ("description", description),
            ("address_string", "200 Oak Ave"),
            ("email", "retry@example.test"),
        ]
    };
    let post = |key: Option<&'static str>, fields: Vec<(&'static str, &'static str)>| async move {
        let headers: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
        post_form_with(addr, "/open311/v2/requests.json", &headers, &fields).await
    };
    let tags = form("Tags all over the bus shelter");

    // With a key: the retry is the same request, marked as a replay; the first answer is not.
    let first = post(Some("\"retry-1\""), tags.clone()).await;
    let a = id_of(&first);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = post(Some("\"retry-1\""), tags.clone()).await;
    assert_eq!(id_of(&again), a);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.json()[0]["service_notice"],
        first.json()[0]["service_notice"]
    );
    // The same key for a different form: refused, in GeoReport form, in either format.
    let other = post(Some("\"retry-1\""), form("Stickers on the lamp post")).await;
    assert_error(&other, "json", 422, "Idempotency-Key");
    // A malformed key is refused before anything is filed.
    let bad = post(Some("two words"), tags.clone()).await;
    assert_error(&bad, "json", 400, "Idempotency-Key");
    // A new key is a new request, even for the same form.
    let b = id_of(&post(Some("retry-2"), tags.clone()).await);
    assert_ne!(a, b);

    // Two retries racing each other with a fresh key: one request.
    let (x, y) = tokio::join!(
        post(Some("race-1"), form("Paint on the bridge")),
        post(Some("race-1"), form("Paint on the bridge"))
    );
    let (x, y) = (id_of(&x), id_of(&y));
    assert_eq!(x, y, "two racing retries filed two requests");

    // Without a key: the same form soon after is a retry; after ten minutes it is a new report.
    let c = id_of(&post(None, form("Graffiti on the school wall")).await);
    let replay = post(None, form("Graffiti on the school wall")).await;
    assert_eq!(id_of(&replay), c);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    clock.advance_ms(11 * 60_000);
    let d = id_of(&post(None, form("Graffiti on the school wall")).await);
    assert_ne!(c, d);
    // A key holds for a day, then it may be used again.
    let replayed = post(Some("\"retry-1\""), tags.clone()).await;
    assert_eq!(id_of(&replayed), a, "still within the day");
    clock.advance_ms(24 * HOUR);
    let e = id_of(&post(Some("\"retry-1\""), form("Stickers on the lamp post")).await);
    assert!(![&a, &b, &x, &c, &d].contains(&&e), "{e}");

    // Exactly the five requests filed (a, b, x, c, d) plus the last (e), and one acknowledgement each: a
    // replay sends nothing.
    let n: i64 = desk
        .store()
        .request_counts()
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    assert_eq!(n, 6);
    assert_eq!(emails_to(&desk, "retry@example.test").await.len(), 6);
    svc.shutdown().await;
}
