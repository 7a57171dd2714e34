//! A participant's reply to a request, planned: an answer to "Was it fixed?", a reopen, a status question, a
//! comment, or (closed too long ago) a new request linked to the old one. Pure: facts and word lists in, a plan
//! out; the desk turns the plan into one change.

use crate::events::EventKind;
use crate::lifecycle::Status;

/// The word lists a reply is read with (the templates file's `[words]`; routing does not know its format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyWords {
    /// First words that answer "Was it fixed?" with yes.
    pub yes: Vec<String>,
    /// First words that answer it with no.
    pub no: Vec<String>,
    /// Words that make a short message a status question.
    pub status: Vec<String>,
    /// Words that make a short message a status question only when it ends with `?`.
    pub progress: Vec<String>,
}

/// Who wrote the reply, as far as planning is concerned (staff commands are handled before planning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The resident who filed the request: may reopen it and answer the follow-up.
    Requester,
    /// Anyone else on the thread (staff included): their mail is a comment.
    Other,
}

/// What planning a reply needs to know about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyFacts {
    pub status: Status,
    /// When the request was closed (its last update when that was not recorded).
    pub closed_ms: i64,
    /// How long after closing the resident may reopen it.
    pub reopen_window_ms: i64,
    /// Whether a "Was it fixed?" was sent since the close and not answered yet.
    pub followup_pending: bool,
    pub sender: Sender,
    pub now_ms: i64,
}

/// What a reply amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyPlan {
    /// The requester answered the pending "Was it fixed?"; `fixed: false` reopens the request.
    FollowUpAnswer { fixed: bool },
    /// The requester wrote on their closed request within the reopen window.
    Reopen,
    /// The requester wrote on a request closed longer ago than the window: a new request linked to it.
    TooLateNewRequest,
    /// A short message asking only for the status.
    StatusQuestion,
    /// Anything else: added to the request's history and passed to the department.
    Comment,
}

/// Plans a reply with visible text `text` (quoted history already stripped).
pub fn plan_reply(facts: &ReplyFacts, text: &str, words: &ReplyWords) -> ReplyPlan {
    let closed_by_requester = facts.status == Status::Closed && facts.sender == Sender::Requester;
    if closed_by_requester && facts.followup_pending {
        if let Some(fixed) = yes_or_no(text, words) {
            return ReplyPlan::FollowUpAnswer { fixed };
        }
    }
    if closed_by_requester {
        return if facts.now_ms - facts.closed_ms > facts.reopen_window_ms {
            ReplyPlan::TooLateNewRequest
        } else {
            ReplyPlan::Reopen
        };
    }
    if is_status_question(text, words) {
        ReplyPlan::StatusQuestion
    } else {
        ReplyPlan::Comment
    }
}

/// Whether a "Was it fixed?" was sent at or after `closed_ms` and not yet answered, from a request's
/// `(EventKind, at)` facts.
pub fn followup_pending(
    closed_ms: i64,
    events: impl IntoIterator<Item = (EventKind, i64)> + Clone,
) -> bool {
    let since_close = |kinds: &[EventKind]| {
        events
            .clone()
            .into_iter()
            .any(|(kind, at)| kinds.contains(&kind) && at >= closed_ms)
    };
    since_close(&[EventKind::FollowupSent])
        && !since_close(&[EventKind::FollowupConfirmed, EventKind::FollowupNotFixed])
}

/// A resident's answer to "Was it fixed?" by its first word: `Some(true)` for yes, `Some(false)` for no, `None`
/// when it is neither.
pub fn yes_or_no(text: &str, words: &ReplyWords) -> Option<bool> {
    let t = text.trim().to_lowercase();
    let first = t
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())?;
    let listed = |list: &[String]| list.iter().any(|w| w == first);
    if listed(&words.yes) {
        Some(true)
    } else if listed(&words.no) {
        Some(false)
    } else {
        None
    }
}

/// "status", "estado", "what is the status?", "¿cuál es el estado?": a short message asking only for status.
pub fn is_status_question(text: &str, words: &ReplyWords) -> bool {
    let t = text.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 80 {
        return false;
    }
    let question = t.ends_with('?');
    let listed = |list: &[String], w: &str| list.iter().any(|l| l == w);
    t.split(|c: char| !c.is_alphanumeric())
        .any(|w| listed(&words.status, w) || (question && listed(&words.progress, w)))
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
