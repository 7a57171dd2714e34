//! Accountability: the `[accountability]` settings and the pure decisions of the SLA sweeper — which reminders,
//! escalations and emergency re-pages are due now, and when to ask a resident "Was it fixed?".
//!
//! Ordinary requests are measured in business hours on the city calendar and are only chased while the city is
//! open; urgent ones run on the wall clock, day and night (see [`crate::sla::due_at`]).

use chrono::Weekday;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DAY_MS};
use crate::config::ConfigError;
use crate::lifecycle::{CloseReason, Status};
use crate::sla::{due_at, runs_on_wall_clock};
use crate::types::Priority;

/// `[accountability]`: every key has a default, so the section may be left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Accountability {
    /// Business hours after a due time before the department channel is reminded (0 = as soon as overdue).
    pub reminder_after_overdue_hours: u32,
    /// Business hours between repeated reminders (0 = remind once).
    pub reminder_every_hours: u32,
    /// Further business hours, after the first reminder is due, before escalating to the supervisor channel.
    pub escalate_after_hours: u32,
    /// Chat channel id of the supervisors who receive escalations.
    pub supervisor_channel: Option<String>,
    /// Wall-clock minutes between pages of an unacknowledged emergency (0 = page once).
    pub emergency_repage_minutes: u32,
    /// Calendar days after a `resolved` close to ask the resident "Was it fixed?" (0 = never ask).
    pub followup_after_days: u32,
    /// Calendar days after a close during which the resident may reopen.
    pub reopen_window_days: u32,
    /// Calendar days an open request is a candidate for duplicates of a new report.
    pub duplicate_window_days: u32,
    /// Two reports with coordinates closer than this many metres are at the same place.
    pub duplicate_radius_m: f64,
    /// Chat channel id for the weekly scorecard.
    pub scorecard_channel: Option<String>,
    /// The day the weekly scorecard is posted (`mon`..`sun`).
    pub scorecard_weekday: Weekday,
    /// Whether a resident's status page names the staff who acknowledged, reassigned or closed their request
    /// (off by default: the page names the department only).
    pub staff_names_public: bool,
}

impl Default for Accountability {
    fn default() -> Self {
        Accountability {
            reminder_after_overdue_hours: 0,
            reminder_every_hours: 24,
            escalate_after_hours: 8,
            supervisor_channel: None,
            emergency_repage_minutes: 10,
            followup_after_days: 3,
            reopen_window_days: 14,
            duplicate_window_days: 14,
            duplicate_radius_m: 50.0,
            scorecard_channel: None,
            scorecard_weekday: Weekday::Mon,
            staff_names_public: false,
        }
    }
}

impl Accountability {
    /// Checks what serde can't; each error names its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, reason: &str| ConfigError::Invalid {
            key: format!("accountability.{key}"),
            reason: reason.to_string(),
        };
        for (key, channel) in [
            ("supervisor_channel", &self.supervisor_channel),
            ("scorecard_channel", &self.scorecard_channel),
        ] {
            if let Some(c) = channel {
                if c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(key, "expected a numeric channel id in a string"));
                }
            }
        }
        if !(self.duplicate_radius_m.is_finite() && self.duplicate_radius_m >= 0.0) {
            return Err(invalid("duplicate_radius_m", "must be zero or more metres"));
        }
        if self.followup_after_days > 0 && self.followup_after_days >= self.reopen_window_days {
            return Err(invalid(
                "followup_after_days",
                "must be less than reopen_window_days: a \"no\" answer has to be able to reopen",
            ));
        }
        Ok(())
    }

    /// How long an open request stays a duplicate candidate, in milliseconds.
    pub fn duplicate_window_ms(&self) -> i64 {
        i64::from(self.duplicate_window_days) * DAY_MS
    }

    /// Whether a request closed at `closed_ms` may still be reopened at `now_ms`.
    pub fn reopen_allowed(&self, closed_ms: i64, now_ms: i64) -> bool {
        now_ms < closed_ms + i64::from(self.reopen_window_days) * DAY_MS
    }
}

/// Which SLA target a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Not acknowledged by `response_due`.
    Response,
    /// Not closed by `resolution_due`.
    Resolution,
}

/// Something the sweeper should do for a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum SweepAction {
    /// Post a reminder in the department's channel.
    Remind { which: Target },
    /// Tell the supervisor channel (once; see [`SweepFacts::escalated`]).
    Escalate,
    /// Page dispatch again: an emergency nobody has acknowledged.
    Repage,
}

/// What the store knows about one request, as the sweeper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepFacts {
    pub priority: Priority,
    pub emergency: bool,
    pub status: Status,
    pub created_ms: i64,
    /// When the current holder acknowledged it; clear it when a reassignment or reopening asks for a new one.
    pub acknowledged_ms: Option<i64>,
    pub response_due_ms: i64,
    pub resolution_due_ms: i64,
    /// When the last reminder (of either target) was posted.
    pub last_reminder_ms: Option<i64>,
    /// Already escalated. Escalation happens once while this is set; clear it when the request is acknowledged,
    /// reassigned or reopened if the next target should be able to escalate too.
    pub escalated: bool,
    /// When dispatch was last re-paged (the first page at creation is not a re-page).
    pub last_repage_ms: Option<i64>,
    pub now_ms: i64,
}

impl SweepFacts {
    /// The target the department is being measured against now and its due time, or `None` once closed.
    pub fn current_target(&self) -> Option<(Target, i64)> {
        let awaiting_ack = self.acknowledged_ms.is_none() || self.status != Status::Acknowledged;
        match self.status {
            Status::Closed => None,
            _ if awaiting_ack => Some((Target::Response, self.response_due_ms)),
            _ => Some((Target::Resolution, self.resolution_due_ms)),
        }
    }
}

/// The actions due now. Idempotent: once the caller records what it did (`last_reminder_ms = now`,
/// `escalated = true`, `last_repage_ms = now`), the same facts at the same `now` ask for nothing more.
pub fn sweep_decision(f: &SweepFacts, cal: &Calendar, policy: &Accountability) -> Vec<SweepAction> {
    let mut actions = Vec::new();
    let Some((which, due)) = f.current_target() else {
        return actions;
    };
    let now = f.now_ms;
    if f.emergency && which == Target::Response && policy.emergency_repage_minutes > 0 {
        let every = i64::from(policy.emergency_repage_minutes) * 60_000;
        if now >= f.last_repage_ms.unwrap_or(f.created_ms).max(f.created_ms) + every {
            actions.push(SweepAction::Repage);
        }
    }
    // Nobody reads a reminder for ordinary work at night; it waits for the morning.
    if !runs_on_wall_clock(f.priority) && !cal.is_open(now) {
        return actions;
    }
    let after = |t: i64, hours: u32| due_at(cal, t, hours, f.priority);
    let first_reminder = after(due, policy.reminder_after_overdue_hours);
    if now >= first_reminder {
        let remind = match f.last_reminder_ms {
            // A reminder from before this target's first one belongs to an earlier target.
            None => true,
            Some(last) if last < first_reminder => true,
            Some(last) => {
                policy.reminder_every_hours > 0 && now >= after(last, policy.reminder_every_hours)
            }
        };
        if remind {
            actions.push(SweepAction::Remind { which });
        }
    }
    if !f.escalated && now >= after(first_reminder, policy.escalate_after_hours) {
        actions.push(SweepAction::Escalate);
    }
    actions
}

/// Whether to ask the resident "Was it fixed?" now: only after a `resolved` close, not yet asked, at least
/// `followup_after_days` later (held until the city opens, so nobody is mailed at 3 a.m.) and while the
/// resident can still reopen.
pub fn followup_due(
    closed_ms: i64,
    reason: CloseReason,
    asked: bool,
    now_ms: i64,
    cal: &Calendar,
    policy: &Accountability,
) -> bool {
    if reason != CloseReason::Resolved || asked || policy.followup_after_days == 0 {
        return false;
    }
    let earliest = cal.next_open(closed_ms + i64::from(policy.followup_after_days) * DAY_MS);
    now_ms >= earliest && policy.reopen_allowed(closed_ms, now_ms)
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
