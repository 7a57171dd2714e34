//! Every GeoReport route in `.json` and `.xml`: the same records in both, every required field present,
//! errors as GeoReport error lists on every route and method, the jurisdiction checked, pages linked.

use super::{assert_complete, assert_error, records, FORMATS, JURISDICTION, OPEN311};
use crate::support::http::{get, send};
use crate::support::observe::serve;
use crate::support::{self, close, report, Backend};

on_both_stores!(
    every_read_route_answers_in_both_formats_with_the_same_records,
    pages_are_linked_and_texts_are_limited_and_scrubbed_of_the_name_whatever_its_accents,
);

async fn every_read_route_answers_in_both_formats_with_the_same_records(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let pothole = report(
        &desk,
        "Ann <ann@example.test>",
        "Pothole",
        "o1@x.test",
        "Deep pothole at 120 N Main St.",
    )
    .await;
    let triage = report(
        &desk,
        "Bo <bo@example.test>",
        "Hello",
        "o2@x.test",
        "Something odd by the river, not sure whom to ask.",
    )
    .await;
    let categories = desk.city().categories.len();

    let mut seen: Vec<Vec<super::Record>> = Vec::new();
    for f in FORMATS {
        let services = records(
            &get(addr, &format!("/open311/v2/services.{f}")).await,
            f,
            "services",
            "service",
        );
        assert_eq!(
            services.len(),
            categories + 1,
            "every category, and `other`"
        );
        for s in &services {
            for k in [
                "service_code",
                "service_name",
                "description",
                "metadata",
                "type",
                "keywords",
                "group",
            ] {
                assert!(s.contains_key(k), "{k} missing from {s:?}");
            }
            assert_eq!(s["type"].as_deref(), Some("realtime"));
        }
        assert!(services
            .iter()
            .any(|s| s["service_code"].as_deref() == Some("other")));

        let list = records(
            &get(addr, &format!("/open311/v2/requests.{f}")).await,
            f,
            "service_requests",
            "request",
        );
        assert_eq!(list.len(), 2, "{list:?}");
        list.iter().for_each(assert_complete);
        let by_id = |id: String| {
            list.iter()
                .find(|r| r["service_request_id"] == Some(id.clone()))
                .unwrap()
                .clone()
        };
        assert_eq!(
            by_id(pothole.to_string())["service_code"].as_deref(),
            Some("pothole")
        );
        let t = by_id(triage.to_string());
        assert_eq!(
            t["service_code"].as_deref(),
            Some("other"),
            "a triage request still names a service: {t:?}"
        );
        assert_eq!(t["service_name"].as_deref(), Some("Other / not sure"));

        let one = records(
            &get(addr, &format!("/open311/v2/requests/{pothole}.{f}")).await,
            f,
            "service_requests",
            "request",
        );
        assert_eq!(one, vec![by_id(pothole.to_string())]);
        seen.push(list);

        let pothole_service = services
            .iter()
            .find(|s| s["service_code"].as_deref() == Some("pothole"));
        assert_eq!(
            pothole_service.unwrap()["metadata"].as_deref(),
            Some("true"),
            "it asks a question"
        );
        definition(addr, f).await;
        discovery(addr, f).await;
    }
    assert_eq!(seen[0], seen[1], "JSON and XML carry the same requests");
    svc.shutdown().await;
}

async fn discovery(addr: std::net::SocketAddr, f: &str) {
    for path in [
        format!("/open311/discovery.{f}"),
        format!("/open311/v2/discovery.{f}"),
    ] {
        let r = get(addr, &path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        let (url, formats) = if f == "json" {
            let v = r.json();
            let e = &v["endpoints"][0];
            assert_eq!(
                e["specification"], "http://wiki.open311.org/GeoReport_v2",
                "{v}"
            );
            (
                e["url"].as_str().unwrap().to_string(),
                e["formats"].as_array().unwrap().len(),
            )
        } else {
            let doc = roxmltree::Document::parse(&r.body).unwrap();
            let e = doc
                .descendants()
                .find(|n| n.has_tag_name("endpoint"))
                .expect("an endpoint");
            let url = e
                .children()
                .find(|n| n.has_tag_name("url"))
                .unwrap()
                .text()
                .unwrap()
                .to_string();
            (
                url,
                e.descendants().filter(|n| n.has_tag_name("format")).count(),
            )
        };
        assert_eq!(url, format!("http://{addr}/open311/v2"));
        assert_eq!(formats, 2, "text/xml and application/json");
    }
}

#[tokio::test]
async fn errors_are_georeport_lists_on_every_route_and_method() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let r = report(
        &desk,
        "Ann <ann@example.test>",
        "Pothole",
        "e1@x.test",
        "Deep pothole at 120 N Main St.",
    )
    .await;
    let cases = [
        ("services/nope.FMT", 404, "nope"),
        ("requests/311-999999.FMT", 404, "311-999999"),
        ("requests/abc.FMT", 400, "abc"),
        ("nothing.FMT", 404, "nothing"),
        ("a/b/c.FMT", 404, "/open311/v2/a/b/c"),
        ("requests.FMT?status=pending", 400, "pending"),
        ("requests.FMT?page=0", 400, "page"),
    ];
    for f in FORMATS {
        for (path, code, mentions) in cases {
            let path = format!("/open311/v2/{}", path.replace("FMT", f));
            assert_error(&get(addr, &path).await, f, code, mentions);
        }
        let wrong = format!("/open311/v2/requests.{f}?jurisdiction_id=elsewhere.test");
        assert_error(&get(addr, &wrong).await, f, 404, "elsewhere.test");
        let wrong = format!("/open311/v2/services/pothole.{f}?jurisdiction_id=elsewhere.test");
        assert_error(&get(addr, &wrong).await, f, 404, JURISDICTION);
        let right = format!("/open311/v2/requests/{r}.{f}?jurisdiction_id={JURISDICTION}");
        assert_eq!(get(addr, &right).await.status, 200);
        for (method, path) in [
            ("PUT", "requests"),
            ("DELETE", "services"),
            ("POST", "services"),
        ] {
            let reply = send(addr, method, &format!("/open311/v2/{path}.{f}"), None).await;
            assert_error(&reply, f, 405, method);
        }
        assert_error(
            &send(
                addr,
                "PATCH",
                &format!("/open311/v2/requests/{r}.{f}"),
                None,
            )
            .await,
            f,
            405,
            "PATCH",
        );
        let long = format!("/open311/v2/requests.{f}?service_code={}", "a".repeat(9000));
        assert_error(&get(addr, &long).await, f, 414, "bytes");
    }
    assert_error(
        &get(addr, "/open311/v2/requests.csv").await,
        "json",
        404,
        ".json or .xml",
    );
    assert_error(
        &get(addr, "/open311/v2/requests").await,
        "json",
        404,
        ".json or .xml",
    );
    svc.shutdown().await;
}

async fn pages_are_linked_and_texts_are_limited_and_scrubbed_of_the_name_whatever_its_accents(
    backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = backend.desk(dir.path(), OPEN311).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let long = format!(
        "Graffiti on the library wall at 200 Oak Ave. {}",
        "Very long. ".repeat(500)
    );
    let mut refs = Vec::new();
    for i in 0..5 {
        let body = if i == 0 {
            long.clone()
        } else {
            format!(
                "Graffiti number {i} on the wall at {} Oak Ave.",
                1000 * i + 200
            )
        };
        refs.push(
            report(
                &desk,
                "José García <jg@example.test>",
                "Graffiti",
                &format!("p{i}@x.test"),
                &body,
            )
            .await,
        );
    }
    close(
        &desk,
        refs[1],
        "Painted over. Thanks Jose Garcia for the photos!",
    )
    .await;
    let newest_first: Vec<String> = refs.iter().rev().map(|r| r.to_string()).collect();

    let page1 = get(
        addr,
        "/open311/v2/requests.json?page_size=2&status=open,closed",
    )
    .await;
    assert_eq!(page1.ids(), newest_first[..2]);
    let next = page1.header("link").expect("a Link to the next page");
    assert!(
        next.contains("page=2") && next.contains("page_size=2") && next.ends_with("rel=\"next\""),
        "{next}"
    );
    let page2 = get(addr, "/open311/v2/requests.json?page_size=2&page=2").await;
    assert_eq!(page2.ids(), newest_first[2..4]);
    let page3 = get(addr, "/open311/v2/requests.json?page_size=2&page=3").await;
    assert_eq!(page3.ids(), newest_first[4..]);
    assert_eq!(page3.header("link"), None, "the last page links nowhere");

    for f in super::FORMATS {
        let list = records(
            &get(addr, &format!("/open311/v2/requests.{f}")).await,
            f,
            "service_requests",
            "request",
        );
        let by = |r: routing::RequestRef| {
            list.iter()
                .find(|x| x["service_request_id"] == Some(r.to_string()))
                .unwrap()
        };
        let description = by(refs[0])["description"].clone().unwrap();
        assert_eq!(description.chars().count(), 4000, "GeoReport's limit");
        let note = by(refs[1])["status_notes"].clone().unwrap();
        assert_eq!(note, "Painted over. Thanks [name removed] for the photos!");
    }
    svc.shutdown().await;
}

/// `services/pothole`: the configured question, with its values, in either format.
async fn definition(addr: std::net::SocketAddr, f: &str) {
    let r = get(addr, &format!("/open311/v2/services/pothole.{f}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (code, values, required, order) = if f == "json" {
        let v = r.json();
        assert_eq!(v["service_code"], "pothole", "{v}");
        let a = &v["attributes"][0];
        assert_eq!(a["variable"], true, "{v}");
        let values: Vec<String> = a["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["key"].as_str().unwrap().to_string())
            .collect();
        (
            a["code"].as_str().unwrap().to_string(),
            values,
            a["required"].to_string(),
            a["order"].to_string(),
        )
    } else {
        let doc = roxmltree::Document::parse(&r.body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_definition");
        let a = doc
            .descendants()
            .find(|n| n.has_tag_name("attribute"))
            .expect("an attribute");
        let text = |name: &str| {
            a.children()
                .find(|n| n.has_tag_name(name))
                .and_then(|n| n.text())
                .unwrap()
                .to_string()
        };
        let values: Vec<String> = a
            .descendants()
            .filter(|n| n.has_tag_name("value"))
            .map(|v| {
                v.children()
                    .find(|n| n.has_tag_name("key"))
                    .unwrap()
                    .text()
                    .unwrap()
                    .to_string()
            })
            .collect();
        (text("code"), values, text("required"), text("order"))
    };
    assert_eq!(
        (code.as_str(), required.as_str(), order.as_str()),
        ("size", "true", "1")
    );
    assert_eq!(values, ["small", "large"]);
    let r = get(addr, &format!("/open311/v2/services/graffiti.{f}")).await;
    assert_eq!(
        r.status, 200,
        "a service without questions has an empty definition: {}",
        r.body
    );
}

#[tokio::test]
async fn a_question_for_a_service_the_city_does_not_have_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let toml =
        "[http]\n[[http.open311.attributes]]\nservice_code = \"unicorns\"\ncode = \"horn\"\n\
                datatype = \"text\"\ndescription = \"How long is the horn?\"\n";
    let settings = support::settings(dir.path(), toml);
    let clock = std::sync::Arc::new(connect311::clock::SystemClock);
    let e = match connect311::app::open_with(settings, clock).await {
        Ok(_) => panic!("started with a question for an unknown service"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        e.contains("http.open311.attributes[0].service_code") && e.contains("unicorns"),
        "{e}"
    );
}
