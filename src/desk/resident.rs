//! A resident acting on their own request from its status page: a comment, or "it is not fixed" (a reopen
//! within the window, decided by the lifecycle machine). The signed link they followed is their authority
//! over that one request. Each action is one event with its effects in the outbox, in one transaction; the
//! same form submitted twice is applied once (its nonce is kept like an email's Message-ID).

use mail::outbound::AutoSubmitted;
use routing::lifecycle::{self, Action};
use routing::{EventKind, RequestRef, Source, Status};
use serde_json::json;

use super::sla;
use super::Desk;
use crate::effect::DepartmentMailKind;
use crate::store::{
    Change, Disposition, Event, InboundRecord, NewEvent, Request, StatusChange, StoreError,
};

/// What the resident asked for on their page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentAction {
    /// Words for the department, added to the request's history.
    Comment { text: String },
    /// The work was not done: reopen (optionally with their words).
    NotFixed { text: String },
}

impl ResidentAction {
    fn text(&self) -> &str {
        match self {
            ResidentAction::Comment { text } | ResidentAction::NotFixed { text } => text,
        }
    }
}

/// What became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidentOutcome {
    Commented,
    Reopened,
    /// This form was already applied (a double click, a resubmitted page): nothing more was done.
    AlreadyApplied,
}

/// Why the action did not happen; every arm but `Unexpected` is told to the resident.
#[derive(Debug, thiserror::Error)]
pub enum ResidentError {
    #[error("no request {0}")]
    NotFound(RequestRef),
    /// "Not fixed" on a request that is not closed.
    #[error("the request is not closed")]
    NotClosed,
    /// "Not fixed" after the reopen window.
    #[error("closed more than {days} days ago")]
    WindowOver { days: u32 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for ResidentError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(r) => ResidentError::NotFound(r),
            e => ResidentError::Unexpected(e.into()),
        }
    }
}

/// How many times a concurrent change makes us decide again.
const CONFLICT_RETRIES: u32 = 3;

impl Desk {
    /// Applies a resident's action from the status page form `form_id` (the form's nonce) to `reference`.
    pub async fn resident_act(
        &self,
        reference: RequestRef,
        form_id: &str,
        action: &ResidentAction,
    ) -> Result<ResidentOutcome, ResidentError> {
        let external_id = format!("status-page:{reference}:{form_id}");
        let mut attempt = 0;
        loop {
            if self
                .store
                .inbound_seen(Source::Web, &external_id)
                .await?
                .is_some()
            {
                return Ok(ResidentOutcome::AlreadyApplied);
            }
            match self
                .resident_act_once(reference, &external_id, action)
                .await
            {
                Err(StoreErrorOr::Store(StoreError::Duplicate(_))) => {
                    return Ok(ResidentOutcome::AlreadyApplied)
                }
                Err(StoreErrorOr::Store(StoreError::Conflict(_))) if attempt < CONFLICT_RETRIES => {
                    attempt += 1
                }
                Err(StoreErrorOr::Store(e)) => return Err(e.into()),
                Err(StoreErrorOr::Resident(e)) => return Err(e),
                Ok(outcome) => return Ok(outcome),
            }
        }
    }

    /// Load → decide → one change, once.
    async fn resident_act_once(
        &self,
        reference: RequestRef,
        external_id: &str,
        action: &ResidentAction,
    ) -> Result<ResidentOutcome, StoreErrorOr> {
        let req = self
            .store
            .request(reference)
            .await?
            .ok_or(ResidentError::NotFound(reference))?;
        let events = self.store.events(reference).await?;
        let now = self.now();
        let mut change = Change {
            inbound: Some(InboundRecord {
                source: Source::Web,
                external_id: external_id.to_string(),
                sender: Some(req.requester.clone()),
                subject: None,
                disposition: Disposition::Appended,
                reason: None,
                raw: action.text().as_bytes().to_vec(),
            }),
            expect_status: Some(req.status),
            ..Change::default()
        };
        let outcome = match action {
            ResidentAction::Comment { text } => {
                self.web_comment(&req, &events, text, now, &mut change);
                ResidentOutcome::Commented
            }
            ResidentAction::NotFixed { text } => {
                self.web_not_fixed(&req, &events, text, now, &mut change)
                    .await?;
                ResidentOutcome::Reopened
            }
        };
        self.store.apply_change(reference, &change, now).await?;
        Ok(outcome)
    }

    /// A comment, as from an email reply: kept, passed to the department's thread, ending an SLA pause.
    fn web_comment(
        &self,
        req: &Request,
        events: &[Event],
        text: &str,
        now: i64,
        change: &mut Change,
    ) {
        change.events.push(NewEvent::new(
            EventKind::Comment,
            &req.requester,
            Source::Web,
            json!({ "text": text, "staff": false, "via": "status_page" }),
        ));
        let note = format!("Requester wrote on the status page: {text}");
        change.outbox.push(self.chat_note_job(&note));
        change.outbox.extend(
            self.department_email_job(&req.department, DepartmentMailKind::Note { text: note }),
        );
        sla::resume(&self.city.calendar, req, events, change, now);
    }

    /// "It is not fixed": a closed request within the reopen window goes back to its department.
    async fn web_not_fixed(
        &self,
        req: &Request,
        events: &[Event],
        text: &str,
        now: i64,
        change: &mut Change,
    ) -> Result<(), StoreErrorOr> {
        if req.status != Status::Closed {
            return Err(ResidentError::NotClosed.into());
        }
        let days = self.city.accountability.reopen_window_days;
        let closed_ms = req.closed_at.unwrap_or(req.updated_at);
        if now - closed_ms > i64::from(days) * 86_400_000 {
            return Err(ResidentError::WindowOver { days }.into());
        }
        let t = lifecycle::decide(req.status, &req.department, &Action::Reopen)
            .map_err(|r| ResidentError::Unexpected(anyhow::anyhow!("{}: {r}", req.reference)))?;
        let event = |kind, payload| NewEvent::new(kind, &req.requester, Source::Web, payload);
        if routing::reply::followup_pending(closed_ms, sla::event_facts(events)) {
            change.events.push(event(
                EventKind::FollowupNotFixed,
                json!({ "text": text, "via": "status_page" }),
            ));
        }
        change.events.push(event(
            t.event,
            json!({ "text": text, "via": "status_page" }),
        ));
        change.status = Some(StatusChange::Reopened);
        let words = if text.is_empty() { "(none)" } else { text };
        let note = format!(
            "The resident says it is NOT fixed (status page); reopened. Their words: {words}"
        );
        change.outbox.push(self.chat_note_job(&note));
        change.outbox.extend(
            self.department_email_job(&req.department, DepartmentMailKind::Reopened { why: note }),
        );
        change.outbox.push(self.work_order_update_job());
        if req.requester.contains('@') {
            let mut vars = self.request_vars(req);
            vars.retain(|(k, _)| matches!(*k, "reference" | "city" | "department"));
            let thread = self.reply_thread(req).await?;
            change.send_email(self.email_job(
                req.reference,
                req.language,
                "reopened",
                &vars,
                &req.requester,
                &thread,
                AutoSubmitted::AutoReplied,
            ));
        }
        Ok(())
    }
}

/// A store error (retried or mapped by the caller) or a refusal for the resident.
enum StoreErrorOr {
    Store(StoreError),
    Resident(ResidentError),
}

impl From<StoreError> for StoreErrorOr {
    fn from(e: StoreError) -> Self {
        StoreErrorOr::Store(e)
    }
}

impl From<ResidentError> for StoreErrorOr {
    fn from(e: ResidentError) -> Self {
        StoreErrorOr::Resident(e)
    }
}
