//! Internal work orders between departments, the pure part: which department a staff member files for, the
//! SLA hours an internal request runs on, and what the requesting person is told at each step.

use crate::config::{Category, CityConfig};
use crate::lifecycle::{CloseReason, StaffReplyWords};
use crate::types::DepartmentId;

/// Which department a member files for, from their chat roles (city order), or the one they named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilingFor {
    /// Exactly one candidate (or the named one, which they hold).
    One(DepartmentId),
    /// Several roles and none named: the member must choose among these.
    Ambiguous(Vec<DepartmentId>),
    /// They named a department whose role they do not hold.
    NotMember(DepartmentId),
    /// No department role at all: a filing like a resident's.
    None,
}

/// The departments whose chat role the member holds, in the city file's order (triage and dispatch are
/// desks, not departments that ask for work).
pub fn departments_of(city: &CityConfig, roles: &[String]) -> Vec<DepartmentId> {
    city.departments
        .iter()
        .filter(|d| d.id != DepartmentId::triage() && d.id != DepartmentId::dispatch())
        .filter(|d| d.chat_role.as_ref().is_some_and(|r| roles.contains(r)))
        .map(|d| d.id.clone())
        .collect()
}

/// Decides which department a filing is for; `named` is what the member chose, if anything. A supervisor (or
/// a trusted operator) may name any department: pass `any = true`.
pub fn filing_for(
    city: &CityConfig,
    roles: &[String],
    named: Option<&DepartmentId>,
    any: bool,
) -> FilingFor {
    let mine = departments_of(city, roles);
    match named {
        Some(n) if any && city.department(n).is_some() => FilingFor::One(n.clone()),
        Some(n) if mine.contains(n) => FilingFor::One(n.clone()),
        Some(n) => FilingFor::NotMember(n.clone()),
        None => match mine.len() {
            0 => FilingFor::None,
            1 => FilingFor::One(mine[0].clone()),
            _ => FilingFor::Ambiguous(mine),
        },
    }
}

/// The department a staff address files for: the one whose `staff_emails` names it (any case), or whose mailbox
/// it is when the department works by email. A chat department's own `email` is one of the city's own
/// addresses, whose mail is never taken as a request.
pub fn department_of_address(city: &CityConfig, address: &str) -> Option<DepartmentId> {
    let same = |a: &String| a.eq_ignore_ascii_case(address.trim());
    city.departments
        .iter()
        .find(|d| {
            d.staff_emails.iter().any(same) || (d.notifies(crate::Notify::Email) && same(&d.email))
        })
        .map(|d| d.id.clone())
}

/// The (response, resolution) hours of an internal request: the category's internal targets where the city
/// set them, else the hours the routing decision gave.
pub fn internal_hours(category: Option<&Category>, decided: (u32, u32)) -> (u32, u32) {
    match category {
        Some(c) => (
            c.internal_response_hours.unwrap_or(decided.0),
            c.internal_resolution_hours.unwrap_or(decided.1),
        ),
        None => decided,
    }
}

/// Whether an internal request of this category may appear in the public (Open311) API.
pub fn published(category: Option<&Category>) -> bool {
    category.is_some_and(|c| c.public_internal)
}

/// A step in an internal request's life, as far as its requester cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<'a> {
    Acknowledged,
    Reassigned {
        to: &'a DepartmentId,
    },
    /// A staff member's update meant for the requester.
    PublicUpdate {
        text: &'a str,
    },
    Closed {
        reason: CloseReason,
        note: &'a str,
    },
    Reopened {
        by_requester: bool,
    },
    /// An internal comment among the working department's staff.
    StaffComment,
    /// The requester's own comment.
    RequesterComment,
}

/// Who hears of a step: the requester (in the thread they filed from, and by email when configured) and/or the
/// working department's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Audience {
    pub requester: bool,
    pub department_thread: bool,
}

/// The one decision of who is told what about an internal request.
pub fn audience(step: &Step<'_>) -> Audience {
    match step {
        Step::Acknowledged
        | Step::Reassigned { .. }
        | Step::PublicUpdate { .. }
        | Step::Closed { .. } => Audience {
            requester: true,
            department_thread: false,
        },
        Step::Reopened { by_requester } => Audience {
            requester: !by_requester,
            department_thread: *by_requester,
        },
        Step::StaffComment => Audience::default(),
        Step::RequesterComment => Audience {
            requester: false,
            department_thread: true,
        },
    }
}

/// Whether the requester's message in their thread asks to reopen a closed request: "not done", "still not
/// fixed", "no está arreglado" (a done word with a negation), or a message that starts with "reopen" / "reabrir".
pub fn requester_wants_reopen(text: &str, words: &StaffReplyWords) -> bool {
    let lower = text.trim().to_lowercase();
    let found: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let is = |list: &[String], w: &&str| list.iter().any(|l| l == w);
    let negated_done =
        found.iter().any(|w| is(&words.not_done, w)) && found.iter().any(|w| is(&words.done, w));
    negated_done
        || found
            .first()
            .is_some_and(|w| matches!(*w, "reopen" | "reabrir"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> CityConfig {
        CityConfig::from_toml_str(include_str!("../../config/city.toml")).expect("the shipped city")
    }

    fn role(city: &CityConfig, id: &str) -> String {
        city.department(&DepartmentId::new(id))
            .and_then(|d| d.chat_role.clone())
            .expect("a role")
    }

    #[test]
    fn the_filing_department_comes_from_roles_or_the_members_choice() {
        let city = city();
        let parks = DepartmentId::new("parks");
        let streets = DepartmentId::new("streets");
        let one = [role(&city, "parks")];
        let two = [role(&city, "streets"), role(&city, "parks")];
        assert_eq!(
            filing_for(&city, &one, None, false),
            FilingFor::One(parks.clone())
        );
        assert_eq!(
            filing_for(&city, &two, None, false),
            FilingFor::Ambiguous(vec![streets.clone(), parks.clone()])
        );
        assert_eq!(
            filing_for(&city, &two, Some(&parks), false),
            FilingFor::One(parks.clone())
        );
        assert_eq!(
            filing_for(&city, &one, Some(&streets), false),
            FilingFor::NotMember(streets.clone())
        );
        assert_eq!(
            filing_for(&city, &one, Some(&streets), true),
            FilingFor::One(streets)
        );
        assert_eq!(filing_for(&city, &[], None, false), FilingFor::None);
        let desks = [role(&city, "triage"), role(&city, "dispatch")];
        assert_eq!(filing_for(&city, &desks, None, false), FilingFor::None);
    }

    #[test]
    fn a_staff_address_files_for_the_department_that_lists_it() {
        let city = city();
        let parks = city.department(&DepartmentId::new("parks")).unwrap();
        for listed in &parks.staff_emails {
            let shouted = listed.to_uppercase();
            assert_eq!(
                department_of_address(&city, &shouted),
                Some(parks.id.clone())
            );
        }
        assert_eq!(department_of_address(&city, &parks.email), None);
        let mut by_email = city.clone();
        by_email.departments[3].notify = Some(vec![crate::Notify::Email]);
        assert_eq!(by_email.departments[3].id, parks.id);
        assert_eq!(
            department_of_address(&by_email, &parks.email.to_uppercase()),
            Some(parks.id.clone()),
            "an email department's mailbox files for it"
        );
        assert!(
            !parks.staff_emails.is_empty(),
            "the shipped city lists a parks staff address"
        );
        assert_eq!(department_of_address(&city, "someone@example.test"), None);
    }

    #[test]
    fn internal_targets_override_the_decision_only_where_set() {
        let city = city();
        let with = city
            .categories
            .iter()
            .find(|c| c.internal_resolution_hours.is_some())
            .expect("the shipped city sets an internal target");
        let (resp, resol) = internal_hours(Some(with), (1, 2));
        assert_eq!(resol, with.internal_resolution_hours.unwrap());
        assert_eq!(resp, with.internal_response_hours.unwrap_or(1));
        let without = city
            .categories
            .iter()
            .find(|c| c.internal_response_hours.is_none() && c.internal_resolution_hours.is_none())
            .expect("a category without internal targets");
        assert_eq!(internal_hours(Some(without), (3, 4)), (3, 4));
        assert_eq!(internal_hours(None, (5, 6)), (5, 6));
    }

    #[test]
    fn the_requester_hears_of_their_requests_steps_and_staff_hear_of_theirs() {
        let to = DepartmentId::new("parks");
        let told = |s: Step| audience(&s);
        for step in [
            Step::Acknowledged,
            Step::Reassigned { to: &to },
            Step::PublicUpdate { text: "soon" },
            Step::Closed {
                reason: CloseReason::Resolved,
                note: "done",
            },
            Step::Reopened {
                by_requester: false,
            },
        ] {
            assert!(told(step.clone()).requester, "{step:?}");
            assert!(!told(step.clone()).department_thread, "{step:?}");
        }
        assert_eq!(told(Step::StaffComment), Audience::default());
        assert!(told(Step::RequesterComment).department_thread);
        assert!(!told(Step::RequesterComment).requester);
        assert!(told(Step::Reopened { by_requester: true }).department_thread);
    }

    #[test]
    fn not_done_reopens_and_anything_else_is_a_comment() {
        let words = StaffReplyWords {
            done: vec!["done".into(), "fixed".into(), "arreglado".into()],
            not_done: vec!["not".into(), "no".into(), "still".into()],
        };
        for reopen in [
            "not done",
            "Still not fixed!",
            "no está arreglado",
            "Reopen please",
            "reabrir",
        ] {
            assert!(requester_wants_reopen(reopen, &words), "{reopen}");
        }
        for comment in [
            "thanks, looks good",
            "done, thanks",
            "no rush",
            "when will the crew come?",
        ] {
            assert!(!requester_wants_reopen(comment, &words), "{comment}");
        }
    }
}
