//! What can happen to a request: every kind of event the desk records, stored and shown as snake_case text.

use crate::types::text_enum;

text_enum! {
    /// One kind of entry in a request's history.
    pub enum EventKind ("event kind") {
        Created = "created",
        Acknowledged = "acknowledged",
        Closed = "closed",
        Reassigned = "reassigned",
        Reopened = "reopened",
        /// An internal note (staff) or a resident's reply.
        Comment = "comment",
        /// Staff wrote to the resident.
        PublicMessage = "public_message",
        /// The SLA clock stopped while the city waits on the resident.
        SlaPaused = "sla_paused",
        SlaResumed = "sla_resumed",
        /// A command from an unverified staff email, kept as a comment.
        StaffCommandRefused = "staff_command_refused",
        /// The resident asked where their request stands.
        StatusRequested = "status_requested",
        /// The sweeper asked the resident whether it was fixed.
        FollowupSent = "followup_sent",
        FollowupConfirmed = "followup_confirmed",
        FollowupNotFixed = "followup_not_fixed",
        OverdueReminder = "overdue_reminder",
        Escalated = "escalated",
        /// An emergency's work order was posted again because nobody acknowledged it.
        Repaged = "repaged",
        /// A new report was closed as a duplicate of this one, or linked to it.
        DuplicateLinked = "duplicate_linked",
        /// A reply to the resident was not sent (rate limit, automated sender).
        ReplySuppressed = "reply_suppressed",
        AttachmentsRefused = "attachments_refused",
        /// Auto-generated mail arrived on the request's thread.
        AutomatedMail = "automated_mail",
        /// A delivery status notification for mail we sent.
        Bounce = "bounce",
        /// The outbox gave up delivering something for this request.
        DeliveryFailed = "delivery_failed",
        /// An operator put a delivery the outbox had given up on back in the queue.
        DeliveryRetried = "delivery_retried",
        /// An operator released a quarantined message and it was processed again, here.
        ReleasedFromQuarantine = "released_from_quarantine",
        /// A notice could not reach the requester the way they asked (their Discord DMs are closed) and was
        /// posted in the thread they filed from instead.
        NoticeRedirected = "notice_redirected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_as_stored_text() {
        crate::types::assert_texts_round_trip(EventKind::ALL);
        assert_eq!(EventKind::SlaResumed.to_string(), "sla_resumed");
        assert_eq!(
            "exploded".parse::<EventKind>().unwrap_err().to_string(),
            "unknown event kind `exploded`"
        );
    }
}
