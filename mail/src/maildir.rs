//! The embedded default's local inbox: a Maildir whose `new/` is polled, with the same contract as the IMAP
//! worker — a message leaves `new/` (for `.Processed` or `.Quarantine`) only after the handler returned `Ok`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::imap::{backoff, Disposition, InboxHandler};
use crate::observe::IntakeObserver;

const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(5 * 60);

/// Creates the Maildir layout (`new`, `cur`, `tmp` and the two destination folders) when missing.
pub fn ensure_layout(dir: &Path) -> anyhow::Result<()> {
    for sub in ["", ".Processed", ".Quarantine"] {
        for leaf in ["new", "cur", "tmp"] {
            let p = dir.join(sub).join(leaf);
            std::fs::create_dir_all(&p).with_context(|| format!("creating {}", p.display()))?;
        }
    }
    Ok(())
}

/// Polls `dir/new` every `poll` until cancelled, telling `observer` when the Maildir is ready, after every
/// successful pass, and on the error that ends it (an unreadable directory: the caller restarts it).
pub async fn run(
    dir: PathBuf,
    handler: Arc<dyn InboxHandler>,
    poll: Duration,
    observer: Arc<dyn IntakeObserver>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let failed = |e: anyhow::Error| {
        observer.failed(&format!("{e:#}"));
        e
    };
    ensure_layout(&dir).map_err(failed)?;
    observer.connected();
    let mut failures: HashMap<String, (u32, Instant)> = HashMap::new();
    tracing::info!(dir = %dir.display(), "maildir intake started");
    loop {
        let pass = pass(&dir, handler.as_ref(), &cancel, &mut failures).await;
        if let Stop::Yes = pass.map_err(failed)? {
            break;
        }
        observer.polled(poll);
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(poll) => {}
        }
    }
    tracing::info!(dir = %dir.display(), "maildir intake stopped");
    Ok(())
}

enum Stop {
    Yes,
    No,
}

async fn pass(
    dir: &Path,
    handler: &dyn InboxHandler,
    cancel: &CancellationToken,
    failures: &mut HashMap<String, (u32, Instant)>,
) -> anyhow::Result<Stop> {
    let new = dir.join("new");
    let mut names = Vec::new();
    let mut entries = tokio::fs::read_dir(&new)
        .await
        .with_context(|| format!("reading {}", new.display()))?;
    while let Some(e) = entries.next_entry().await? {
        if e.file_type().await.is_ok_and(|t| t.is_file()) {
            if let Some(n) = e.file_name().to_str() {
                if !n.starts_with('.') {
                    names.push(n.to_string());
                }
            }
        }
    }
    // Maildir names start with the delivery time, so name order is close to arrival order.
    names.sort();
    failures.retain(|n, _| names.contains(n));
    for name in names {
        if cancel.is_cancelled() {
            return Ok(Stop::Yes);
        }
        let now = Instant::now();
        if failures.get(&name).is_some_and(|(_, next)| *next > now) {
            continue;
        }
        let path = new.join(&name);
        let raw = match tokio::fs::read(&path).await {
            Ok(r) => r,
            // Taken by someone else meanwhile.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let span = tracing::info_span!("maildir_message", file = %name);
        match handler.handle(&raw).instrument(span.clone()).await {
            Ok(disposition) => {
                if cancel.is_cancelled() {
                    return Ok(Stop::Yes);
                }
                let folder = match &disposition {
                    Disposition::Processed => ".Processed",
                    Disposition::Quarantine(reason) => {
                        tracing::warn!(parent: &span, reason = %reason, "quarantining message");
                        ".Quarantine"
                    }
                };
                let dest = dir.join(folder).join("cur").join(format!("{name}:2,S"));
                tokio::fs::rename(&path, &dest)
                    .await
                    .with_context(|| format!("moving {} to {}", path.display(), dest.display()))?;
                failures.remove(&name);
            }
            Err(e) => {
                let entry = failures.entry(name).or_insert((0, now));
                entry.0 += 1;
                entry.1 = now + backoff(entry.0, BACKOFF_MIN, BACKOFF_MAX);
                tracing::warn!(parent: &span, error = %format!("{e:#}"), attempts = entry.0,
                    "handler failed; message left in new/ for retry");
            }
        }
    }
    Ok(Stop::No)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct FlakyOnce(AtomicUsize);

    #[async_trait::async_trait]
    impl InboxHandler for FlakyOnce {
        async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                anyhow::bail!("database down");
            }
            if raw.starts_with(b"Subject: junk") {
                return Ok(Disposition::Quarantine("junk".into()));
            }
            Ok(Disposition::Processed)
        }
    }

    #[tokio::test]
    async fn moves_only_after_ok_and_retries_failures() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        ensure_layout(&dir).unwrap();
        std::fs::write(dir.join("new/1.a"), "Subject: hi\n\nbody\n").unwrap();
        std::fs::write(dir.join("new/2.b"), "Subject: junk\n\nbody\n").unwrap();
        let handler = Arc::new(FlakyOnce(AtomicUsize::new(0)));
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(
            dir.clone(),
            handler.clone(),
            Duration::from_millis(50),
            Arc::new(crate::observe::Unobserved),
            cancel.clone(),
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        while dir.join("new/1.a").exists() || dir.join("new/2.b").exists() {
            assert!(
                Instant::now() < deadline,
                "maildir worker did not drain new/"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        cancel.cancel();
        task.await.unwrap().unwrap();
        assert!(dir.join(".Processed/cur/1.a:2,S").exists());
        assert!(dir.join(".Quarantine/cur/2.b:2,S").exists());
        // First attempt failed, then 1.a retried after backoff, plus 2.b.
        assert_eq!(handler.0.load(Ordering::SeqCst), 3);
    }

    /// Remembers what the worker reported, in order.
    #[derive(Debug, Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    impl IntakeObserver for Recorder {
        fn connected(&self) {
            self.0.lock().unwrap().push("connected".into());
        }
        fn polled(&self, next_within: Duration) {
            self.0
                .lock()
                .unwrap()
                .push(format!("polled {}ms", next_within.as_millis()));
        }
        fn failed(&self, error: &str) {
            self.0.lock().unwrap().push(format!("failed {error}"));
        }
    }

    #[tokio::test]
    async fn reports_each_pass_and_the_error_that_ends_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        ensure_layout(&dir).unwrap();
        let seen = Arc::new(Recorder::default());
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(
            dir.clone(),
            Arc::new(FlakyOnce(AtomicUsize::new(1))),
            Duration::from_millis(20),
            seen.clone(),
            cancel.clone(),
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.0.lock().unwrap().len() < 2 {
            assert!(Instant::now() < deadline, "no pass reported");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // new/ becomes a file: the next pass cannot read it, and the worker ends with that error.
        std::fs::remove_dir_all(dir.join("new")).unwrap();
        std::fs::write(dir.join("new"), "not a directory").unwrap();
        let err = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("the worker ends")
            .unwrap()
            .unwrap_err();
        let seen = seen.0.lock().unwrap().clone();
        assert_eq!(seen[..2], ["connected", "polled 20ms"]);
        let last = seen.last().unwrap();
        assert!(
            last.starts_with("failed reading ") && last.contains("new"),
            "{seen:?}"
        );
        assert!(format!("{err:#}").contains("new"), "{err:#}");
    }
}
