//! A manual duplicate (`connect311 request merge DUP --into REF`): the duplicate is closed as such and linked
//! to the original, whose card counts one more reporter; both timelines record it, the duplicate's resident
//! is told, and reports already linked to the duplicate follow it — all in one transaction.

use routing::lifecycle::{self, Action, CloseReason, Status};
use routing::{EventKind, Language, RequestRef};
use serde_json::json;

use super::{ActionError, Actor, Desk};
use crate::store::{Change, NewEvent, Request, StatusChange};

impl Desk {
    /// Merges `dup` into `into`; returns the duplicate as it is afterwards. `actor` must be allowed to close
    /// the duplicate's department's work.
    pub async fn merge_duplicate(
        &self,
        dup: RequestRef,
        into: RequestRef,
        actor: &Actor,
    ) -> Result<Request, ActionError> {
        if dup == into {
            return Err(ActionError::Refused(format!(
                "{dup} cannot be merged into itself"
            )));
        }
        let d = self.load_request(dup).await?;
        let original = self.load_request(into).await?;
        if !self.may_work(actor, &d.department) {
            return Err(ActionError::Forbidden(
                self.department_name(&d.department, Language::En),
            ));
        }
        check_original(&original)?;
        let note = format!("Merged into {into}: the same problem, already reported");
        let close = Action::Close {
            reason: CloseReason::Duplicate,
            note: note.clone(),
        };
        let t = lifecycle::decide(d.status, &d.department, &close)
            .map_err(|r| ActionError::Refused(format!("{dup}: {r}")))?;
        let mut changes = vec![(
            dup,
            self.merged_change(&d, &original, actor, t.event, &note)
                .await?,
        )];
        let mut linked = vec![json!(dup.to_string())];
        for follower in self.store.duplicates_of(dup).await? {
            linked.push(json!(follower.reference.to_string()));
            changes.push((
                follower.reference,
                follow_change(&follower, dup, into, actor),
            ));
        }
        changes.push((into, self.original_change(&original, &linked, actor)));
        self.store.apply_changes(&changes, self.now()).await?;
        tracing::info!(
            duplicate = %dup,
            original = %into,
            actor = %actor.id,
            "merged {dup} into {into}"
        );
        self.load_request(dup).await
    }

    async fn load_request(&self, r: RequestRef) -> Result<Request, ActionError> {
        self.store.request(r).await?.ok_or(ActionError::NotFound(r))
    }

    /// The duplicate's side: closed as a duplicate, linked, its card updated and its resident told.
    async fn merged_change(
        &self,
        d: &Request,
        original: &Request,
        actor: &Actor,
        event: EventKind,
        note: &str,
    ) -> Result<Change, ActionError> {
        let mut change = Change {
            expect_status: Some(d.status),
            status: Some(StatusChange::Closed {
                reason: CloseReason::Duplicate,
            }),
            linked_to: Some(original.reference),
            ..Change::default()
        };
        change.events.push(NewEvent::new(
            event,
            &actor.id,
            actor.source,
            json!({ "reason": "duplicate", "duplicate_of": original.reference.to_string(), "note": note,
                    "merged": true, "actor_name": actor.name }),
        ));
        change.outbox.push(self.work_order_update_job());
        let thread = self.reply_thread(d).await?;
        if let Some(sent) = self.completion_email(d, CloseReason::Duplicate, note, &thread) {
            change.send_email(sent);
        }
        Ok(change)
    }

    /// The original's side: one `duplicate_linked` event per report now linked to it, and its card updated.
    fn original_change(
        &self,
        original: &Request,
        linked: &[serde_json::Value],
        actor: &Actor,
    ) -> Change {
        let events = linked
            .iter()
            .map(|r| {
                NewEvent::new(
                    EventKind::DuplicateLinked,
                    &actor.id,
                    actor.source,
                    json!({ "reference": r, "why": format!("merged by {}", actor.name), "merged": true }),
                )
            })
            .collect();
        Change {
            expect_status: Some(original.status),
            events,
            outbox: vec![self.work_order_update_job()],
            ..Change::default()
        }
    }
}

/// Only open work can take duplicates: not a closed request, nor one that is itself a duplicate.
fn check_original(original: &Request) -> Result<(), ActionError> {
    let r = original.reference;
    match (original.status, original.close_reason, original.linked_to) {
        (Status::Closed, Some(CloseReason::Duplicate), Some(first)) => Err(ActionError::Refused(
            format!("{r} is itself a duplicate of {first}: merge into {first}"),
        )),
        (Status::Closed, _, _) => Err(ActionError::Refused(format!(
            "{r} is closed: reopen it first, or close the duplicate with a note instead"
        ))),
        _ => Ok(()),
    }
}

/// A report already linked to the merged duplicate now points at the original too.
fn follow_change(follower: &Request, dup: RequestRef, into: RequestRef, actor: &Actor) -> Change {
    Change {
        expect_status: Some(follower.status),
        linked_to: Some(into),
        events: vec![NewEvent::new(
            EventKind::Comment,
            &actor.id,
            actor.source,
            json!({ "text": format!("{dup} was merged into {into}: this report now counts under {into}"),
                    "staff": true, "actor_name": actor.name }),
        )],
        ..Change::default()
    }
}
