//! The outbound effects a change can have, as outbox rows carry them: the `kind` column names the variant and
//! the `payload` column holds its fields, in the JSON shapes the service has always written (so rows queued
//! by an earlier version still decode after an upgrade).

use bots::chat::Digest;
use mail::outbound::OutgoingMail;
use routing::types::DepartmentId;
use serde::{Deserialize, Serialize};

/// One outbound effect, delivered by the outbox worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Effect {
    /// An email, composed in full when the change was decided.
    #[serde(rename = "email")]
    Email(OutgoingMail),
    /// Post (or re-post after reassignment) the request's work-order card.
    #[serde(rename = "chat_work_order")]
    PostWorkOrder(WorkOrderPost),
    /// Refresh the posted card from the request's state at delivery time.
    #[serde(rename = "chat_update")]
    UpdateWorkOrder(WorkOrderUpdate),
    /// A plain chat message.
    #[serde(rename = "chat_note")]
    ChatNote(ChatNote),
    /// The sweeper's digest of a channel's overdue work: posted once, then edited in place.
    #[serde(rename = "chat_digest")]
    ChatDigest(DigestPost),
    /// A direct message to a chat member, posted in `fallback` if they do not take direct messages.
    #[serde(rename = "chat_dm")]
    ChatDm(ChatDm),
    /// A work-order email to a department that works by email, composed from the request when delivered
    /// (so it shows the current state and carries the current photos).
    #[serde(rename = "department_email")]
    DepartmentEmail(DepartmentEmail),
}

/// A work-order email: to whom, and which step of the work order it tells of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentEmail {
    pub department: DepartmentId,
    /// The department's address when it was queued.
    pub to: String,
    pub kind: DepartmentMailKind,
}

/// Which step of a work order a department email tells of; chat has a card post, a card edit or a thread
/// note for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum DepartmentMailKind {
    /// The work order is the department's (routed, reassigned to it, filed for it, or paged again).
    New,
    /// Reassigned away: the department need do nothing more.
    Moved { to: DepartmentId },
    /// Back to work: the requester (or staff) reopened it.
    Reopened { why: String },
    /// Overdue and escalated to the supervisors.
    Escalated,
    /// Something the department should read (the resident wrote again, say).
    Note { text: String },
}

/// A direct message to one chat member (the requester of an internal request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatDm {
    /// The member's chat id.
    pub user: String,
    /// Where the text goes instead when the member's direct messages are closed (the thread they filed from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Plain text; the chat adapter escapes it.
    pub text: String,
}

/// A digest for one chat channel, as decided by one sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestPost {
    pub channel: String,
    pub digest: Digest,
}

/// The lane of everything posted to one chat channel.
fn chat_lane(channel: &str) -> String {
    format!("chat:{channel}")
}

/// Where a work-order card goes. The card itself is built from the request when it is delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrderPost {
    /// The department's chat channel id.
    pub channel: String,
    pub department: DepartmentId,
    /// The role to page: set only for an emergency (with a role configured); the only mention the bot makes.
    pub page_role: Option<String>,
}

/// Refresh the request's posted card; it needs nothing but the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkOrderUpdate {}

/// A note in chat: to `channel`, or (when None) to the request's work-order thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Plain text; the chat adapter escapes it.
    pub text: String,
}

/// A stored row whose `kind`/`payload` is not an [`Effect`] (corrupt, or written by a newer version).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("outbox job {id}: cannot decode its `{kind}` effect: {reason}")]
pub struct UndecodableEffect {
    pub id: i64,
    pub kind: String,
    pub reason: String,
}

impl Effect {
    /// The `kind` column's value.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::Email(_) => "email",
            Effect::PostWorkOrder(_) => "chat_work_order",
            Effect::UpdateWorkOrder(_) => "chat_update",
            Effect::ChatNote(_) => "chat_note",
            Effect::ChatDigest(_) => "chat_digest",
            Effect::ChatDm(_) => "chat_dm",
            Effect::DepartmentEmail(_) => "department_email",
        }
    }

    /// The `recipient` column's value: the lower-cased address of an email, the channel of a chat post.
    pub fn recipient(&self) -> Option<String> {
        match self {
            Effect::Email(m) => Some(m.to.email.to_ascii_lowercase()),
            Effect::PostWorkOrder(p) => Some(p.channel.clone()),
            Effect::UpdateWorkOrder(_) => None,
            Effect::ChatNote(n) => n.channel.clone(),
            Effect::ChatDigest(d) => Some(d.channel.clone()),
            Effect::ChatDm(m) => Some(format!("dm:{}", m.user)),
            Effect::DepartmentEmail(e) => Some(e.to.to_ascii_lowercase()),
        }
    }

    /// The `lane` column's value: effects in one lane are delivered one after another, in the order they were
    /// queued. A chat post is in its channel's lane; an email (a department's work-order email too) in its
    /// request's (or, without one, its recipient's). `None` for effects that follow the request's work-order card (its edits, notes in its
    /// thread): the store puts them in the lane of the card's latest post, so they stay behind it.
    pub fn lane(&self, request_id: Option<i64>) -> Option<String> {
        match (self, request_id) {
            (Effect::Email(_) | Effect::DepartmentEmail(_), Some(id)) => {
                Some(format!("mail:request:{id}"))
            }
            (Effect::Email(m), None) => {
                Some(format!("mail:to:{}", m.to.email.to_ascii_lowercase()))
            }
            (Effect::DepartmentEmail(e), None) => {
                Some(format!("mail:to:{}", e.to.to_ascii_lowercase()))
            }
            (Effect::PostWorkOrder(p), _) => Some(chat_lane(&p.channel)),
            (Effect::ChatDigest(d), _) => Some(chat_lane(&d.channel)),
            (Effect::ChatDm(m), _) => Some(chat_lane(&format!("dm:{}", m.user))),
            (
                Effect::ChatNote(ChatNote {
                    channel: Some(c), ..
                }),
                _,
            ) => Some(chat_lane(c)),
            (Effect::ChatNote(_) | Effect::UpdateWorkOrder(_), _) => None,
        }
    }

    /// The `payload` column's value.
    pub fn payload(&self) -> String {
        let mut tagged = serde_json::to_value(self).expect("an effect serialises");
        tagged["payload"].take().to_string()
    }

    /// Decodes the stored columns of outbox row `id`.
    pub fn decode(id: i64, kind: &str, payload: &str) -> Result<Effect, UndecodableEffect> {
        let undecodable = |reason: String| UndecodableEffect {
            id,
            kind: kind.to_string(),
            reason,
        };
        let payload: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| undecodable(format!("payload: {e}")))?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
            .map_err(|e| undecodable(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
