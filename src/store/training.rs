//! What the city's own history teaches the router: requests a department closed, and requests staff moved
//! to another department (a correction of the first routing). Read-only, one statement, both dialects.

use routing::{DepartmentId, Language, Source};
use sqlx::Row;

use super::{on_pool, Store, StoreError};

/// One past request as a training example for the routing model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingExample {
    /// What the router read: the chat message, or the email's subject and visible body.
    pub text: String,
    /// The department that closed it, or that staff moved it to last.
    pub department: DepartmentId,
    pub language: Language,
    /// Staff reassigned it: the first routing was wrong.
    pub corrected: bool,
}

/// Closed by a person (not the duplicate detector) for a reason other than "not the city's", or moved by
/// staff; never emergencies, triage or dispatch (the model routes to working departments).
const TRAINING_EXAMPLES: &str = "SELECT r.source, r.subject, r.description, r.department, r.language, \
    (SELECT COUNT(*) FROM events e WHERE e.request_id = r.id AND e.kind = 'reassigned') AS moves, \
    (SELECT COUNT(*) FROM events e WHERE e.request_id = r.id AND e.kind = 'closed' AND e.actor <> 'system') AS closes \
    FROM requests r WHERE r.emergency IS NULL AND r.department NOT IN ('triage', 'dispatch') \
    AND (r.status <> 'closed' OR COALESCE(r.close_reason, '') <> 'not_city') ORDER BY r.id";

impl Store {
    /// Every past request the routing model can learn from, oldest first.
    pub async fn training_examples(&self) -> Result<Vec<TrainingExample>, StoreError> {
        on_pool!(self, p => {
            let rows = sqlx::query(TRAINING_EXAMPLES).fetch_all(p).await?;
            let mut out = Vec::new();
            for r in &rows {
                let moves: i64 = r.try_get("moves")?;
                let closes: i64 = r.try_get("closes")?;
                let closed_by_staff = closes > 0;
                if moves == 0 && !closed_by_staff {
                    continue;
                }
                let source: Source = r.try_get("source")?;
                let subject: String = r.try_get("subject")?;
                let description: String = r.try_get("description")?;
                let text = if source == Source::Chat {
                    description
                } else {
                    format!("{subject}\n{description}")
                };
                out.push(TrainingExample {
                    text,
                    department: r.try_get("department")?,
                    language: r.try_get("language")?,
                    corrected: moves > 0,
                });
            }
            Ok(out)
        })
    }
}
