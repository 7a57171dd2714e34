//! Delivers outbox rows: emails through a `MailSender`, work orders and notes through a `ChatOutbound`.
//! Failures are retried with exponential backoff and recorded; after the last attempt the row is marked
//! failed and an event says so. Nothing is dropped silently; a job whose delivery panics is one more failure.
//! Outcomes are counted, and mail failures reported, to the service's `Monitor`.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use bots::chat::{ChatOutbound, Posted, WorkOrderCard};
use futures::FutureExt;
use mail::outbound::{MailSender, OutgoingMail};
use routing::{EventKind, Language, Source};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};

use crate::desk::Desk;
use crate::monitor::{Component, Monitor};
use crate::store::{Change, NewEvent, OutboxJob, Request, WorkOrderRow};
use crate::supervise::panic_text;

/// Where outbox rows go.
#[derive(Clone)]
pub struct Deliverers {
    pub mail: Arc<dyn MailSender>,
    pub chat: Arc<dyn ChatOutbound>,
}

/// A delivery failure, and whether retrying can help.
#[derive(Debug)]
struct Failure {
    error: anyhow::Error,
    permanent: bool,
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure {
            error,
            permanent: false,
        }
    }
}

const LEASE_MS: i64 = 60_000;

/// Runs until cancelled, delivering due rows and reporting to `monitor`; sleeps `poll_ms` when idle.
pub async fn run(desk: Desk, d: Deliverers, monitor: Monitor, cancel: CancellationToken) {
    let idle = Duration::from_millis(desk.settings.outbox.poll_ms);
    loop {
        if cancel.is_cancelled() {
            break;
        }
        match deliver_one(&desk, &d, &monitor).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => warn!(error = format!("{e:#}"), "outbox worker error"),
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(idle) => {}
        }
    }
}

/// Delivers every due row now (used by one-shot commands and tests); returns how many were attempted.
pub async fn drain(desk: &Desk, d: &Deliverers) -> Result<usize> {
    let mut n = 0;
    while deliver_next(desk, d).await? {
        n += 1;
    }
    Ok(n)
}

/// Claims and delivers one due row; false when none is due.
pub async fn deliver_next(desk: &Desk, d: &Deliverers) -> Result<bool> {
    deliver_one(desk, d, &Monitor::default()).await
}

/// Claims and delivers one due row, reporting the outcome to `monitor`. A job whose delivery panics fails
/// like any other (its panic text recorded as the row's last error) and is retried with the same backoff.
async fn deliver_one(desk: &Desk, d: &Deliverers, monitor: &Monitor) -> Result<bool> {
    let now = desk.now();
    let Some(job) = desk.store.claim_outbox(now, LEASE_MS).await? else {
        return Ok(false);
    };
    let result = match AssertUnwindSafe(deliver(desk, d, &job))
        .catch_unwind()
        .await
    {
        Ok(result) => result,
        Err(payload) => {
            monitor.count_unit_panic(Component::Outbox);
            Err(Failure {
                error: anyhow!("delivery panicked: {}", panic_text(payload.as_ref())),
                permanent: false,
            })
        }
    };
    let kind = if job.kind == "email" { "mail" } else { "chat" };
    match result {
        Ok(()) => {
            desk.store.complete_outbox(job.id, desk.now()).await?;
            info!(job = job.id, kind = %job.kind, request_ref = ?job.reference.map(|r| r.to_string()), "delivered");
            monitor.count_delivery(kind, "sent");
            if kind == "mail" {
                monitor.mail_sent();
            }
        }
        Err(f) => {
            let (msg, give_up) = record_failure(desk, &job, &f).await?;
            monitor.count_delivery(kind, if give_up { "failed" } else { "retry" });
            if kind == "mail" && !f.permanent {
                monitor.mail_failed(&msg);
            }
        }
    }
    Ok(true)
}

/// Schedules the retry with exponential backoff, or gives up (and says so in the request's events) after the
/// last attempt or a permanent error. Returns the recorded error text and whether it gave up.
async fn record_failure(desk: &Desk, job: &OutboxJob, f: &Failure) -> Result<(String, bool)> {
    let now = desk.now();
    let s = &desk.settings.outbox;
    let give_up = f.permanent || job.attempts >= i64::from(s.max_attempts);
    let delay = s.retry_delay_ms(job.attempts);
    let msg = format!("{:#}", f.error);
    warn!(job = job.id, kind = %job.kind, attempts = job.attempts, give_up, error = %msg, "delivery failed");
    desk.store
        .retry_outbox(job.id, &msg, now.saturating_add(delay), give_up, now)
        .await?;
    if give_up {
        if let Some(r) = job.reference {
            let change = Change {
                events: vec![NewEvent::new(
                    EventKind::DeliveryFailed,
                    "system",
                    Source::Outbox,
                    json!({ "kind": job.kind, "recipient": job.recipient, "error": msg, "attempts": job.attempts }),
                )],
                ..Change::default()
            };
            desk.store.apply_change(r, &change, now).await?;
        }
    }
    Ok((msg, give_up))
}

#[instrument(skip_all, fields(job = job.id, kind = %job.kind))]
async fn deliver(desk: &Desk, d: &Deliverers, job: &OutboxJob) -> Result<(), Failure> {
    match job.kind.as_str() {
        "email" => {
            let mail: OutgoingMail =
                serde_json::from_value(job.payload.clone()).map_err(|e| Failure {
                    error: anyhow!("bad email payload: {e}"),
                    permanent: true,
                })?;
            d.mail.send(&mail).await.map_err(|error| Failure {
                permanent: mail::outbound::is_permanent(&error),
                error,
            })
        }
        "chat_work_order" => {
            let reference = job.reference.context("work order without request")?;
            let req = desk
                .store
                .request(reference)
                .await
                .map_err(anyhow::Error::from)?
                .context("request vanished")?;
            let channel = job.payload["channel"]
                .as_str()
                .context("work order without channel")?
                .to_string();
            let page_role = job.payload["page_role"].as_str();
            let card = card_for(desk, &req).await?;
            let posted = d.chat.post_work_order(&channel, &card, page_role).await?;
            let row = WorkOrderRow {
                reference,
                channel_id: posted.channel_id,
                message_id: posted.message_id,
                thread_id: posted.thread_id,
                department: job.payload["department"]
                    .as_str()
                    .unwrap_or(req.department.as_str())
                    .to_string(),
                active: true,
            };
            desk.store
                .record_work_order(&row, desk.now())
                .await
                .map_err(anyhow::Error::from)?;
            Ok(())
        }
        "chat_update" => {
            let reference = job.reference.context("update without request")?;
            let wo = posted_work_order(desk, reference).await?;
            let req = desk
                .store
                .request(reference)
                .await
                .map_err(anyhow::Error::from)?
                .context("request vanished")?;
            let card = card_for(desk, &req).await?;
            let posted = Posted {
                channel_id: wo.channel_id,
                message_id: wo.message_id,
                thread_id: wo.thread_id,
            };
            d.chat.update_work_order(&posted, &card).await?;
            Ok(())
        }
        "chat_note" => {
            let text = job.payload["text"].as_str().unwrap_or_default();
            let target = match job.payload["channel"].as_str() {
                Some(c) => c.to_string(),
                None => {
                    let reference = job.reference.context("note without request or channel")?;
                    let wo = posted_work_order(desk, reference).await?;
                    wo.thread_id.unwrap_or(wo.channel_id)
                }
            };
            d.chat.post_message(&target, text).await?;
            Ok(())
        }
        other => Err(Failure {
            error: anyhow!("unknown outbox kind {other}"),
            permanent: true,
        }),
    }
}

/// The request's active posted card; an error (retried with backoff) while its first post is still pending.
async fn posted_work_order(desk: &Desk, reference: routing::RequestRef) -> Result<WorkOrderRow> {
    desk.store
        .work_order_for(reference)
        .await
        .map_err(anyhow::Error::from)?
        .context("work order not posted yet")
}

/// The work-order card for a request's current state.
pub async fn card_for(desk: &Desk, req: &Request) -> Result<WorkOrderCard> {
    let events = desk.store.events(req.reference).await?;
    let last_action = events
        .iter()
        .rev()
        .find(|e| e.kind != EventKind::Created)
        .map(|e| {
            format!(
                "{} by {} at {}",
                e.kind.as_str().replace('_', " "),
                e.actor,
                crate::clock::human(e.at)
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
    let requester = if req.source == Source::Email {
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
        due: Some(crate::clock::human(req.resolution_due_at)),
        requester,
        text: truncate(&req.description, 1500),
        attachments,
        status: req.status.to_string(),
        last_action,
        emergency: req.emergency.is_some(),
        reporters: 1 + desk.store.duplicates_of(req.reference).await?.len() as u32,
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
