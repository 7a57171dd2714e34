//! Opening the service from settings: the store, the desk and the delivery channels (real or embedded).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use bots::chat::ChatOutbound;
use mail::outbound::MailSender;

use crate::chat_log::LogChat;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::desk::Desk;
use crate::outbox_worker::Deliverers;
use crate::store::Store;

/// Loads settings (file optional) and opens the desk on them.
pub async fn open(config: Option<&Path>) -> Result<Desk> {
    let settings = Settings::load(config)?;
    open_with(settings, Arc::new(SystemClock)).await
}

/// Opens the store named by `settings` (creating and migrating it) and the desk.
pub async fn open_with(settings: Settings, clock: Arc<dyn Clock>) -> Result<Desk> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
    let store = Store::connect(&settings.database_url()).await?;
    Desk::new(settings, store, clock)
}

/// The configured mail sender (SMTP), or .eml files under the data dir on embedded defaults.
pub fn mail_sender(desk: &Desk) -> Arc<dyn MailSender> {
    let s = &desk.settings;
    let loop_id = desk.settings.mail.address.clone();
    match &s.mail.smtp {
        Some(smtp) => Arc::new(mail::outbound::SmtpSender::new(
            &smtp.host, smtp.port, &loop_id,
        )),
        None => Arc::new(mail::outbound::FileSender::new(
            s.data_dir.join("outgoing-mail"),
        )),
    }
}

/// The local chat log used when no chat system is configured.
pub fn local_chat(desk: &Desk) -> Arc<dyn ChatOutbound> {
    Arc::new(LogChat::new(desk.settings.data_dir.join("chat")))
}

/// Deliverers for one-shot commands: real mail, and the local chat log unless Discord is configured.
pub fn embedded_deliverers(desk: &Desk) -> Deliverers {
    Deliverers {
        mail: mail_sender(desk),
        chat: local_chat(desk),
    }
}
