//! The outbox worker's decisions: a permanent delivery failure (mail or chat) fails its job at once, a transient one is
//! retried after its backoff, and a row that decodes to no effect fails with its reason without holding up
//! the rows behind it.

use crate::support;

use std::sync::Arc;

use bots::chat::{ChatOutbound, Posted, SendError as ChatSendError, WorkOrderCard};
use connect311::desk::Desk;
use connect311::outbox_worker::{drain, Deliverers};
use connect311::store::OutboxRow;
use mail::outbound::{MailSender, OutgoingMail, SendError};
use routing::{EventKind, RequestRef};

/// A relay that refuses one address for good (550) and defers another (421); everything else is delivered.
struct PickyRelay;

const REFUSED: &str = "refused@example.test";
const DEFERRED: &str = "deferred@example.test";

#[async_trait::async_trait]
impl MailSender for PickyRelay {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        match mail.to.email.as_str() {
            REFUSED => Err(SendError::Permanent(anyhow::anyhow!(
                "550 5.1.1 no such user (test)"
            ))),
            DEFERRED => Err(SendError::Transient(anyhow::anyhow!(
                "421 4.3.0 try again later (test)"
            ))),
            _ => Ok(()),
        }
    }
}

/// Chat that refuses every post to one channel for good (as Discord's 404 Unknown Channel) and defers every
/// other post (as a 503).
struct PickyChat {
    refused: String,
}

#[async_trait::async_trait]
impl ChatOutbound for PickyChat {
    async fn post_work_order(
        &self,
        channel_id: &str,
        _: &WorkOrderCard,
        _: Option<&str>,
    ) -> Result<Posted, ChatSendError> {
        Err(if channel_id == self.refused {
            ChatSendError::Permanent(anyhow::anyhow!("404 Unknown Channel (test)"))
        } else {
            ChatSendError::Transient(anyhow::anyhow!("503 Service Unavailable (test)"))
        })
    }

    async fn update_work_order(&self, _: &Posted, _: &WorkOrderCard) -> Result<(), ChatSendError> {
        Err(ChatSendError::Transient(anyhow::anyhow!("503 (test)")))
    }

    async fn post_message(&self, _: &str, _: &str) -> Result<String, ChatSendError> {
        Err(ChatSendError::Transient(anyhow::anyhow!("503 (test)")))
    }
}

fn deliverers(desk: &Desk) -> Deliverers {
    Deliverers {
        mail: Arc::new(PickyRelay),
        chat: connect311::app::local_chat(desk),
    }
}

/// The channel of the department `r` went to.
async fn channel_of(desk: &Desk, r: RequestRef) -> String {
    let dept = desk.store().request(r).await.unwrap().unwrap().department;
    let found = desk.city().departments.iter().find(|d| d.id == dept);
    found
        .expect("a configured department")
        .chat_channel
        .clone()
        .expect("a chat channel")
}

async fn work_order_row(desk: &Desk, r: RequestRef) -> OutboxRow {
    let rows = desk.store().outbox_rows(false).await.unwrap();
    row(&rows, |row| {
        row.kind == "chat_work_order" && row.reference == Some(r)
    })
}

fn row(rows: &[OutboxRow], pick: impl Fn(&OutboxRow) -> bool) -> OutboxRow {
    let found = rows.iter().find(|r| pick(r)).cloned();
    found.unwrap_or_else(|| panic!("no such row in {rows:?}"))
}

async fn mail_row(desk: &Desk, to: &str) -> OutboxRow {
    let rows = support::emails_to(desk, to).await;
    assert_eq!(rows.len(), 1, "one acknowledgement to {to}: {rows:?}");
    rows[0].clone()
}

#[tokio::test]
async fn a_permanent_failure_fails_at_once_and_a_transient_one_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = support::desk(dir.path(), "").await;
    let refused = support::report(
        &desk,
        REFUSED,
        "Pothole",
        "r1@x.test",
        "Pothole at 1 Main St.",
    )
    .await;
    let deferred = support::report(
        &desk,
        DEFERRED,
        "Graffiti",
        "d1@x.test",
        "Graffiti at 200 Oak Ave.",
    )
    .await;
    let refused_channel = channel_of(&desk, refused).await;
    assert_ne!(refused_channel, channel_of(&desk, deferred).await);
    let d = Deliverers {
        mail: Arc::new(PickyRelay),
        chat: Arc::new(PickyChat {
            refused: refused_channel,
        }),
    };
    drain(&desk, &d).await.unwrap();

    let gone = mail_row(&desk, REFUSED).await;
    assert_eq!(gone.attempts, 1, "never retried: {gone:?}");
    assert!(gone.failed_at.is_some(), "{gone:?}");
    let error = gone.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("permanent") && error.contains("550 5.1.1"),
        "{error}"
    );
    let events = desk.store().events(refused).await.unwrap();
    let failed = row_event(&events, EventKind::DeliveryFailed);
    assert_eq!(failed["attempts"], 1, "{failed}");

    let waiting = mail_row(&desk, DEFERRED).await;
    assert_eq!(waiting.attempts, 1, "{waiting:?}");
    assert!(
        waiting.failed_at.is_none() && waiting.done_at.is_none(),
        "{waiting:?}"
    );
    let error = waiting.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("transient") && error.contains("421 4.3.0"),
        "{error}"
    );
    let gone = work_order_row(&desk, refused).await;
    assert_eq!(
        (gone.attempts, gone.failed_at.is_some()),
        (1, true),
        "{gone:?}"
    );
    assert!(gone
        .last_error
        .unwrap_or_default()
        .contains("404 Unknown Channel"));
    let waiting = work_order_row(&desk, deferred).await;
    assert_eq!(
        (waiting.attempts, waiting.failed_at.is_some()),
        (1, false),
        "{waiting:?}"
    );

    // Not before its backoff; then tried again.
    assert_eq!(
        drain(&desk, &d).await.unwrap(),
        0,
        "retried before its backoff"
    );
    clock.advance_ms(desk.settings().outbox.retry_delay_ms(1));
    assert_eq!(
        drain(&desk, &d).await.unwrap(),
        2,
        "the deferred mail and work order"
    );
    for again in [
        mail_row(&desk, DEFERRED).await,
        work_order_row(&desk, deferred).await,
    ] {
        assert_eq!(
            (again.attempts, again.failed_at.is_some()),
            (2, false),
            "{again:?}"
        );
    }
}

fn row_event(events: &[connect311::store::Event], kind: EventKind) -> &serde_json::Value {
    let found = events.iter().find(|e| e.kind == kind);
    &found
        .unwrap_or_else(|| panic!("no {kind} event in {events:?}"))
        .payload
}

#[tokio::test]
async fn a_row_that_is_no_effect_fails_with_its_reason_and_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (desk, _clock) = support::desk(dir.path(), "").await;
    let bad = [
        ("fax", "{}", "unknown variant `fax`"),
        ("chat_note", r#"{"channel": "100"}"#, "missing field `text`"),
        ("email", "not json", "payload"),
    ];
    let mut ids = Vec::new();
    for (kind, payload, _) in bad {
        ids.push(support::enqueue_raw_outbox(&desk, kind, payload).await);
    }
    let r = support::report(
        &desk,
        "ana@example.test",
        "Pothole",
        "p1@x.test",
        "Pothole at 1 Main St.",
    )
    .await;
    drain(&desk, &deliverers(&desk)).await.unwrap();

    let rows = desk.store().outbox_rows(false).await.unwrap();
    for (id, (kind, _, says)) in ids.iter().zip(bad) {
        let failed = row(&rows, |r| r.id == *id);
        assert_eq!(
            (failed.attempts, failed.failed_at.is_some()),
            (1, true),
            "{kind}: {failed:?}"
        );
        let error = failed.last_error.clone().unwrap_or_default();
        assert!(
            error.starts_with(&format!(
                "outbox job {id}: cannot decode its `{kind}` effect"
            )),
            "{error}"
        );
        assert!(error.contains(says), "{error}");
    }
    // The request's own rows, queued behind the bad ones, were delivered.
    let own: Vec<_> = rows.iter().filter(|row| row.reference == Some(r)).collect();
    assert!(
        own.len() >= 2,
        "a work order and an acknowledgement: {rows:?}"
    );
    assert!(own.iter().all(|row| row.done_at.is_some()), "{own:?}");
}
