//! What the worker does between passes: look again at once, poll shortly while mail is flowing (hot mode), or
//! wait quietly on IDLE (or the slow poll without it). Pure: the caller passes `now`.
//!
//! Hot mode exists because IDLE is slow to announce: Dovecot 2.3 holds every IDLE notification back for a
//! hard-coded 500 ms (`NOTIFY_DELAY_MSECS` in `src/lib-storage/mailbox-watch.c`), so at a steady stream of mail
//! each pass that finds nothing would cost the next mail half a second. While a pass handled mail within the
//! last `busy_window`, the worker instead sends a `NOOP` every `busy_poll` and searches as soon as it announces
//! new mail; once the inbox has been quiet for the whole window it IDLEs again, so a quiet inbox costs nothing.

use std::time::Duration;

use tokio::time::Instant;

use super::ImapConfig;

/// The shortest wait before retrying a failed message, so a due retry never spins.
const MIN_RETRY_WAIT: Duration = Duration::from_millis(50);

/// How to wait before the next pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wait {
    /// Mail was handled or announced: search again at once.
    Now,
    /// Mail flowed lately: `NOOP` after this long, and search only if it announced new mail (or a retry is due).
    Busy(Duration),
    /// Quiet: IDLE (renewed after this long).
    Idle(Duration),
    /// Quiet, and the server lacks IDLE: `NOOP` and search after this long.
    Poll(Duration),
}

/// The worker's recent history: when a pass last handled mail.
#[derive(Debug, Default)]
pub(super) struct Pace {
    last_handled: Option<Instant>,
}

impl Pace {
    /// Records a pass that handled `handled` messages at `now`.
    pub fn passed(&mut self, handled: usize, now: Instant) {
        if handled > 0 {
            self.last_handled = Some(now);
        }
    }

    /// Whether mail was handled within the last `busy_window` (never with a zero window).
    pub fn hot(&self, cfg: &ImapConfig, now: Instant) -> bool {
        !cfg.busy_window.is_zero()
            && self
                .last_handled
                .is_some_and(|t| now.saturating_duration_since(t) < cfg.busy_window)
    }

    /// How to wait after a pass that handled `handled` messages (or saw new mail announced, `arrived`), with
    /// the earliest failed message due for retry in `retry_in`.
    pub fn next(
        &self,
        cfg: &ImapConfig,
        has_idle: bool,
        handled: usize,
        arrived: bool,
        retry_in: Option<Duration>,
        now: Instant,
    ) -> Wait {
        if handled > 0 || arrived {
            return Wait::Now;
        }
        let cap = |d: Duration| retry_in.map_or(d, |r| d.min(r.max(MIN_RETRY_WAIT)));
        let quiet = if has_idle {
            cfg.idle_timeout
        } else {
            cfg.poll_interval
        };
        if self.hot(cfg, now) && cfg.busy_poll < quiet {
            return Wait::Busy(cap(cfg.busy_poll));
        }
        if has_idle {
            Wait::Idle(cap(quiet))
        } else {
            Wait::Poll(cap(quiet))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ImapConfig {
        let mut c = ImapConfig::new("h", 1, "u", "p");
        c.busy_poll = Duration::from_millis(25);
        c.busy_window = Duration::from_secs(20);
        c
    }

    #[test]
    fn mail_flowing_polls_shortly_then_quiet_idles() {
        let c = cfg();
        let t0 = Instant::now();
        let mut p = Pace::default();
        // Never handled anything: IDLE (or the slow poll).
        assert_eq!(
            p.next(&c, true, 0, false, None, t0),
            Wait::Idle(c.idle_timeout)
        );
        assert_eq!(
            p.next(&c, false, 0, false, None, t0),
            Wait::Poll(c.poll_interval)
        );
        p.passed(3, t0);
        assert_eq!(p.next(&c, true, 3, false, None, t0), Wait::Now);
        let later = t0 + Duration::from_secs(19);
        assert_eq!(
            p.next(&c, true, 0, false, None, later),
            Wait::Busy(c.busy_poll)
        );
        assert_eq!(
            p.next(&c, false, 0, false, None, later),
            Wait::Busy(c.busy_poll)
        );
        // A pass that handled nothing does not extend the window.
        p.passed(0, later);
        let quiet = t0 + Duration::from_secs(20);
        assert_eq!(
            p.next(&c, true, 0, false, None, quiet),
            Wait::Idle(c.idle_timeout)
        );
    }

    #[test]
    fn announced_mail_searches_at_once_and_retries_cap_the_wait() {
        let c = cfg();
        let t0 = Instant::now();
        let mut p = Pace::default();
        assert_eq!(p.next(&c, true, 0, true, None, t0), Wait::Now);
        let soon = Some(Duration::from_secs(3));
        assert_eq!(
            p.next(&c, true, 0, false, soon, t0),
            Wait::Idle(Duration::from_secs(3))
        );
        // A retry already due waits the minimum, never zero.
        assert_eq!(
            p.next(&c, true, 0, false, Some(Duration::ZERO), t0),
            Wait::Idle(MIN_RETRY_WAIT)
        );
        p.passed(1, t0);
        assert_eq!(
            p.next(&c, true, 0, false, soon, t0),
            Wait::Busy(c.busy_poll)
        );
    }

    #[test]
    fn a_zero_window_or_a_slow_busy_poll_never_runs_hot() {
        let t0 = Instant::now();
        let mut p = Pace::default();
        p.passed(1, t0);
        let mut off = cfg();
        off.busy_window = Duration::ZERO;
        assert!(!p.hot(&off, t0));
        assert_eq!(
            p.next(&off, true, 0, false, None, t0),
            Wait::Idle(off.idle_timeout)
        );
        // Polling "hot" slower than the normal poll would only slow the worker down.
        let mut slow = cfg();
        slow.poll_interval = Duration::from_millis(10);
        assert_eq!(
            p.next(&slow, false, 0, false, None, t0),
            Wait::Poll(Duration::from_millis(10))
        );
    }
}
