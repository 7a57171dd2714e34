//! Readiness tells the truth, end to end: `/health/ready` turns 503 naming the inbox while its IMAP server
//! refuses or cuts the connection (a loopback proxy in front of the real Dovecot, stopped and started) and 200
//! once it answers again; the same for the Discord gateway against the stand-in's outage.
//! Needs scripts/mailserver.sh; a missing server fails loudly.

use crate::support;

use std::net::SocketAddr;

use mail::testkit;
use serde_json::Value;
use support::http::get;
use support::observe::{failing, idled, imap_settings, ready_until, serve, wall_clock_desk};
use support::proxy::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_refused_inbox_and_recovers_when_imap_answers_again() {
    testkit::require_tls_mail_servers();
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
    let mut proxy = Proxy::stopped(SocketAddr::from(([127, 0, 0, 1], testkit::IMAPS_PORT))).await;
    let desk = wall_clock_desk(dir.path(), &imap_settings(&inbox, proxy.addr.port())).await;
    let svc = serve(desk, None);
    let addr = svc.http_addr.unwrap();
    assert_eq!(get(addr, "/health/live").await.status, 200);

    let refused = |code: u16, v: &Value| {
        code == 503
            && v["status"] == "unavailable"
            && v["components"]["inbox"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("refused"))
    };
    let v = ready_until(addr, "503 naming the refused inbox", refused).await;
    assert_eq!(failing(&v), ["inbox"], "only the inbox fails: {v}");
    let inbox_state = &v["components"]["inbox"];
    assert!(
        inbox_state["reason"]
            .as_str()
            .unwrap()
            .contains(&proxy.addr.to_string()),
        "{v}"
    );
    assert!(
        inbox_state["since"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "{v}"
    );
    assert_eq!(v["components"]["database"]["ok"], true, "{v}");

    proxy.start().await;
    let v = ready_until(addr, "200 once IMAP answers", |code, _| code == 200).await;
    assert_eq!(v["status"], "ok", "{v}");
    assert!(failing(&v).is_empty(), "{v}");
    let last = v["components"]["inbox"]["last_error"]["error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        last.contains("refused"),
        "the last error stays visible: {v}"
    );

    // A connection cut while the worker IDLEs is noticed too, and healed the same way.
    idled(&svc.monitor, 1).await;
    proxy.stop().await;
    ready_until(addr, "503 after the connection is cut", |code, v| {
        code == 503 && failing(v) == ["inbox"]
    })
    .await;
    proxy.start().await;
    ready_until(addr, "200 after the reconnection", |code, _| code == 200).await;
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_names_a_disconnected_chat_gateway_until_it_is_back() {
    let town = support::town::Town::start().await;
    let addr = town.svc.http_addr.expect("the town serves HTTP");
    let v = ready_until(addr, "ready with the gateway connected", |code, _| {
        code == 200
    })
    .await;
    assert_eq!(v["components"]["chat"]["ok"], true, "{v}");

    town.standin.outage(true);
    let v = ready_until(addr, "503 naming the chat gateway", |code, v| {
        code == 503 && failing(v) == ["chat"]
    })
    .await;
    assert!(v["components"]["chat"]["since"].is_string(), "{v}");
    town.standin.outage(false);
    ready_until(addr, "ready once the gateway is back", |code, _| {
        code == 200
    })
    .await;
    town.svc.shutdown().await;
}
