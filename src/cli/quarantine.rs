//! `connect311 quarantine list|show ID|release ID`: the inbound mail that was set aside (unreadable, or it kept
//! failing), what it was, and processing it again through the desk once the cause is fixed.

use std::path::Path;

use anyhow::Result;

use super::open::{open_existing, Refusal};
use crate::desk::{Desk, IngestOutcome};
use crate::store::QuarantinedMessage;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Quarantined messages, newest first: id, when, sender, subject, why.
    List {
        /// Released ones too (with who released them and what became of them).
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One quarantined message: its record and the start of the message as received.
    Show {
        id: i64,
        /// The whole message as kept, to standard output (e.g. to save as .eml).
        #[arg(long)]
        raw: bool,
    },
    /// Process a quarantined message again through the desk (recorded on the message and its request).
    Release { id: i64 },
}

pub async fn run(config: Option<&Path>, cmd: Cmd) -> Result<()> {
    let desk = open_existing(config).await?;
    match cmd {
        Cmd::List { all, limit, json } => list(&desk, all, limit, json).await?,
        Cmd::Show { id, raw } => show(&desk, id, raw).await?,
        Cmd::Release { id } => release(&desk, id).await?,
    }
    desk.store().close().await;
    Ok(())
}

async fn list(desk: &Desk, all: bool, limit: i64, json: bool) -> Result<()> {
    let rows = desk.store().quarantined(all, limit.max(0)).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no quarantined messages");
    }
    for m in rows {
        println!(
            "{:>5}  {}  {:<11} {:<28} {}  — {}",
            m.id,
            desk.human_time(m.received_at),
            m.disposition,
            super::one_line(&sender(&m), 28),
            super::one_line(&subject(&m), 40),
            super::one_line(m.reason.as_deref().unwrap_or("-"), 90)
        );
    }
    Ok(())
}

async fn show(desk: &Desk, id: i64, raw_out: bool) -> Result<()> {
    let Some((m, raw)) = desk.store().quarantined_message(id).await? else {
        return Err(Refusal::usage(format!("no quarantined message {id}")).into());
    };
    if raw_out {
        use std::io::Write;
        std::io::stdout().write_all(&raw)?;
        return Ok(());
    }
    print_record(desk, &m);
    let text = String::from_utf8_lossy(&raw[..raw.len().min(PREVIEW_BYTES)]);
    println!(
        "  message (first {} of {} bytes):",
        text.len().min(raw.len()),
        raw.len()
    );
    for line in text.lines().take(PREVIEW_LINES) {
        println!("    {}", printable(line));
    }
    Ok(())
}

const PREVIEW_BYTES: usize = 4096;
const PREVIEW_LINES: usize = 40;

fn print_record(desk: &Desk, m: &QuarantinedMessage) {
    println!("message {}  [{}]", m.id, m.disposition);
    println!("  received:   {}", desk.human_time(m.received_at));
    println!("  from:       {}", sender(m));
    println!("  subject:    {}", subject(m));
    println!("  id:         {}", m.external_id);
    println!("  why:        {}", m.reason.as_deref().unwrap_or("-"));
}

/// Who sent it: as recorded, or (a message quarantined before it was read) its `From:` header line.
fn sender(m: &QuarantinedMessage) -> String {
    m.sender
        .clone()
        .or_else(|| header(&m.head, "from"))
        .unwrap_or_else(|| "(no sender)".into())
}

fn subject(m: &QuarantinedMessage) -> String {
    m.subject
        .clone()
        .or_else(|| header(&m.head, "subject"))
        .unwrap_or_else(|| "(no subject)".into())
}

/// A header's first line from the raw head, without parsing MIME (a message may be quarantined because
/// parsing it is what failed).
fn header(head: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let headers = text.split("\r\n\r\n").next()?.split("\n\n").next()?;
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| printable(value.trim()))
    })
}

/// Control characters shown as `�`, so that a hostile message cannot drive the operator's terminal.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

async fn release(desk: &Desk, id: i64) -> Result<()> {
    let deliverers = crate::app::embedded_deliverers(desk)?;
    let released = desk
        .release_quarantined(id, &super::request::operator())
        .await
        .map_err(super::refused)?;
    match (&released.outcome, released.quarantined_again) {
        (IngestOutcome::Quarantined { reason }, again) => {
            let at = again
                .map(|n| format!(" as message {n}"))
                .unwrap_or_default();
            println!("message {id} released, and quarantined again{at}: {reason}");
        }
        (outcome, _) => println!("message {id} released: {outcome}"),
    }
    crate::outbox_worker::drain(desk, &deliverers).await?;
    Ok(())
}
