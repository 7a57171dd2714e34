//! `connect311 outbox list [--failed]` and `outbox retry ID…|--all-failed`: what the service has to deliver,
//! what it gave up on and why, and queuing a failed delivery again once the cause is fixed.

use std::path::Path;

use anyhow::Result;
use routing::Source;

use super::open::{open_existing, Refusal};
use crate::desk::Desk;
use crate::store::{OutboxEntry, Repairer};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Outbox rows, newest first: id, state, kind, request, recipient, attempts, last error.
    List {
        /// Only the deliveries the outbox gave up on.
        #[arg(long)]
        failed: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Queue failed deliveries again (due now, attempts from zero; recorded on their requests).
    Retry {
        /// The rows to retry.
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        ids: Vec<i64>,
        /// Every row the outbox gave up on.
        #[arg(long)]
        all_failed: bool,
        /// Also deliver now (otherwise the running service delivers them within its poll interval).
        #[arg(long)]
        deliver: bool,
    },
}

pub async fn run(config: Option<&Path>, cmd: Cmd) -> Result<()> {
    let desk = open_existing(config).await?;
    match cmd {
        Cmd::List {
            failed,
            limit,
            json,
        } => list(&desk, failed, limit, json).await?,
        Cmd::Retry {
            ids,
            all_failed,
            deliver,
        } => retry(&desk, (!all_failed).then_some(ids), deliver).await?,
    }
    desk.store().close().await;
    Ok(())
}

async fn list(desk: &Desk, failed: bool, limit: i64, json: bool) -> Result<()> {
    let rows = desk.store().outbox_entries(failed, limit.max(0)).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!(
            "{}",
            if failed {
                "no failed deliveries"
            } else {
                "the outbox is empty"
            }
        );
    }
    for row in &rows {
        println!("{}", line(desk, row));
    }
    Ok(())
}

/// `12  failed     email           311-000004  j***@example.test  5 attempts  2026-03-02 09:00 EST  — 550 …`.
fn line(desk: &Desk, r: &OutboxEntry) -> String {
    let when = match (r.done_at, r.failed_at) {
        (Some(t), _) => format!("delivered {}", desk.human_time(t)),
        (None, Some(t)) => format!("gave up {}", desk.human_time(t)),
        (None, None) => format!("next try {}", desk.human_time(r.next_attempt_at)),
    };
    let error = r
        .last_error
        .as_deref()
        .map(|e| format!("  — {}", super::one_line(e, 120)))
        .unwrap_or_default();
    format!(
        "{:>6}  {:<9} {:<16} {:<10}  {:<28} {} attempt(s)  {when}{error}",
        r.id,
        r.state(),
        r.kind,
        r.reference.map_or("-".to_string(), |x| x.to_string()),
        super::one_line(r.recipient.as_deref().unwrap_or("-"), 28),
        r.attempts,
    )
}

async fn retry(desk: &Desk, ids: Option<Vec<i64>>, deliver: bool) -> Result<()> {
    if let Some(ids) = &ids {
        check_retryable(desk, ids).await?;
    }
    let deliverers = deliver
        .then(|| crate::app::embedded_deliverers(desk))
        .transpose()?;
    let actor = super::request::operator();
    let by = Repairer {
        actor: &actor.id,
        source: Source::Cli,
    };
    let queued = desk
        .store()
        .retry_failed_outbox(ids.as_deref(), &by, desk.now())
        .await?;
    for r in &queued {
        println!("queued again: {}", line(desk, r));
    }
    println!("{} row(s) queued again", queued.len());
    if let Some(d) = deliverers {
        let n = crate::outbox_worker::drain(desk, &d).await?;
        eprintln!("delivered {n} outbox row(s)");
    }
    Ok(())
}

/// Each named row exists and is failed; otherwise nothing is queued and the answer says which and why.
async fn check_retryable(desk: &Desk, ids: &[i64]) -> Result<()> {
    let mut problems = Vec::new();
    for id in ids {
        match desk.store().outbox_entry(*id).await? {
            None => problems.push(format!("no outbox row {id}")),
            Some(r) if r.state() != "failed" => {
                problems.push(format!("outbox row {id} is {}, not failed", r.state()))
            }
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Refusal::usage(format!("nothing queued: {}", problems.join("; "))).into())
    }
}
