//! `connect311 request new --on-behalf-of DEPT`, `request asked DEPT`, `request owed DEPT`: internal requests
//! between departments from the shell.

use anyhow::{bail, Result};
use routing::DepartmentId;

use crate::desk::{Actor, Desk, InternalFiling, ListKind};

/// `request new`: files a request asked for by a department.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The department asking (e.g. parks).
    #[arg(long = "on-behalf-of")]
    pub(super) on_behalf_of: DepartmentId,
    /// The person asking (default: the operator).
    #[arg(long)]
    pub(super) by: Option<String>,
    /// Where the person hears of each step: a chat channel or thread id.
    #[arg(long)]
    pub(super) notify_chat: Option<String>,
    /// What is wrong, and where.
    #[arg(required = true)]
    pub(super) text: Vec<String>,
}

/// Files the request, delivers what it sends (work order post), prints the reference.
pub async fn new(desk: &Desk, actor: &Actor, args: NewArgs) -> Result<()> {
    let filing = InternalFiling {
        department: args.on_behalf_of,
        text: args.text.join(" "),
        person_name: args.by,
        notify_chat: args.notify_chat,
        notify_email: None,
    };
    let reference = desk
        .file_internal(actor, &filing)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let req = desk.store().request(reference).await?;
    match req {
        Some(r) => println!(
            "{reference} filed for {} → {} (due {})",
            filing.department,
            r.department,
            desk.human_time(r.resolution_due_at)
        ),
        None => bail!("{reference} vanished after filing"),
    }
    Ok(())
}

/// `request asked DEPT` / `request owed DEPT`: the same lines as `/311 asked` and `/311 owed`.
pub async fn list(desk: &Desk, kind: ListKind) -> Result<()> {
    let department = match &kind {
        ListKind::Asked(d) | ListKind::Owed(d) => Some(d),
        ListKind::Mine(_) => None,
    };
    if let Some(d) = department {
        if desk.city().department(d).is_none() {
            bail!("unknown department `{d}`");
        }
    }
    println!("{}", desk.internal_list(&kind).await?.to_text());
    Ok(())
}
