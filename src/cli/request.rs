//! `connect311 request show|list`: look at requests and their history.

use std::path::Path;

use anyhow::{Context, Result};
use routing::RequestRef;

use crate::clock::human;
use crate::store::RequestFilter;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// One request with its events.
    Show {
        /// The reference, e.g. 311-000123.
        reference: RequestRef,
        #[arg(long)]
        json: bool,
    },
    /// Requests, newest first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(config: Option<&Path>, cmd: Cmd) -> Result<()> {
    let desk = crate::app::open(config).await?;
    match cmd {
        Cmd::Show { reference, json } => {
            let req = desk
                .store
                .request(reference)
                .await?
                .with_context(|| format!("no request {reference}"))?;
            let events = desk.store.events(reference).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "request": req, "events": events })
                    )?
                );
                return Ok(());
            }
            println!("{}  [{}]  {}", req.reference, req.status, req.subject);
            println!(
                "  department: {}   category: {}   priority: {}   language: {}",
                req.department,
                req.category.as_deref().unwrap_or("-"),
                req.priority,
                req.language
            );
            if let Some(e) = &req.emergency {
                println!("  EMERGENCY: {e}");
            }
            println!(
                "  location:   {}",
                req.location_text.as_deref().unwrap_or("-")
            );
            println!("  requester:  {} (via {})", req.requester, req.source);
            println!(
                "  created:    {}   respond by {}   resolve by {}",
                human(req.created_at),
                human(req.response_due_at),
                human(req.resolution_due_at)
            );
            if let Some(l) = req.linked_to {
                println!("  linked to:  {l}");
            }
            println!("  text:\n    {}", req.description.replace('\n', "\n    "));
            println!("  events:");
            for e in events {
                println!(
                    "    {}  {:<18} by {:<28} via {:<6} {}",
                    human(e.at),
                    e.kind,
                    e.actor,
                    e.source,
                    e.payload
                );
            }
        }
        Cmd::List {
            status,
            department,
            limit,
            json,
        } => {
            let f = RequestFilter {
                status,
                department,
                requester: None,
                limit: Some(limit),
            };
            let reqs = desk.store.list_requests(&f).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reqs)?);
                return Ok(());
            }
            if reqs.is_empty() {
                println!("no requests");
            }
            for r in reqs {
                println!(
                    "{}  {:<12} {:<16} {:<20} {}  {}",
                    r.reference,
                    r.status,
                    r.department,
                    r.category.as_deref().unwrap_or("-"),
                    human(r.created_at),
                    one_line(&r.subject, 50)
                );
            }
        }
    }
    desk.store.close().await;
    Ok(())
}

fn one_line(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}
