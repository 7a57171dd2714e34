//! Mutation test over the public eval corpus (`mail/raw_emails` under the eval root, see `eval_dir.rs`): every message,
//! as it is and mutated deterministically (see `mutation/mutate.rs`), goes through `inbound::parse`,
//! `inbound::storable_raw`, `guard::automated`, `auth::sender_authenticated` and `strip::visible_reply`.
//!
//! Asserted per input: no panic; the caps hold (subject, names, body text, ids); a parseable message stays
//! parseable after `storable_raw`; peak memory (a counting global allocator) at most 64 × input + 32 MiB; and
//! time at most 50 ms per KB + 200 ms. The time bound is no benchmark (STYLE.md §12: those live in
//! `examples/hostile_html`): it is far above what a debug build needs and only trips on a super-linear blow-up,
//! such as the 2 s that 20,000 nested `<div>` used to take. It is the test thread's CPU time (Linux
//! `/proc/thread-self/schedstat`; wall-clock time elsewhere), so a machine busy compiling does not trip it.
//!
//! `CONNECT311_MUTATIONS` sets how many mutations run (default 600, about 30 s in a debug build on two cores).
//! The long run: `CONNECT311_MUTATIONS=200000 cargo test --release -p connect311-mail --test mutation`.
//! `CONNECT311_MUTATION_DUMP=DIR` writes each input that broke a bound to DIR, to reproduce it.
//! A missing corpus fails the test: it never skips.

#[path = "mutation/alloc.rs"]
mod alloc;
#[path = "mutation/mutate.rs"]
mod mutate;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use mail::guard::OwnAddresses;
use mail::inbound::{is_plausible_msg_id, msgid::MAX_REFERENCES, parse, storable_raw, Limits};

#[global_allocator]
static COUNTING: alloc::Counting = alloc::Counting;

#[path = "../../tests/e2e/support/eval_dir.rs"]
mod eval_dir;

const DEFAULT_MUTATIONS: usize = 600;

/// Every file of the corpus but the parsers' expectations (`*.json`), named relative to the corpus root.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = &eval_dir::eval_path("mail/raw_emails");
    assert!(
        root.is_dir(),
        "the eval corpus is missing: looked for {} (shared/ beside the workspace, or ${})",
        root.display(),
        eval_dir::EVAL_DIR_VAR
    );
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|x| x != "json") {
                let raw =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                files.push((name, raw));
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 100,
        "expected the eval corpus in {}, found {} files",
        root.display(),
        files.len()
    );
    files
}

/// What one input cost.
struct Cost {
    time: Duration,
    peak: usize,
}

/// Everything the service does with an inbound message, on `raw`; `Err` names a broken invariant.
fn exercise(raw: &[u8]) -> Result<(), String> {
    let limits = Limits::default();
    let own = OwnAddresses {
        addresses: vec!["311@city.test".into()],
        domains: vec!["city.test".into()],
    };
    let stored = storable_raw(raw, &limits);
    let Ok(inb) = parse(raw, &limits) else {
        return Ok(());
    };
    check_caps(&inb, &limits)?;
    if parse(&stored, &limits).is_err() {
        return Err("parseable, but not after storable_raw".into());
    }
    let _ = mail::guard::automated(&inb, &own);
    let ids = ["mx.city.test".to_string()];
    let trust = mail::auth::TrustedHops {
        authserv_ids: &ids,
        received_hops: 2,
    };
    let _ = mail::auth::sender_authenticated(&inb, trust);
    let _ = mail::strip::visible_reply(&inb.text);
    Ok(())
}

fn check_caps(inb: &mail::Inbound, limits: &Limits) -> Result<(), String> {
    let names = inb
        .from
        .iter()
        .chain(&inb.to)
        .chain(&inb.cc)
        .filter_map(|a| a.name.as_ref());
    let ids = inb
        .message_id
        .iter()
        .chain(&inb.in_reply_to)
        .chain(&inb.references);
    let failures = [
        (
            inb.subject.chars().count() > limits.max_subject_chars,
            "subject over its cap",
        ),
        (
            inb.subject.chars().any(char::is_control),
            "control character in the subject",
        ),
        (
            inb.text.len() > limits.max_text_bytes + 64,
            "body text over its cap",
        ),
        (inb.references.len() > MAX_REFERENCES, "too many references"),
        (
            !ids.into_iter().all(|i| is_plausible_msg_id(i)),
            "implausible message id kept",
        ),
        (
            !names
                .into_iter()
                .all(|n| n.chars().count() <= limits.max_name_chars && !n.contains(['\r', '\n'])),
            "display name over its cap or not one line",
        ),
    ];
    match failures.iter().find(|(failed, _)| *failed) {
        Some((_, what)) => Err(what.to_string()),
        None => Ok(()),
    }
}

/// Time this thread has spent on a CPU, when the kernel says (else `None`).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Runs one input under the bounds; `Err` says which bound or invariant broke.
fn run(raw: &[u8]) -> Result<Cost, String> {
    let (wall, cpu) = (Instant::now(), thread_cpu_time());
    let (outcome, peak) = alloc::peak_during(|| std::panic::catch_unwind(|| exercise(raw)));
    let time = match (cpu, thread_cpu_time()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => wall.elapsed(),
    };
    match outcome {
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return Err(format!("panicked: {message}"));
        }
        Ok(Err(broken)) => return Err(broken),
        Ok(Ok(())) => {}
    }
    let kb = raw.len().div_ceil(1024) as u64;
    let time_bound = Duration::from_millis(50 * kb + 200);
    let memory_bound = 64 * raw.len() + 32 * 1024 * 1024;
    if time > time_bound {
        return Err(format!("took {time:?} (bound {time_bound:?})"));
    }
    if peak > memory_bound {
        return Err(format!(
            "peak {} MiB (bound {} MiB)",
            peak >> 20,
            memory_bound >> 20
        ));
    }
    Ok(Cost { time, peak })
}

#[derive(Default)]
struct Summary {
    inputs: usize,
    mutations: usize,
    slowest_per_kb: (f64, String),
    peak: (usize, String),
    failures: Vec<String>,
    /// Per kind of input: how many, and the time they took.
    kinds: BTreeMap<&'static str, (usize, Duration)>,
}

impl Summary {
    fn record(&mut self, kind: &'static str, what: String, raw: &[u8]) {
        let result = run(raw);
        match result {
            Ok(cost) => {
                let entry = self.kinds.entry(kind).or_default();
                (entry.0, entry.1) = (entry.0 + 1, entry.1 + cost.time);
                let per_kb =
                    cost.time.as_secs_f64() * 1000.0 / raw.len().div_ceil(1024).max(1) as f64;
                if per_kb > self.slowest_per_kb.0 {
                    self.slowest_per_kb = (per_kb, what.clone());
                }
                if cost.peak > self.peak.0 {
                    self.peak = (cost.peak, what);
                }
            }
            Err(e) => {
                self.failures.push(format!("{what}: {e}"));
                dump(self.failures.len(), raw);
            }
        }
    }

    fn print(&self, elapsed: Duration) {
        let mut heavy: Vec<_> = self.kinds.iter().collect();
        heavy.sort_by_key(|(_, (_, t))| std::cmp::Reverse(*t));
        for (kind, (n, t)) in heavy.iter().take(5) {
            println!("mutation: {n:>6} × {kind:<30} {t:>10.1?} CPU");
        }
        println!(
            "mutation: {} inputs, {} mutations in {elapsed:.1?}; slowest {:.2} ms/KB ({}); peak {:.1} MiB ({})",
            self.inputs,
            self.mutations,
            self.slowest_per_kb.0,
            self.slowest_per_kb.1,
            self.peak.0 as f64 / (1024.0 * 1024.0),
            self.peak.1
        );
    }
}

/// With `CONNECT311_MUTATION_DUMP=DIR`, the input that broke a bound is kept for reproducing.
fn dump(n: usize, raw: &[u8]) {
    if let Some(dir) = std::env::var_os("CONNECT311_MUTATION_DUMP") {
        let path = Path::new(&dir).join(format!("failure-{n}.eml"));
        std::fs::write(&path, raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn mutated_corpus_is_parsed_within_bounds() {
    let files = corpus();
    let mutations: usize = std::env::var("CONNECT311_MUTATIONS")
        .ok()
        .map(|v| v.parse().expect("CONNECT311_MUTATIONS is a number"))
        .unwrap_or(DEFAULT_MUTATIONS);
    // Warm up (regexes, Unicode tables, interned tag names) so the first input is not charged for it.
    let warm = files
        .iter()
        .find(|(_, raw)| parse(raw, &Limits::default()).is_ok());
    let _ = run(&warm.expect("a corpus message that parses").1);
    // Panics are caught and reported per input; the default hook would print (and, with RUST_BACKTRACE, capture)
    // a backtrace for each, and charge the time to the input.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut summary = Summary::default();
    for (name, raw) in &files {
        summary.inputs += 1;
        summary.record("as is", format!("{name} as is"), raw);
    }
    let mut rng = mutate::Rng::new(0x0311_5eed);
    for n in 0..mutations {
        let (name, raw) = &files[n % files.len()];
        let other = &files[rng.below(files.len())].1;
        let seed = rng.next();
        let (kind, mutated) = mutate::mutate(raw, other, &mut mutate::Rng::new(seed));
        summary.mutations += 1;
        let what = format!("{name} / {kind} (seed {seed:#x}, {} bytes)", mutated.len());
        summary.record(kind, what, &mutated);
    }
    let _ = std::panic::take_hook();
    summary.print(started.elapsed());
    assert!(
        summary.failures.is_empty(),
        "{} of {} inputs broke a bound:\n{}",
        summary.failures.len(),
        summary.inputs + summary.mutations,
        summary
            .failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
