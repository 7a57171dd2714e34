//! Internal-request lists and the department-to-department table at scale: a SQLite database with 100,000 open
//! requests (every tenth internal, asked by one of four departments), then the time of `/311 asked`, `/311 owed`,
//! `/311 mine` (store queries plus their lines) and of `report --internal` over all of it. Prints figures.
//!
//! `cargo bench --bench internal [-- REQUESTS]` (default 100000).

use std::sync::Arc;
use std::time::Instant;

use connect311::clock::{Clock, ManualClock};
use connect311::desk::{Desk, ListKind};
use connect311::store::{Change, InternalOrigin, NewRequest};
use routing::{DepartmentId, Language, Priority, Source};

const ASKING: [&str; 4] = ["parks", "streets", "water", "sanitation"];
const WORKING: [&str; 4] = ["streets", "parks", "sanitation", "water"];

fn new_request(i: usize, now: i64) -> NewRequest {
    NewRequest {
        department: DepartmentId::new(WORKING[i % 4]),
        category: None,
        language: Language::En,
        priority: Priority::Normal,
        emergency: None,
        location_text: Some(format!("{} Main St", i % 5000)),
        location_norm: None,
        lat: None,
        lon: None,
        source: Source::Chat,
        requester: format!("chat:{}", i % 500),
        requester_name: None,
        subject: format!("Request {i}"),
        description: format!("Something to fix at {} Main St", i % 5000),
        decision: serde_json::json!({}),
        linked_to: None,
        response_due_at: now + (i as i64 % 97) * 3_600_000 - 40 * 3_600_000,
        resolution_due_at: now + (i as i64 % 240) * 3_600_000 - 100 * 3_600_000,
    }
}

async fn fill(desk: &Desk, n: usize, now: i64) {
    let t = Instant::now();
    for i in 0..n {
        let new = new_request(i, now);
        let internal = (i % 10 == 0).then(|| InternalOrigin {
            department: DepartmentId::new(ASKING[(i / 10) % 4]),
            person: format!("chat:{}", i % 500),
            person_name: None,
            notify_chat: Some(format!("{}", 1_000_000 + i)),
            notify_email: None,
        });
        desk.store()
            .create_request(&new, now - (n - i) as i64 * 1000, |_| Change {
                internal,
                ..Change::default()
            })
            .await
            .unwrap();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "filled {n} open requests ({} internal) in {s:.1} s ({:.0}/s)",
        n / 10,
        n as f64 / s
    );
}

async fn time_list(desk: &Desk, label: &str, kind: ListKind, rounds: u32) {
    let t = Instant::now();
    let mut lines = 0;
    for _ in 0..rounds {
        lines = desk.internal_list(&kind).await.unwrap().lines.len();
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("{label:<28} {ms:>8.2} ms per call ({lines} lines shown)");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000usize);
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[database]\nurl = \"sqlite://{}/bench.db\"\n",
        dir.path().display()
    );
    let mut settings = connect311::config::Settings::from_toml_str(&toml).unwrap();
    settings.data_dir = dir.path().to_path_buf();
    let clock = ManualClock::new(1_790_000_000_000);
    let desk = connect311::app::open_with(settings, Arc::new(clock.clone()))
        .await
        .unwrap();
    let now = clock.now_ms();
    fill(&desk, n, now).await;
    time_list(
        &desk,
        "/311 asked parks",
        ListKind::Asked(DepartmentId::new("parks")),
        20,
    )
    .await;
    time_list(
        &desk,
        "/311 owed streets",
        ListKind::Owed(DepartmentId::new("streets")),
        20,
    )
    .await;
    time_list(&desk, "/311 mine", ListKind::Mine("chat:0".into()), 20).await;
    let t = Instant::now();
    let table = connect311::report::internal_table(&desk, now - 30 * 86_400_000, now + 1, None)
        .await
        .unwrap();
    let rows: u32 = table.pairs.iter().map(|p| p.asked).sum();
    println!(
        "report --internal             {:>8.1} ms ({} pairs over {rows} internal requests)",
        t.elapsed().as_secs_f64() * 1000.0,
        table.pairs.len()
    );
    println!(
        "machine: {} cores shared with other work (noisy)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
