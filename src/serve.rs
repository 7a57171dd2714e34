//! `connect311 serve`: wires the long-running workers together — inbox intake (IMAP IDLE or a local Maildir),
//! outbox delivery (SMTP or .eml files; Discord or a local chat log), the SLA sweeper and, when configured, the
//! HTTP side (health, metrics, Open311) — and stops them gracefully.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use async_trait::async_trait;
use mail::imap::{Disposition, InboxHandler};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

use crate::desk::{Desk, IngestOutcome};
use crate::outbox_worker::Deliverers;

/// Feeds inbox messages to the desk; the message is moved only after the desk committed.
pub struct DeskInbox(pub Desk);

#[async_trait]
impl InboxHandler for DeskInbox {
    async fn handle(&self, raw: &[u8]) -> anyhow::Result<Disposition> {
        match self.0.ingest_email(raw).await? {
            IngestOutcome::Quarantined { reason } => Ok(Disposition::Quarantine(reason)),
            _ => Ok(Disposition::Processed),
        }
    }
}

/// A running service: its workers and the token that stops them.
pub struct Running {
    pub desk: Desk,
    pub cancel: CancellationToken,
    /// Where the HTTP side listens (the real port when `[http] bind` asked for port 0); `None` when off.
    pub http_addr: Option<SocketAddr>,
    tracker: TaskTracker,
}

impl Running {
    /// Asks every worker to stop at a safe point and waits for them.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        self.desk.store.close().await;
    }
}

/// Starts every worker for `desk` with the given delivery channels and, when given, the chat gateway. Fails
/// (before anything runs) when the configured HTTP address cannot be bound. Needs a Tokio runtime.
pub fn start(
    desk: Desk,
    deliverers: Deliverers,
    gateway: Option<bots::discord::DiscordGateway>,
) -> Result<Running> {
    let cancel = CancellationToken::new();
    let tracker = TaskTracker::new();
    let mut http_addr = None;
    if let Some(http) = &desk.settings.http {
        let listener = crate::http::bind(http.bind)?;
        let addr = listener.local_addr().context("http.bind: bound address")?;
        info!(%addr, "HTTP side listening (health, metrics, /open311/v2)");
        http_addr = Some(addr);
        let (d, c) = (desk.clone(), cancel.clone());
        tracker.spawn(async move { crate::http::serve(listener, d, c).await });
    }
    if let Some(gw) = gateway {
        let handler: Arc<dyn bots::chat::ChatHandler> =
            Arc::new(crate::desk::ChatDesk(desk.clone()));
        let c = cancel.clone();
        tracker.spawn(async move {
            if let Err(e) = gw.run(handler, c).await {
                tracing::error!(error = format!("{e:#}"), "Discord gateway stopped");
            }
        });
    }
    let handler: Arc<dyn InboxHandler> = Arc::new(DeskInbox(desk.clone()));
    let m = &desk.settings.mail;
    match &m.imap {
        Some(imap) => {
            let mut cfg = mail::imap::ImapConfig::new(
                &imap.host,
                imap.effective_port(),
                &imap.username,
                imap.password.expose_secret(),
            )
            .with_security(match imap.security {
                crate::config::ImapSecurity::Tls => mail::imap::ImapSecurity::Tls,
                crate::config::ImapSecurity::Starttls => mail::imap::ImapSecurity::StartTls,
                crate::config::ImapSecurity::Plain => mail::imap::ImapSecurity::Plain,
            });
            if let Some(ca) = &imap.ca_file {
                cfg = cfg.with_ca_file(ca.clone());
            }
            cfg.mailbox = imap.mailbox.clone();
            info!(host = %imap.host, user = %imap.username, "watching IMAP inbox");
            let c = cancel.clone();
            tracker.spawn(async move {
                if let Err(e) = mail::imap::run(cfg, handler, c).await {
                    tracing::error!(error = format!("{e:#}"), "IMAP worker stopped");
                }
            });
        }
        None => {
            let dir = desk.settings.data_dir.join("inbox");
            info!(dir = %dir.display(), "watching local Maildir inbox (drop messages into new/)");
            let c = cancel.clone();
            tracker.spawn(async move {
                if let Err(e) =
                    mail::maildir::run(dir, handler, Duration::from_millis(500), c).await
                {
                    tracing::error!(error = format!("{e:#}"), "Maildir worker stopped");
                }
            });
        }
    }
    #[cfg(unix)]
    {
        let (r, s, c) = (desk.router.clone(), desk.settings.clone(), cancel.clone());
        tracker.spawn(crate::routing_model::reload_on_hangup(r, s, c));
    }
    let (d2, c2) = (desk.clone(), cancel.clone());
    tracker.spawn(async move { crate::outbox_worker::run(d2, deliverers, c2).await });
    let (d3, c3) = (desk.clone(), cancel.clone());
    tracker.spawn(async move { crate::sweeper::run(d3, Duration::from_secs(60), c3).await });
    Ok(Running {
        desk,
        cancel,
        http_addr,
        tracker,
    })
}

/// Runs until Ctrl-C / SIGTERM.
pub async fn run(config: Option<&Path>) -> Result<()> {
    let desk = crate::app::open(config).await?;
    let (deliverers, gateway) = crate::app::channels(&desk);
    let running = start(desk, deliverers, gateway)?;
    print_banner(&running.desk, running.http_addr);
    shutdown_signal().await;
    info!("shutting down");
    running.shutdown().await;
    Ok(())
}

fn print_banner(desk: &Desk, http: Option<SocketAddr>) {
    let s = &desk.settings;
    eprintln!(
        "connect311 serving {} ({} departments, {} categories)",
        desk.city.city.name,
        desk.city.departments.len(),
        desk.city.categories.len()
    );
    eprintln!(
        "  database: {}",
        if s.database.url.is_some() {
            desk.store.dialect().to_string()
        } else {
            s.database_url()
        }
    );
    match &s.mail.imap {
        Some(i) => eprintln!(
            "  inbox:    imap ({:?}) {}@{}:{}/{}",
            i.security,
            i.username,
            i.host,
            i.effective_port(),
            i.mailbox
        ),
        None => eprintln!(
            "  inbox:    Maildir {} (drop .eml files into new/)",
            s.data_dir.join("inbox").display()
        ),
    }
    match &s.mail.smtp {
        Some(m) => eprintln!("  mail out: smtp://{}:{}", m.host, m.port),
        None => eprintln!(
            "  mail out: {} (one .eml per message)",
            s.data_dir.join("outgoing-mail").display()
        ),
    }
    match &s.routing.model {
        Some(m) => eprintln!(
            "  routing:  rules + model {} (kill -HUP to reload)",
            m.display()
        ),
        None => eprintln!(
            "  routing:  rules (add [routing] model = \"FILE\" from `connect311 train-routing`)"
        ),
    }
    eprintln!(
        "  chat:     {} (one .jsonl per channel)",
        s.data_dir.join("chat").display()
    );
    match http {
        Some(a) => eprintln!("  http:     http://{a}/health, /metrics, /open311/v2/services.json"),
        None => eprintln!("  http:     off (add [http] bind = \"127.0.0.1:8311\" to serve health, metrics, Open311)"),
    }
    eprintln!("  Ctrl-C to stop.");
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
