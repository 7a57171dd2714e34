//! Scale benchmark: a city with a large history (default 1,000,000 requests, about 100,000 of them open) bulk
//! loaded into a fresh SQLite file (and a fresh PostgreSQL database when `CONNECT311_TEST_PG` is set), then the
//! operations that must not grow with the backlog, each with its time and the process's peak RSS while it ran:
//! `report` (28 days), the public dashboard's figures (90 days), the SLA sweeps (the catch-up after loading, pass
//! by bounded pass, then a steady one), `request list --overdue`,
//! the Open311 list, and the desk's cost per email (parse, classify, duplicate search, commit; no IMAP) with 0,
//! 10,000 and the whole backlog open. Prints figures; asserts nothing about speed.
//!
//! `cargo bench --bench scale [-- --rows N] [--messages M] [--sqlite-only] [--keep DIR]` (defaults 1,000,000
//! and 1,000). With `--keep DIR` the SQLite files live in DIR and stay after the run, and a `big.db` already
//! there with at least N requests is measured again without reloading it (the catch-up sweeps are then already
//! done); point a fresh `connect311` process at `DIR/big.db` to see what an operator sees. The PostgreSQL
//! databases the bench creates are dropped at the end, also after a failed step.

use std::sync::Arc;
use std::time::{Duration, Instant};

use connect311::desk::Desk;
use connect311::store::{ImportedRequest, PublicFilter, PublicStatus, Request};
use routing::{CloseReason, EventKind, Language, RequestRef, Source, Status};
use serde_json::json;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const BATCH: usize = 10_000;
const STREETS: [&str; 8] = [
    "main", "oak", "elm", "juarez", "5th", "maple", "river", "hill",
];

struct Args {
    rows: usize,
    messages: usize,
    sqlite_only: bool,
    keep: Option<std::path::PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        rows: 1_000_000,
        messages: 1_000,
        sqlite_only: false,
        keep: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = || it.next().and_then(|v| v.replace('_', "").parse().ok());
        match arg.as_str() {
            "--rows" => a.rows = num().expect("--rows N"),
            "--messages" => a.messages = num().expect("--messages N"),
            "--sqlite-only" => a.sqlite_only = true,
            "--keep" => a.keep = Some(it.next().expect("--keep DIR").into()),
            _ => {} // cargo bench passes `--bench`
        }
    }
    a
}

/// Peak and current resident set of this process, in MiB, from /proc/self/status.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the peak RSS to the current one (Linux `clear_refs` 5), so each step reports its own peak.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs one step, printing its wall time and the peak RSS while it ran.
async fn measure<T>(label: &str, f: impl std::future::Future<Output = T>) -> T {
    reset_peak();
    let t = Instant::now();
    let out = f.await;
    let took = t.elapsed();
    let (peak, now) = rss_mib();
    println!(
        "  {label:<44} {:>9.1} ms   peak RSS {peak:>7.1} MiB (after: {now:.1} MiB)",
        took.as_secs_f64() * 1e3
    );
    out
}

/// Synthetic request number `i` of `n`, created evenly over two years up to `now`. One in ten is still open
/// (some acknowledged, some reopened, some paused waiting on the resident, half already reminded); the rest
/// closed, a few as duplicates of an earlier request.
fn synthetic(desk: &Desk, i: usize, n: usize, now: i64, first_id: u64) -> ImportedRequest {
    let cats = &desk.city().categories;
    let cat = &cats[i % cats.len()];
    let created = now - 730 * DAY + (i as i64) * (730 * DAY / n.max(1) as i64);
    let open = i.is_multiple_of(10);
    let street = STREETS[i % STREETS.len()];
    let place = format!("{} {street}", 1 + (i / 7) % 900);
    let mut events = vec![(EventKind::Created, created)];
    let acked =
        (!open || i.is_multiple_of(30)).then(|| created + 2 * HOUR + (i as i64 % 28) * HOUR);
    if let Some(a) = acked {
        events.push((EventKind::Acknowledged, a));
    }
    let closed = (!open).then(|| created + DAY + (i as i64 % 9) * DAY);
    let duplicate_of = (!open && i % 20 == 7 && i > 7).then(|| first_id + i as u64 - 7);
    let status = match (open, i % 30, i % 70) {
        (false, _, _) => Status::Closed,
        (true, 0, _) => Status::Acknowledged,
        (true, _, 10) => Status::Reopened,
        _ => Status::Open,
    };
    if let Some(c) = closed {
        events.push((EventKind::Closed, c));
    }
    if status == Status::Reopened || (!open && i % 50 == 3) {
        events.push((EventKind::Closed, created + DAY));
        events.push((EventKind::Reopened, created + 2 * DAY));
    }
    if open && i % 40 == 20 {
        events.push((EventKind::SlaPaused, created + 3 * HOUR));
    }
    if open && i % 20 < 10 {
        events.push((EventKind::OverdueReminder, now - 2 * HOUR));
        events.push((EventKind::Escalated, now - 2 * HOUR));
    }
    events.sort_by_key(|e| e.1);
    let request = Request {
        reference: RequestRef::new(1).expect("non-zero"),
        status,
        close_reason: closed.map(|_| {
            if duplicate_of.is_some() {
                CloseReason::Duplicate
            } else {
                CloseReason::Resolved
            }
        }),
        department: cat.department.clone(),
        category: Some(cat.id.clone()),
        language: if i.is_multiple_of(4) { Language::Es } else { Language::En },
        priority: cat.priority,
        emergency: None,
        location_text: Some(format!("{place} St")),
        location_norm: Some(place),
        lat: i.is_multiple_of(3).then_some(40.70 + (i % 1000) as f64 * 0.0004),
        lon: i.is_multiple_of(3).then_some(-74.01 + (i % 997) as f64 * 0.0004),
        source: if i.is_multiple_of(5) { Source::Chat } else { Source::Email },
        requester: format!("resident{}@example.test", i % 50_000),
        requester_name: Some(format!("Resident {}", i % 50_000)),
        subject: format!("{} near {} {street}", cat.name, 1 + (i / 7) % 900),
        description: format!(
            "Hello, I would like to report a problem: {} at {} {street} street. It has been like this for a \
             while and it is getting worse every day. Please send someone. Thank you.",
            cat.name,
            1 + (i / 7) % 900
        ),
        decision: json!({
            "category": cat.id, "department": cat.department, "priority": cat.priority,
            "score": 2.5, "runner_up": null, "language": "en",
            "reasons": [format!("matched `{}` in the subject", cat.name), "location: street address"],
        }),
        linked_to: duplicate_of.and_then(RequestRef::new),
        created_at: created,
        updated_at: closed.or(acked).unwrap_or(created),
        acknowledged_at: acked,
        closed_at: closed,
        response_due_at: created + i64::from(cat.response_hours) * HOUR,
        resolution_due_at: created + i64::from(cat.resolution_hours) * HOUR,
    };
    ImportedRequest { request, events }
}

/// Loads `n` synthetic requests (only the open ones when `open_only`) in batches of `BATCH` into a fresh
/// database (request `i` gets id `i + 1`).
async fn load(desk: &Desk, n: usize, open_only: bool) {
    let now = desk.now();
    let t = Instant::now();
    let mut done = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let indices = (0..n).map(|i| if open_only { i * 10 } else { i });
    let total = if open_only { n * 10 } else { n };
    for i in indices {
        batch.push(synthetic(desk, i, total, now, 1));
        if batch.len() == BATCH {
            done += desk.store().import_requests(&batch).await.unwrap().len();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        done += desk.store().import_requests(&batch).await.unwrap().len();
    }
    desk.store().finish_import().await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  loaded {done} requests in {secs:.1} s ({:.0} rows/s, bulk import)",
        done as f64 / secs
    );
}

fn email(n: usize) -> Vec<u8> {
    let street = STREETS[n % STREETS.len()];
    format!(
        "From: Resident {n} <bench{n}@example.test>\r\nTo: 311@city.test\r\nSubject: Pothole on {street}\r\n\
         Message-ID: <scale-{n}-{}@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         There is a deep pothole in front of {} {street} Street, cars are swerving around it.\r\n",
        std::process::id(),
        1 + n % 900
    )
    .into_bytes()
}

/// Median and p90 desk time per email over `messages` emails.
async fn per_message(desk: &Desk, label: &str, messages: usize, offset: usize) {
    let mut took: Vec<Duration> = Vec::with_capacity(messages);
    for n in 0..messages {
        let raw = email(offset + n);
        let t = Instant::now();
        desk.ingest_email(&raw).await.expect("ingested");
        took.push(t.elapsed());
    }
    took.sort();
    let at = |p: usize| took[(p * took.len()).div_ceil(100).max(1) - 1].as_secs_f64() * 1e6;
    println!(
        "  per email with {label:<28} median {:>8.0} µs   p90 {:>8.0} µs   (n={messages})",
        at(50),
        at(90)
    );
}

async fn open_desk(url: &str, dir: &std::path::Path) -> Desk {
    let toml = format!(
        "[database]\nurl = \"{url}\"\n[mail]\naddress = \"311@city.test\"\nreplies_per_sender_per_hour = 1000000\n"
    );
    let mut settings = connect311::config::Settings::from_toml_str(&toml).unwrap();
    settings.data_dir = dir.to_path_buf();
    connect311::app::open_with(settings, Arc::new(connect311::clock::SystemClock))
        .await
        .unwrap()
}

/// The read side and the sweep on a loaded database.
async fn operations(desk: &Desk) {
    let now = desk.now();
    measure("report (last 28 days)", async {
        connect311::report::build(desk, now - 28 * DAY, now, None)
            .await
            .unwrap()
    })
    .await;
    measure("public dashboard figures (last 90 days)", async {
        connect311::web::dashboard::figures::build(desk, Language::En, 90)
            .await
            .unwrap()
    })
    .await;
    // The catch-up after the import is worked over bounded passes (the service sweeps every minute); then a
    // steady pass with nothing left to catch up on.
    let started = Instant::now();
    for pass in 1..=100 {
        let label = format!("sweep pass {pass} (catching up)");
        let s = measure(&label, connect311::sweeper::sweep_once(desk)).await;
        let s = s.unwrap();
        println!("    {s:?}");
        if s == connect311::sweeper::SweepSummary::default() {
            break;
        }
    }
    println!(
        "  caught up after {:.1} s of sweeping",
        started.elapsed().as_secs_f64()
    );
    let s = measure("sweep (steady)", connect311::sweeper::sweep_once(desk)).await;
    println!("    {:?}", s.unwrap());
    measure("request list --overdue (first 50)", async {
        // As `request list --overdue` reads them.
        desk.store().overdue_first(now, None, 50).await.unwrap()
    })
    .await;
    for (label, status) in [
        ("Open311 list (newest 50)", None),
        ("Open311 list (open, newest 50)", Some(PublicStatus::Open)),
    ] {
        let f = PublicFilter {
            status,
            limit: 50,
            ..PublicFilter::default()
        };
        measure(label, desk.store().public_requests(&f))
            .await
            .unwrap();
    }
}

async fn run(kind: &str, urls: [String; 3], dir: &std::path::Path, a: &Args) {
    println!("{kind}:");
    let empty = open_desk(&urls[0], dir).await;
    per_message(&empty, "0 open", a.messages, 0).await;
    let ten = open_desk(&urls[1], dir).await;
    load(&ten, 10_000, true).await;
    per_message(&ten, "10,000 open", a.messages, 1_000_000).await;
    let big = open_desk(&urls[2], dir).await;
    let stored: i64 = big
        .store()
        .request_counts()
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    if a.keep.is_some() && stored >= a.rows as i64 {
        println!("  reusing the kept database: {stored} requests, not reloaded");
    } else {
        load(&big, a.rows, false).await;
    }
    operations(&big).await;
    let label = format!("{} requests, {} open", a.rows, a.rows.div_ceil(10));
    per_message(&big, &label, a.messages, 2_000_000).await;
    for d in [empty, ten, big] {
        d.store().close().await;
    }
}

/// A fresh PostgreSQL database: its name (to drop it afterwards) and its URL.
async fn fresh_pg(admin: &str, n: usize) -> (String, String) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL");
    let name = format!("c311_scale_{}_{}_{n}", std::process::id(), rand_suffix());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    (name, url)
}

/// Drops the bench's PostgreSQL databases (`WITH (FORCE)`: a failed step may have left connections open).
async fn drop_pg(admin: &str, names: &[String]) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL");
    for name in names {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
        {
            eprintln!("could not drop database {name}: {e}");
        }
    }
}

/// The PostgreSQL run, in a task of its own so that its databases are dropped even when a step panics.
async fn run_pg(admin: String, dir: std::path::PathBuf, a: Args) {
    let mut names = Vec::new();
    let mut urls = Vec::new();
    for n in 0..3 {
        let (name, url) = fresh_pg(&admin, n).await;
        names.push(name);
        urls.push(url);
    }
    let urls: [String; 3] = urls.try_into().expect("three databases");
    let outcome = tokio::spawn(async move { run("PostgreSQL", urls, &dir, &a).await }).await;
    drop_pg(&admin, &names).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    println!(
        "machine: {} cores, {}; rows {}, messages {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH,
        a.rows,
        a.messages
    );
    let temp = tempfile::tempdir().unwrap();
    let dir = match &a.keep {
        Some(keep) => {
            std::fs::create_dir_all(keep).expect("--keep DIR is creatable");
            // Only the big database is kept for reuse: the small ones start empty on every run.
            for n in ["empty", "ten"] {
                for ext in ["db", "db-wal", "db-shm"] {
                    let _ = std::fs::remove_file(keep.join(format!("{n}.{ext}")));
                }
            }
            keep.clone()
        }
        None => temp.path().to_path_buf(),
    };
    let sqlite = ["empty", "ten", "big"].map(|n| format!("sqlite://{}/{n}.db", dir.display()));
    run("SQLite", sqlite, &dir, &a).await;
    match std::env::var("CONNECT311_TEST_PG") {
        Ok(admin) if !a.sqlite_only => run_pg(admin, dir, a).await,
        _ => println!("PostgreSQL: skipped (set CONNECT311_TEST_PG to include it)"),
    }
}
