//! The lists departments keep each other honest with: `mine` (what I asked for), `asked` (what a department
//! asked for) and `owed` (open internal requests a department must answer), with due dates and overdue marks.
//! Chat and the CLI print the same lines.

use routing::{DepartmentId, Language, Status};

use crate::desk::Desk;
use crate::store::{Request, StoreError};

/// At most this many lines in one list.
const LIST_MAX: i64 = 50;

/// Which list.
#[derive(Debug, Clone, PartialEq)]
pub enum ListKind {
    /// Active requests filed by this person (an actor id such as `chat:123`).
    Mine(String),
    /// Active requests the department asked for.
    Asked(DepartmentId),
    /// Active internal requests assigned to the department.
    Owed(DepartmentId),
}

/// A list as printed: a heading and one line per request.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalList {
    pub title: String,
    pub lines: Vec<String>,
}

impl InternalList {
    /// The heading and lines, or the heading and a "nothing" line.
    pub fn to_text(&self) -> String {
        if self.lines.is_empty() {
            return format!("{}: nothing open.", self.title);
        }
        format!("{}:\n{}", self.title, self.lines.join("\n"))
    }
}

/// Whether an active request is past its resolution target, or unacknowledged past its response target.
fn overdue(req: &Request, now: i64) -> bool {
    req.status != Status::Closed
        && (req.resolution_due_at < now
            || (req.acknowledged_at.is_none() && req.response_due_at < now))
}

impl Desk {
    /// The requests of one list, each with who asked, who works it, status, due date and an overdue mark.
    pub async fn internal_list(&self, kind: &ListKind) -> Result<InternalList, StoreError> {
        let (title, rows) = match kind {
            ListKind::Mine(person) => (
                "Your open internal requests".to_string(),
                self.store.filed_by(person, LIST_MAX).await?,
            ),
            ListKind::Asked(d) => (
                format!("Asked by {}", self.department_name(d, Language::En)),
                self.store.asked_by(d, false, LIST_MAX).await?,
            ),
            ListKind::Owed(d) => (
                format!("Owed by {}", self.department_name(d, Language::En)),
                self.store.owed_by(d, LIST_MAX).await?,
            ),
        };
        let now = self.now();
        let mut lines = Vec::with_capacity(rows.len());
        for req in &rows {
            lines.push(self.list_line(req, now).await?);
        }
        Ok(InternalList { title, lines })
    }

    /// `311-000012 · Parks → Streets · acknowledged · Pothole · due 2026-06-02 17:00 EDT · ⚠️ OVERDUE`.
    async fn list_line(&self, req: &Request, now: i64) -> Result<String, StoreError> {
        let from = match self.store.internal_origin(req.reference).await? {
            Some(o) => self.department_name(&o.department, Language::En),
            None => "?".into(),
        };
        let mark = if overdue(req, now) {
            " · ⚠️ OVERDUE"
        } else {
            ""
        };
        Ok(format!(
            "{} · {from} → {} · {} · {} · due {}{mark}",
            req.reference,
            self.department_name(&req.department, Language::En),
            req.status,
            self.category_name(req.category.as_ref(), Language::En),
            self.human_time(req.resolution_due_at),
        ))
    }
}
