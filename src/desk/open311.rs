//! A service request filed by an application through Open311 (`POST requests`): routed like a mail — the
//! resident's chosen service decides the department unless the text is an emergency — written in one
//! transaction with its work order and, when the resident gave an email address, the acknowledgement.

use routing::{CategoryId, Decision, EventKind, RequestRef, Source};
use serde_json::json;

use super::intake::{find_duplicate, request_view};
use super::{Desk, Filing};
use crate::store::{Change, Claimed, Creation, IdempotencyClaim, NewEvent, StoreError};

/// What an application sent, already checked by the HTTP side.
#[derive(Debug, Clone, Default)]
pub struct Open311Submission {
    /// The API key's application, recorded as the channel's actor.
    pub application: String,
    /// The chosen service; `None` for "other", where the text alone decides.
    pub category: Option<CategoryId>,
    pub description: String,
    /// Lowercased; without it the request gets no email (and is filed under the application).
    pub email: Option<String>,
    pub name: Option<String>,
    pub address: Option<String>,
    /// `(lat, long)` as the application gave them.
    pub point: Option<(f64, f64)>,
    pub media_url: Option<String>,
    /// `(code, value)` of the service's attributes, in order.
    pub attributes: Vec<(String, String)>,
}

/// The new request and whether it went to dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open311Filed {
    pub reference: RequestRef,
    pub emergency: bool,
    pub duplicate_of: Option<RequestRef>,
}

/// What a POST under an idempotency claim came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open311Once {
    /// Filed now.
    Filed(Open311Filed),
    /// The same form was filed before under this key: that request, nothing new.
    Replayed(Open311Filed),
    /// The key was used before for a different form (the request it filed): nothing filed.
    KeyReused(RequestRef),
}

impl Desk {
    /// Files `s` as a new request and commits it with its events and outbox rows.
    pub async fn file_open311(&self, s: &Open311Submission) -> Result<Open311Filed, StoreError> {
        self.file_open311_under(s, None)
            .await?
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("no claim, yet taken")))
    }

    /// Files `s` once per claim: a retry of the same form under the same key answers with the request the
    /// first filed (even when both arrive together: the claim is written with the request, and the second
    /// writer finds it taken); a key reused for another form files nothing.
    pub async fn file_open311_once(
        &self,
        s: &Open311Submission,
        claim: &IdempotencyClaim,
    ) -> Result<Open311Once, StoreError> {
        if let Some(answer) = self.open311_replay(claim).await? {
            return Ok(answer);
        }
        match self.file_open311_under(s, Some(claim)).await? {
            Some(filed) => Ok(Open311Once::Filed(filed)),
            None => self.open311_replay(claim).await?.ok_or_else(|| {
                StoreError::Unexpected(anyhow::anyhow!("claim {} taken but not found", claim.key))
            }),
        }
    }

    /// The answer a committed claim on `claim`'s key gives, if there is one.
    async fn open311_replay(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<Open311Once>, StoreError> {
        let found = self
            .store
            .idempotency_claim(&claim.application, &claim.key, self.now())
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        if found.fingerprint != claim.fingerprint {
            return Ok(Some(Open311Once::KeyReused(found.reference)));
        }
        let req = self
            .store
            .request(found.reference)
            .await?
            .ok_or(StoreError::NotFound(found.reference))?;
        Ok(Some(Open311Once::Replayed(Open311Filed {
            reference: req.reference,
            emergency: req.emergency.is_some(),
            duplicate_of: req.linked_to,
        })))
    }

    /// Files `s` (under `claim` when given); `None` when the claim was taken meanwhile and nothing was written.
    async fn file_open311_under(
        &self,
        s: &Open311Submission,
        claim: Option<&IdempotencyClaim>,
    ) -> Result<Option<Open311Filed>, StoreError> {
        let now = self.now();
        let decision = self.decide_open311(s);
        let filing = self.open311_filing(s, &decision);
        let mut new = self.new_request(&decision, now, filing);
        if let Some((lat, lon)) = s.point {
            (new.lat, new.lon) = (Some(lat), Some(lon));
        }
        if new.location_text.is_none() {
            new.location_text = s.address.clone();
        }
        let duplicate = match decision.emergency {
            Some(_) => None,
            None => find_duplicate(self, &new, now).await?,
        };
        new.linked_to = duplicate.as_ref().map(|(r, _)| *r);
        let rate_limited = self.open311_rate_limited(s, now).await?;
        let claimed = self
            .store
            .create_request_claimed(&new, now, claim, |reference| {
                let view = request_view(reference, &new, now);
                let mut change = Change::default();
                change.events.push(NewEvent::new(
                    EventKind::Created,
                    &new.requester,
                    Source::Open311,
                    json!({ "decision": decision, "application": s.application,
                            "media_url": s.media_url, "attributes": s.attributes }),
                ));
                let related = self.filed_request_effects(
                    &view,
                    &decision,
                    &duplicate,
                    rate_limited,
                    Source::Open311,
                    &mut change,
                );
                Creation {
                    change,
                    related: related.into_iter().collect(),
                }
            })
            .await?;
        let Claimed::Created(reference) = claimed else {
            return Ok(None);
        };
        let duplicate_of = duplicate.as_ref().map(|(r, _)| *r);
        self.log_intake(
            reference,
            Source::Open311,
            &decision,
            &new.department,
            duplicate_of,
        );
        Ok(Some(Open311Filed {
            reference,
            emergency: decision.emergency.is_some(),
            duplicate_of: duplicate.map(|(r, _)| r),
        }))
    }

    /// Who filed and how they hear back: by email when they gave one, otherwise as the application.
    fn open311_filing(&self, s: &Open311Submission, decision: &Decision) -> Filing {
        Filing {
            source: if s.email.is_some() {
                Source::Email
            } else {
                Source::Open311
            },
            requester: s
                .email
                .clone()
                .unwrap_or_else(|| format!("open311:{}", s.application)),
            requester_name: s.name.clone(),
            subject: subject_of(
                s,
                &self.category_name(decision.category.as_ref(), decision.language),
            ),
            description: s.description.trim().to_string(),
        }
    }

    /// Whether the resident's email has had its hour's share of automatic replies.
    async fn open311_rate_limited(
        &self,
        s: &Open311Submission,
        now: i64,
    ) -> Result<bool, StoreError> {
        let Some(e) = &s.email else {
            return Ok(false);
        };
        let limit = i64::from(self.settings.mail.replies_per_sender_per_hour);
        Ok(self.store.count_mail_to(e, now - 3_600_000).await? >= limit)
    }

    /// The classifier's decision on the text (and the address, so that the place is found), with the
    /// resident's chosen service in place of the guessed one unless the text is an emergency.
    fn decide_open311(&self, s: &Open311Submission) -> Decision {
        let text = match &s.address {
            Some(a) => format!("{}\n{a}", s.description),
            None => s.description.clone(),
        };
        let mut d = self.router.classify(&text);
        let chosen = s
            .category
            .as_ref()
            .and_then(|id| self.city.categories.iter().find(|c| &c.id == id));
        if let (Some(c), None) = (chosen, &d.emergency) {
            d.department = c.department.clone();
            d.category = Some(c.id.clone());
            d.priority = c.priority;
            d.response_hours = c.response_hours;
            d.resolution_hours = c.resolution_hours;
            d.reasons.push(format!(
                "service_code {} chosen in an Open311 application",
                c.id
            ));
        }
        d
    }
}

/// A subject for staff to read (never published): the service, the answers to its questions, and the start
/// of the description.
fn subject_of(s: &Open311Submission, service: &str) -> String {
    let first: String = s
        .description
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    let answers: Vec<String> = s
        .attributes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if answers.is_empty() {
        format!("{service}: {}", first.trim())
    } else {
        format!("{service} ({}): {}", answers.join("; "), first.trim())
    }
}
