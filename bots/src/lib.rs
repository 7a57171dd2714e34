//! Chat channel for connect311: the chat seam ([`chat`]), the Discord adapter ([`discord`]) and,
//! behind the `standin` feature, a loopback Discord stand-in for tests ([`standin`]).

pub mod chat;
mod digest;
pub mod discord;
mod markdown;
#[cfg(feature = "standin")]
pub mod standin;

pub use chat::{
    ButtonAction, ChatEvent, ChatHandler, ChatOutbound, ChatReply, Command, DmOutcome, Member,
    Posted, SendError, WorkOrderCard,
};
