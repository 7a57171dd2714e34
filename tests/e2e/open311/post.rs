//! `POST requests`: an application's report becomes a routed request — the work order in the department's
//! channel, the acknowledgement in the resident's real mailbox — and a bad form is refused with a GeoReport
//! error and leaves nothing behind.

use super::{assert_error, records, FORMATS, JURISDICTION, KEY, OPEN311};
use crate::support::http::{get, post_form};
use crate::support::observe::serve;
use crate::support::town::{resident, Town};
use crate::support::{emails_to, Backend};

/// `[http.open311]` with the test key, slipped in among the town's `[mail]` keys (a TOML table may follow any
/// other).
const TOWN_KEYS: &str = "[http.open311]\n[[http.open311.api_keys]]\nname = \"fixit-app\"\nkey = \"fixit-0123456789abcdef\"\n";

#[tokio::test]
async fn a_post_becomes_a_routed_request_with_an_acknowledgement_email() {
    let town = Town::start_with(None, TOWN_KEYS).await;
    let addr = town.svc.http_addr.unwrap();
    let me = resident();
    let r = post_form(
        addr,
        "/open311/v2/requests.json",
        &[
            ("api_key", KEY),
            ("jurisdiction_id", "city.test"),
            ("service_code", "pothole"),
            (
                "description",
                "Deep hole, a car lost a hubcap this morning.",
            ),
            ("address_string", "120 N Main St"),
            ("lat", "40.7128"),
            ("long", "-74.006"),
            ("email", &me),
            ("first_name", "Ana"),
            ("last_name", "Núñez"),
            ("media_url", "https://photos.example.test/hole.jpg"),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let answer = records(&r, "json", "service_requests", "request");
    let id = answer[0]["service_request_id"].clone().unwrap();
    assert!(
        answer[0].contains_key("service_notice") && answer[0].contains_key("account_id"),
        "{answer:?}"
    );

    let card = town.card("streets", &id).await;
    assert!(card["embeds"].to_string().contains("hubcap"), "{card}");
    let mails = town.resident_mails(&me, 1).await;
    assert!(mails[0].subject.contains(&id), "{}", mails[0].subject);
    assert!(mails[0].text.contains(&id), "{}", mails[0].text);

    // Another resident reports the same hole through the app: closed at once as a duplicate of the first,
    // which counts one more reporter; their email names the original.
    let neighbour = resident();
    let r = post_form(
        addr,
        "/open311/v2/requests.json",
        &[
            ("api_key", KEY),
            ("service_code", "pothole"),
            ("description", "Same pothole again, still not filled."),
            ("address_string", "120 N Main St"),
            ("lat", "40.7128"),
            ("long", "-74.006"),
            ("email", &neighbour),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let again = records(&r, "json", "service_requests", "request")[0]["service_request_id"]
        .clone()
        .unwrap();
    let (orig, dup): (routing::RequestRef, routing::RequestRef) =
        (id.parse().unwrap(), again.parse().unwrap());
    let repeat = town.desk().store().request(dup).await.unwrap().unwrap();
    assert_eq!(repeat.status, routing::Status::Closed);
    assert_eq!(repeat.close_reason, Some(routing::CloseReason::Duplicate));
    assert_eq!(repeat.linked_to, Some(orig));
    town.wait_event(orig, routing::EventKind::DuplicateLinked)
        .await;
    let mails = town.resident_mails(&neighbour, 1).await;
    assert!(mails[0].text.contains(&id), "{}", mails[0].text);

    let shown = records(
        &get(addr, &format!("/open311/v2/requests/{id}.json")).await,
        "json",
        "service_requests",
        "request",
    );
    let s = &shown[0];
    assert_eq!(s["service_code"].as_deref(), Some("pothole"));
    assert_eq!(
        s["media_url"].as_deref(),
        Some("https://photos.example.test/hole.jpg")
    );
    assert_eq!(
        (s["lat"].as_deref(), s["long"].as_deref()),
        (Some("40.7128"), Some("-74.006"))
    );
    assert_eq!(s["address"].as_deref(), Some("120 N Main St"));
    assert!(
        !shown[0].values().flatten().any(|v| v.contains(&me)),
        "the email is never published: {s:?}"
    );

    // The same path as mail: an emergency goes to dispatch whatever service was picked, and says so (in XML).
    let r = post_form(
        addr,
        "/open311/v2/requests.xml",
        &[
            ("api_key", KEY),
            ("service_code", "streetlight_out"),
            (
                "description",
                "A live wire is down and sparking on the sidewalk",
            ),
            ("address_string", "Oak St and 3rd St"),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let answer = records(&r, "xml", "service_requests", "request");
    let id = answer[0]["service_request_id"].clone().unwrap();
    assert!(
        answer[0]["service_notice"]
            .as_deref()
            .unwrap()
            .contains("911"),
        "{answer:?}"
    );
    town.card("dispatch", &id).await;
    town.svc.shutdown().await;
}

on_both_stores!(a_bad_form_is_refused_in_georeport_form_and_files_nothing);

async fn a_bad_form_is_refused_in_georeport_form_and_files_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let good: Vec<(&str, &str)> = vec![
        ("api_key", KEY),
        ("jurisdiction_id", JURISDICTION),
        ("service_code", "graffiti"),
        ("description", "Tags all over the bus shelter"),
        ("address_string", "200 Oak Ave"),
        ("email", "resident@example.test"),
    ];
    let long = "x".repeat(4001);
    let set = |key: &'static str, value: &'static str| with(&good, key, value);
    let cases: Vec<(Form, u16, &str)> = vec![
        (set("api_key", ""), 400, "api_key"),
        (set("api_key", "not-the-key-at-all"), 403, "api_key"),
        (
            set("jurisdiction_id", "elsewhere.test"),
            404,
            "elsewhere.test",
        ),
        (set("service_code", ""), 400, "service_code"),
        (set("service_code", "unicorns"), 404, "unicorns"),
        (set("address_string", ""), 400, "location"),
        (set("email", "not an address"), 400, "email"),
        (set("email", "311@city.test"), 400, "email"),
        (set("media_url", "javascript:alert(1)"), 400, "media_url"),
        (set("lat", "91"), 400, "lat"),
        (
            [set("address_string", ""), vec![("lat", "40.1")]].concat(),
            400,
            "lat and long",
        ),
        (
            [good.clone(), vec![("attribute[size]", "big")]].concat(),
            400,
            "attribute[size]",
        ),
        (with(&good, "description", &long), 400, "4000"),
        (
            set("service_code", "pothole"),
            400,
            "attribute[size]: required",
        ),
        (
            [
                set("service_code", "pothole"),
                vec![("attribute[size]", "huge")],
            ]
            .concat(),
            400,
            "`huge`",
        ),
        (
            with(&set("service_code", "other"), "description", ""),
            400,
            "description",
        ),
    ];
    for f in FORMATS {
        for (form, code, mentions) in &cases {
            let r = post_form(addr, &format!("/open311/v2/requests.{f}"), form).await;
            assert_error(&r, f, *code, mentions);
        }
    }
    // The marker: a good form after all the bad ones is the first and only request, and its resident the only
    // one written to.
    let r = post_form(addr, "/open311/v2/requests.json", &good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let all = get(addr, "/open311/v2/requests.json").await;
    assert_eq!(all.ids(), std::slice::from_ref(&id));
    let req = desk
        .store()
        .request(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (req.department.as_str(), req.requester.as_str()),
        ("graffiti", "resident@example.test")
    );
    let events = desk.store().events(req.reference).await.unwrap();
    assert_eq!(events[0].source, routing::Source::Open311, "{events:?}");
    assert_eq!(events[0].actor, "resident@example.test");
    assert_eq!(
        emails_to(&desk, "resident@example.test").await.len(),
        1,
        "one acknowledgement"
    );
    // A service's answers reach the department in the work order's title (never published).
    let pothole = [
        with(&good, "service_code", "pothole"),
        vec![("attribute[size]", "large")],
    ]
    .concat();
    let pothole = with(&with(&pothole, "email", ""), "address_string", "900 Elm St");
    let r = post_form(addr, "/open311/v2/requests.json", &pothole).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id: routing::RequestRef = r.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let req = desk.store().request(id).await.unwrap().unwrap();
    assert!(
        req.subject.contains("size: Larger than a tyre"),
        "{}",
        req.subject
    );
    assert_eq!(
        req.requester, "open311:fixit-app",
        "no email: filed under the application"
    );
    svc.shutdown().await;
}

type Form<'a> = Vec<(&'a str, &'a str)>;

/// `form` with `key` set to `value`, or without `key` when `value` is empty.
fn with<'a>(form: &[(&'a str, &'a str)], key: &'a str, value: &'a str) -> Form<'a> {
    let mut f: Form = form.iter().copied().filter(|(k, _)| *k != key).collect();
    if !value.is_empty() {
        f.push((key, value));
    }
    f
}
