//! Intake benchmark through the real loopback Postfix + Dovecot (run scripts/mailserver.sh first):
//! inbox-to-request latency with IMAP IDLE (one message at a time) and sustained messages per second
//! (a burst submitted through Postfix, counted until every request is committed). Prints figures.
//!
//! `cargo bench --bench intake [-- LATENCY_SAMPLES BURST]` (defaults 30 and 200).

use std::sync::Arc;
use std::time::{Duration, Instant};

use connect311::outbox_worker::Deliverers;
use mail::testkit;

fn email(from: &str, to: &str, n: usize) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Pothole {n}\r\nMessage-ID: <bench-{n}-{}@example.test>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThere is a deep pothole in front of {n} Main St.\r\n",
        testkit::unique_local("id")
    )
    .into_bytes()
}

async fn count(desk: &connect311::desk::Desk) -> usize {
    desk.store()
        .list_requests(&Default::default())
        .await
        .unwrap()
        .len()
}

async fn wait_until(desk: &connect311::desk::Desk, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while count(desk).await < n {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {n} requests"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let samples = args.first().copied().unwrap_or(30);
    let burst = args.get(1).copied().unwrap_or(200);
    testkit::require_mail_servers();
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("bench"));
    let resident = format!("{}@example.test", testkit::unique_local("res"));
    let ca = testkit::TEST_CA;
    let toml = format!(
        "[database]\nurl = \"sqlite://{}/bench.db\"\n[mail]\naddress = \"{inbox}\"\nreplies_per_sender_per_hour = 1000000\n\
         [mail.imap]\nhost = \"127.0.0.1\"\nsecurity = \"tls\"\nca_file = \"{ca}\"\nusername = \"{inbox}\"\npassword = \"test\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\n",
        dir.path().display()
    );
    let mut settings = connect311::config::Settings::from_toml_str(&toml).unwrap();
    settings.data_dir = dir.path().to_path_buf();
    let desk = connect311::app::open_with(settings, Arc::new(connect311::clock::SystemClock))
        .await
        .unwrap();
    let d = Deliverers {
        mail: connect311::app::mail_sender(&desk).expect("SMTP transport"),
        chat: connect311::app::local_chat(&desk),
    };
    let svc = connect311::serve::start(desk.clone(), d, None).expect("service starts");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut lat = Vec::with_capacity(samples);
    for n in 0..samples {
        let raw = email(&resident, &inbox, n);
        let t = Instant::now();
        testkit::smtp_send_raw(&resident, &[&inbox], &raw)
            .await
            .unwrap();
        wait_until(&desk, n + 1).await;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::env::consts::ARCH
    );
    println!(
        "inbox-to-request latency (SMTP submit -> Postfix -> Dovecot -> IDLE -> committed request), n={samples}: \
         median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        percentile(&lat, 50.0).as_secs_f64() * 1e3,
        percentile(&lat, 90.0).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );

    // Throughput: a backlog already sitting in the inbox (as after an outage), drained by a fresh start.
    let before = count(&desk).await;
    svc.shutdown().await;
    let t = Instant::now();
    for n in 0..burst {
        let raw = email(&resident, &inbox, samples + n);
        testkit::smtp_send_raw(&resident, &[&inbox], &raw)
            .await
            .unwrap();
    }
    testkit::wait_for_messages(&inbox, "INBOX", burst, Duration::from_secs(300)).await;
    println!("burst of {burst} delivered to the inbox in {:.2} s (SMTP submission, one connection per message)", t.elapsed().as_secs_f64());
    let desk = connect311::app::open_with(
        desk.settings().as_ref().clone(),
        Arc::new(connect311::clock::SystemClock),
    )
    .await
    .unwrap();
    let d = Deliverers {
        mail: connect311::app::mail_sender(&desk).expect("SMTP transport"),
        chat: connect311::app::local_chat(&desk),
    };
    let t = Instant::now();
    let svc = connect311::serve::start(desk.clone(), d, None).expect("service starts");
    wait_until(&desk, before + burst).await;
    let total = t.elapsed();
    println!(
        "backlog of {burst} ingested (IMAP fetch, parse, classify, commit with outbox rows, move to Processed) in {:.2} s -> {:.1} messages/second",
        total.as_secs_f64(),
        burst as f64 / total.as_secs_f64()
    );
    svc.shutdown().await;
}
