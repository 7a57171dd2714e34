//! `connect311 serve`: wires the long-running workers together — inbox intake (IMAP IDLE or a local Maildir),
//! outbox delivery (SMTP or .eml files; Discord or a local chat log), the SLA sweeper and, when configured, the
//! HTTP side (health, metrics, Open311) — each under supervision (`crate::supervise`), and stops them gracefully.

mod desk_inbox;
mod inbox_lead;
mod planner_stats;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use mail::imap::InboxHandler;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

use crate::desk::Desk;
use crate::monitor::{Component, Monitor};
use crate::outbox_worker::Deliverers;
use crate::supervise::Supervisor;

pub use desk_inbox::DeskInbox;

/// A running service: its workers, what they report, and the token that stops them.
pub struct Running {
    pub desk: Desk,
    pub cancel: CancellationToken,
    /// Where the HTTP side listens (the real port when `[http] bind` asked for port 0); `None` when off.
    pub http_addr: Option<SocketAddr>,
    /// Every worker's state and the process-local counters (what `/health/ready` and `/metrics` show).
    pub monitor: Monitor,
    tracker: TaskTracker,
}

impl Running {
    /// Asks every worker to stop at a safe point and waits for them.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        self.desk.store().close().await;
    }
}

/// Starts every worker for `desk` under supervision (each is restarted with backoff when it fails or
/// panics), with the given delivery channels and, when given, the chat gateway. Fails (before anything runs)
/// when the configured HTTP address cannot be bound. Needs a Tokio runtime.
pub fn start(
    desk: Desk,
    deliverers: Deliverers,
    gateway: Option<bots::discord::DiscordGateway>,
) -> Result<Running> {
    let sup = Supervisor {
        tracker: TaskTracker::new(),
        cancel: CancellationToken::new(),
        monitor: Monitor::default(),
        policy: (&desk.settings().health).into(),
    };
    let http_addr = start_http(&sup, &desk)?;
    if let Some(gw) = gateway {
        start_chat(&sup, &desk, gw);
    }
    start_inbox(&sup, &desk)?;
    #[cfg(unix)]
    {
        let hup = crate::routing_model::listen_for_hangup()?;
        let (r, s, c) = (
            desk.router().clone(),
            desk.settings().clone(),
            sup.cancel.clone(),
        );
        sup.tracker
            .spawn(crate::routing_model::reload_on_hangup(hup, r, s, c));
    }
    let (d, c, m) = (desk.clone(), sup.cancel.clone(), sup.monitor.clone());
    sup.spawn(Component::Outbox, move || {
        let (d, dl, m, c) = (d.clone(), deliverers.clone(), m.clone(), c.clone());
        async move {
            crate::outbox_worker::run(d, dl, m, c).await;
            Ok(())
        }
    });
    sup.tracker.spawn(planner_stats::keep_fresh(
        desk.store().clone(),
        planner_stats::EVERY,
        sup.cancel.clone(),
    ));
    let (d, c) = (desk.clone(), sup.cancel.clone());
    sup.spawn(Component::Sweeper, move || {
        crate::sweeper::run(d.clone(), Duration::from_secs(60), c.clone())
    });
    Ok(Running {
        desk,
        cancel: sup.cancel,
        http_addr,
        monitor: sup.monitor,
        tracker: sup.tracker,
    })
}

/// Binds the HTTP side now (so a taken port fails start-up) and serves it; a restart binds the same address.
fn start_http(sup: &Supervisor, desk: &Desk) -> Result<Option<SocketAddr>> {
    let Some(http) = &desk.settings().http else {
        return Ok(None);
    };
    let listener = crate::http::bind(http.bind)?;
    let addr = listener.local_addr().context("http.bind: bound address")?;
    info!(%addr, "HTTP side listening (health, metrics, /open311/v2)");
    let state = crate::http::AppState {
        desk: desk.clone(),
        monitor: sup.monitor.clone(),
    };
    let first = Arc::new(Mutex::new(Some(listener)));
    let c = sup.cancel.clone();
    sup.spawn(Component::Http, move || {
        let (first, state, c) = (first.clone(), state.clone(), c.clone());
        async move {
            let bound = first.lock().unwrap_or_else(PoisonError::into_inner).take();
            let listener = match bound {
                Some(l) => l,
                None => crate::http::bind(addr)?,
            };
            crate::http::serve(listener, state, c).await
        }
    });
    Ok(Some(addr))
}

fn start_chat(sup: &Supervisor, desk: &Desk, gw: bots::discord::DiscordGateway) {
    let gw = gw.with_observer(sup.monitor.chat_probe());
    let handler: Arc<dyn bots::chat::ChatHandler> = Arc::new(crate::desk::ChatDesk(desk.clone()));
    let c = sup.cancel.clone();
    sup.spawn(Component::Chat, move || {
        gw.clone().run(handler.clone(), c.clone())
    });
}

/// The IMAP watcher when `[mail.imap]` is configured, else the local Maildir under the data dir.
fn start_inbox(sup: &Supervisor, desk: &Desk) -> Result<()> {
    let handler: Arc<dyn InboxHandler> = Arc::new(DeskInbox {
        desk: desk.clone(),
        monitor: sup.monitor.clone(),
    });
    let probe = sup.monitor.inbox_probe();
    let c = sup.cancel.clone();
    match &desk.settings().mail.imap {
        Some(imap) => {
            let settings = desk.settings();
            let cfg = crate::app::imap_config(&settings.mail, imap)
                .map_err(|e| settings.in_file(e))?
                .with_observer(probe);
            info!(host = %imap.host, user = %imap.username, "watching IMAP inbox (while this instance holds its lock)");
            let (store, m) = (desk.store().clone(), sup.monitor.clone());
            sup.spawn(Component::Inbox, move || {
                let (s, cfg, h, m, c) = (
                    store.clone(),
                    cfg.clone(),
                    handler.clone(),
                    m.clone(),
                    c.clone(),
                );
                inbox_lead::run(s, cfg, h, m, c)
            });
        }
        None => {
            let dir = desk.settings().data_dir.join("inbox");
            info!(dir = %dir.display(), "watching local Maildir inbox (drop messages into new/)");
            sup.spawn(Component::Inbox, move || {
                let poll = Duration::from_millis(500);
                mail::maildir::run(dir.clone(), handler.clone(), poll, probe.clone(), c.clone())
            });
        }
    }
    Ok(())
}

/// Runs until Ctrl-C / SIGTERM.
pub async fn run(config: Option<&Path>) -> Result<()> {
    let desk = crate::app::open(config).await?;
    let (deliverers, gateway) = crate::app::channels(&desk)?;
    let running = start(desk, deliverers, gateway)?;
    print_banner(&running.desk, running.http_addr);
    shutdown_signal().await;
    info!("shutting down");
    running.shutdown().await;
    Ok(())
}

fn print_banner(desk: &Desk, http: Option<SocketAddr>) {
    let s = &desk.settings();
    let mut out = Vec::new();
    out.push(format!(
        "connect311 serving {} ({} departments, {} categories)",
        desk.city().city.name,
        desk.city().departments.len(),
        desk.city().categories.len()
    ));
    out.push(format!(
        "  database: {}",
        if s.database.url.is_some() {
            desk.store().dialect().to_string()
        } else {
            s.database_url()
        }
    ));
    match &s.mail.imap {
        Some(i) => out.push(format!(
            "  inbox:    imap ({}) {}@{}:{}/{}",
            setting(&i.security),
            i.username,
            i.host,
            i.effective_port(),
            i.mailbox
        )),
        None => out.push(format!(
            "  inbox:    Maildir {} (drop .eml files into new/)",
            s.data_dir.join("inbox").display()
        )),
    }
    match &s.mail.smtp {
        Some(m) => out.push(format!(
            "  mail out: smtp ({}, auth {}) {}:{}",
            setting(&m.security),
            setting(&m.auth),
            m.host,
            m.effective_port()
        )),
        None => out.push(format!(
            "  mail out: {} (one .eml per message)",
            s.data_dir.join("outgoing-mail").display()
        )),
    }
    match &s.routing.model {
        Some(m) => out.push(format!(
            "  routing:  rules + model {} (kill -HUP to reload)",
            m.display()
        )),
        None => out.push(
            "  routing:  rules (add [routing] model = \"FILE\" from `connect311 train-routing`)"
                .into(),
        ),
    }
    out.push(format!(
        "  chat:     {} (one .jsonl per channel)",
        s.data_dir.join("chat").display()
    ));
    match http {
        Some(a) => out.push(format!("  http:     http://{a}/health/ready, /metrics, /open311/v2/services.json")),
        None => out.push(
            "  http:     off (add [http] bind = \"127.0.0.1:8311\" to serve health, metrics, Open311)".into(),
        ),
    }
    out.push("  Ctrl-C to stop.".into());
    crate::cli::logging::banner(&out);
}

/// A settings enum's value as written in the settings file (its variants are the file's lowercase words).
fn setting(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}").to_ascii_lowercase()
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
