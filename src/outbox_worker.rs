//! Delivers outbox rows: emails through a `MailSender`, work orders and notes through a `ChatOutbound`.
//! Due rows are claimed in batches (one head per lane), delivered concurrently and their outcomes recorded in
//! one transaction; the worker is woken by the commits that queue rows. Failures are retried with exponential
//! backoff and recorded; after the last attempt the row is marked
//! failed and an event says so. Whether to retry is decided only by the failure's class (permanent or transient,
//! set by the sender where it was born); a row that does not decode fails at once with its reason. Nothing is
//! dropped silently; a job whose delivery panics is one more (transient) failure.
//! Outcomes are counted, and mail failures reported, to the service's `Monitor`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use bots::chat::{ChatOutbound, Posted, WorkOrderCard};
use mail::outbound::MailSender;
use routing::{EventKind, Language, RequestRef, Source};
use tracing::{instrument, warn};

use crate::desk::Desk;
use crate::effect::{ChatNote, DigestPost, Effect, WorkOrderPost};
use crate::store::{
    Attachment, CardSource, DeliveryRecord, OutboxJob, Request, StoreError, WorkOrderRow,
};

mod batch;
mod dept_email;
mod photos;

pub use batch::{deliver_next, drain, run};

/// Where outbox rows go.
#[derive(Clone)]
pub struct Deliverers {
    pub mail: Arc<dyn MailSender>,
    pub chat: Arc<dyn ChatOutbound>,
}

/// A delivery failure, classified where it was born: a transient one is retried with backoff, a permanent one
/// fails the job at once.
#[derive(Debug)]
enum Failure {
    Permanent(anyhow::Error),
    Transient(anyhow::Error),
    /// The platform said when to come back (a 429's `retry_after`): the row waits exactly that long and the
    /// attempt is not counted against it.
    RateLimited(anyhow::Error, Duration),
}

impl Failure {
    /// Keeps the class the sender gave the failure where it was born.
    fn classified(permanent: bool, e: impl Into<anyhow::Error>) -> Self {
        if permanent {
            Failure::Permanent(e.into())
        } else {
            Failure::Transient(e.into())
        }
    }

    fn is_permanent(&self) -> bool {
        matches!(self, Failure::Permanent(_))
    }

    fn error(&self) -> &anyhow::Error {
        match self {
            Failure::Permanent(e) | Failure::Transient(e) | Failure::RateLimited(e, _) => e,
        }
    }
}

impl From<mail::outbound::SendError> for Failure {
    fn from(e: mail::outbound::SendError) -> Self {
        Failure::classified(e.is_permanent(), e)
    }
}

impl From<bots::chat::SendError> for Failure {
    fn from(e: bots::chat::SendError) -> Self {
        match e.retry_after() {
            Some(wait) => Failure::RateLimited(e.into(), wait),
            None => Failure::classified(e.is_permanent(), e),
        }
    }
}

/// The service's own trouble (the database, a card not posted yet) passes: retry.
impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Transient(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Transient(e.into())
    }
}

/// Delivers one job; what the delivery leaves to remember (where a card landed, a new digest message) is
/// returned, to be recorded with the job's outcome in its batch's one transaction.
#[instrument(skip_all, fields(job = job.id, kind = job.kind()))]
async fn deliver(
    desk: &Desk,
    d: &Deliverers,
    job: &OutboxJob,
) -> Result<Option<DeliveryRecord>, Failure> {
    match &job.effect {
        Err(undecodable) => Err(Failure::Permanent(undecodable.clone().into())),
        Ok(Effect::PostWorkOrder(post)) => post_work_order(desk, d, job, post).await.map(Some),
        Ok(Effect::ChatDigest(post)) => post_digest(desk, d, post).await,
        Ok(effect) => deliver_plain(desk, d, job, effect).await.map(|()| None),
    }
}

/// The deliveries that leave nothing to remember.
async fn deliver_plain(
    desk: &Desk,
    d: &Deliverers,
    job: &OutboxJob,
    effect: &Effect,
) -> Result<(), Failure> {
    match effect {
        Effect::Email(mail) => Ok(d.mail.send(mail).await?),
        Effect::UpdateWorkOrder(_) | Effect::ChatNote(ChatNote { channel: None, .. })
            if dept_email::without_card(desk, job).await? =>
        {
            Ok(())
        }
        Effect::UpdateWorkOrder(_) => update_work_order(desk, d, job).await,
        Effect::ChatNote(note) => post_note(desk, d, job, note).await,
        Effect::DepartmentEmail(email) => dept_email::deliver(desk, d, job, email).await,
        Effect::ChatDm(dm) => Ok(desk.deliver_dm(d.chat.as_ref(), job.reference, dm).await?),
        Effect::PostWorkOrder(_) | Effect::ChatDigest(_) => {
            unreachable!("delivered by `deliver` with their records")
        }
    }
}

/// The request a job is about; a job that needs one and has none can never be delivered.
fn reference_of(job: &OutboxJob) -> Result<RequestRef, Failure> {
    job.reference.ok_or_else(|| {
        Failure::Permanent(anyhow!(
            "outbox job {}: a `{}` effect without a request",
            job.id,
            job.kind()
        ))
    })
}

async fn request(desk: &Desk, reference: RequestRef) -> Result<Request, Failure> {
    Ok(desk
        .store()
        .request(reference)
        .await?
        .with_context(|| format!("request {reference} vanished"))?)
}

/// What the request's card is drawn from.
async fn card_source(desk: &Desk, reference: RequestRef) -> Result<CardSource, Failure> {
    Ok(desk
        .store()
        .card_source(reference)
        .await?
        .with_context(|| format!("request {reference} vanished"))?)
}

/// The request's photos that may be shown, read only when it has some.
async fn images(desk: &Desk, source: &CardSource) -> Result<Vec<Attachment>, Failure> {
    if !source.has_images {
        return Ok(Vec::new());
    }
    Ok(desk.store().images_of(source.request.reference).await?)
}

/// Posts the card with the request's photos; returns where it landed (so updates and notes can find it) and
/// which photos went with it.
async fn post_work_order(
    desk: &Desk,
    d: &Deliverers,
    job: &OutboxJob,
    post: &WorkOrderPost,
) -> Result<DeliveryRecord, Failure> {
    let reference = reference_of(job)?;
    let source = card_source(desk, reference).await?;
    let card = card_for(desk, &source).await?;
    let images = images(desk, &source).await?;
    let (posted, photos) = photos::post_with_photos(d.chat.as_ref(), post, &card, images).await?;
    let work_order = WorkOrderRow {
        reference,
        channel_id: posted.channel_id,
        message_id: posted.message_id,
        thread_id: posted.thread_id,
        department: post.department.clone(),
        active: true,
    };
    Ok(DeliveryRecord::Card { work_order, photos })
}

/// Edits the posted card to the request's current state.
async fn update_work_order(desk: &Desk, d: &Deliverers, job: &OutboxJob) -> Result<(), Failure> {
    let reference = reference_of(job)?;
    let wo = posted_work_order(desk, reference).await?;
    let card = card_for(desk, &card_source(desk, reference).await?).await?;
    let card = photos::as_posted(desk, card, &wo.message_id).await?;
    let posted = Posted {
        channel_id: wo.channel_id,
        message_id: wo.message_id,
        thread_id: wo.thread_id,
    };
    d.chat.update_work_order(&posted, &card).await?;
    Ok(())
}

/// Posts a note to its channel, or into the request's work-order thread.
async fn post_note(
    desk: &Desk,
    d: &Deliverers,
    job: &OutboxJob,
    note: &ChatNote,
) -> Result<(), Failure> {
    let target = match &note.channel {
        Some(channel) => channel.clone(),
        None => {
            let wo = posted_work_order(desk, reference_of(job)?).await?;
            wo.thread_id.unwrap_or(wo.channel_id)
        }
    };
    d.chat.post_message(&target, &note.text).await?;
    Ok(())
}

/// Edits the channel's digest in place, or posts it (returning it, to be remembered) when there is none yet or
/// the old one is gone (deleted by staff: Discord refuses the edit).
async fn post_digest(
    desk: &Desk,
    d: &Deliverers,
    post: &DigestPost,
) -> Result<Option<DeliveryRecord>, Failure> {
    if let Some(message) = desk.store().chat_digest(&post.channel).await? {
        match d
            .chat
            .edit_digest(&post.channel, &message, &post.digest)
            .await
        {
            Err(e) if e.is_permanent() => {
                warn!(error = format!("{e:#}"), channel = %post.channel, "digest could not be edited; posting it anew");
            }
            other => return Ok(other.map(|()| None)?),
        }
    }
    let message_id = d.chat.post_digest(&post.channel, &post.digest).await?;
    Ok(Some(DeliveryRecord::Digest {
        channel: post.channel.clone(),
        message_id,
    }))
}

/// The request's active posted card; an error (retried with backoff) while its first post is still pending.
async fn posted_work_order(desk: &Desk, reference: RequestRef) -> Result<WorkOrderRow> {
    desk.store()
        .work_order_for(reference)
        .await
        .map_err(anyhow::Error::from)?
        .context("work order not posted yet")
}

/// The work-order card for a request's current state.
pub async fn card_for(desk: &Desk, source: &CardSource) -> Result<WorkOrderCard> {
    let req = &source.request;
    let events = desk.store().events(req.reference).await?;
    let last_action = events
        .iter()
        .rev()
        .find(|e| e.kind != EventKind::Created)
        .map(|e| {
            format!(
                "{} by {} at {}",
                e.kind.as_str().replace('_', " "),
                e.actor,
                desk.human_time(e.at)
            )
        });
    let attachments = events
        .iter()
        .filter_map(|e| {
            e.payload
                .get("attachments")
                .and_then(|a| a.as_array())
                .cloned()
        })
        .flatten()
        .filter_map(|a| {
            a.get("filename")
                .and_then(|f| f.as_str())
                .or_else(|| a.as_str())
                .map(String::from)
        })
        .collect();
    let requester = if let Some(o) = &source.origin {
        format!("🏛️ internal · {}", desk.asked_by_label(o))
    } else if req.source == Source::Email {
        crate::desk::mask_email(&req.requester)
    } else {
        req.requester_name
            .clone()
            .unwrap_or_else(|| req.requester.clone())
    };
    Ok(WorkOrderCard {
        reference: req.reference.to_string(),
        title: truncate(req.subject.trim(), 80),
        department: desk.department_name(&req.department, Language::En),
        category: desk.category_name(req.category.as_ref(), Language::En),
        location: req.location_text.clone(),
        language: req.language.to_string(),
        priority: req.priority.to_string(),
        due: Some(desk.human_time(req.resolution_due_at)),
        requester,
        text: truncate(&req.description, 1500),
        attachments,
        photo: None,
        status: req.status.to_string(),
        last_action,
        emergency: req.emergency.is_some(),
        reporters: 1 + source.duplicates,
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}
