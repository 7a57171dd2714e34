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

/// Opens the store named by `settings` (creating and migrating it) and the desk. Errors name the settings key
/// (`data_dir`, `database.url`) of what could not be opened.
pub async fn open_with(settings: Settings, clock: Arc<dyn Clock>) -> Result<Desk> {
    settings.check_paths().map_err(|e| settings.in_file(e))?;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("data_dir: cannot create {}", settings.data_dir.display()))
        .map_err(|e| settings.in_file(e))?;
    let store = Store::connect(&settings.database_url())
        .await
        .context("database.url")
        .map_err(|e| settings.in_file(e))?;
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
    let mut names: std::collections::HashMap<String, String> = desk
        .city
        .departments
        .iter()
        .map(|d| (d.chat_channel.clone(), d.id.to_string()))
        .collect();
    let policy = &desk.city.accountability;
    for (channel, name) in [
        (&policy.supervisor_channel, "supervisors"),
        (&policy.scorecard_channel, "scorecard"),
    ] {
        if let Some(c) = channel {
            names.insert(c.clone(), name.to_string());
        }
    }
    Arc::new(LogChat::new(desk.settings.data_dir.join("chat"), names))
}

/// Deliverers for one-shot commands: the configured mail sender, and the local chat log unless Discord is
/// configured (posting needs no gateway connection).
pub fn embedded_deliverers(desk: &Desk) -> Deliverers {
    let (d, _) = channels(desk);
    d
}

/// The delivery channels for `desk`, and the Discord gateway to run when Discord is configured.
pub fn channels(desk: &Desk) -> (Deliverers, Option<bots::discord::DiscordGateway>) {
    match discord_config(desk) {
        Some(cfg) => match bots::discord::connect(&cfg) {
            Ok((outbound, gateway)) => (
                Deliverers {
                    mail: mail_sender(desk),
                    chat: Arc::new(outbound),
                },
                Some(gateway),
            ),
            Err(e) => {
                tracing::error!(
                    error = format!("{e:#}"),
                    "Discord is misconfigured; chat posts go to the local log"
                );
                (
                    Deliverers {
                        mail: mail_sender(desk),
                        chat: local_chat(desk),
                    },
                    None,
                )
            }
        },
        None => (
            Deliverers {
                mail: mail_sender(desk),
                chat: local_chat(desk),
            },
            None,
        ),
    }
}

/// The adapter's settings from ours.
pub fn discord_config(desk: &Desk) -> Option<bots::discord::DiscordConfig> {
    use secrecy::ExposeSecret;
    let d = desk.settings.discord.as_ref()?;
    Some(bots::discord::DiscordConfig {
        token: d.token.expose_secret().to_string(),
        guild_id: d.guild_id,
        intake_channel: d.intake_channel.clone(),
        api_proxy: d.api_proxy.clone(),
    })
}
