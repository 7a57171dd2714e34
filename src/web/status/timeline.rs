//! A request's history as its resident may read it: built from the events, leaving out everything internal
//! (staff comments, reminders, escalations, delivery records) and, unless the city allows it, staff names.

use routing::lifecycle::CloseReason;
use routing::{DepartmentId, EventKind};

use crate::store::{Event, Request};

/// One entry of the resident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: i64,
    pub what: What,
}

/// What happened, in the resident's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Received,
    SentTo {
        department: DepartmentId,
    },
    Acknowledged {
        department: DepartmentId,
        by: Option<String>,
    },
    MovedTo {
        department: DepartmentId,
        by: Option<String>,
    },
    /// A staff message meant for the resident.
    CityMessage {
        text: String,
        by: Option<String>,
    },
    /// The resident's own words (an email reply or a comment on the page).
    YouWrote {
        text: String,
    },
    Closed {
        reason: Option<CloseReason>,
        note: String,
        by: Option<String>,
    },
    Reopened {
        your_words: Option<String>,
    },
    FollowupAsked,
    FollowupConfirmed,
}

/// The timeline of `req` from its events, oldest first. `staff_names`: whether the city lets its residents
/// see who acted.
pub fn timeline(req: &Request, events: &[Event], staff_names: bool) -> Vec<Entry> {
    let mut department = first_department(req, events);
    let mut out = Vec::new();
    for e in events {
        let text = |key: &str| {
            e.payload[key]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        let by = || {
            staff_names
                .then(|| text("actor_name"))
                .filter(|n| !n.is_empty())
        };
        let from_resident = e.actor == req.requester;
        let what = match e.kind {
            EventKind::Created => {
                out.push(Entry {
                    at: e.at,
                    what: What::Received,
                });
                What::SentTo {
                    department: department.clone(),
                }
            }
            EventKind::Acknowledged => What::Acknowledged {
                department: department.clone(),
                by: by(),
            },
            EventKind::Reassigned => {
                if let Some(to) = e.payload["to"].as_str() {
                    department = DepartmentId::new(to);
                }
                What::MovedTo {
                    department: department.clone(),
                    by: by(),
                }
            }
            EventKind::PublicMessage => What::CityMessage {
                text: text("text"),
                by: by(),
            },
            // Only the resident's own words: staff comments (chat, email, even unverified) are internal.
            EventKind::Comment if from_resident && e.payload["staff"] != true => {
                What::YouWrote { text: text("text") }
            }
            EventKind::Closed => What::Closed {
                reason: serde_json::from_value(e.payload["reason"].clone()).ok(),
                note: text("note"),
                by: by(),
            },
            EventKind::Reopened => What::Reopened {
                your_words: from_resident
                    .then(|| text("text"))
                    .filter(|t| !t.is_empty()),
            },
            EventKind::FollowupSent => What::FollowupAsked,
            EventKind::FollowupConfirmed => What::FollowupConfirmed,
            _ => continue,
        };
        out.push(Entry { at: e.at, what });
    }
    out
}

/// The department the request was first routed to: the one its first reassignment moved it from, or its
/// current one.
fn first_department(req: &Request, events: &[Event]) -> DepartmentId {
    events
        .iter()
        .find(|e| e.kind == EventKind::Reassigned)
        .and_then(|e| e.payload["from"].as_str())
        .map(DepartmentId::new)
        .unwrap_or_else(|| req.department.clone())
}

/// The resident's own files: those named by their report and their own replies (staff mail's files are
/// internal).
pub fn resident_files(req: &Request, events: &[Event]) -> Vec<String> {
    let mut names = Vec::new();
    for e in events {
        let own = match e.kind {
            EventKind::Created => true,
            EventKind::Comment => e.actor == req.requester && e.payload["staff"] != true,
            _ => false,
        };
        if !own {
            continue;
        }
        for a in e.payload["attachments"].as_array().into_iter().flatten() {
            let name = a["filename"].as_str().or_else(|| a.as_str());
            names.extend(name.map(str::to_string));
        }
    }
    names
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
