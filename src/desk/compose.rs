//! Builds the outbound effects of a change (emails, chat posts) as outbox rows, from templates and request data.

use mail::outbound::{AutoSubmitted, OutgoingMail};
use routing::{CategoryId, DepartmentId, Language, RequestRef};

use super::Desk;
use crate::effect::{ChatNote, DepartmentMailKind, Effect, WorkOrderPost, WorkOrderUpdate};
use crate::store::{NewOutbox, Request};

/// Threading context for a reply: the message we answer and its references.
#[derive(Debug, Clone, Default)]
pub struct ReplyTo {
    pub message_id: Option<String>,
    pub references: Vec<String>,
}

impl Desk {
    /// An email to `to` from template `kind` in `lang`, threaded under `reply_to`, as an outbox row.
    /// Returns the row and the Message-ID it will carry (remembered for threading).
    // Each argument is a distinct part of the letter; a struct would only rename them at every call site.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn email_job(
        &self,
        reference: RequestRef,
        lang: Language,
        kind: &str,
        vars: &[(&str, String)],
        to: &str,
        reply_to: &ReplyTo,
        auto: AutoSubmitted,
    ) -> (NewOutbox, String) {
        // Every email to a resident links to their request's page; a staff member's refusal notice does not.
        let link = (kind != "staff_refused")
            .then(|| self.status_url(reference))
            .flatten();
        let rendered = self
            .templates
            .render_linked(lang.as_str(), kind, vars, link.as_deref());
        let message_id = self.new_message_id(reference);
        let mut references = reply_to.references.clone();
        if let Some(id) = &reply_to.message_id {
            if !references.contains(id) {
                references.push(id.clone());
            }
        }
        let mail = OutgoingMail {
            from: mail::inbound::Address {
                name: Some(self.settings.mail.from_name.clone()),
                email: self.settings.mail.address.clone(),
            },
            to: mail::inbound::Address {
                name: None,
                email: to.to_string(),
            },
            reply_to: Some(mail::address::reply_address(
                &self.settings.mail.address,
                &reference.to_string(),
                self.reply_secret(),
            )),
            subject: mail::address::tag_subject(&rendered.subject, &reference.to_string()),
            text: rendered.body,
            message_id: message_id.clone(),
            in_reply_to: reply_to.message_id.clone(),
            references,
            auto_submitted: auto,
            language: Some(lang.to_string()),
            attachments: Vec::new(),
        };
        (Effect::Email(mail).into(), message_id)
    }

    /// The request's status page, `{public_base_url}/r/<reference>/<key>`, when the city has a public address.
    pub fn status_url(&self, reference: RequestRef) -> Option<String> {
        let base = self.settings.http.as_ref()?.public_base_url.as_deref()?;
        let base = crate::config::public_url::check_public_base_url(base).ok()?;
        let key = crate::web::token::status_key(self.reply_secret(), reference);
        Some(format!("{base}/r/{reference}/{key}"))
    }

    /// A fresh Message-ID in our domain that names the request.
    pub(crate) fn new_message_id(&self, reference: RequestRef) -> String {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_i64(self.now());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!(
            "{reference}.{nanos:x}.{:016x}@{}",
            h.finish(),
            self.mail_domain()
        )
    }

    /// Tell `department` of its new work order (routed, reassigned to it, or paged again): a card in its
    /// channel and/or an email to its mailbox, as its `notify` says.
    pub(crate) fn work_order_job(
        &self,
        department: &DepartmentId,
        emergency: bool,
    ) -> Vec<NewOutbox> {
        let Some(dept) = self.city.departments.iter().find(|d| &d.id == department) else {
            return Vec::new();
        };
        let mut jobs = Vec::new();
        if let Some(channel) = dept.card_channel() {
            let page_role = if emergency {
                self.settings
                    .discord
                    .as_ref()
                    .and_then(|d| d.oncall_role.clone())
                    .or_else(|| dept.chat_role.clone())
            } else {
                None
            };
            jobs.push(
                Effect::PostWorkOrder(WorkOrderPost {
                    channel: channel.to_string(),
                    department: dept.id.clone(),
                    page_role,
                })
                .into(),
            );
        }
        jobs.extend(self.department_email_job(department, DepartmentMailKind::New));
        jobs
    }

    /// Refresh the posted work order card from the request's current state.
    pub(crate) fn work_order_update_job(&self) -> NewOutbox {
        Effect::UpdateWorkOrder(WorkOrderUpdate {}).into()
    }

    /// A note in the request's work-order thread (untrusted text is escaped by the chat adapter).
    pub(crate) fn chat_note_job(&self, text: &str) -> NewOutbox {
        Effect::ChatNote(ChatNote {
            channel: None,
            text: text.to_string(),
        })
        .into()
    }

    /// A note to a given chat channel or thread (untrusted text is escaped by the chat adapter).
    pub(crate) fn chat_note_to(&self, channel: &str, text: &str) -> NewOutbox {
        Effect::ChatNote(ChatNote {
            channel: Some(channel.to_string()),
            text: text.to_string(),
        })
        .into()
    }

    /// Display name of a department in a language.
    pub fn department_name(&self, id: &DepartmentId, lang: Language) -> String {
        self.city
            .departments
            .iter()
            .find(|d| &d.id == id)
            .map(|d| {
                if lang == Language::Es {
                    d.name_es.clone()
                } else {
                    d.name.clone()
                }
            })
            .unwrap_or_else(|| id.to_string())
    }

    /// Display name of a category in a language ("General request" when unrouted).
    pub fn category_name(&self, id: Option<&CategoryId>, lang: Language) -> String {
        match id.and_then(|id| self.city.categories.iter().find(|c| &c.id == id)) {
            Some(c) if lang == Language::Es => c.name_es.clone(),
            Some(c) => c.name.clone(),
            None if lang == Language::Es => "Solicitud general".into(),
            None => "General request".into(),
        }
    }

    /// Placeholders common to every template about `req`.
    pub(crate) fn request_vars(&self, req: &Request) -> Vec<(&'static str, String)> {
        let lang = req.language;
        let none = if lang == Language::Es {
            "no indicada"
        } else {
            "not given"
        };
        vec![
            ("reference", req.reference.to_string()),
            ("city", self.city.city.name.clone()),
            ("category", self.category_name(req.category.as_ref(), lang)),
            ("department", self.department_name(&req.department, lang)),
            (
                "location",
                req.location_text.clone().unwrap_or_else(|| none.into()),
            ),
            ("response_time", self.human_due(req.response_due_at, lang)),
            (
                "resolution_time",
                self.human_due(req.resolution_due_at, lang),
            ),
        ]
    }
}

/// `jane.doe@example.test` → `j***@example.test`: staff see enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let first: String = email.chars().take(1).collect();
            format!("{first}***")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_email("jane.doe@example.test"), "j***@example.test");
        assert_eq!(mask_email("x"), "x***");
    }
}
