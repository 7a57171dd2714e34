//! The monitor's ears: observers handed to the inbox workers (`mail::observe::IntakeObserver`) and the chat
//! gateway (`bots::discord::GatewayObserver`), recording what they report as [`Link`] state.

use std::sync::Arc;
use std::time::Duration;

use bots::discord::GatewayObserver;
use mail::observe::IntakeObserver;

use super::{Link, Monitor};

impl Monitor {
    /// An observer for the inbox worker (IMAP or Maildir). The inbox counts as "not connected yet" from now.
    pub fn inbox_probe(&self) -> Arc<dyn IntakeObserver> {
        self.update_link(false, |l, now| {
            l.since_ms.get_or_insert(now);
        });
        Arc::new(InboxProbe(self.clone()))
    }

    /// Whether this instance stands by (another one watches the inbox) or leads it (then the inbox probe
    /// reports how watching goes). Standing by is a healthy state.
    pub fn inbox_standby(&self, standby: bool) {
        self.update_link(false, |l, now| {
            if l.standby != standby {
                l.since_ms = Some(now);
            }
            l.standby = standby;
            if standby {
                l.connected = false;
            }
        });
    }

    /// An observer for the chat gateway; from now on readiness includes the chat link.
    pub fn chat_probe(&self) -> Arc<dyn GatewayObserver> {
        self.update_link(true, |l, now| {
            l.since_ms.get_or_insert(now);
        });
        Arc::new(ChatProbe(self.clone()))
    }
}

#[derive(Debug)]
struct InboxProbe(Monitor);

impl IntakeObserver for InboxProbe {
    fn connected(&self) {
        self.0.update_link(false, |l, now| {
            l.set_connected(true, now);
            l.seen_ms = Some(now);
            l.next_within = None;
        });
    }

    fn polled(&self, next_within: Duration) {
        self.0.update_link(false, |l: &mut Link, now| {
            l.set_connected(true, now);
            l.seen_ms = Some(now);
            l.next_within = Some(next_within);
        });
    }

    fn idling(&self) {
        self.0.update_link(false, |l, _| l.idles += 1);
    }

    fn failed(&self, error: &str) {
        self.0.update_link(false, |l, now| l.failed(error, now));
    }
}

#[derive(Debug)]
struct ChatProbe(Monitor);

impl GatewayObserver for ChatProbe {
    fn connected(&self) {
        self.0.update_link(true, |l, now| {
            l.set_connected(true, now);
            l.seen_ms = Some(now);
        });
    }

    fn disconnected(&self, reason: &str) {
        self.0.update_link(true, |l, now| l.failed(reason, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_inbox_keeps_the_time_of_its_first_failure_until_it_connects() {
        let m = Monitor::default();
        let probe = m.inbox_probe();
        assert!(!m.snapshot().inbox.connected);
        probe.failed("refused");
        let first = m.snapshot().inbox.since_ms;
        probe.failed("refused again");
        let s = m.snapshot().inbox;
        assert_eq!(s.since_ms, first);
        assert_eq!(s.last_error.unwrap().text, "refused again");
        probe.connected();
        probe.polled(Duration::from_secs(60));
        probe.idling();
        let s = m.snapshot().inbox;
        assert!(s.connected);
        assert_eq!(s.idles, 1);
        assert_eq!(s.next_within, Some(Duration::from_secs(60)));
        assert!(s.seen_ms.is_some());
    }

    #[test]
    fn chat_appears_only_with_a_probe() {
        let m = Monitor::default();
        assert!(m.snapshot().chat.is_none());
        let probe = m.chat_probe();
        assert!(m.snapshot().chat.is_some_and(|c| !c.connected));
        probe.connected();
        assert!(m.snapshot().chat.unwrap().connected);
        probe.disconnected("shard 0 is Resuming");
        let c = m.snapshot().chat.unwrap();
        assert!(!c.connected);
        assert_eq!(c.last_error.unwrap().text, "shard 0 is Resuming");
    }
}
