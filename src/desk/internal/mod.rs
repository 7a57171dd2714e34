//! Internal work orders between departments, the desk's side: which department a staff filing is for and its
//! SLA, what the requesting person is told at each step (`notify`), their own messages in the thread they filed
//! from (`requester`), and the lists of what departments asked for and owe (`lists`).

mod dm;
mod file;
mod lists;
mod notify;
mod requester;

use routing::internal::{self, FilingFor};
use routing::{CategoryId, DepartmentId};

use super::staff::Actor;
use super::Desk;
use crate::store::{InternalOrigin, NewRequest};

pub use file::InternalFiling;
pub use lists::{InternalList, ListKind};
pub(crate) use requester::RequesterOutcome;

impl Desk {
    /// Categories whose internal requests the city publishes in Open311 (`public_internal = true`).
    pub fn published_internal_categories(&self) -> Vec<CategoryId> {
        self.city
            .categories
            .iter()
            .filter(|c| internal::published(Some(c)))
            .map(|c| c.id.clone())
            .collect()
    }

    /// Which department `actor` files for; `named` is the one they chose. Supervisors and trusted operators
    /// may file for any department.
    pub(crate) fn filing_for(&self, actor: &Actor, named: Option<&DepartmentId>) -> FilingFor {
        let any = actor.trusted_staff || self.is_supervisor(actor);
        internal::filing_for(&self.city, &actor.roles, named, any)
    }

    /// Whether `actor` holds the supervisor role.
    pub(crate) fn is_supervisor(&self, actor: &Actor) -> bool {
        self.settings
            .discord
            .as_ref()
            .and_then(|d| d.supervisor_role.as_ref())
            .is_some_and(|s| actor.roles.contains(s))
    }

    /// Makes `new` an internal request: its due times follow the category's internal targets (from `now`).
    pub(crate) fn make_internal(
        &self,
        new: &mut NewRequest,
        decision: &routing::Decision,
        now: i64,
    ) {
        let category = new.category.as_ref().and_then(|c| self.city.category(c));
        let (response, resolution) = internal::internal_hours(
            category,
            (decision.response_hours, decision.resolution_hours),
        );
        let cal = &self.city.calendar;
        new.response_due_at = routing::sla::due_at(cal, now, response, decision.priority);
        new.resolution_due_at = routing::sla::due_at(cal, now, resolution, decision.priority);
    }

    /// Who asked, when a mail to the 311 address comes from verified staff of a department (`email` or
    /// `staff_emails` in the city file, with a passing `Authentication-Results`): they hear back by email.
    pub(crate) fn staff_email_origin(
        &self,
        inb: &mail::inbound::Inbound,
        sender: &str,
    ) -> Option<InternalOrigin> {
        let department = internal::department_of_address(&self.city, sender)?;
        self.staff_sender_verified(inb, sender)
            .then(|| InternalOrigin {
                department,
                person: sender.to_string(),
                person_name: inb.from.as_ref().and_then(|a| a.name.clone()),
                notify_chat: None,
                notify_email: Some(sender.to_string()),
            })
    }

    /// The asking department's display name and the person, as a card or list shows them ("Parks · Pat").
    pub(crate) fn asked_by_label(&self, origin: &InternalOrigin) -> String {
        let dept = self.department_name(&origin.department, routing::Language::En);
        match &origin.person_name {
            Some(name) => format!("{dept} · {name}"),
            None => dept,
        }
    }
}
