//! Latency at a steady rate: mails submitted through Postfix at `rate` per second; each one's time from its
//! SMTP submission to the committed request (seen by polling the store) and to its work-order post (seen in the
//! local chat log), as p50/p90/p99.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect311::desk::Desk;
use connect311::store::RequestFilter;
use mail::testkit;

use super::{corpus, Args};

type Seen = Arc<Mutex<HashMap<usize, Instant>>>;

fn percentiles(mut d: Vec<Duration>) -> String {
    if d.is_empty() {
        return "none".into();
    }
    d.sort();
    let at = |p: f64| {
        d[((p * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1].as_secs_f64() * 1e3
    };
    format!(
        "p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms (n={})",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        d.len()
    )
}

/// The machine's load averages, as `/proc/loadavg` has them (other work shares this machine).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The mail number a subject carries ("Pothole #17").
fn number(subject: &str) -> Option<usize> {
    subject.rsplit_once('#')?.1.trim().parse().ok()
}

/// The newest requests a commit watcher's poll reads at first: at 50 mails/s that is over a second of commits,
/// far more than arrive between two polls 5 ms apart, and cheap enough not to steal the service's CPU.
const WATCH_LIMIT: i64 = 64;

/// Polls the newest requests every few ms, noting when each mail's request first shows up; returns the
/// request references per mail for the chat-log side. A poll whose rows are all new may have missed some:
/// it is repeated at once with four times the limit.
async fn watch_commits(
    desk: Desk,
    committed: Seen,
    refs: Arc<Mutex<HashMap<String, usize>>>,
    total: usize,
) {
    let mut limit = WATCH_LIMIT;
    while committed.lock().unwrap().len() < total {
        let now = Instant::now();
        let filter = RequestFilter {
            limit: Some(limit),
            ..Default::default()
        };
        let rows = desk
            .store()
            .list_requests(&filter)
            .await
            .expect("list requests");
        let mut fresh = 0;
        for r in &rows {
            if let Some(n) = number(&r.subject) {
                if let Entry::Vacant(v) = committed.lock().unwrap().entry(n) {
                    v.insert(now);
                    fresh += 1;
                }
                refs.lock()
                    .unwrap()
                    .entry(r.reference.to_string())
                    .or_insert(n);
            }
        }
        if fresh == rows.len() && rows.len() as i64 == limit {
            limit = (limit * 4).min(100_000);
            continue;
        }
        limit = WATCH_LIMIT;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// When each request reference's work-order card first appeared.
type Posts = Arc<Mutex<HashMap<String, Instant>>>;

/// Reads the local chat log for work-order posts, noting when each request's card first appears (by
/// reference: a card may be read before the commit watcher has seen its request, and still counts).
async fn watch_posts(dir: std::path::PathBuf, posted: Posts, until: Instant) {
    let mut offsets: HashMap<std::path::PathBuf, u64> = HashMap::new();
    while Instant::now() < until {
        let now = Instant::now();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let from = offsets.entry(entry.path()).or_insert(0);
            // Only what was appended since the last look: rereading whole logs every 5 ms would take the
            // service's CPU.
            let Some(fresh) = appended(&entry.path(), *from) else {
                continue;
            };
            let complete = fresh.rfind('\n').map_or(0, |i| i + 1);
            for line in fresh[..complete].lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
                if v["type"] != "work_order" {
                    continue;
                }
                let reference = v["card"]["reference"].as_str().unwrap_or_default();
                posted
                    .lock()
                    .unwrap()
                    .entry(reference.to_string())
                    .or_insert(now);
            }
            *from += complete as u64;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The text of `path` from byte `from` on, if readable.
fn appended(path: &std::path::Path, from: u64) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut text = String::new();
    f.read_to_string(&mut text).ok()?;
    Some(text)
}

/// Submits `total` generated mails through Postfix at `rate` per second; when each was accepted, and how long
/// offering them all took.
async fn submit(
    inbox: &str,
    run: &str,
    rate: u32,
    total: usize,
) -> (HashMap<usize, Instant>, Duration) {
    let mut rng = corpus::Rng::new(0x50);
    let start = Instant::now();
    let mut sends = Vec::with_capacity(total);
    for n in 0..total {
        let due = start + Duration::from_secs_f64(n as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let g = corpus::mail(&mut rng, run, n, inbox);
        let to = inbox.to_string();
        sends.push(tokio::spawn(async move {
            testkit::smtp_send_raw(&g.sender, &[&to], &g.raw)
                .await
                .expect("submit to Postfix");
            (n, Instant::now())
        }));
    }
    let mut delivered = HashMap::new();
    for s in sends {
        let (n, at) = s.await.unwrap();
        delivered.insert(n, at);
    }
    (delivered, start.elapsed())
}

/// When each mail's work-order card appeared, by mail number (through the references the commit watcher saw).
fn posts_by_mail(refs: &Mutex<HashMap<String, usize>>, posted: &Posts) -> HashMap<usize, Instant> {
    let refs = refs.lock().unwrap();
    let posted = posted.lock().unwrap();
    posted
        .iter()
        .filter_map(|(reference, at)| Some((*refs.get(reference)?, *at)))
        .collect()
}

/// Each mail's time from its acceptance to `seen`.
fn since(seen: &HashMap<usize, Instant>, delivered: &HashMap<usize, Instant>) -> Vec<Duration> {
    seen.iter()
        .filter_map(|(n, at)| Some(at.saturating_duration_since(*delivered.get(n)?)))
        .collect()
}

/// The service instances on one database and one inbox, once the first has connected (prepared its folders),
/// and that database's URL.
async fn start_instances(
    a: &Args,
    inbox: &str,
    dir: &std::path::Path,
) -> (Vec<(Desk, connect311::serve::Running)>, String) {
    let url = super::database_url(&a.store, dir).await;
    let mut running = Vec::new();
    for k in 0..a.instances {
        running.push(super::instance(&url, inbox, dir, k).await);
    }
    while !testkit::imap_folder_exists(inbox, "Processed").await {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (running, url)
}

pub async fn run(a: &Args, rate: u32) {
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("rate"));
    let (running, url) = start_instances(a, &inbox, dir.path()).await;
    let total = rate as usize * a.seconds as usize;
    let committed: Seen = Default::default();
    let posted: Posts = Default::default();
    let refs = Arc::new(Mutex::new(HashMap::new()));
    let desk = running[0].0.clone();
    let watcher = tokio::spawn(watch_commits(desk, committed.clone(), refs.clone(), total));
    let until = Instant::now() + Duration::from_secs(a.seconds + 120);
    let post_watchers: Vec<_> = (0..a.instances)
        .map(|k| dir.path().join(format!("instance-{k}/chat")))
        .map(|d| tokio::spawn(watch_posts(d, posted.clone(), until)))
        .collect();
    let run = testkit::unique_local("r");
    let (delivered, offered) = submit(&inbox, &run, rate, total).await;
    tokio::time::timeout(Duration::from_secs(120), watcher)
        .await
        .ok();
    // Posts trail commits by the outbox; give them until every committed non-duplicate is posted or time is up.
    tokio::time::sleep(Duration::from_secs(5)).await;
    for w in post_watchers {
        w.abort();
    }
    let c = since(&committed.lock().unwrap(), &delivered);
    println!(
        "{total} mails at {rate}/s for {} s (submitted in {:.1} s) on {}, {} instance(s); {} committed",
        a.seconds,
        offered.as_secs_f64(),
        a.store,
        a.instances,
        c.len()
    );
    println!("  machine load (1/5/15 min) at the end: {}", load_average());
    println!(
        "  delivered (SMTP accepted) -> committed request: {}",
        percentiles(c)
    );
    println!(
        "  delivered -> work-order post (local chat log; duplicates get none): {}",
        percentiles(since(&posts_by_mail(&refs, &posted), &delivered))
    );
    for (_, r) in running {
        r.shutdown().await;
    }
    super::drop_database(&url).await;
}
