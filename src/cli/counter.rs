//! `connect311 request new TEXT…`: a report taken by phone or at the counter, filed through the desk (routing,
//! emergency, duplicates, acknowledgement); with `--on-behalf-of DEPT`, an internal request instead.

use anyhow::Result;
use routing::DepartmentId;

use crate::desk::{Actor, CounterFiled, CounterReport, Desk};

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What is wrong, and where, as the resident told it.
    #[arg(required = true)]
    text: Vec<String>,
    /// The resident's email: they get the acknowledgement and every update by mail.
    #[arg(long, conflicts_with = "on_behalf_of")]
    email: Option<String>,
    /// The resident's name.
    #[arg(long, conflicts_with = "on_behalf_of")]
    name: Option<String>,
    /// The resident's phone number (a call back; no message is sent to it).
    #[arg(long, conflicts_with = "on_behalf_of")]
    phone: Option<String>,
    /// Send it to this department instead of the one the rules choose (an emergency still goes to dispatch).
    #[arg(long, conflicts_with = "on_behalf_of")]
    department: Option<DepartmentId>,
    /// Where the problem is, when the text does not say.
    #[arg(long, conflicts_with = "on_behalf_of")]
    address: Option<String>,
    /// Instead: an internal request asked for by this department (e.g. parks).
    #[arg(long = "on-behalf-of")]
    on_behalf_of: Option<DepartmentId>,
    /// With --on-behalf-of: the person asking (default: the operator).
    #[arg(long, requires = "on_behalf_of")]
    by: Option<String>,
    /// With --on-behalf-of: where the person hears of each step (a chat channel or thread id).
    #[arg(long, requires = "on_behalf_of")]
    notify_chat: Option<String>,
}

/// Files the report or the internal request and prints what became of it.
pub async fn new(desk: &Desk, actor: &Actor, args: NewArgs) -> Result<()> {
    if let Some(on_behalf_of) = args.on_behalf_of {
        let internal = super::internal::NewArgs {
            on_behalf_of,
            by: args.by,
            notify_chat: args.notify_chat,
            text: args.text,
        };
        return super::internal::new(desk, actor, internal).await;
    }
    let report = CounterReport {
        text: args.text.join(" "),
        email: args.email,
        name: args.name,
        phone: args.phone,
        department: args.department,
        address: args.address,
    };
    let filed = desk
        .file_counter(actor, &report)
        .await
        .map_err(super::refused)?;
    print_filed(desk, &filed).await
}

/// The reference to read to the resident, where it went, and what they will hear.
async fn print_filed(desk: &Desk, f: &CounterFiled) -> Result<()> {
    let req = desk
        .store()
        .request(f.reference)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{} vanished after filing", f.reference))?;
    let dept = desk.department_name(&f.department, routing::Language::En);
    println!("{}", f.reference);
    match f.duplicate_of {
        Some(orig) => eprintln!(
            "{} is the same problem as {orig} ({dept}), already being worked on: linked to it",
            f.reference
        ),
        None => eprintln!(
            "{} filed for {dept}; respond by {}, resolve by {}",
            f.reference,
            desk.human_time(req.response_due_at),
            desk.human_time(req.resolution_due_at)
        ),
    }
    if f.emergency {
        eprintln!(
            "EMERGENCY: dispatch alerted. If anyone is in danger, transfer the caller to 911 now."
        );
    }
    if f.override_ignored {
        eprintln!("(the department you chose was not used: emergencies go to dispatch)");
    }
    if f.acknowledged {
        eprintln!("acknowledgement emailed to {}", req.requester);
    }
    Ok(())
}
