//! A report taken by phone or at the counter (`connect311 request new`): routed like a mail — emergency
//! first, then the operator's department if given, then the rules — checked against open work for a
//! duplicate, and written in one transaction with its work order and, when the resident gave an email
//! address, the acknowledgement they would have had by writing in.

use routing::{Decision, DepartmentId, EventKind, RequestRef, Source};
use serde_json::json;

use super::intake::{find_duplicate, request_view};
use super::{ActionError, Actor, Desk, Filing};
use crate::store::{Change, Creation, NewEvent};

/// What the operator took down.
#[derive(Debug, Clone, Default)]
pub struct CounterReport {
    pub text: String,
    /// The resident's email: they get the acknowledgement and every later update by mail.
    pub email: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The operator's choice of department (an emergency still goes to dispatch).
    pub department: Option<DepartmentId>,
    pub address: Option<String>,
}

/// What became of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterFiled {
    pub reference: RequestRef,
    pub department: DepartmentId,
    pub emergency: bool,
    pub duplicate_of: Option<RequestRef>,
    /// The operator's department was not used because the report is an emergency.
    pub override_ignored: bool,
    /// An acknowledgement email was queued to the resident.
    pub acknowledged: bool,
}

impl Desk {
    /// Files a report taken by `actor` (staff at the phone or the counter).
    pub async fn file_counter(
        &self,
        actor: &Actor,
        r: &CounterReport,
    ) -> Result<CounterFiled, ActionError> {
        let text = r.text.trim();
        if text.is_empty() {
            return Err(ActionError::Refused(
                "the report needs a description".into(),
            ));
        }
        let email = r.email.as_deref().map(checked_email).transpose()?;
        let decision = self.decide_counter(actor, r, text)?;
        let now = self.now();
        let mut new = self.new_request(&decision, now, counter_filing(actor, r, text, &email));
        if new.location_text.is_none() {
            new.location_text = r.address.clone();
        }
        let duplicate = match decision.emergency {
            Some(_) => None,
            None => find_duplicate(self, &new, now).await?,
        };
        new.linked_to = duplicate.as_ref().map(|(d, _)| *d);
        let rate_limited = match &email {
            Some(e) => {
                let limit = i64::from(self.settings.mail.replies_per_sender_per_hour);
                self.store.count_mail_to(e, now - 3_600_000).await? >= limit
            }
            None => false,
        };
        let reference = self
            .store
            .create_request_with(&new, now, |reference| {
                let view = request_view(reference, &new, now);
                let mut change = Change::default();
                change.events.push(created_event(actor, r, &decision));
                let related = self.filed_request_effects(
                    &view,
                    &decision,
                    &duplicate,
                    rate_limited,
                    Source::Cli,
                    &mut change,
                );
                Creation {
                    change,
                    related: related.into_iter().collect(),
                }
            })
            .await?;
        let duplicate_of = duplicate.map(|(d, _)| d);
        self.log_intake(
            reference,
            Source::Cli,
            &decision,
            &new.department,
            duplicate_of,
        );
        Ok(CounterFiled {
            reference,
            department: new.department,
            emergency: decision.emergency.is_some(),
            duplicate_of,
            override_ignored: r.department.is_some() && decision.emergency.is_some(),
            acknowledged: email.is_some() && !rate_limited,
        })
    }

    /// The rules' decision on the text and address, with the operator's department in place of the guessed
    /// one unless the text is an emergency. An unknown department is refused with the valid ones.
    fn decide_counter(
        &self,
        actor: &Actor,
        r: &CounterReport,
        text: &str,
    ) -> Result<Decision, ActionError> {
        let chosen = match &r.department {
            Some(id) => Some(self.city.department(id).ok_or_else(|| {
                let valid: Vec<&str> = self
                    .city
                    .departments
                    .iter()
                    .map(|d| d.id.as_str())
                    .collect();
                ActionError::Refused(format!(
                    "unknown department `{id}` (valid: {})",
                    valid.join(", ")
                ))
            })?),
            None => None,
        };
        let full = match &r.address {
            Some(a) => format!("{text}\n{a}"),
            None => text.to_string(),
        };
        let mut d = self.router.classify(&full);
        if let (Some(dept), None) = (chosen, &d.emergency) {
            let category_fits = d
                .category
                .as_ref()
                .and_then(|c| self.city.category(c))
                .is_some_and(|c| c.department == dept.id);
            if !category_fits {
                d.category = None;
                d.response_hours = dept.response_hours;
                d.resolution_hours = dept.resolution_hours;
            }
            d.department = dept.id.clone();
            d.reasons
                .push(format!("department {} chosen by {}", dept.id, actor.id));
        }
        Ok(d)
    }
}

/// Who reported and through which channel: by email when they gave an address (so that their replies
/// thread and they hear back), otherwise by their phone number or name at the counter.
fn counter_filing(actor: &Actor, r: &CounterReport, text: &str, email: &Option<String>) -> Filing {
    let requester = match (email, &r.phone, &r.name) {
        (Some(e), _, _) => e.clone(),
        (None, Some(p), _) => format!("phone:{}", p.trim()),
        (None, None, Some(n)) => format!("counter:{}", n.trim()),
        (None, None, None) => format!("counter:{}", actor.id),
    };
    Filing {
        source: if email.is_some() {
            Source::Email
        } else {
            Source::Cli
        },
        requester,
        requester_name: r.name.clone(),
        subject: text
            .lines()
            .next()
            .unwrap_or(text)
            .chars()
            .take(80)
            .collect(),
        description: text.to_string(),
    }
}

/// The `created` event: the decision, who took the report, and how to reach the resident.
fn created_event(actor: &Actor, r: &CounterReport, d: &Decision) -> NewEvent {
    NewEvent::new(
        EventKind::Created,
        &actor.id,
        Source::Cli,
        json!({ "decision": d, "taken_by": actor.name, "channel": if r.phone.is_some() { "phone" } else { "counter" },
                "name": r.name, "phone": r.phone, "email": r.email, "address": r.address,
                "department_chosen": r.department }),
    )
}

/// A lowercased address with one `@` and a dotted domain, or a refusal naming it.
fn checked_email(e: &str) -> Result<String, ActionError> {
    let e = e.trim().to_ascii_lowercase();
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !e.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(e)
    } else {
        Err(ActionError::Refused(format!(
            "`{e}` is not an email address"
        )))
    }
}
