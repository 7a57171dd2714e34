//! Opening the service from settings: the store, the desk and the delivery channels (real or embedded).

use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use bots::chat::ChatOutbound;
use mail::outbound::MailSender;

use crate::chat_log::LogChat;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::desk::Desk;
use crate::outbox_worker::Deliverers;
use crate::store::Store;

mod transports;
pub use transports::{imap_config, smtp_options};

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

/// The configured mail sender (SMTP), or .eml files under the data dir on embedded defaults. Needs a Tokio
/// runtime (the SMTP pool spawns a task).
pub fn mail_sender(desk: &Desk) -> Result<Arc<dyn MailSender>> {
    let s = &desk.settings();
    let loop_id = &s.mail.address;
    Ok(match &s.mail.smtp {
        Some(smtp) => {
            let opts = smtp_options(&s.mail, smtp).map_err(|e| s.in_file(e))?;
            let sender = mail::outbound::SmtpSender::from_options(&opts, loop_id)
                .context("mail.smtp: the SMTP transport cannot start")
                .map_err(|e| s.in_file(e))?;
            Arc::new(sender)
        }
        None => Arc::new(mail::outbound::FileSender::new(
            s.data_dir.join("outgoing-mail"),
        )),
    })
}

/// The local chat log used when no chat system is configured.
pub fn local_chat(desk: &Desk) -> Arc<dyn ChatOutbound> {
    let mut names: std::collections::HashMap<String, String> = desk
        .city()
        .departments
        .iter()
        .filter_map(|d| Some((d.chat_channel.clone()?, d.id.to_string())))
        .collect();
    let policy = &desk.city().accountability;
    for (channel, name) in [
        (&policy.supervisor_channel, "supervisors"),
        (&policy.scorecard_channel, "scorecard"),
    ] {
        if let Some(c) = channel {
            names.insert(c.clone(), name.to_string());
        }
    }
    Arc::new(LogChat::new(desk.settings().data_dir.join("chat"), names))
}

/// Deliverers for one-shot commands: the configured mail sender, and the local chat log unless Discord is
/// configured (posting needs no gateway connection). Fails like [`channels`] when a transport cannot start.
pub fn embedded_deliverers(desk: &Desk) -> Result<Deliverers> {
    let (chat, _) = chat_channel(desk)?;
    Ok(Deliverers {
        mail: mail_sender(desk)?,
        chat,
    })
}

/// The delivery channels for `desk`, and the Discord gateway to run when Discord is configured. A configured
/// transport that cannot start (IMAP trust anchors, SMTP, Discord) is an error naming its settings key, unless
/// `discord.fallback_to_local` lets a broken Discord set-up post to the local chat log instead.
pub fn channels(desk: &Desk) -> Result<(Deliverers, Option<bots::discord::DiscordGateway>)> {
    check_inbox(desk.settings()).map_err(|e| desk.settings().in_file(e))?;
    let (chat, gateway) = chat_channel(desk)?;
    Ok((
        Deliverers {
            mail: mail_sender(desk)?,
            chat,
        },
        gateway,
    ))
}

/// What `check-config` can know about the transports without connecting: the first one that cannot start, or
/// notes about fallbacks that would be taken.
pub fn check_transports(s: &Settings) -> Result<Vec<String>> {
    check_inbox(s)?;
    if let Some(smtp) = &s.mail.smtp {
        mail::outbound::check_smtp_config(&smtp_options(&s.mail, smtp)?)
            .context("mail.smtp.ca_file")?;
    }
    match discord_config(s) {
        Ok(_) => Ok(Vec::new()),
        Err(e) if falls_back(s) => Ok(vec![format!(
            "{e:#}; discord.fallback_to_local is set, so chat posts would go to the local log"
        )]),
        Err(e) => Err(refuse_discord(e)),
    }
}

/// The start-up error for a Discord set-up that cannot work, saying how to run without it.
fn refuse_discord(e: anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{e:#}; Discord cannot start (set discord.fallback_to_local = true to post to the local chat log instead)"
    )
}

fn falls_back(s: &Settings) -> bool {
    s.discord.as_ref().is_some_and(|d| d.fallback_to_local)
}

/// Discord's REST half and gateway when configured and able to start; otherwise the local chat log.
fn chat_channel(
    desk: &Desk,
) -> Result<(Arc<dyn ChatOutbound>, Option<bots::discord::DiscordGateway>)> {
    let s = &desk.settings();
    let adapter = discord_config(s).and_then(|cfg| {
        cfg.map(|c| bots::discord::connect(&c).context("discord"))
            .transpose()
    });
    match adapter {
        Ok(Some((outbound, gateway))) => Ok((Arc::new(outbound), Some(gateway))),
        Ok(None) => Ok((local_chat(desk), None)),
        Err(e) if falls_back(s) => {
            tracing::error!(
                error = format!("{e:#}"),
                "Discord cannot start; discord.fallback_to_local is set, so chat posts go to the local log"
            );
            Ok((local_chat(desk), None))
        }
        Err(e) => Err(s.in_file(refuse_discord(e))),
    }
}

/// The adapter's settings from ours: `None` without `[discord]`, an error naming the key when a value cannot
/// work (an empty token, guild 0).
pub fn discord_config(s: &Settings) -> Result<Option<bots::discord::DiscordConfig>> {
    use secrecy::ExposeSecret;
    let Some(d) = s.discord.as_ref() else {
        return Ok(None);
    };
    let token = d.token.expose_secret().trim();
    if token.is_empty() {
        bail!("discord.token: is empty (set it in the file or as CONNECT311__DISCORD__TOKEN)");
    }
    if d.guild_id == 0 {
        bail!("discord.guild_id: must be the server's id, not 0");
    }
    Ok(Some(bots::discord::DiscordConfig {
        token: token.to_string(),
        guild_id: d.guild_id,
        intake_channel: d.intake_channel.clone(),
        api_proxy: d.api_proxy.clone(),
    }))
}

/// Whether the configured IMAP inbox could be watched as far as can be told without connecting (its trust
/// anchors load).
fn check_inbox(s: &Settings) -> Result<()> {
    match &s.mail.imap {
        Some(imap) => {
            mail::imap::check_config(&imap_config(&s.mail, imap)?).context("mail.imap.ca_file")
        }
        None => Ok(()),
    }
}
