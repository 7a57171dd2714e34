//! The service with its HTTP side, watched from outside: start it on a wall-clock desk, poll `/health/ready`
//! until it says what a test waits for, read one series of `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use connect311::desk::Desk;
use connect311::outbox_worker::Deliverers;
use connect311::serve::Running;
use mail::outbound::MailSender;
use serde_json::Value;

use super::http::get;

/// How long a test waits for the service to get where it should.
pub const WAIT: Duration = Duration::from_secs(60);
/// `[http]` on a free port.
pub const HTTP: &str = "[http]\nbind = \"127.0.0.1:0\"\n";

/// The service on `desk`, mail through the configured sender unless another is given, chat to the local log.
pub fn serve(desk: Desk, mail: Option<Arc<dyn MailSender>>) -> Running {
    let d = Deliverers {
        mail: mail.unwrap_or_else(|| connect311::app::mail_sender(&desk).expect("mail sender")),
        chat: connect311::app::local_chat(&desk),
    };
    connect311::serve::start(desk, d, None).expect("service starts")
}

/// A desk on the wall clock (IMAP and SMTP time matter here) with a fresh SQLite database.
pub async fn wall_clock_desk(dir: &std::path::Path, toml: &str) -> Desk {
    let mut s = super::settings(dir, toml);
    s.database.url = Some(super::fresh_sqlite_url(dir));
    connect311::app::open_with(s, Arc::new(connect311::clock::SystemClock))
        .await
        .expect("desk")
}

/// IMAP (TLS, the test CA) for a fresh city inbox at `port`, real SMTP, HTTP on any port.
pub fn imap_settings(inbox: &str, port: u16) -> String {
    format!(
        "{HTTP}[mail]\naddress = \"{inbox}\"\n[mail.imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\n\
         ca_file = \"{}\"\nusername = \"{inbox}\"\npassword = \"test\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"plain\"\n",
        mail::testkit::TEST_CA
    )
}

/// Polls `/health/ready` until `want(status, body)` holds; the last answer.
pub async fn ready_until(
    addr: SocketAddr,
    what: &str,
    want: impl Fn(u16, &Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let r = get(addr, "/health/ready").await;
        let v = r.json();
        if want(r.status, &v) {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; last {}: {v}",
            r.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names of the components readiness calls failing.
pub fn failing(v: &Value) -> Vec<String> {
    v["components"]
        .as_object()
        .unwrap_or_else(|| panic!("no components: {v}"))
        .iter()
        .filter(|(_, c)| c["ok"] != true)
        .map(|(n, _)| n.clone())
        .collect()
}

/// The value of one series in `/metrics`.
pub async fn metric(addr: SocketAddr, series: &str) -> f64 {
    let r = get(addr, "/metrics").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no series {series} in:\n{}", r.body))
        .parse()
        .unwrap()
}

/// Waits until the series in `/metrics` reaches `min`.
pub async fn metric_until(addr: SocketAddr, series: &str, min: f64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let n = metric(addr, series).await;
        if n >= min {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {series} >= {min}; it is {n}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the service's IMAP worker has entered IDLE `n` times in all (the monitor counts them): from then
/// on, anything delivered wakes it.
pub async fn idled(monitor: &connect311::monitor::Monitor, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let idles = monitor.snapshot().inbox.idles;
        if idles >= n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the inbox worker never entered IDLE {n} time(s); {idles} so far"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
