//! The sweep's digests: per chat channel, the overdue requests one sweep saw (the department's channel) and
//! the escalated ones (the supervisors' channel). A channel's digest is queued only when the sweep reminded
//! or escalated something there, as one message that the outbox edits in place on later sweeps.

use std::collections::BTreeMap;

use anyhow::Result;
use bots::chat::{Digest, DigestEntry, DigestMark};
use routing::policy::{SweepAction, SweepFacts, Target};
use routing::Language;

use crate::desk::Desk;
use crate::effect::{DigestPost, Effect};
use crate::store::Request;

/// One channel's digest as the sweep builds it.
#[derive(Debug, Default)]
struct Pending {
    heading: String,
    /// (due time, entry): most overdue first once sorted.
    entries: Vec<(i64, DigestEntry)>,
    /// The sweep reminded or escalated something in this channel: the digest is (re)posted.
    acted: bool,
}

/// The digests of one sweep, by channel.
#[derive(Debug, Default)]
pub(super) struct Digests {
    by_channel: BTreeMap<String, Pending>,
}

impl Digests {
    /// Adds `req` to its department's digest when it is overdue now, and to the supervisors' digest when it
    /// is (or was just) escalated. `acted` is what this sweep recorded for it.
    pub(super) fn note(
        &mut self,
        desk: &Desk,
        req: &Request,
        facts: &SweepFacts,
        acted: &[SweepAction],
    ) {
        let Some((which, due)) = facts.current_target() else {
            return;
        };
        if due > facts.now_ms {
            return;
        }
        let escalated = facts.escalated || acted.contains(&SweepAction::Escalate);
        let mut marks = vec![match which {
            Target::Response => DigestMark::ResponseOverdue,
            Target::Resolution => DigestMark::ResolutionOverdue,
        }];
        if escalated {
            marks.push(DigestMark::Escalated);
        }
        let entry = DigestEntry {
            reference: req.reference.to_string(),
            title: req.subject.clone(),
            due: city_time(desk, due),
            marks,
        };
        let department = desk.department_name(&req.department, Language::En);
        let reminded = acted
            .iter()
            .any(|a| matches!(a, SweepAction::Remind { .. }));
        let supervisors = desk.city().accountability.supervisor_channel.clone();
        if let Some(channel) = super::department_channel(desk, &req.department) {
            let heading = format!("Overdue work: {department}");
            let only_here = supervisors.is_none() && acted.contains(&SweepAction::Escalate);
            self.add(channel, heading, due, entry.clone(), reminded || only_here);
        }
        if let (true, Some(channel)) = (escalated, supervisors) {
            let mut entry = entry;
            entry.title = format!("[{department}] {}", entry.title);
            let acted = acted.contains(&SweepAction::Escalate);
            self.add(channel, "Escalated work".into(), due, entry, acted);
        }
    }

    fn add(&mut self, channel: String, heading: String, due: i64, entry: DigestEntry, acted: bool) {
        let pending = self.by_channel.entry(channel).or_default();
        if pending.heading.is_empty() {
            pending.heading = heading;
        }
        pending.entries.push((due, entry));
        pending.acted |= acted;
    }

    /// Queues the digest of every channel the sweep acted in; returns how many.
    pub(super) async fn enqueue(self, desk: &Desk, now: i64) -> Result<usize> {
        let mut queued = 0;
        for (channel, mut pending) in self.by_channel {
            if !pending.acted {
                continue;
            }
            pending
                .entries
                .sort_by(|a, b| a.0.cmp(&b.0).then(a.1.reference.cmp(&b.1.reference)));
            let digest = Digest {
                heading: pending.heading,
                entries: pending.entries.into_iter().map(|(_, e)| e).collect(),
                updated: city_time(desk, now),
            };
            let effect = Effect::ChatDigest(DigestPost { channel, digest });
            desk.store().enqueue(&effect.into(), now).await?;
            queued += 1;
        }
        Ok(queued)
    }
}

/// A time as the city's staff read it: in the city's zone, with the zone's abbreviation.
fn city_time(desk: &Desk, ms: i64) -> String {
    desk.city()
        .calendar
        .local(ms)
        .format("%a %-d %b %H:%M %Z")
        .to_string()
}
