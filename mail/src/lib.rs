//! Email channel for connect311: MIME → [`inbound::Inbound`], loop and bounce detection, reply stripping, signed
//! reply addresses, outbound composition and SMTP, the IMAP (plain, STARTTLS, TLS) / maildir intake workers, and
//! sender authentication from `Authentication-Results` ([`auth`]).
//!
//! This crate knows nothing of chat, the database or routing: the service hands it an [`imap::InboxHandler`] and
//! stores what [`inbound::parse`] returns, and of the raw bytes what [`inbound::storable_raw`] keeps. Both are
//! bounded in time and memory for any input (see `tests/mutation.rs`).

pub mod address;
pub mod auth;
pub mod bounce;
pub mod guard;
pub mod imap;
pub mod inbound;
pub mod maildir;
pub mod oauth;
pub mod observe;
pub mod outbound;
pub mod photo;
pub mod strip;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use inbound::{Address, Attachment, Inbound, Limits, ParseError};
