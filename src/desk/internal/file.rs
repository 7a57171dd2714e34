//! An internal request filed outside chat, for a named department (`connect311 request new --on-behalf-of`):
//! classified like any request, its asking department and person recorded, its work order posted.

use routing::{DepartmentId, EventKind, RequestRef};
use serde_json::json;

use crate::desk::staff::{ActionError, Actor};
use crate::desk::{Desk, Filing};
use crate::store::{Change, InternalOrigin, NewEvent};

/// What an operator files, for whom, and where the person who asked hears back.
#[derive(Debug, Clone)]
pub struct InternalFiling {
    pub department: DepartmentId,
    pub text: String,
    /// The person who asked (default: the operator).
    pub person_name: Option<String>,
    /// Where the person hears of each step: a chat channel or thread, and/or an email address.
    pub notify_chat: Option<String>,
    pub notify_email: Option<String>,
}

impl Desk {
    /// Files `filing` as asked for by its department; `actor` must be staff who may file for it.
    pub async fn file_internal(
        &self,
        actor: &Actor,
        filing: &InternalFiling,
    ) -> Result<RequestRef, ActionError> {
        if self.city.department(&filing.department).is_none() {
            return Err(ActionError::Refused(format!(
                "unknown department `{}`",
                filing.department
            )));
        }
        if !self.may_work(actor, &filing.department) {
            return Err(ActionError::Forbidden(
                self.department_name(&filing.department, routing::Language::En),
            ));
        }
        let now = self.now();
        let text = filing.text.trim();
        let decision = self.router.classify(text);
        let name = filing
            .person_name
            .clone()
            .unwrap_or_else(|| actor.name.clone());
        let mut new = self.new_request(
            &decision,
            now,
            Filing {
                source: actor.source,
                requester: actor.id.clone(),
                requester_name: Some(name.clone()),
                subject: text
                    .lines()
                    .next()
                    .unwrap_or(text)
                    .chars()
                    .take(80)
                    .collect(),
                description: text.to_string(),
            },
        );
        self.make_internal(&mut new, &decision, now);
        let origin = InternalOrigin {
            department: filing.department.clone(),
            person: actor.id.clone(),
            person_name: Some(name),
            notify_chat: filing.notify_chat.clone(),
            notify_email: filing.notify_email.clone(),
        };
        let mut change = Change {
            internal: Some(origin),
            ..Change::default()
        };
        change.events.push(NewEvent::new(
            EventKind::Created,
            &actor.id,
            actor.source,
            json!({ "decision": decision, "actor_name": actor.name, "asked_by": filing.department }),
        ));
        change
            .outbox
            .extend(self.work_order_job(&new.department, decision.emergency.is_some()));
        let reference = self.store.create_request(&new, now, |_| change).await?;
        self.log_intake(reference, actor.source, &decision, &new.department, None);
        Ok(reference)
    }
}
