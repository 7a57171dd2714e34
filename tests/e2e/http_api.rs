//! The HTTP side of the real service (`serve::start` with `[http] bind` on port 0, a fresh database), spoken
//! to over real TCP: health (and 503 when the database is gone), Prometheus metrics, and the Open311
//! GeoReport v2 read API — with nothing private in it.

use crate::support;
use routing::Language;

use std::sync::Arc;
use std::time::Duration;

use connect311::desk::{Desk, StaffAction};
use connect311::outbox_worker::Deliverers;
use connect311::serve::Running;
use mail::outbound::{MailSender, OutgoingMail, SendError};
use support::http::{get, Reply};
use support::{close, report};

const HTTP_ON_ANY_PORT: &str = "[http]\nbind = \"127.0.0.1:0\"\n";
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A mail server that is down: every send fails, and may be retried.
struct MailDown;

#[async_trait::async_trait]
impl MailSender for MailDown {
    async fn send(&self, _: &OutgoingMail) -> Result<(), SendError> {
        Err(SendError::Transient(anyhow::anyhow!(
            "connection refused (test: the mail server is down)"
        )))
    }
}

/// The whole service on `desk`; mail to files unless another sender is given, chat to the local log.
fn serve(desk: Desk, mail: Option<Arc<dyn MailSender>>) -> Running {
    let d = Deliverers {
        mail: mail.unwrap_or_else(|| connect311::app::mail_sender(&desk).expect("mail sender")),
        chat: connect311::app::local_chat(&desk),
    };
    connect311::serve::start(desk, d, None).expect("service starts")
}

/// A GeoReport error: an array of one `{code, description}`.
fn assert_georeport_error(r: &Reply, code: u16, mentions: &str) {
    assert_eq!(r.status, code, "{}", r.body);
    let v = r.json();
    let entry = match v.as_array().map(Vec::as_slice) {
        Some([entry]) => entry,
        _ => panic!("not an error array of one: {v}"),
    };
    assert_eq!(entry["code"], code, "{v}");
    let d = entry["description"].as_str().unwrap();
    assert!(d.contains(mentions), "{d}");
}

/// The value of one series (`name{labels}`) in a Prometheus text exposition.
fn sample(body: &str, series: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no series {series} in:\n{body}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn health_is_ok_with_a_database_and_503_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), HTTP_ON_ANY_PORT).await;
    let svc = serve(desk, None);
    let addr = svc.http_addr.expect("HTTP configured");
    assert_ne!(addr.port(), 0, "the real port is reported");

    let r = get(addr, "/health").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ok = serde_json::json!({"status": "ok", "database": "sqlite"});
    assert_eq!(r.json(), ok);

    svc.desk.store().close().await;
    let r = get(addr, "/health").await;
    assert_eq!(r.status, 503, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "unavailable", "{v}");
    assert_eq!(v["database"], "sqlite", "{v}");
    assert!(!v["reason"].as_str().unwrap_or_default().is_empty(), "{v}");
    assert_eq!(get(addr, "/metrics").await.status, 503);

    svc.shutdown().await;
    let after = tokio::net::TcpStream::connect(addr).await;
    assert!(after.is_err(), "the listener is closed after shutdown");
}

#[tokio::test]
async fn a_taken_port_is_a_clear_startup_error_and_no_section_means_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let extra = format!("[http]\nbind = \"127.0.0.1:{port}\"\n");
    let (desk, _clock) = support::desk(dir.path(), &extra).await;
    let d = connect311::app::embedded_deliverers(&desk).expect("deliverers");
    let err = match connect311::serve::start(desk, d, None) {
        Ok(_) => panic!("started on a taken port"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains(&format!("http.bind: cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );

    let (desk, _clock) = support::desk(dir.path(), "").await;
    let svc = serve(desk, None);
    assert!(svc.http_addr.is_none(), "opt-in");
    svc.shutdown().await;
}

#[tokio::test]
async fn metrics_count_requests_the_outbox_backlog_and_overdue_work() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::desk(dir.path(), HTTP_ON_ANY_PORT).await;
    // A Tuesday: the sweeper has no weekly scorecard to queue, so the outbox holds only what this test makes.
    clock.advance_ms(DAY_MS);
    let svc = serve(desk, Some(Arc::new(MailDown)));
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let body = "Huge pothole in front of 120 Main St.";
    let pothole = report(
        &desk,
        "Jane <jane@example.test>",
        "m1@x.test",
        "Pothole",
        body,
    )
    .await;
    let body = "Graffiti on the library wall at 200 Oak Ave.";
    let graffiti = report(
        &desk,
        "Luis <luis@example.test>",
        "m2@x.test",
        "Graffiti",
        body,
    )
    .await;
    close(&desk, pothole, "Filled the pothole.").await;
    support::enqueue_raw_outbox(&desk, "no_such_kind", "{}").await;
    let g_dept = desk
        .store()
        .request(graffiti)
        .await
        .unwrap()
        .unwrap()
        .department;

    // The worker tries every row once; mail keeps failing and waits for a retry on a clock that stands still.
    // A row counts as tried once its attempt is settled (delivered, given up, or its error recorded), not when
    // it is claimed: a claimed row is still pending until then.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    // A request's mails go out in order (one outbox lane): one waiting behind its request's undelivered
    // earlier mail is not tried until that one goes.
    let settled = |r: &connect311::store::OutboxRow, all: &[connect311::store::OutboxRow]| {
        let tried = r.attempts > 0
            && (r.done_at.is_some() || r.failed_at.is_some() || r.last_error.is_some());
        let behind = r.kind == "email"
            && all.iter().any(|e| {
                e.kind == "email"
                    && e.id < r.id
                    && e.reference == r.reference
                    && e.done_at.is_none()
            });
        tried || behind
    };
    let rows = loop {
        let rows = desk.store().outbox_rows(false).await.unwrap();
        if rows.iter().all(|r| settled(r, &rows)) {
            break rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not attempted: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let pending = rows
        .iter()
        .filter(|r| r.done_at.is_none() && r.failed_at.is_none());
    let emails = rows.iter().filter(|r| r.kind == "email").count();
    assert!(
        emails >= 3,
        "two acknowledgements and a completion email: {rows:?}"
    );

    let r = get(addr, "/metrics").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let content_type = r.header("content-type").unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let m = &r.body;
    assert!(m.contains("# TYPE connect311_requests gauge"), "{m}");
    let requests = |dept: &str, status: &str| {
        sample(
            m,
            &format!(r#"connect311_requests{{department="{dept}",status="{status}"}}"#),
        )
    };
    assert_eq!(requests("streets", "closed"), 1.0);
    assert_eq!(requests("streets", "open"), 0.0);
    assert_eq!(requests(g_dept.as_str(), "open"), 1.0);
    assert_eq!(requests("parks", "open"), 0.0, "every department appears");
    let pending = pending.count() as f64;
    assert_eq!(sample(m, "connect311_outbox_pending"), pending);
    assert!(pending >= emails as f64, "undeliverable mail stays pending");
    assert_eq!(
        sample(m, "connect311_outbox_failed"),
        1.0,
        "the unknown kind is given up"
    );
    let age = "connect311_outbox_oldest_pending_age_seconds";
    assert_eq!(sample(m, age), 0.0);
    let overdue = |dept: &str| format!(r#"connect311_requests_overdue{{department="{dept}"}}"#);
    assert_eq!(sample(m, &overdue(g_dept.as_str())), 0.0);

    clock.advance_ms(90_000);
    assert_eq!(sample(&get(addr, "/metrics").await.body, age), 90.0);

    clock.advance_ms(60 * DAY_MS);
    let m = get(addr, "/metrics").await.body;
    assert_eq!(sample(&m, &overdue(g_dept.as_str())), 1.0, "{m}");
    assert_eq!(
        sample(&m, &overdue("streets")),
        0.0,
        "closed is never overdue"
    );
    svc.shutdown().await;
}

#[tokio::test]
async fn open311_publishes_requests_without_anything_private() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::desk(dir.path(), HTTP_ON_ANY_PORT).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let body = "Huge pothole in front of 120 Main St. Call me at 555-867-5309 or write to \
                jane.doe@example.test. Jane Doe";
    let from = "Jane Doe <jane.doe@example.test>";
    let pothole = report(&desk, from, "Pothole", "p1@x.test", body).await;
    clock.advance_ms(60_000);
    let body = "Graffiti on the library wall at 200 Oak Ave.";
    let graffiti = report(
        &desk,
        "Luis <luis@example.test>",
        "g1@x.test",
        "Graffiti",
        body,
    )
    .await;
    clock.advance_ms(60_000);
    let body = "Strong smell of gas in the hallway of 45 Elm Street";
    let gas = report(&desk, "Ann <ann@example.test>", "Help", "e1@x.test", body).await;
    assert!(desk
        .store()
        .request(gas)
        .await
        .unwrap()
        .unwrap()
        .emergency
        .is_some());
    clock.advance_ms(60_000);
    let text = "internal: crew B, budget code 77".to_string();
    let comment = StaffAction::Comment { text };
    desk.act(pothole, &support::operator(), comment)
        .await
        .unwrap();
    close(&desk, pothole, "Filled the pothole this morning.").await;
    let (p_ref, g_ref, gas_ref) = (pothole.to_string(), graffiti.to_string(), gas.to_string());
    let (p_id, g_id) = (p_ref.as_str(), g_ref.as_str());

    // services.json: one service per category of the city, and "other".
    let r = get(addr, "/open311/v2/services.json").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let services = r.json();
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), desk.city().categories.len() + 1);
    for c in &desk.city().categories {
        let s = services.iter().find(|s| s["service_code"] == c.id.as_str());
        let s = s.unwrap_or_else(|| panic!("no service {}", c.id));
        assert_eq!(s["service_name"], c.name.as_str());
        let group = desk.department_name(&c.department, Language::En);
        assert_eq!(s["group"], group.as_str());
        assert_eq!(s["metadata"], false);
        assert_eq!(s["type"], "realtime");
        assert!(
            s["description"].is_string() && s["keywords"].is_string(),
            "{s}"
        );
    }

    // requests.json: both public requests, newest first, the emergency left out, nothing private.
    let r = get(addr, "/open311/v2/requests.json").await;
    assert_eq!(r.ids(), [g_id, p_id]);
    for private in [
        "jane.doe@example.test",
        "luis@example.test",
        "ann@example.test",
        "555-867-5309",
        "Jane Doe",
        "internal",
        "budget",
        "gas",
    ] {
        assert!(
            !r.body.contains(private),
            "`{private}` published: {}",
            r.body
        );
    }
    let list = r.json();
    let (g, p) = (&list[0], &list[1]);
    let g_dept = desk
        .store()
        .request(graffiti)
        .await
        .unwrap()
        .unwrap()
        .department;
    assert_eq!(g["status"], "open");
    assert_eq!(g["service_code"], "graffiti");
    assert_eq!(
        g["agency_responsible"],
        desk.department_name(&g_dept, Language::En).as_str()
    );
    assert!(g["status_notes"].is_null(), "{g}");
    assert_eq!(p["status"], "closed");
    assert_eq!(p["service_code"], "pothole");
    assert_eq!(p["service_name"], "Pothole");
    assert_eq!(
        p["agency_responsible"],
        desk.department_name(&"streets".into(), Language::En)
            .as_str()
    );
    assert_eq!(p["status_notes"], "Filled the pothole this morning.");
    let text = p["description"].as_str().unwrap();
    for kept in [
        "120 Main St",
        "[phone removed]",
        "[email removed]",
        "[name removed]",
    ] {
        assert!(text.contains(kept), "{kept}: {text}");
    }
    assert!(
        p["address"].as_str().unwrap().starts_with("120 Main St"),
        "{p}"
    );
    for field in [
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
    ] {
        let t = p[field].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(t).is_ok(),
            "{field}: {t}"
        );
    }
    assert!(p["media_url"].is_null(), "mail carries no photo link: {p}");

    // Filters.
    let ids = |path: String| async move { get(addr, &path).await.ids() };
    let base = "/open311/v2/requests.json";
    assert_eq!(ids(format!("{base}?status=open")).await, [g_id]);
    assert_eq!(ids(format!("{base}?status=closed")).await, [p_id]);
    let by_code = format!("{base}?service_code=pothole&jurisdiction_id=city.test");
    assert_eq!(ids(by_code).await, [p_id]);
    let by_id = format!("{base}?service_request_id={p_id},{gas_ref}&status=open");
    assert_eq!(
        ids(by_id).await,
        [p_id],
        "ids override status; emergencies stay out"
    );
    let created = g["requested_datetime"].as_str().unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let since = (created - chrono::Duration::seconds(1)).to_rfc3339();
    let after_graffiti = format!("{base}?start_date={since}");
    assert_eq!(ids(after_graffiti).await, [g_id]);
    let future = format!("{base}?start_date=2030-01-01T00:00:00%2B01:00");
    assert!(ids(future).await.is_empty());
    let unescaped_plus = format!("{base}?start_date=2030-01-01T00:00:00+01:00");
    assert!(
        ids(unescaped_plus).await.is_empty(),
        "a + decoded as a space is still read"
    );

    // One request by reference: an array of one.
    let r = get(addr, &format!("/open311/v2/requests/{p_id}.json")).await;
    assert_eq!(r.ids(), [p_id]);
    assert!(!r.body.contains("jane.doe@example.test"));

    // Errors, as GeoReport error arrays.
    let err = |path: String| async move { get(addr, &path).await };
    let one = |id: &str, ext: &str| format!("/open311/v2/requests/{id}.{ext}");
    assert_georeport_error(&err(one("311-999999", "json")).await, 404, "311-999999");
    assert_georeport_error(&err(one(&gas_ref, "json")).await, 404, &gas_ref);
    assert_georeport_error(&err(one("pothole-7", "json")).await, 400, "pothole-7");
    assert_georeport_error(&err(one(p_id, "csv")).await, 404, ".json or .xml");
    assert_georeport_error(&err(format!("{base}?status=pending")).await, 400, "status");
    let bad_date = format!("{base}?start_date=yesterday");
    assert_georeport_error(&err(bad_date).await, 400, "start_date");
    let unknown = "/open311/v2/tokens.json".to_string();
    assert_georeport_error(&err(unknown).await, 404, "tokens");
    svc.shutdown().await;
}

/// A list at the cap works; one entry more is a GeoReport 400, and an over-long query string a 414, before any
/// query runs (a list of 32,000 codes used to take 11 s and starve `/health`).
#[tokio::test]
async fn open311_caps_list_lengths_and_the_query_string() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), HTTP_ON_ANY_PORT).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let body = "Huge pothole in front of 120 Main St.";
    let pothole = report(
        &desk,
        "Jane <j@example.test>",
        "Pothole",
        "cap1@x.test",
        body,
    )
    .await;
    let p = pothole.to_string();
    let (base, max) = (
        "/open311/v2/requests.json",
        connect311::http::MAX_LIST_ITEMS,
    );
    let join = |v: Vec<String>| v.join(",");
    // n entries: n - 1 that match nothing, then the pothole's.
    let codes = |n: usize| {
        join(
            (1..n)
                .map(|i| format!("unused{i}"))
                .chain(["pothole".into()])
                .collect(),
        )
    };
    let refs = |n: usize| {
        join(
            (2..=n)
                .map(|i| format!("311-{i:06}"))
                .chain([p.clone()])
                .collect(),
        )
    };

    let at_cap = get(addr, &format!("{base}?service_code={}", codes(max))).await;
    assert_eq!(at_cap.ids(), [p.as_str()]);
    let over = get(addr, &format!("{base}?service_code={}", codes(max + 1))).await;
    assert_georeport_error(&over, 400, "service_code: at most 100 values");
    let at_cap = get(addr, &format!("{base}?service_request_id={}", refs(max))).await;
    assert_eq!(at_cap.ids(), [p.as_str()]);
    let over = get(
        addr,
        &format!("{base}?service_request_id={}", refs(max + 1)),
    )
    .await;
    assert_georeport_error(&over, 400, "service_request_id: at most 100 values");

    // (Above 64 KiB hyper itself answers a bare 414; between 8 and 64 KiB the answer is ours.)
    let huge = get(addr, &format!("{base}?service_code={}", codes(2_000))).await;
    assert_georeport_error(&huge, 414, "query string");
    let pad = "x".repeat(connect311::http::MAX_QUERY_BYTES);
    let long = get(addr, &format!("{base}?jurisdiction_id={pad}")).await;
    assert_georeport_error(&long, 414, "at most 8192");
    assert_eq!(long.header("access-control-allow-origin"), Some("*"));
    assert_eq!(get(addr, "/health").await.status, 200);
    svc.shutdown().await;
}

/// The same statements on PostgreSQL: health names it, and the counts and every Open311 filter work.
#[tokio::test]
async fn the_http_side_works_on_postgres_too() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::pg_desk(dir.path(), HTTP_ON_ANY_PORT).await;
    let svc = serve(desk, None);
    let (addr, desk) = (svc.http_addr.unwrap(), svc.desk.clone());
    let body = "Huge pothole in front of 120 Main St.";
    let pothole = report(
        &desk,
        "Jane <jane@example.test>",
        "pg1@x.test",
        "Pothole",
        body,
    )
    .await;
    clock.advance_ms(60_000);
    let body = "Graffiti on the library wall at 200 Oak Ave.";
    let graffiti = report(
        &desk,
        "Luis <luis@example.test>",
        "pg2@x.test",
        "Graffiti",
        body,
    )
    .await;
    close(&desk, pothole, "Filled the pothole.").await;

    let r = get(addr, "/health").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["database"], "postgres");
    let m = get(addr, "/metrics").await.body;
    let closed = r#"connect311_requests{department="streets",status="closed"}"#;
    assert_eq!(sample(&m, closed), 1.0, "{m}");
    sample(&m, "connect311_outbox_pending");
    sample(&m, "connect311_outbox_oldest_pending_age_seconds");
    clock.advance_ms(60 * DAY_MS);
    let m = get(addr, "/metrics").await.body;
    let streets_overdue = r#"connect311_requests_overdue{department="streets"}"#;
    assert_eq!(sample(&m, streets_overdue), 0.0, "{m}");

    let ids = |path: String| async move { get(addr, &path).await.ids() };
    let (p_ref, g_ref) = (pothole.to_string(), graffiti.to_string());
    let (p, g) = (p_ref.as_str(), g_ref.as_str());
    let base = "/open311/v2/requests.json";
    // The clock moved 60 days: still inside the default 90-day window.
    assert_eq!(ids(base.into()).await, [g, p]);
    assert_eq!(ids(format!("{base}?status=closed")).await, [p]);
    let codes = format!("{base}?service_code=graffiti,pothole&status=open");
    assert_eq!(ids(codes).await, [g]);
    assert_eq!(
        ids(format!("{base}?service_request_id={p},{g}")).await,
        [g, p]
    );
    let old = format!("{base}?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z");
    assert!(ids(old).await.is_empty());
    let r = get(addr, &format!("/open311/v2/requests/{p}.json")).await;
    assert_eq!(
        r.json()[0]["status_notes"],
        "Filled the pothole.",
        "{}",
        r.body
    );
    svc.shutdown().await;
}
