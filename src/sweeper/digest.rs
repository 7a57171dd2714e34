//! The sweep's digests: per chat channel, the department's overdue requests and the escalated ones (the
//! supervisors' channel). A channel's digest is queued only when the sweep reminded or escalated something
//! there, as one message that the outbox edits in place on later sweeps. Sweeps are scheduled (a request is
//! looked at only when it is owed something), so a department's digest is filled, when it is queued, from the
//! indexed overdue query as well: it lists every overdue request of the department (up to [`FILL_MAX`]), not
//! only those this sweep happened to look at.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use bots::chat::{Digest, DigestEntry, DigestMark};
use routing::policy::{SweepAction, SweepFacts, Target};
use routing::{DepartmentId, Language, Status};

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
    /// The departments whose overdue work this channel's digest lists (none for the supervisors').
    departments: BTreeSet<DepartmentId>,
}

/// At most this many overdue requests per department are read to fill its digest; the message itself is cut
/// to fit Discord's limit with "…and N more".
const FILL_MAX: i64 = 500;

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
        let entry = entry(desk, req, which, due, escalated);
        let department = desk.department_name(&req.department, Language::En);
        let reminded = acted
            .iter()
            .any(|a| matches!(a, SweepAction::Remind { .. }));
        let supervisors = desk.city().accountability.supervisor_channel.clone();
        if let Some(channel) = super::department_channel(desk, &req.department) {
            let heading = format!("Overdue work: {department}");
            let only_here = supervisors.is_none() && acted.contains(&SweepAction::Escalate);
            self.add(
                channel.clone(),
                heading,
                due,
                entry.clone(),
                reminded || only_here,
            );
            if let Some(pending) = self.by_channel.get_mut(&channel) {
                pending.departments.insert(req.department.clone());
            }
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
            fill(desk, &channel, &mut pending, now).await?;
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

/// One overdue request as a digest line: which target passed, when, and whether it is escalated.
fn entry(desk: &Desk, req: &Request, which: Target, due: i64, escalated: bool) -> DigestEntry {
    let mut marks = vec![match which {
        Target::Response => DigestMark::ResponseOverdue,
        Target::Resolution => DigestMark::ResolutionOverdue,
    }];
    if escalated {
        marks.push(DigestMark::Escalated);
    }
    DigestEntry {
        reference: req.reference.to_string(),
        title: req.subject.clone(),
        due: city_time(desk, due),
        marks,
    }
}

/// The target a request is measured against now, as the sweep's policy reads it (`SweepFacts::current_target`).
fn current_target(req: &Request) -> Option<(Target, i64)> {
    let awaiting_ack = req.acknowledged_at.is_none() || req.status != Status::Acknowledged;
    match req.status {
        Status::Closed => None,
        _ if awaiting_ack => Some((Target::Response, req.response_due_at)),
        _ => Some((Target::Resolution, req.resolution_due_at)),
    }
}

/// Adds to a department channel's digest every overdue request of the departments posting there that this
/// sweep did not look at (reminded in an earlier sweep, say), read with the indexed overdue query.
async fn fill(desk: &Desk, channel: &str, pending: &mut Pending, now: i64) -> Result<()> {
    if pending.departments.is_empty() {
        return Ok(());
    }
    let sharing = desk
        .city()
        .departments
        .iter()
        .filter(|d| d.card_channel() == Some(channel))
        .map(|d| d.id.clone());
    pending.departments.extend(sharing);
    let mut listed: BTreeSet<String> = pending
        .entries
        .iter()
        .map(|(_, e)| e.reference.clone())
        .collect();
    for department in &pending.departments {
        for req in desk
            .store()
            .overdue_first(now, Some(department), FILL_MAX)
            .await?
        {
            let Some((which, due)) = current_target(&req).filter(|&(_, due)| due <= now) else {
                continue;
            };
            if listed.insert(req.reference.to_string()) {
                // Escalation is not on the row: the supervisors' digest carries it.
                pending
                    .entries
                    .push((due, entry(desk, &req, which, due, false)));
            }
        }
    }
    Ok(())
}

/// A time as the city's staff read it: in the city's zone, with the zone's abbreviation.
fn city_time(desk: &Desk, ms: i64) -> String {
    desk.city()
        .calendar
        .local(ms)
        .format("%a %-d %b %H:%M %Z")
        .to_string()
}
