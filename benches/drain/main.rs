//! Intake at scale through the real loopback Dovecot (and Postfix for `--rate`): prints figures, asserts none.
//!
//! Drain: a fresh mailbox pre-loaded with `--mails N` generated 311 mails (written into its Maildir, as a
//! backlog after an outage), drained by `--instances K` services (K > 1 only on PostgreSQL) on `--store sqlite|
//! postgres`; prints mails/s, the process's CPU per mail (getrusage, all instances together) and peak RSS.
//! Latency: `--rate R --seconds S` submits R mails/s through Postfix and prints delivered→committed and
//! →work-order (chat post) p50/p90/p99.
//!
//! `cargo bench --bench drain -- --mails 10000 --store sqlite --instances 1` (needs scripts/mailserver.sh, and
//! scripts/postgres.sh for `--store postgres`; runs as root to write the Maildir).

mod corpus;
mod latency;

use std::sync::Arc;
use std::time::{Duration, Instant};

use connect311::desk::Desk;
use connect311::outbox_worker::Deliverers;
use connect311::store::Disposition;
use mail::testkit;

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub struct Args {
    pub mails: usize,
    pub store: String,
    pub instances: usize,
    pub rate: Option<u32>,
    pub seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        mails: 10_000,
        store: "sqlite".into(),
        instances: 1,
        rate: None,
        seconds: 60,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--mails" => a.mails = value().parse().expect("--mails N"),
            "--store" => a.store = value(),
            "--instances" => a.instances = value().parse().expect("--instances K"),
            "--rate" => a.rate = Some(value().parse().expect("--rate MAILS_PER_S")),
            "--seconds" => a.seconds = value().parse().expect("--seconds S"),
            // cargo bench passes --bench; anything else is a mistake worth seeing.
            "--bench" => {}
            other => panic!(
                "unknown argument {other} (use --mails, --store, --instances, --rate, --seconds)"
            ),
        }
    }
    assert!(
        a.store == "sqlite" || a.store == "postgres",
        "--store sqlite|postgres"
    );
    assert!(
        a.instances == 1 || a.store == "postgres",
        "several instances share a PostgreSQL database; SQLite is one process"
    );
    a
}

/// The PostgreSQL server's admin database, where the bench's own databases are made and dropped.
fn admin_url() -> String {
    std::env::var("CONNECT311_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database URL for this run.
async fn database_url(store: &str, dir: &std::path::Path) -> String {
    if store == "sqlite" {
        return format!("sqlite://{}/bench.db", dir.display());
    }
    use sqlx::Connection;
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL (scripts/postgres.sh)");
    let name = testkit::unique_local("bench").replace('-', "_");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create bench database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.clone(), |(b, _)| b.to_string());
    format!("{base}/{name}")
}

/// Opens one service instance (its own pool and data dir) on the shared database and inbox.
async fn instance(
    url: &str,
    inbox: &str,
    dir: &std::path::Path,
    k: usize,
) -> (Desk, connect311::serve::Running) {
    let data = dir.join(format!("instance-{k}"));
    let toml = format!(
        "[database]\nurl = \"{url}\"\n[mail]\naddress = \"{inbox}\"\nreplies_per_sender_per_hour = 1000000\n\
         [mail.imap]\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\nport = 143\nusername = \"{inbox}\"\npassword = \"test\"\n"
    );
    let mut settings = connect311::config::Settings::from_toml_str(&toml).expect("bench settings");
    settings.data_dir = data;
    let desk = connect311::app::open_with(settings, Arc::new(connect311::clock::SystemClock))
        .await
        .expect("open the desk");
    let d = Deliverers {
        mail: connect311::app::mail_sender(&desk).expect("mail sender"),
        chat: connect311::app::local_chat(&desk),
    };
    let running = connect311::serve::start(desk.clone(), d, None).expect("service starts");
    (desk, running)
}

/// CPU time (user + system) of this process so far, and its peak RSS in KiB.
pub fn rusage() -> (Duration, u64) {
    // SAFETY: getrusage only writes the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    (tv(ru.ru_utime) + tv(ru.ru_stime), ru.ru_maxrss as u64)
}

/// This process's resident set now, in KiB (`VmRSS` of /proc/self/status).
fn rss_now() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The median of the RSS samples taken while draining, in MiB: the steady figure (the peak is printed apart).
fn median_mib(mut samples: Vec<u64>) -> u64 {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or(0) / 1024
}

pub async fn created(desk: &Desk) -> usize {
    desk.store()
        .count_inbound(Disposition::Created)
        .await
        .expect("count") as usize
}

async fn drain(a: &Args) {
    let dir = tempfile::tempdir().unwrap();
    let inbox = format!("{}@city.test", testkit::unique_local("drain"));
    let run = testkit::unique_local("r");
    let mut rng = corpus::Rng::new(0x311);
    let mails: Vec<Vec<u8>> = (0..a.mails)
        .map(|n| corpus::mail(&mut rng, &run, n, &inbox).raw)
        .collect();
    let t = Instant::now();
    testkit::preload_inbox(&inbox, &mails)
        .await
        .expect("preload the inbox");
    println!(
        "preloaded {} mails into {inbox} in {:.1} s",
        a.mails,
        t.elapsed().as_secs_f64()
    );
    // The generated mails are on disk now: they are not the service's memory.
    drop(mails);
    let rss_before = rss_now();
    let url = database_url(&a.store, dir.path()).await;
    let (cpu0, _) = rusage();
    let t = Instant::now();
    let mut running = Vec::new();
    for k in 0..a.instances {
        running.push(instance(&url, &inbox, dir.path(), k).await);
    }
    let desk = running[0].0.clone();
    let mut last = (Instant::now(), 0usize);
    let mut rss_samples = Vec::new();
    loop {
        rss_samples.push(rss_now());
        let n = created(&desk).await;
        if n >= a.mails {
            break;
        }
        if n != last.1 {
            last = (Instant::now(), n);
        }
        assert!(
            last.0.elapsed() < Duration::from_secs(120),
            "no progress for 2 minutes at {n} of {}",
            a.mails
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = t.elapsed();
    let (cpu1, rss) = rusage();
    while testkit::maildir_count(&inbox, "INBOX") > 0
        && t.elapsed() < took + Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let moved = t.elapsed();
    let delivered = outbox_drained(&desk, t, took + Duration::from_secs(300)).await;
    println!(
        "drain {} mails, {} on {}, {} instance(s): committed in {:.1} s = {:.0} mails/s (inbox empty after {:.1} s); \
         CPU {:.2} ms/mail (this process, all instances, outbox included); peak RSS {} MiB, steady (median while \
         draining) {} MiB; the bench alone before the service started: {} MiB",
        a.mails,
        a.store,
        std::env::consts::ARCH,
        a.instances,
        took.as_secs_f64(),
        a.mails as f64 / took.as_secs_f64(),
        moved.as_secs_f64(),
        (cpu1 - cpu0).as_secs_f64() * 1e3 / a.mails as f64,
        rss / 1024,
        median_mib(rss_samples),
        rss_before / 1024
    );
    print_delivered(a.mails, delivered);
    for (_, r) in running {
        r.shutdown().await;
    }
    drop_database(&url).await;
}

/// Drops a PostgreSQL database [`database_url`] made (a run's database is of no use after it; left behind,
/// a thousand runs fill the disk). A SQLite file goes with the run's temporary directory.
async fn drop_database(url: &str) {
    let Some((_, name)) = url
        .strip_prefix("postgres")
        .and_then(|u| u.rsplit_once('/'))
    else {
        return;
    };
    use sqlx::Connection;
    let admin = admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL (scripts/postgres.sh)");
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(drop))
        .execute(&mut conn)
        .await
    {
        eprintln!("could not drop the bench database {name}: {e}");
    }
}

/// The outbox's figure: when it had delivered every job of the drain of `mails`.
fn print_delivered(mails: usize, delivered: Option<(Duration, i64)>) {
    match delivered {
        Some((at, jobs)) => println!(
            "outbox: all {jobs} jobs (acknowledgements, cards, digests) delivered {:.1} s after the start = {:.0} \
             jobs/s; intake and delivery together {:.0} mails/s",
            at.as_secs_f64(),
            jobs as f64 / at.as_secs_f64(),
            mails as f64 / at.as_secs_f64()
        ),
        None => println!("outbox: still delivering 5 minutes after the drain"),
    }
}

/// When every outbox row has been delivered, counted from `start`, and how many there were; `None` when rows
/// are still pending at `limit`.
async fn outbox_drained(desk: &Desk, start: Instant, limit: Duration) -> Option<(Duration, i64)> {
    loop {
        let stats = desk.store().outbox_stats().await.expect("outbox stats");
        if stats.pending == 0 {
            let jobs = desk
                .store()
                .outbox_rows(false)
                .await
                .expect("outbox rows")
                .len();
            return Some((start.elapsed(), i64::try_from(jobs).unwrap_or(i64::MAX)));
        }
        if start.elapsed() > limit {
            return None;
        }
        // Not more often: the count reads every pending row, and the figure is the outbox's, not the poll's.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// With `RUST_LOG` set (say `RUST_LOG=sqlx::query=debug` to see every statement), the service's log goes to
/// stderr; without it the bench logs nothing, so logging does not weigh on the figures.
fn log_if_asked() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    log_if_asked();
    testkit::require_mail_servers();
    println!(
        "machine: {} cores ({}), shared with other work: figures are noisy",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH
    );
    match a.rate {
        Some(rate) => latency::run(&a, rate).await,
        None => drain(&a).await,
    }
}
