//! Readiness: from a [`Snapshot`] and what the database just said, whether each component does its job and,
//! if not, why and since when. Pure: the caller passes the facts and `now`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Component, HealthSettings, Link, Snapshot, Stamped, Worker};

/// What the HTTP handler learned from the database for this check.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `SELECT 1` answered in time, or why not.
    pub database: Result<(), String>,
    /// Age (ms, on the desk's clock) of the oldest undelivered outbox row; `None` when none is pending.
    pub outbox_oldest_age_ms: Result<Option<i64>, String>,
}

/// One component's verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    /// Why it is failing.
    pub reason: Option<String>,
    /// Failing since (wall clock ms).
    pub since_ms: Option<i64>,
    /// Restarts of its worker, for supervised components.
    pub restarts: Option<u64>,
    /// The latest error, even when it is ok again.
    pub last_error: Option<Stamped>,
    /// The inbox only: `watching` (this instance leads it) or `standby` (another instance does).
    pub state: Option<&'static str>,
}

impl Verdict {
    fn ok() -> Self {
        Verdict {
            ok: true,
            ..Verdict::default()
        }
    }

    fn failing(reason: String, since_ms: Option<i64>) -> Self {
        Verdict {
            ok: false,
            reason: Some(reason),
            since_ms,
            ..Verdict::default()
        }
    }
}

/// A link that is silent longer than this has stopped looking, though it never said so.
const SILENCE_SLACK: Duration = Duration::from_secs(60);
/// What a link that has not announced its next look is given.
const DEFAULT_NEXT_LOOK: Duration = Duration::from_secs(60);

/// Every component's verdict, by name: `database`, `smtp`, and each supervised one that runs (`inbox`,
/// `outbox`, `sweeper`, `chat`, `http`).
pub fn assess(
    s: &Snapshot,
    facts: &Facts,
    limits: &HealthSettings,
    now_ms: i64,
) -> BTreeMap<&'static str, Verdict> {
    let mut out = BTreeMap::new();
    out.insert(
        "database",
        match &facts.database {
            Ok(()) => Verdict::ok(),
            Err(e) => Verdict::failing(e.clone(), None),
        },
    );
    out.insert("smtp", smtp(s, limits, now_ms));
    for (c, w) in &s.workers {
        let own = match c {
            Component::Inbox => inbox(&s.inbox, limits.inbox_silence_max, now_ms),
            Component::Chat => s.chat.as_ref().map_or_else(Verdict::ok, |l| {
                link(l, "chat gateway", Some(Duration::MAX), now_ms)
            }),
            Component::Outbox => outbox(&facts.outbox_oldest_age_ms, limits),
            Component::Sweeper | Component::Http => Verdict::ok(),
        };
        out.insert(c.as_str(), supervised(w, own));
    }
    out
}

/// A worker waiting to be restarted fails whatever its own state says; otherwise its own verdict stands.
fn supervised(w: &Worker, own: Verdict) -> Verdict {
    let mut v = if w.running {
        own
    } else {
        let why = w
            .last_error
            .as_ref()
            .map_or("not started", |e| e.text.as_str());
        let since = w.last_error.as_ref().map(|e| e.at_ms);
        Verdict::failing(format!("worker stopped, restarting: {why}"), since)
    };
    v.restarts = Some(w.restarts);
    let latest = [v.last_error.take(), w.last_error.clone()]
        .into_iter()
        .flatten()
        .max_by_key(|e| e.at_ms);
    v.last_error = latest;
    v
}

/// Standing by is doing the job (another instance watches); a leader is judged as a link, `watching` once
/// connected.
fn inbox(l: &Link, max_silence: Option<Duration>, now_ms: i64) -> Verdict {
    if l.standby {
        return Verdict {
            state: Some("standby"),
            last_error: l.last_error.clone(),
            ..Verdict::ok()
        };
    }
    Verdict {
        state: l.connected.then_some("watching"),
        ..link(l, "inbox", max_silence, now_ms)
    }
}

/// Connected, and looked at the mailbox as often as it promised (with slack), or within `max_silence`.
fn link(l: &Link, what: &str, max_silence: Option<Duration>, now_ms: i64) -> Verdict {
    let mut v = if !l.connected {
        let why = l
            .last_error
            .as_ref()
            .map_or_else(|| format!("{what} not connected yet"), |e| e.text.clone());
        Verdict::failing(why, l.since_ms)
    } else {
        let allowed = max_silence.unwrap_or_else(|| {
            l.next_within
                .unwrap_or(DEFAULT_NEXT_LOOK)
                .saturating_mul(2)
                .saturating_add(SILENCE_SLACK)
        });
        let silent_ms = l.seen_ms.map_or(0, |seen| (now_ms - seen).max(0));
        if u128::try_from(silent_ms).unwrap_or(0) > allowed.as_millis() {
            let reason = format!(
                "{what}: no successful look at the mailbox for {} s (allowed {} s)",
                silent_ms / 1000,
                allowed.as_secs()
            );
            Verdict::failing(reason, l.seen_ms)
        } else {
            Verdict::ok()
        }
    };
    v.last_error = l.last_error.clone();
    v
}

/// Mail may fail for a while (a server restart, a greylisting peer) before the desk is unready.
fn smtp(s: &Snapshot, limits: &HealthSettings, now_ms: i64) -> Verdict {
    let Some((first, last)) = &s.mail_failing else {
        return Verdict::ok();
    };
    let failing_ms = (now_ms - first).max(0);
    let mut v = if s.mail_auth_failing {
        // Retrying cannot help until someone fixes the credentials: say so at once.
        let why = last
            .text
            .find("authentication failed")
            .map_or(last.text.as_str(), |i| &last.text[i..]);
        Verdict::failing(
            format!("{why} (outgoing mail waits in the outbox)"),
            Some(*first),
        )
    } else if u128::try_from(failing_ms).unwrap_or(0) > limits.smtp_failing_max.as_millis() {
        let reason = format!(
            "outgoing mail failing for {} s: {}",
            failing_ms / 1000,
            last.text
        );
        Verdict::failing(reason, Some(*first))
    } else {
        Verdict::ok()
    };
    v.last_error = Some(last.clone());
    v
}

fn outbox(age: &Result<Option<i64>, String>, limits: &HealthSettings) -> Verdict {
    match age {
        Err(e) => Verdict::failing(format!("cannot read the outbox: {e}"), None),
        Ok(Some(ms))
            if u128::try_from(*ms).unwrap_or(0) > limits.outbox_pending_max.as_millis() =>
        {
            Verdict::failing(
                format!(
                    "the oldest undelivered outbox row is {} s old (allowed {} s)",
                    ms / 1000,
                    limits.outbox_pending_max.as_secs()
                ),
                None,
            )
        }
        Ok(_) => Verdict::ok(),
    }
}

#[cfg(test)]
mod tests;
