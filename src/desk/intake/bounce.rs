//! Mail nobody should answer: delivery-status reports (bounces) recorded against the request whose mail
//! bounced, and automated mail (auto-replies, lists, our own) logged where it belongs.

use crate::store::Disposition;
use mail::bounce::Bounce;
use routing::{EventKind, RequestRef};
use serde_json::json;

use super::{IngestOutcome, Mail, SOURCE};
use crate::store::{Change, NewEvent, StoreError};

/// A bounce: a `bounce` event on the request whose message bounced, or an unmatched inbound record.
pub(super) async fn record_bounce(
    mail: &Mail<'_>,
    dsn: &Bounce,
) -> Result<IngestOutcome, StoreError> {
    let store = &mail.desk.store;
    let mut reference = None;
    if let Some(orig) = &dsn.original_message_id {
        reference = store.request_for_message_id(orig).await?;
    }
    match reference {
        Some(r) => {
            let change = Change {
                events: vec![NewEvent::new(
                    EventKind::Bounce,
                    "mailer-daemon",
                    SOURCE,
                    json!({ "permanent": dsn.permanent, "status": dsn.status, "recipient": dsn.recipient,
                            "diagnostic": dsn.diagnostic, "original_message_id": dsn.original_message_id }),
                )],
                inbound: Some(mail.record(Disposition::Bounce, None)),
                ..Change::default()
            };
            store.apply_change(r, &change, mail.now).await?;
        }
        None => {
            let rec = mail.record(Disposition::Bounce, Some("no matching request"));
            store.record_inbound(&rec, mail.now).await?
        }
    }
    Ok(IngestOutcome::Bounce {
        reference,
        permanent: dsn.permanent,
    })
}

/// Automated mail: logged and attached to its thread's request when it has one; never answered.
pub(super) async fn record_automated(
    mail: &Mail<'_>,
    sender: &str,
    thread: Option<RequestRef>,
    reason: String,
) -> Result<IngestOutcome, StoreError> {
    let store = &mail.desk.store;
    let rec = mail.record(Disposition::Automated, Some(&reason));
    match thread {
        Some(r) => {
            let change = Change {
                events: vec![NewEvent::new(
                    EventKind::AutomatedMail,
                    sender,
                    SOURCE,
                    json!({ "reason": reason, "subject": mail.inb.subject }),
                )],
                inbound: Some(rec),
                ..Change::default()
            };
            store.apply_change(r, &change, mail.now).await?;
        }
        None => store.record_inbound(&rec, mail.now).await?,
    }
    Ok(IngestOutcome::Automated {
        reference: thread,
        reason,
    })
}
