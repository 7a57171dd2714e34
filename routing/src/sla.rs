//! SLA due times and elapsed time: business hours on the city calendar for ordinary work, the wall clock for
//! urgent items, and pauses while the city waits on the resident.
//!
//! A category's (or department's) `response_hours` is the acknowledge target and `resolution_hours` the resolve
//! target, both counted with [`due_at`] from the moment the request was created.

pub use crate::calendar::{Calendar, DAY_MS, HOUR_MS};
use crate::events::EventKind;
use crate::types::Priority;

/// Whether SLA clocks of this priority run 24/7 rather than in business hours.
pub fn runs_on_wall_clock(priority: Priority) -> bool {
    priority == Priority::Urgent
}

/// The due time `hours` after `start_ms`: wall-clock hours for urgent items, business hours otherwise.
pub fn due_at(cal: &Calendar, start_ms: i64, hours: u32, priority: Priority) -> i64 {
    if runs_on_wall_clock(priority) {
        start_ms.saturating_add(i64::from(hours) * HOUR_MS)
    } else {
        cal.add_business_hours(start_ms, hours)
    }
}

/// Working milliseconds from `from_ms` to `to_ms`, less the working time inside `pauses` ("waiting on the
/// resident"). Pauses may overlap each other or stick out of the range; each moment is subtracted once.
pub fn elapsed_business_ms(cal: &Calendar, from_ms: i64, to_ms: i64, pauses: &[(i64, i64)]) -> i64 {
    let total = cal.business_ms_between(from_ms, to_ms);
    let paused: i64 = merge(pauses, from_ms, to_ms)
        .into_iter()
        .map(|(a, b)| cal.business_ms_between(a, b))
        .sum();
    (total - paused).max(0)
}

/// The due time pushed back by the working time paused between `pause_from` and `pause_to`.
pub fn shift_due(cal: &Calendar, due_ms: i64, pause_from: i64, pause_to: i64) -> i64 {
    cal.add_business_ms(due_ms, cal.business_ms_between(pause_from, pause_to))
}

/// When the current pause began, if the request is paused now, from its `(EventKind, at)` history in order:
/// a pause lasts from `sla_paused` until resumed, closed or reopened.
pub fn paused_since(events: impl IntoIterator<Item = (EventKind, i64)>) -> Option<i64> {
    events
        .into_iter()
        .fold(None, |since, (kind, at)| match kind {
            EventKind::SlaPaused => Some(at),
            EventKind::SlaResumed | EventKind::Closed | EventKind::Reopened => None,
            _ => since,
        })
}

/// The (response, resolution) due times after a pause from `paused_from` to `now_ms` ends: later by the
/// paused time, on the wall clock for urgent items and in business time otherwise.
pub fn resumed_due(
    cal: &Calendar,
    priority: Priority,
    due: (i64, i64),
    paused_from: i64,
    now_ms: i64,
) -> (i64, i64) {
    let shift = |due: i64| {
        if runs_on_wall_clock(priority) {
            due + (now_ms - paused_from)
        } else {
            shift_due(cal, due, paused_from, now_ms)
        }
    };
    (shift(due.0), shift(due.1))
}

/// The pauses clipped to `[from, to]`, sorted and merged so that none overlap.
fn merge(pauses: &[(i64, i64)], from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut clipped: Vec<(i64, i64)> = pauses
        .iter()
        .map(|&(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| a < b)
        .collect();
    clipped.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(clipped.len());
    for (a, b) in clipped {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::{ms, riverton};

    #[test]
    fn urgent_runs_on_the_wall_clock() {
        let cal = riverton();
        // Friday 16:00 local (EDT): 4 hours.
        let start = ms("2026-06-05 16:00");
        let cases = [
            (Priority::Urgent, ms("2026-06-05 20:00")),
            (Priority::High, ms("2026-06-08 11:00")),
            (Priority::Normal, ms("2026-06-08 11:00")),
            (Priority::Low, ms("2026-06-08 11:00")),
        ];
        for (priority, want) in cases {
            assert_eq!(due_at(&cal, start, 4, priority), want, "{priority}");
        }
    }

    #[test]
    fn pauses_are_subtracted_once() {
        let cal = riverton();
        let (mon8, mon17) = (ms("2026-06-08 08:00"), ms("2026-06-08 17:00"));
        let h = HOUR_MS;
        let cases: [(&[(i64, i64)], i64); 6] = [
            (&[], 9 * h),
            (&[(ms("2026-06-08 10:00"), ms("2026-06-08 12:00"))], 7 * h),
            // Overlapping pauses count once: 10:00–13:00.
            (
                &[
                    (ms("2026-06-08 10:00"), ms("2026-06-08 12:00")),
                    (ms("2026-06-08 11:00"), ms("2026-06-08 13:00")),
                ],
                6 * h,
            ),
            // Sticking out of the range: only 16:00–17:00 counts.
            (&[(ms("2026-06-08 16:00"), ms("2026-06-09 12:00"))], 8 * h),
            // A pause at night costs nothing.
            (&[(ms("2026-06-08 19:00"), ms("2026-06-08 23:00"))], 9 * h),
            // Backwards pauses are ignored.
            (&[(ms("2026-06-08 12:00"), ms("2026-06-08 10:00"))], 9 * h),
        ];
        for (pauses, want) in cases {
            assert_eq!(
                elapsed_business_ms(&cal, mon8, mon17, pauses),
                want,
                "{pauses:?}"
            );
        }
    }

    #[test]
    fn the_pause_state_follows_the_events() {
        type History = &'static [(EventKind, i64)];
        let cases: [(History, Option<i64>); 7] = [
            (&[], None),
            (&[(EventKind::Created, 1), (EventKind::Comment, 2)], None),
            (&[(EventKind::SlaPaused, 5)], Some(5)),
            (
                &[(EventKind::SlaPaused, 5), (EventKind::Comment, 6)],
                Some(5),
            ),
            (
                &[(EventKind::SlaPaused, 5), (EventKind::SlaResumed, 7)],
                None,
            ),
            (&[(EventKind::SlaPaused, 5), (EventKind::Closed, 7)], None),
            // Paused again after a reopen: the latest pause counts.
            (
                &[
                    (EventKind::SlaPaused, 5),
                    (EventKind::Reopened, 7),
                    (EventKind::SlaPaused, 9),
                ],
                Some(9),
            ),
        ];
        for (events, want) in cases {
            assert_eq!(paused_since(events.iter().copied()), want, "{events:?}");
        }
    }

    #[test]
    fn resuming_pushes_both_due_times_back() {
        let cal = riverton();
        let (from, to) = (ms("2026-06-08 09:00"), ms("2026-06-08 12:00"));
        let due = (ms("2026-06-09 15:00"), ms("2026-06-12 15:00"));
        let cases = [
            // Business time: 3 working hours.
            (
                Priority::Normal,
                (ms("2026-06-10 09:00"), ms("2026-06-15 09:00")),
            ),
            // Urgent: the wall clock.
            (
                Priority::Urgent,
                (ms("2026-06-09 18:00"), ms("2026-06-12 18:00")),
            ),
        ];
        for (priority, want) in cases {
            assert_eq!(
                resumed_due(&cal, priority, due, from, to),
                want,
                "{priority}"
            );
        }
    }

    #[test]
    fn shifting_a_due_time_by_a_pause() {
        let cal = riverton();
        let cases = [
            // 3 working hours paused on Monday push a Tuesday 15:00 due to Wednesday 09:00.
            (
                "2026-06-09 15:00",
                "2026-06-08 09:00",
                "2026-06-08 12:00",
                "2026-06-10 09:00",
            ),
            // Paused over a weekend: nothing to add.
            (
                "2026-06-09 15:00",
                "2026-06-06 09:00",
                "2026-06-07 18:00",
                "2026-06-09 15:00",
            ),
            // Friday 16:00 → Monday 17:00 pause = 1 h + 9 h = 10 h; due Tue 10:00 → Wed 11:00.
            (
                "2026-06-09 10:00",
                "2026-06-05 16:00",
                "2026-06-08 18:00",
                "2026-06-10 11:00",
            ),
        ];
        for (due, from, to, want) in cases {
            assert_eq!(
                shift_due(&cal, ms(due), ms(from), ms(to)),
                ms(want),
                "{due} {from}..{to}"
            );
        }
    }
}
