//! The sweeper's news for a department that works by email: it has no channel for the overdue digest, so the
//! reminder and the escalation come into the work order's conversation in its mailbox, due times in city time.

use connect311::clock::{Clock, ManualClock, SystemClock};
use connect311::sweeper::sweep_once;

use super::{department_mails, email_town_at, pothole_reported};
use crate::support::set_clock;

const MINUTE: i64 = 60_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_order_is_reminded_then_escalated_by_email() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let (town, boxes) = email_town_at(Some(clock.clone()), &[("streets", "")], None).await;
    let streets = &boxes[0];
    let (_, req, order) = pothole_reported(&town, streets).await;
    let city = town.desk().city().clone();
    let (cal, policy) = (&city.calendar, &city.accountability);

    let remind_at = cal.next_open(
        cal.add_business_hours(req.response_due_at, policy.reminder_after_overdue_hours),
    ) + MINUTE;
    set_clock(&clock, remind_at);
    assert_eq!(sweep_once(town.desk()).await.unwrap().reminders, 1);
    let mails = department_mails(streets, 2).await;
    let reminder = &mails[1].0;
    let due = connect311::clock::human(cal, req.response_due_at);
    assert!(
        reminder.text.contains(&format!(
            "Reminder: the acknowledgement target passed at {due}."
        )),
        "{}",
        reminder.text
    );
    assert_eq!(
        reminder.references, order.references,
        "in the work order's conversation"
    );

    let escalate_at = cal.add_business_hours(remind_at, policy.escalate_after_hours) + MINUTE;
    set_clock(&clock, escalate_at);
    assert_eq!(sweep_once(town.desk()).await.unwrap().escalations, 1);
    let mails = department_mails(streets, 3).await;
    assert!(
        mails[2]
            .0
            .text
            .contains("is overdue and was escalated to the supervisors"),
        "{}",
        mails[2].0.text
    );
    town.svc.shutdown().await;
}
