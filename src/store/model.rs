//! Rows the store reads and writes, as plain typed data.

use routing::emergency::EmergencyKind;
use routing::{
    CategoryId, CloseReason, DepartmentId, EventKind, Language, Priority, RequestRef, Source,
    Status,
};
use serde::{Deserialize, Serialize};

use crate::effect::{Effect, UndecodableEffect};

/// A request about to be created.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub language: Language,
    pub priority: Priority,
    pub emergency: Option<EmergencyKind>,
    pub location_text: Option<String>,
    pub location_norm: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub source: Source,
    pub requester: String,
    pub requester_name: Option<String>,
    pub subject: String,
    pub description: String,
    pub decision: serde_json::Value,
    pub linked_to: Option<RequestRef>,
    pub response_due_at: i64,
    pub resolution_due_at: i64,
}

/// A stored request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    pub reference: RequestRef,
    pub status: Status,
    pub close_reason: Option<CloseReason>,
    pub department: DepartmentId,
    pub category: Option<CategoryId>,
    pub language: Language,
    pub priority: Priority,
    pub emergency: Option<EmergencyKind>,
    pub location_text: Option<String>,
    pub location_norm: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub source: Source,
    pub requester: String,
    pub requester_name: Option<String>,
    pub subject: String,
    pub description: String,
    pub decision: serde_json::Value,
    pub linked_to: Option<RequestRef>,
    pub created_at: i64,
    pub updated_at: i64,
    pub acknowledged_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub response_due_at: i64,
    pub resolution_due_at: i64,
}

/// A state change or note on a request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// Who acted: an email address, a chat member, `cli:<user>`, `system`.
    pub actor: String,
    pub source: Source,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(kind: EventKind, actor: &str, source: Source, payload: serde_json::Value) -> Self {
        Self {
            kind,
            actor: actor.into(),
            source,
            payload,
        }
    }
}

/// A stored event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: i64,
    pub reference: RequestRef,
    pub kind: EventKind,
    pub actor: String,
    pub source: Source,
    pub at: i64,
    pub payload: serde_json::Value,
}

/// An inbound message as received, kept raw.
#[derive(Debug, Clone)]
pub struct InboundRecord {
    pub source: Source,
    pub external_id: String,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub disposition: Disposition,
    pub reason: Option<String>,
    pub raw: Vec<u8>,
}

/// What became of an inbound message (stored in `inbound_messages.disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// It became a new request.
    Created,
    /// It was added to an existing request (a reply, a comment, a staff command).
    Appended,
    /// A delivery-status report about mail we sent.
    Bounce,
    /// Automated mail (auto-reply, list, our own): recorded, never answered.
    Automated,
    /// Not usable, or it kept failing: kept raw and set aside.
    Quarantined,
    /// Was quarantined; an operator released it to be processed again (the row keeps who, when and what
    /// became of it).
    Released,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Created => "created",
            Disposition::Appended => "appended",
            Disposition::Bounce => "bounce",
            Disposition::Automated => "automated",
            Disposition::Quarantined => "quarantined",
            Disposition::Released => "released",
        }
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Disposition {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Disposition::Created,
            Disposition::Appended,
            Disposition::Bounce,
            Disposition::Automated,
            Disposition::Quarantined,
            Disposition::Released,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
        .ok_or_else(|| anyhow::anyhow!("unknown disposition `{s}`"))
    }
}

/// An outbound effect to deliver: written with the state change, delivered by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    pub effect: Effect,
}

impl From<Effect> for NewOutbox {
    fn from(effect: Effect) -> Self {
        NewOutbox { effect }
    }
}

/// A claimed outbox job. A row that does not decode is still claimed (so the worker can fail it with its
/// reason) rather than blocking the queue.
#[derive(Debug, Clone)]
pub struct OutboxJob {
    pub id: i64,
    pub reference: Option<RequestRef>,
    pub recipient: Option<String>,
    pub effect: Result<Effect, UndecodableEffect>,
    pub attempts: i64,
}

impl OutboxJob {
    /// The stored kind, decoded or not (for logs and events).
    pub fn kind(&self) -> &str {
        match &self.effect {
            Ok(e) => e.kind(),
            Err(e) => &e.kind,
        }
    }
}

/// A stored outbox row, for inspection.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub reference: Option<RequestRef>,
    pub recipient: Option<String>,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub done_at: Option<i64>,
    pub failed_at: Option<i64>,
}

/// An attachment kept with a request.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// For a photo stored with its metadata removed (see [`NewAttachment::from_mail`]), its format: it may be
    /// shown to staff and the public. `None` for anything else, which is only named.
    pub image: Option<mail::photo::ImageFormat>,
}

/// Which way a Message-ID remembered for threading went (stored as `in` / `out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailDirection {
    /// Received from a participant.
    In,
    /// Sent by the service.
    Out,
}

impl MailDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            MailDirection::In => "in",
            MailDirection::Out => "out",
        }
    }
}

impl std::str::FromStr for MailDirection {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "in" => Ok(MailDirection::In),
            "out" => Ok(MailDirection::Out),
            other => Err(anyhow::anyhow!("unknown mail direction `{other}`")),
        }
    }
}

/// Everything one change to a request writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub events: Vec<NewEvent>,
    pub outbox: Vec<NewOutbox>,
    pub inbound: Option<InboundRecord>,
    /// Message-IDs to remember for threading, with the way each went.
    pub thread_ids: Vec<(String, MailDirection)>,
    pub attachments: Vec<NewAttachment>,
    pub status: Option<StatusChange>,
    pub department: Option<DepartmentId>,
    /// Apply only if the request still has this status (the one the decision was made on).
    pub expect_status: Option<Status>,
    /// Apply only if nobody changed the request since this `updated_at` (periodic jobs use it so that two
    /// sweeps never act twice on the same facts).
    pub expect_updated_at: Option<i64>,
    /// New (response, resolution) due times, e.g. pushed back after a pause.
    pub due: Option<(i64, i64)>,
    /// Who asked, when a new request is filed by one department for another.
    pub internal: Option<InternalOrigin>,
    /// When the SLA sweeper should next look at the request; any change asks for a look at the next pass.
    pub next_sweep: NextSweep,
    /// The request this one is now a duplicate of (an operator's merge).
    pub linked_to: Option<RequestRef>,
}

/// When the SLA sweeper should next look at an active request (a closed one is never looked at).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NextSweep {
    /// At the next pass: the change may have changed what is owed.
    #[default]
    Now,
    /// Not before this instant (epoch ms): nothing can be owed earlier.
    At(i64),
    /// Not until the request changes again.
    Never,
}

impl NextSweep {
    /// The `next_sweep_at` column's value for a change made at `now`.
    pub fn at(self, now: i64) -> Option<i64> {
        match self {
            NextSweep::Now => Some(now),
            NextSweep::At(t) => Some(t),
            NextSweep::Never => None,
        }
    }
}

/// Who asked for an internal request: the department, the person (an actor id such as `chat:123`), and where
/// the person hears back (the chat channel or thread they filed from, and/or an email address).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternalOrigin {
    pub department: DepartmentId,
    pub person: String,
    pub person_name: Option<String>,
    pub notify_chat: Option<String>,
    pub notify_email: Option<String>,
}

/// A new request's own change, and the changes its creation makes to other requests, written together.
#[derive(Debug, Clone, Default)]
pub struct Creation {
    pub change: Change,
    pub related: Vec<RelatedChange>,
}

/// A change to another, existing request, made by the same transaction.
#[derive(Debug, Clone)]
pub struct RelatedChange {
    pub reference: RequestRef,
    pub change: Change,
}

impl Change {
    /// An email this change sends: its outbox row, and its Message-ID remembered so that answers thread here.
    pub fn send_email(&mut self, (job, message_id): (NewOutbox, String)) {
        self.outbox.push(job);
        self.thread_ids.push((message_id, MailDirection::Out));
    }

    /// A received mail's Message-ID (when it has one), remembered so that replies to it thread here.
    pub fn remember_received(&mut self, message_id: Option<&String>) {
        if let Some(id) = message_id {
            self.thread_ids.push((id.clone(), MailDirection::In));
        }
    }
}

/// A lifecycle change recorded on the request row.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChange {
    Acknowledged,
    Closed {
        reason: CloseReason,
    },
    Reopened,
    /// Moved to another department: open again until the new department acknowledges it.
    Reassigned,
}

/// Filters for listing requests.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<Status>,
    pub department: Option<DepartmentId>,
    pub requester: Option<String>,
    pub limit: Option<i64>,
}

/// A posted chat work order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkOrderRow {
    pub reference: RequestRef,
    pub channel_id: String,
    pub message_id: String,
    pub thread_id: Option<String>,
    pub department: DepartmentId,
    pub active: bool,
}
