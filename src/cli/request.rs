//! `connect311 request show|list|ack|close|reassign|reopen|new|asked|owed`: look at requests and their
//! history, and act on them as a trusted operator.

use std::path::Path;

use anyhow::{Context, Result};
use routing::{CloseReason, DepartmentId, RequestRef, Source, Status};

use crate::clock::human;
use crate::desk::{Actor, Desk, ListKind, StaffAction};
use crate::store::{Request, RequestFilter};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// One request with its events.
    Show {
        /// The reference, e.g. 311-000123.
        reference: RequestRef,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a request (the department has seen it).
    Ack { reference: RequestRef },
    /// Close a request; the note is emailed to the resident.
    Close {
        reference: RequestRef,
        /// What was done (the resident reads this).
        #[arg(long)]
        note: String,
        /// resolved, duplicate, not_city or unresolvable.
        #[arg(long, default_value = "resolved")]
        reason: CloseReason,
    },
    /// Move a request to another department.
    Reassign {
        reference: RequestRef,
        department: DepartmentId,
        #[arg(long)]
        why: Option<String>,
    },
    /// Reopen a closed request.
    Reopen {
        reference: RequestRef,
        #[arg(long)]
        why: String,
    },
    /// Requests, newest first.
    List(ListArgs),
    /// File an internal request asked for by a department.
    New(super::internal::NewArgs),
    /// Open internal requests a department asked for.
    Asked { department: DepartmentId },
    /// Open internal requests a department owes others.
    Owed { department: DepartmentId },
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only requests past their response or resolution target.
    #[arg(long)]
    overdue: bool,
    #[arg(long)]
    status: Option<Status>,
    #[arg(long)]
    department: Option<DepartmentId>,
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[arg(long)]
    json: bool,
}

pub async fn run(config: Option<&Path>, cmd: Cmd) -> Result<()> {
    let desk = crate::app::open(config).await?;
    match cmd {
        Cmd::Show { reference, json } => show(&desk, reference, json).await?,
        Cmd::Ack { reference } => act(&desk, reference, StaffAction::Acknowledge).await?,
        Cmd::Close {
            reference,
            note,
            reason,
        } => act(&desk, reference, StaffAction::Close { reason, note }).await?,
        Cmd::Reassign {
            reference,
            department,
            why,
        } => {
            let action = StaffAction::Reassign {
                to: department,
                why,
            };
            act(&desk, reference, action).await?
        }
        Cmd::Reopen { reference, why } => {
            act(&desk, reference, StaffAction::Reopen { why }).await?
        }
        Cmd::List(args) => list(&desk, args).await?,
        Cmd::New(args) => {
            let deliverers = crate::app::embedded_deliverers(&desk)?;
            super::internal::new(&desk, &operator(), args).await?;
            crate::outbox_worker::drain(&desk, &deliverers).await?;
        }
        Cmd::Asked { department } => {
            super::internal::list(&desk, ListKind::Asked(department)).await?
        }
        Cmd::Owed { department } => {
            super::internal::list(&desk, ListKind::Owed(department)).await?
        }
    }
    desk.store().close().await;
    Ok(())
}

/// `request show`: the request and its events, as JSON or for reading.
async fn show(desk: &Desk, reference: RequestRef, json: bool) -> Result<()> {
    let req = desk
        .store()
        .request(reference)
        .await?
        .with_context(|| format!("no request {reference}"))?;
    let events = desk.store().events(reference).await?;
    let origin = desk.store().internal_origin(reference).await?;
    if json {
        let both = serde_json::json!({ "request": req, "internal": origin, "events": events });
        println!("{}", serde_json::to_string_pretty(&both)?);
        return Ok(());
    }
    print_request(&req);
    if let Some(o) = &origin {
        println!(
            "  asked by:   {} (internal request)",
            desk.asked_by_label(o)
        );
    }
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
    Ok(())
}

fn print_request(req: &Request) {
    println!("{}  [{}]  {}", req.reference, req.status, req.subject);
    println!(
        "  department: {}   category: {}   priority: {}   language: {}",
        req.department,
        req.category.as_ref().map_or("-", |c| c.as_str()),
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
}

/// `request list`: newest first, or the overdue ones oldest first.
async fn list(desk: &Desk, args: ListArgs) -> Result<()> {
    let reqs = if args.overdue {
        let (now, department) = (desk.now(), args.department.as_ref());
        desk.store()
            .overdue_first(now, department, args.limit.max(0))
            .await?
    } else {
        let f = RequestFilter {
            status: args.status,
            department: args.department,
            requester: None,
            limit: Some(args.limit),
        };
        desk.store().list_requests(&f).await?
    };
    if args.json {
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
            r.category.as_ref().map_or("-", |c| c.as_str()),
            human(r.created_at),
            one_line(&r.subject, 50)
        );
    }
    Ok(())
}

/// A CLI operator acts as trusted staff; the action still goes through the lifecycle rules.
async fn act(desk: &Desk, reference: RequestRef, action: StaffAction) -> Result<()> {
    let actor = operator();
    let deliverers = crate::app::embedded_deliverers(desk)?;
    let req = desk
        .act(reference, &actor, action)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} is now {} ({})",
        req.reference, req.status, req.department
    );
    crate::outbox_worker::drain(desk, &deliverers).await?;
    Ok(())
}

/// The shell's user, acting as trusted staff.
fn operator() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Actor {
        id: format!("cli:{user}"),
        name: user,
        source: Source::Cli,
        roles: Vec::new(),
        trusted_staff: true,
    }
}

fn one_line(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}
