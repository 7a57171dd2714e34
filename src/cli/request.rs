//! `connect311 request show|list|ack|close|reassign|reopen|merge|new|asked|owed`: look at requests and their
//! history, and act on them as a trusted operator.

use std::path::Path;

use anyhow::Result;
use routing::{CloseReason, DepartmentId, RequestRef, Source, Status};

use super::open::{open_existing, Refusal};
use super::{one_line, refused};
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
    /// Close a request as a duplicate of another (both timelines show it; the resident is told).
    Merge {
        /// The duplicate, e.g. 311-000124.
        duplicate: RequestRef,
        /// The request it repeats.
        #[arg(long)]
        into: RequestRef,
    },
    /// Requests, newest first.
    List(ListArgs),
    /// File a report taken by phone or at the counter; or, with --on-behalf-of, an internal request.
    New(super::counter::NewArgs),
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
    /// open, acknowledged, closed or reopened.
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
    /// A department id of the city (e.g. streets).
    #[arg(long)]
    department: Option<DepartmentId>,
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[arg(long)]
    json: bool,
}

/// A status, or the list of valid ones.
fn parse_status(s: &str) -> Result<Status, String> {
    s.parse::<Status>().map_err(|_| {
        let valid: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown status `{s}` (valid: {})", valid.join(", "))
    })
}

pub async fn run(config: Option<&Path>, cmd: Cmd) -> Result<()> {
    // Filing may start a fresh installation; everything else works on requests that must already exist.
    let desk = match &cmd {
        Cmd::New(_) => crate::app::open(config).await?,
        _ => open_existing(config).await?,
    };
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
        Cmd::Merge { duplicate, into } => merge(&desk, duplicate, into).await?,
        Cmd::List(args) => list(&desk, args).await?,
        Cmd::New(args) => {
            let deliverers = crate::app::embedded_deliverers(&desk)?;
            super::counter::new(&desk, &operator(), args).await?;
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
        .ok_or_else(|| Refusal::usage(format!("no request {reference}")))?;
    let events = desk.store().events(reference).await?;
    let origin = desk.store().internal_origin(reference).await?;
    if json {
        let both = serde_json::json!({ "request": req, "internal": origin, "events": events });
        println!("{}", serde_json::to_string_pretty(&both)?);
        return Ok(());
    }
    print_request(desk, &req);
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
            desk.human_time(e.at),
            e.kind,
            e.actor,
            e.source,
            e.payload
        );
    }
    Ok(())
}

fn print_request(desk: &Desk, req: &Request) {
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
        desk.human_time(req.created_at),
        desk.human_time(req.response_due_at),
        desk.human_time(req.resolution_due_at)
    );
    if let Some(l) = req.linked_to {
        println!("  linked to:  {l}");
    }
    println!("  text:\n    {}", req.description.replace('\n', "\n    "));
}

/// `request list`: newest first, or the overdue ones oldest first.
async fn list(desk: &Desk, args: ListArgs) -> Result<()> {
    if let Some(d) = &args.department {
        if desk.city().department(d).is_none() {
            let valid: Vec<&str> = desk
                .city()
                .departments
                .iter()
                .map(|d| d.id.as_str())
                .collect();
            return Err(Refusal::usage(format!(
                "unknown department `{d}` (valid: {})",
                valid.join(", ")
            ))
            .into());
        }
    }
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
            desk.human_time(r.created_at),
            one_line(&r.subject, 50)
        );
    }
    Ok(())
}

/// A CLI operator acts as trusted staff; the action still goes through the lifecycle rules.
async fn act(desk: &Desk, reference: RequestRef, action: StaffAction) -> Result<()> {
    let actor = operator();
    let deliverers = crate::app::embedded_deliverers(desk)?;
    let req = desk.act(reference, &actor, action).await.map_err(refused)?;
    println!(
        "{} is now {} ({})",
        req.reference, req.status, req.department
    );
    crate::outbox_worker::drain(desk, &deliverers).await?;
    Ok(())
}

/// `request merge`: the duplicate closed and linked, the original's card counting one more reporter.
async fn merge(desk: &Desk, duplicate: RequestRef, into: RequestRef) -> Result<()> {
    let deliverers = crate::app::embedded_deliverers(desk)?;
    let req = desk
        .merge_duplicate(duplicate, into, &operator())
        .await
        .map_err(refused)?;
    println!(
        "{} is now {} as a duplicate of {into}",
        req.reference, req.status
    );
    crate::outbox_worker::drain(desk, &deliverers).await?;
    Ok(())
}

/// The shell's user, acting as trusted staff.
pub(super) fn operator() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    Actor {
        id: format!("cli:{user}"),
        name: user,
        source: Source::Cli,
        roles: Vec::new(),
        trusted_staff: true,
    }
}
