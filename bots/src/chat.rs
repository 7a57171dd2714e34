//! The chat seam: what the service posts to chat and what chat tells the service, independent of Discord.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use crate::digest::{Digest, DigestEntry, DigestMark};
pub use crate::markdown::{escape_markdown, Markdown};

/// A chat member as seen in one event: platform id, display name and role ids.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// Everything a department channel shows about one work order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkOrderCard {
    pub reference: String,
    pub title: String,
    /// Display name of the department.
    pub department: String,
    pub category: String,
    pub location: Option<String>,
    pub language: String,
    pub priority: String,
    pub due: Option<String>,
    /// Already masked by the service.
    pub requester: String,
    /// Untrusted resident text: always escaped before posting.
    pub text: String,
    /// Files named on the card (those not posted with it).
    pub attachments: Vec<String>,
    /// The name of the photo the card shows, one of the files posted with it (kept through edits).
    #[serde(default)]
    pub photo: Option<String>,
    pub status: String,
    pub last_action: Option<String>,
    pub emergency: bool,
    pub reporters: u32,
}

impl WorkOrderCard {
    /// Statuses after which the card loses its buttons.
    pub const FINAL_STATUSES: [&'static str; 5] =
        ["closed", "resolved", "cancelled", "canceled", "rejected"];

    /// Whether the work order is finished (case-insensitive match on [`Self::FINAL_STATUSES`]).
    pub fn is_closed(&self) -> bool {
        Self::FINAL_STATUSES
            .iter()
            .any(|s| self.status.trim().eq_ignore_ascii_case(s))
    }
}

/// A file attached to a chat post (e.g. a resident's photo of the problem).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatFile {
    /// As the resident named it; the adapter makes it safe for the platform.
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// How many files, and how large, one chat post may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    pub max_files: usize,
    pub max_file_bytes: usize,
    pub max_total_bytes: usize,
}

impl FileLimits {
    /// Discord's: up to 10 files a message, 10 MiB each (a server without boosts), 25 MiB a request.
    pub const DISCORD: FileLimits = FileLimits {
        max_files: 10,
        max_file_bytes: 10 * 1024 * 1024,
        max_total_bytes: 25 * 1024 * 1024,
    };

    /// Which of files of these sizes one post carries: in order, each while it fits.
    pub fn fits(&self, sizes: impl IntoIterator<Item = usize>) -> Vec<bool> {
        let (mut count, mut total) = (0, 0);
        sizes
            .into_iter()
            .map(|size| {
                let fits = count < self.max_files
                    && size <= self.max_file_bytes
                    && total + size <= self.max_total_bytes;
                if fits {
                    count += 1;
                    total += size;
                }
                fits
            })
            .collect()
    }

    /// Splits `files` into those one post carries (see [`Self::fits`]) and the rest.
    pub fn fit(&self, files: Vec<ChatFile>) -> (Vec<ChatFile>, Vec<ChatFile>) {
        let fits = self.fits(files.iter().map(|f| f.data.len()));
        let (kept, left): (Vec<_>, Vec<_>) =
            files.into_iter().zip(fits).partition(|(_, fits)| *fits);
        (
            kept.into_iter().map(|(f, _)| f).collect(),
            left.into_iter().map(|(f, _)| f).collect(),
        )
    }
}

/// Where a work order card landed, so it can be edited later.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Posted {
    pub channel_id: String,
    pub message_id: String,
    pub thread_id: Option<String>,
}

/// Why a chat post did not happen, classified where the failure is born: a permanent one (the platform refused
/// the request itself, or our input can never be posted) is recorded and not retried, a transient one
/// (rate limit, server error, network) is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("permanent chat delivery failure")]
    Permanent(#[source] anyhow::Error),
    #[error("transient chat delivery failure")]
    Transient(#[source] anyhow::Error),
    /// The platform said to come back after `retry_after` (an HTTP 429): not a failure of the post itself.
    #[error("rate limited: retry after {retry_after:?}")]
    RateLimited {
        retry_after: std::time::Duration,
        #[source]
        source: anyhow::Error,
    },
}

impl SendError {
    /// True when retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// Adds context to the cause, keeping the classification.
    pub fn context(self, context: impl std::fmt::Display + Send + Sync + 'static) -> Self {
        match self {
            SendError::Permanent(e) => SendError::Permanent(e.context(context)),
            SendError::Transient(e) => SendError::Transient(e.context(context)),
            SendError::RateLimited {
                retry_after,
                source,
            } => SendError::RateLimited {
                retry_after,
                source: source.context(context),
            },
        }
    }

    /// When the platform asked to be called again (only for a rate limit).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            SendError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod file_limit_tests {
    use super::*;

    fn file(name: &str, size: usize) -> ChatFile {
        ChatFile {
            filename: name.into(),
            content_type: "image/jpeg".into(),
            data: vec![0; size],
        }
    }

    #[test]
    fn files_fit_in_order_up_to_every_limit() {
        let limits = FileLimits {
            max_files: 3,
            max_file_bytes: 10,
            max_total_bytes: 20,
        };
        let names = |v: &[ChatFile]| v.iter().map(|f| f.filename.clone()).collect::<Vec<_>>();
        let (kept, left) = limits.fit(vec![
            file("a", 8),
            file("huge", 11),
            file("b", 8),
            file("c", 5),
            file("d", 4),
            file("e", 1),
        ]);
        assert_eq!(names(&kept), ["a", "b", "d"]);
        assert_eq!(names(&left), ["huge", "c", "e"]);
        assert_eq!(FileLimits::DISCORD.max_files, 10);
    }
}

/// Posting to chat. Implementations never ping anyone except an explicit page role.
#[async_trait]
pub trait ChatOutbound: Send + Sync {
    /// Posts the work-order embed with buttons Acknowledge / Close / Reassign (custom ids encode
    /// the reference, e.g. `wo:ack:311-000123`) and opens a thread on it named after the
    /// reference and title. `page_role` (Some only for emergencies) is the only mention the bot
    /// ever makes; everything else posts with mentions disabled and untrusted text escaped.
    async fn post_work_order(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
    ) -> Result<Posted, SendError>;

    /// As [`Self::post_work_order`], with `files` attached to the card (the first image shown in it). A
    /// platform that cannot take files posts the card alone.
    async fn post_work_order_with_files(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
        files: &[ChatFile],
    ) -> Result<Posted, SendError> {
        let _ = files;
        self.post_work_order(channel_id, card, page_role).await
    }

    /// How many files, and how large, [`Self::post_work_order_with_files`] takes; `None` when the platform
    /// takes none (the card then names the files).
    fn file_limits(&self) -> Option<FileLimits> {
        None
    }

    /// Edits the embed (status, who, when); the buttons go once the card is closed.
    async fn update_work_order(
        &self,
        posted: &Posted,
        card: &WorkOrderCard,
    ) -> Result<(), SendError>;

    /// Posts `text` (plain; escaped here) with mentions disabled; returns the message id.
    async fn post_message(&self, channel_id: &str, text: &str) -> Result<String, SendError>;

    /// Sends `text` (plain; escaped here) to member `user_id` as a direct message, with mentions disabled. A
    /// member who does not take direct messages is [`DmOutcome::Closed`], not an error; by default (a platform
    /// without direct messages) every member is.
    async fn send_dm(&self, user_id: &str, text: &str) -> Result<DmOutcome, SendError> {
        let _ = (user_id, text);
        Ok(DmOutcome::Closed)
    }

    /// Posts a channel's digest of overdue work; returns its message id. By default, as a plain message.
    async fn post_digest(&self, channel_id: &str, digest: &Digest) -> Result<String, SendError> {
        self.post_message(channel_id, &digest_text(digest)).await
    }

    /// Replaces the digest posted as `message_id` in place. By default (a platform that cannot edit), posts
    /// it again.
    async fn edit_digest(
        &self,
        channel_id: &str,
        _message_id: &str,
        digest: &Digest,
    ) -> Result<(), SendError> {
        self.post_digest(channel_id, digest).await.map(drop)
    }
}

/// How a direct message to a member went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DmOutcome {
    /// Delivered; the message's id.
    Sent(String),
    /// The member does not take direct messages from the bot (Discord's 50007 "Cannot send messages to this
    /// user": DMs closed, or no server in common), or the platform has none: send it elsewhere.
    Closed,
}

/// A digest as one plain message.
fn digest_text(digest: &Digest) -> String {
    format!("{}\n{}", digest.title(), digest.lines(1800))
}

/// `/311 <subcommand>` as typed by a member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Command {
    New {
        text: String,
        /// The department the member files for, when they work for several.
        department: Option<String>,
    },
    Close {
        reference: Option<String>,
        note: String,
    },
    Reassign {
        reference: Option<String>,
        department: String,
        reason: Option<String>,
    },
    Status {
        reference: String,
    },
    Find {
        query: String,
    },
    Public {
        reference: Option<String>,
        text: String,
    },
    Overdue {
        department: Option<String>,
    },
    /// The member's own open internal requests.
    Mine,
    /// Open internal requests a department asked for (default: the member's).
    Asked {
        department: Option<String>,
    },
    /// Open internal requests assigned to a department (default: the member's).
    Owed {
        department: Option<String>,
    },
}

/// What a member did with a work order card's buttons (after the modal / select, if any).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum ButtonAction {
    Acknowledge,
    Close { note: String },
    Reassign { department: String },
}

/// Something a member did in chat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum ChatEvent {
    /// A member's message; `thread_parent` is Some(parent channel id) when `channel_id` is a thread.
    Message {
        channel_id: String,
        thread_parent: Option<String>,
        message_id: String,
        author: Member,
        text: String,
    },
    /// `/311 <sub>`; a `reference` of None means "the work order of the thread this was typed in".
    Command {
        channel_id: String,
        thread_parent: Option<String>,
        member: Member,
        command: Command,
    },
    /// The adapter opened thread `thread_id` (in `channel_id`) for a [`ChatReply::Thread`] that answered an
    /// event; `about` is the reply's own `about`, handed back so the service knows which thread is whose.
    ThreadOpened {
        channel_id: String,
        thread_id: String,
        about: String,
    },
    /// A work order card's button; `message_id` is the card's message.
    Button {
        channel_id: String,
        message_id: String,
        member: Member,
        reference: String,
        action: ButtonAction,
    },
}

/// How to answer a [`ChatEvent`]. Texts are [`Markdown`]: the bot's own formatting renders and untrusted
/// text is escaped where it is embedded (a `String` converts as untrusted); the adapter only bounds the
/// length and sends with mentions disabled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum ChatReply {
    Nothing,
    /// `ephemeral` only has an effect on interactions (slash commands, buttons); a message gets a
    /// plain reply.
    Reply {
        text: Markdown,
        ephemeral: bool,
    },
    /// Answer in a new thread opened on the member's message (for a slash command: on the answer). With
    /// `about`, the adapter reports the thread it opened as [`ChatEvent::ThreadOpened`].
    Thread {
        name: String,
        text: Markdown,
        #[serde(default)]
        about: Option<String>,
    },
}

/// The service side of chat.
#[async_trait]
pub trait ChatHandler: Send + Sync {
    async fn handle(&self, event: ChatEvent) -> ChatReply;
    /// (id, display name) for the Reassign select menu and the `/311 reassign` choices.
    fn departments(&self) -> Vec<(String, String)>;
}
