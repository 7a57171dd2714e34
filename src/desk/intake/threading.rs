//! Which request an email belongs to: signed plus-address, then In-Reply-To, then References (right to left),
//! then the subject tag — in that order of trust.

use mail::inbound::Inbound;
use routing::RequestRef;

use crate::desk::Desk;
use crate::store::StoreError;

/// How an email was matched to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadMatch {
    SignedAddress,
    InReplyTo,
    References,
    SubjectTag,
}

impl ThreadMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadMatch::SignedAddress => "signed_address",
            ThreadMatch::InReplyTo => "in_reply_to",
            ThreadMatch::References => "references",
            ThreadMatch::SubjectTag => "subject_tag",
        }
    }
}

/// Finds the request an email replies to, if any (existence checked).
pub(super) async fn find_thread(
    desk: &Desk,
    inb: &Inbound,
) -> Result<Option<(RequestRef, ThreadMatch)>, StoreError> {
    let inbox = &desk.settings.mail.address;
    let recipients = inb
        .to
        .iter()
        .chain(inb.cc.iter())
        .map(|a| a.email.as_str())
        .chain(inb.delivered_to.iter().map(String::as_str));
    for addr in recipients {
        if let Some(r) = mail::address::verify_reply_address(addr, inbox, desk.reply_secret())
            .and_then(|s| s.parse::<RequestRef>().ok())
        {
            if desk.store.request(r).await?.is_some() {
                return Ok(Some((r, ThreadMatch::SignedAddress)));
            }
        }
    }
    for id in &inb.in_reply_to {
        if let Some(r) = desk.store.request_for_message_id(id).await? {
            return Ok(Some((r, ThreadMatch::InReplyTo)));
        }
    }
    for id in inb.references.iter().rev() {
        if let Some(r) = desk.store.request_for_message_id(id).await? {
            return Ok(Some((r, ThreadMatch::References)));
        }
    }
    if let Some(r) =
        mail::address::subject_tag(&inb.subject).and_then(|s| s.parse::<RequestRef>().ok())
    {
        if desk.store.request(r).await?.is_some() {
            return Ok(Some((r, ThreadMatch::SubjectTag)));
        }
    }
    Ok(None)
}
