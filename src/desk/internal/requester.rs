//! The requester's own messages in the thread they filed an internal request from: "not done" reopens it within
//! the reopen window, anything else is a comment passed on to the working department.

use routing::internal::requester_wants_reopen;
use routing::{RequestRef, Status};

use crate::desk::staff::{ActionError, Actor, StaffAction};
use crate::desk::Desk;
use crate::store::{InternalOrigin, Request};

/// What became of a message in a requester's thread.
#[derive(Debug, PartialEq)]
pub(crate) enum RequesterOutcome {
    /// Not a requester's thread, or not the requester writing: nothing to do.
    NotOurs,
    Reopened(RequestRef),
    /// Too late to reopen: the answer says what to do instead.
    TooLate(RequestRef),
    Commented,
}

impl Desk {
    /// Handles `text` written by `author` in chat thread `thread`, when it is the thread an internal request was
    /// filed from and `author` filed it.
    pub(crate) async fn requester_message(
        &self,
        thread: &str,
        author: &Actor,
        text: &str,
    ) -> Result<RequesterOutcome, ActionError> {
        let Some(reference) = self.store.request_for_requester_chat(thread).await? else {
            return Ok(RequesterOutcome::NotOurs);
        };
        let origin = self.store.internal_origin(reference).await?;
        if origin.is_none_or(|o| o.person != author.id) {
            return Ok(RequesterOutcome::NotOurs);
        }
        let req = self
            .store
            .request(reference)
            .await?
            .ok_or(ActionError::NotFound(reference))?;
        let text = text.trim().to_string();
        if req.status == Status::Closed
            && requester_wants_reopen(&text, self.templates.staff_reply_words())
        {
            if !self.requester_may_reopen(&req) {
                return Ok(RequesterOutcome::TooLate(reference));
            }
            self.act(reference, author, StaffAction::Reopen { why: text })
                .await?;
            return Ok(RequesterOutcome::Reopened(reference));
        }
        self.act(reference, author, StaffAction::Comment { text })
            .await?;
        Ok(RequesterOutcome::Commented)
    }

    /// Whether the reopen window is still open on a closed request.
    pub(crate) fn requester_may_reopen(&self, req: &Request) -> bool {
        req.closed_at
            .is_some_and(|c| self.city.accountability.reopen_allowed(c, self.now()))
    }

    /// Whether `actor` may do `action` to `req` as the person who asked for it: reopen within the window.
    pub(crate) fn requester_may(
        &self,
        req: &Request,
        origin: Option<&InternalOrigin>,
        actor: &Actor,
        action: &StaffAction,
    ) -> bool {
        let is_requester = origin.is_some_and(|o| o.person == actor.id);
        is_requester
            && matches!(action, StaffAction::Reopen { .. })
            && self.requester_may_reopen(req)
    }
}
