//! A new request from a mail: classified, checked against open work for a duplicate, acknowledged unless
//! rate-limited — and, for a duplicate, the original's link written in the SAME transaction as the new
//! request, so that a failure leaves neither and the redelivered mail decides again.

use std::borrow::Cow;

use mail::outbound::AutoSubmitted;
use routing::photo_place::PhotoPosition;
use routing::{CloseReason, Decision, EventKind, RequestRef, Status};
use serde_json::json;

use super::{attachments_of, reply_cap, IngestOutcome, Mail, REPLY_CAP_WINDOW_MS, SOURCE};
use crate::desk::compose::ReplyTo;
use crate::desk::{Desk, Filing};
use crate::store::{
    CandidateQuery, Change, Creation, InboundRecord, InternalOrigin, MailCount, NewEvent,
    NewRequest, RelatedChange, Request, StatusChange, StoreError,
};

/// Why a mail starts a new request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// Not about any known request.
    Fresh,
    /// Someone not on the request quoted its reference: theirs is a new request, linked to it.
    QuotedByStranger(RequestRef),
    /// The requester wrote on a request closed too long ago to reopen: a new request, linked to it.
    TooLateReply(RequestRef),
}

/// A mail's new request, decided and about to be written.
struct NewFromMail<'m> {
    mail: &'m Mail<'m>,
    sender: &'m str,
    origin: Origin,
    decision: Decision,
    new: NewRequest,
    /// The open request this one repeats, and why it is the same.
    duplicate: Option<(RequestRef, String)>,
    /// Who asked, when verified staff of a department wrote (an internal request).
    internal: Option<InternalOrigin>,
}

/// Creates a new request from a mail (`inbound` records the mail with it).
pub(super) async fn from_mail(
    mail: &Mail<'_>,
    sender: &str,
    origin: Origin,
    inbound: InboundRecord,
) -> Result<IngestOutcome, StoreError> {
    let filing = decide(mail, sender, origin).await?;
    // The sender's recent automatic mail is counted by the insert itself (the per-sender cap on replies).
    let recipient = sender.to_ascii_lowercase();
    let count = MailCount {
        recipient: &recipient,
        since: mail.now - REPLY_CAP_WINDOW_MS,
        cap: reply_cap(mail.desk),
    };
    let reference = mail
        .desk
        .store
        .create_request_counting(&filing.new, mail.now, count, inbound, |reference, over| {
            Creation {
                change: filing.change(reference, over),
                related: filing.duplicate_link(reference).into_iter().collect(),
            }
        })
        .await?;
    let duplicate_of = filing.duplicate.as_ref().map(|(r, _)| *r);
    let decision = &filing.decision;
    (mail.desk).log_intake(
        reference,
        SOURCE,
        decision,
        &filing.new.department,
        duplicate_of,
    );
    Ok(IngestOutcome::Created {
        reference,
        emergency: filing.decision.emergency.is_some(),
    })
}

/// Classifies the mail and looks for open work it repeats (same problem, same place): a duplicate is linked
/// instead of creating new work. Emergencies always page, and a linked request is already linked.
async fn decide<'m>(
    mail: &'m Mail<'m>,
    sender: &'m str,
    origin: Origin,
) -> Result<NewFromMail<'m>, StoreError> {
    let (desk, inb, now) = (mail.desk, mail.inb, mail.now);
    let (body, mut decision) = match mail.classified {
        Some(c) => (Cow::Borrowed(c.body.as_str()), c.decision.clone()),
        None => {
            let body = mail::strip::visible_reply(&inb.text);
            let decision = classify(&desk.router.current(), &inb.subject, &body);
            (Cow::Owned(body), decision)
        }
    };
    routing::photo_place::apply_photo_position(&mut decision, &photo_positions(inb));
    let filing = Filing {
        source: SOURCE,
        requester: sender.to_string(),
        requester_name: inb.from.as_ref().and_then(|a| a.name.clone()),
        subject: inb.subject.clone(),
        description: body.trim().to_string(),
    };
    let mut new = desk.new_request(&decision, now, filing);
    let internal = desk.staff_email_origin(inb, sender);
    if internal.is_some() {
        desk.make_internal(&mut new, &decision, now);
    }
    new.linked_to = match origin {
        Origin::Fresh => None,
        Origin::QuotedByStranger(r) | Origin::TooLateReply(r) => Some(r),
    };
    let duplicate = if decision.emergency.is_some() || new.linked_to.is_some() {
        None
    } else {
        find_duplicate(desk, &new, now).await?
    };
    if let Some((orig, _)) = &duplicate {
        new.linked_to = Some(*orig);
    }
    Ok(NewFromMail {
        mail,
        sender,
        origin,
        decision,
        new,
        duplicate,
        internal,
    })
}

/// How `router` classifies a mail: its subject and `body`, the visible part of its text (quoted replies left
/// out, `mail::strip::visible_reply`).
pub(super) fn classify(router: &routing::Router, subject: &str, body: &str) -> Decision {
    router.classify(&format!("{subject}\n{body}"))
}

/// Where the mail's photos were taken, from their EXIF GPS, in attachment order.
fn photo_positions(inb: &mail::Inbound) -> Vec<PhotoPosition> {
    inb.attachments
        .iter()
        .filter_map(|a| {
            let p = mail::photo::gps_position(&a.data)?;
            Some(PhotoPosition {
                filename: a.filename.clone(),
                lat: p.lat,
                lon: p.lon,
            })
        })
        .collect()
}

impl NewFromMail<'_> {
    /// The new request's own rows: the mail, its attachments and Message-ID, the `created` event, then either
    /// the duplicate's closure or the department's work order, and the replies to the resident (none when
    /// `rate_limited`). The mail itself is recorded by the store with whichever version it writes.
    fn change(&self, reference: RequestRef, rate_limited: bool) -> Change {
        let inb = self.mail.inb;
        let mut change = Change {
            attachments: attachments_of(inb),
            internal: self.internal.clone(),
            ..Change::default()
        };
        change.remember_received(inb.message_id.as_ref());
        let (linked_to, quoted) = match self.origin {
            Origin::Fresh => (None, None),
            Origin::QuotedByStranger(r) => (None, Some(r)),
            Origin::TooLateReply(r) => (Some(r), None),
        };
        change.events.push(NewEvent::new(
            EventKind::Created,
            self.sender,
            SOURCE,
            json!({ "decision": self.decision, "linked_to": linked_to.map(|r| r.to_string()),
                    "quoted_reference": quoted.map(|r| r.to_string()),
                    "attachments": inb.attachments.iter().map(|a| json!({"filename": a.filename, "size": a.size})).collect::<Vec<_>>() }),
        ));
        let desk = self.mail.desk;
        if let Some((orig, why)) = &self.duplicate {
            change.status = Some(StatusChange::Closed {
                reason: CloseReason::Duplicate,
            });
            change.events.push(NewEvent::new(
                EventKind::Closed,
                "system",
                SOURCE,
                json!({ "reason": "duplicate", "duplicate_of": orig.to_string(), "note": format!("Already reported as {orig} ({why})") }),
            ));
        } else {
            change.outbox.extend(
                desk.work_order_job(&self.new.department, self.decision.emergency.is_some()),
            );
        }
        if rate_limited {
            change.events.push(NewEvent::new(
                EventKind::ReplySuppressed,
                "system",
                SOURCE,
                json!({ "reason": "per-sender rate limit" }),
            ));
        } else {
            self.replies(reference, &mut change);
        }
        change
    }

    /// The acknowledgement (or emergency warning, or "already reported"), and word of refused attachments.
    fn replies(&self, reference: RequestRef, change: &mut Change) {
        let desk = self.mail.desk;
        let inb = self.mail.inb;
        let lang = self.decision.language;
        let reply_to = ReplyTo {
            message_id: inb.message_id.clone(),
            references: inb.references.clone(),
        };
        let mut reply = |kind: &str, vars: &[(&str, String)]| {
            change.send_email(desk.email_job(
                reference,
                lang,
                kind,
                vars,
                self.sender,
                &reply_to,
                AutoSubmitted::AutoReplied,
            ));
        };
        let mut vars = desk.request_vars(&request_view(reference, &self.new, self.mail.now));
        let kind = match (&self.duplicate, self.decision.emergency.is_some()) {
            (_, true) => "emergency",
            (Some((orig, _)), false) => {
                vars.push(("original", orig.to_string()));
                "duplicate"
            }
            (None, false) => "acknowledgement",
        };
        vars.retain(|(k, _)| *k != "reference");
        vars.push(("reference", reference.to_string()));
        reply(kind, &vars);
        if inb.oversize.is_empty() {
            return;
        }
        let mb = desk.settings.mail.max_attachment_bytes / (1024 * 1024);
        let vars = [
            ("reference", reference.to_string()),
            ("city", desk.city.city.name.clone()),
            ("limit", format!("{mb} MB")),
            ("files", inb.oversize.join(", ")),
        ];
        reply("oversize", &vars);
        change.events.push(NewEvent::new(
            EventKind::AttachmentsRefused,
            "system",
            SOURCE,
            json!({ "files": inb.oversize }),
        ));
    }

    /// The original's side of a duplicate: its department sees one more reporter on its card.
    fn duplicate_link(&self, reference: RequestRef) -> Option<RelatedChange> {
        let (orig, why) = self.duplicate.as_ref()?;
        Some(RelatedChange {
            reference: *orig,
            change: Change {
                events: vec![NewEvent::new(
                    EventKind::DuplicateLinked,
                    self.sender,
                    SOURCE,
                    json!({ "reference": reference.to_string(), "why": why }),
                )],
                outbox: vec![self.mail.desk.work_order_update_job()],
                ..Change::default()
            },
        })
    }
}

/// At most this many candidates are read, oldest first: the oldest match wins, and a place rarely has more.
const DUPLICATE_CANDIDATES: i64 = 500;

/// Metres per degree of latitude (mean Earth radius), with a margin so the box never cuts off the circle.
const METRES_PER_DEGREE: f64 = 111_000.0;

/// A (south, west, north, east) box that contains every point within `radius_m` of `(lat, lon)`; `None` for a
/// point that is not one. Near a pole or the antimeridian the box takes every longitude.
fn bounding_box((lat, lon): (f64, f64), radius_m: f64) -> Option<[f64; 4]> {
    if !(lat.is_finite() && lon.is_finite()) {
        return None;
    }
    let dlat = radius_m / METRES_PER_DEGREE;
    let cos = (lat.abs() + dlat).min(90.0).to_radians().cos();
    let dlon = if cos > 1e-6 { dlat / cos } else { 360.0 };
    let (west, east) = if lon - dlon < -180.0 || lon + dlon > 180.0 {
        (-180.0, 180.0)
    } else {
        (lon - dlon, lon + dlon)
    };
    Some([lat - dlat, west, lat + dlat, east])
}

/// An open request with the same category at the same place, reported within the window; only the few
/// candidates the indexes find are read, whatever the backlog.
pub(in crate::desk) async fn find_duplicate(
    desk: &Desk,
    new: &NewRequest,
    now: i64,
) -> Result<Option<(RequestRef, String)>, StoreError> {
    let Some(category) = new.category.as_ref() else {
        return Ok(None);
    };
    if new.location_norm.is_none() && new.lat.is_none() {
        return Ok(None);
    }
    let policy = &desk.city.accountability;
    let query = CandidateQuery {
        category: category.clone(),
        place_key: new
            .location_norm
            .as_deref()
            .map(routing::duplicates::canonical_place)
            .filter(|k| !k.is_empty()),
        bbox: new
            .lat
            .zip(new.lon)
            .and_then(|p| bounding_box(p, policy.duplicate_radius_m)),
        since: now - policy.duplicate_window_ms(),
        until: now,
        limit: DUPLICATE_CANDIDATES,
    };
    let open = desk.store.duplicate_candidates(&query).await?;
    if open.is_empty() {
        return Ok(None);
    }
    let me = routing::duplicates::Candidate {
        reference: RequestRef::new(u64::MAX >> 1).expect("non-zero"),
        category: Some(category.clone()),
        location_norm: new.location_norm.clone(),
        lat: new.lat,
        lon: new.lon,
        created_ms: now,
    };
    Ok(routing::duplicates::find_duplicate(
        &me,
        &open,
        policy.duplicate_window_ms(),
        policy.duplicate_radius_m,
    ))
}

/// The request as it will be stored, for rendering its acknowledgement inside the creating transaction.
pub(in crate::desk) fn request_view(reference: RequestRef, new: &NewRequest, now: i64) -> Request {
    Request {
        reference,
        status: Status::Open,
        close_reason: None,
        department: new.department.clone(),
        category: new.category.clone(),
        language: new.language,
        priority: new.priority,
        emergency: new.emergency,
        location_text: new.location_text.clone(),
        location_norm: new.location_norm.clone(),
        lat: new.lat,
        lon: new.lon,
        source: new.source,
        requester: new.requester.clone(),
        requester_name: new.requester_name.clone(),
        subject: new.subject.clone(),
        description: new.description.clone(),
        decision: new.decision.clone(),
        linked_to: new.linked_to,
        created_at: now,
        updated_at: now,
        acknowledged_at: None,
        closed_at: None,
        response_due_at: new.response_due_at,
        resolution_due_at: new.resolution_due_at,
    }
}
