//! The request lifecycle as one pure state machine: every transition asked for from chat, email or the CLI is
//! decided here, and an illegal one gets a clear answer for the person who asked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::events::EventKind;
use crate::types::DepartmentId;

/// Where a request is in its life. (`new` exists only inside the creating transaction: a stored request is
/// already routed, i.e. `open`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Acknowledged,
    Closed,
    Reopened,
}

impl Status {
    /// Every status a stored request can have.
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Acknowledged,
        Status::Closed,
        Status::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Acknowledged => "acknowledged",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }

    /// Whether the department still owes work.
    pub fn is_active(self) -> bool {
        self != Status::Closed
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" | "new" => Ok(Status::Open),
            "acknowledged" => Ok(Status::Acknowledged),
            "closed" => Ok(Status::Closed),
            "reopened" => Ok(Status::Reopened),
            other => Err(format!("unknown status `{other}`")),
        }
    }
}

/// Why a request was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The work was done.
    Resolved,
    /// Another request covers it.
    Duplicate,
    /// Not the city's to fix; referred elsewhere.
    NotCity,
    /// Closed without the work; the note must explain why.
    Unresolvable,
}

impl CloseReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Resolved => "resolved",
            CloseReason::Duplicate => "duplicate",
            CloseReason::NotCity => "not_city",
            CloseReason::Unresolvable => "unresolvable",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CloseReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "resolved" | "fixed" | "done" => Ok(CloseReason::Resolved),
            "duplicate" => Ok(CloseReason::Duplicate),
            "not_city" | "referred" => Ok(CloseReason::NotCity),
            "unresolvable" | "cannot_fix" | "wont_fix" => Ok(CloseReason::Unresolvable),
            other => Err(format!(
                "unknown close reason `{other}` (resolved, duplicate, not_city, unresolvable)"
            )),
        }
    }
}

/// Something staff (or the resident) asks to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Close { reason: CloseReason, note: String },
    Reassign { to: DepartmentId },
    Reopen,
    Comment,
}

/// The decided effect: the new status and the event kind to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: Status,
    pub event: EventKind,
}

/// Why an action is not allowed, worded for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this request is already closed; reopen it first")]
    AlreadyClosed,
    #[error("this request is already acknowledged")]
    AlreadyAcknowledged,
    #[error("this request is not closed, so it cannot be reopened")]
    NotClosed,
    #[error("closing needs a note: the resident will read it")]
    NoteRequired,
    #[error("closing as unresolvable needs an explanation of why the work cannot be done")]
    ExplanationRequired,
    #[error("this request is already with {0}")]
    SameDepartment(DepartmentId),
}

/// Minimum length of an explanation for closing without the work.
const MIN_EXPLANATION_CHARS: usize = 15;

/// Decides whether `action` may happen to a request in `status` held by `department`.
pub fn decide(
    status: Status,
    department: &DepartmentId,
    action: &Action,
) -> Result<Transition, Refusal> {
    match action {
        Action::Comment => Ok(Transition {
            to: status,
            event: EventKind::Comment,
        }),
        Action::Acknowledge => match status {
            Status::Open | Status::Reopened => Ok(Transition {
                to: Status::Acknowledged,
                event: EventKind::Acknowledged,
            }),
            Status::Acknowledged => Err(Refusal::AlreadyAcknowledged),
            Status::Closed => Err(Refusal::AlreadyClosed),
        },
        Action::Close { reason, note } => {
            if status == Status::Closed {
                return Err(Refusal::AlreadyClosed);
            }
            let note = note.trim();
            if note.is_empty() {
                return Err(Refusal::NoteRequired);
            }
            if *reason == CloseReason::Unresolvable && note.chars().count() < MIN_EXPLANATION_CHARS
            {
                return Err(Refusal::ExplanationRequired);
            }
            Ok(Transition {
                to: Status::Closed,
                event: EventKind::Closed,
            })
        }
        Action::Reassign { to } => {
            if status == Status::Closed {
                return Err(Refusal::AlreadyClosed);
            }
            if to == department {
                return Err(Refusal::SameDepartment(to.clone()));
            }
            // A moved request waits for its new department to acknowledge it.
            Ok(Transition {
                to: Status::Open,
                event: EventKind::Reassigned,
            })
        }
        Action::Reopen => match status {
            Status::Closed => Ok(Transition {
                to: Status::Reopened,
                event: EventKind::Reopened,
            }),
            _ => Err(Refusal::NotClosed),
        },
    }
}

/// What a staff member's free-text reply in a work-order thread means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffIntent {
    /// "fixed it", "done — filled the hole", "listo, ya quedó": close as resolved with the text as the note.
    Close,
    /// Anything else is an internal comment.
    Comment,
}

/// The words that make a staff reply a close or keep it a comment, in every language staff write in
/// (lower-case; the desk reads them from its templates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffReplyWords {
    /// "done", "fixed", "listo"…
    pub done: Vec<String>,
    /// "not", "yet", "todavía"…: any of them keeps the reply a comment.
    pub not_done: Vec<String>,
}

/// Reads a staff reply: a done word that leads the message, or a short message with a done word and no
/// negation or question, closes; everything else comments.
pub fn staff_intent(text: &str, words: &StaffReplyWords) -> StaffIntent {
    let lower = text.trim().to_lowercase();
    if lower.is_empty() || lower.contains('?') || lower.contains('¿') {
        return StaffIntent::Comment;
    }
    let found: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let is = |list: &[String], w: &str| list.iter().any(|l| l == w);
    if found.iter().any(|w| is(&words.not_done, w)) {
        return StaffIntent::Comment;
    }
    let leads = found.first().is_some_and(|w| is(&words.done, w));
    let short_with_word = found.len() <= 6 && found.iter().any(|w| is(&words.done, w));
    if leads || short_with_word {
        StaffIntent::Close
    } else {
        StaffIntent::Comment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(reason: CloseReason, note: &str) -> Action {
        Action::Close {
            reason,
            note: note.into(),
        }
    }

    #[test]
    fn transitions_table() {
        use Status::*;
        let ok = [
            (
                Open,
                Action::Acknowledge,
                Acknowledged,
                EventKind::Acknowledged,
            ),
            (
                Reopened,
                Action::Acknowledge,
                Acknowledged,
                EventKind::Acknowledged,
            ),
            (
                Open,
                close(CloseReason::Resolved, "filled"),
                Closed,
                EventKind::Closed,
            ),
            (
                Acknowledged,
                close(CloseReason::Duplicate, "see 311-000002"),
                Closed,
                EventKind::Closed,
            ),
            (
                Acknowledged,
                Action::Reassign { to: "parks".into() },
                Open,
                EventKind::Reassigned,
            ),
            (Closed, Action::Reopen, Reopened, EventKind::Reopened),
            (Closed, Action::Comment, Closed, EventKind::Comment),
        ];
        for (from, action, to, event) in ok {
            assert_eq!(
                decide(from, &DepartmentId::new("streets"), &action),
                Ok(Transition { to, event }),
                "{from:?} {action:?}"
            );
        }
    }

    #[test]
    fn illegal_transitions_get_a_clear_answer() {
        use Status::*;
        let bad = [
            (
                Closed,
                close(CloseReason::Resolved, "x"),
                Refusal::AlreadyClosed,
            ),
            (
                Acknowledged,
                Action::Acknowledge,
                Refusal::AlreadyAcknowledged,
            ),
            (Closed, Action::Acknowledge, Refusal::AlreadyClosed),
            (Open, Action::Reopen, Refusal::NotClosed),
            (
                Open,
                close(CloseReason::Resolved, "   "),
                Refusal::NoteRequired,
            ),
            (
                Open,
                close(CloseReason::Unresolvable, "no"),
                Refusal::ExplanationRequired,
            ),
            (
                Open,
                Action::Reassign {
                    to: "streets".into(),
                },
                Refusal::SameDepartment("streets".into()),
            ),
            (
                Closed,
                Action::Reassign { to: "parks".into() },
                Refusal::AlreadyClosed,
            ),
        ];
        for (from, action, refusal) in bad {
            let got = decide(from, &DepartmentId::new("streets"), &action).unwrap_err();
            assert_eq!(got, refusal);
            assert!(!got.to_string().is_empty());
        }
    }

    fn words() -> StaffReplyWords {
        let list = |w: &[&str]| w.iter().map(|w| w.to_string()).collect();
        StaffReplyWords {
            done: list(&["done", "fixed", "listo"]),
            not_done: list(&["not", "yet", "todavía", "isn't"]),
        }
    }

    #[test]
    fn staff_replies_close_or_comment_table() {
        use StaffIntent::*;
        let cases = [
            ("done", Close),
            ("Fixed it", Close),
            ("fixed.", Close),
            ("LISTO", Close),
            ("  done  ", Close),
            // A leading done word closes however long the message is.
            (
                "done: we filled the hole and swept the street and put the cones away",
                Close,
            ),
            // A short message closes with the word anywhere.
            ("crew says it is fixed", Close),
            // A longer one only with the word leading.
            (
                "the crew went out this morning and it is fixed now",
                Comment,
            ),
            ("is it fixed?", Comment),
            ("¿listo", Comment),
            ("not fixed yet", Comment),
            ("it isn't done", Comment),
            ("todavía no está listo", Comment),
            ("crew scheduled for Monday", Comment),
            ("finished", Comment),
            ("", Comment),
            ("   ", Comment),
        ];
        for (text, expected) in cases {
            assert_eq!(staff_intent(text, &words()), expected, "{text:?}");
        }
        assert_eq!(staff_intent("done", &StaffReplyWords::default()), Comment);
    }

    #[test]
    fn reasons_parse() {
        assert_eq!("not-city".parse::<CloseReason>(), Ok(CloseReason::NotCity));
        assert!("maybe".parse::<CloseReason>().is_err());
        assert_eq!("acknowledged".parse::<Status>(), Ok(Status::Acknowledged));
    }
}
