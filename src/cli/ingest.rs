//! `connect311 ingest FILE|-`: the MTA pipe. Exits 0 once the message is durably stored (or was already),
//! 75 (EX_TEMPFAIL) when storage failed so that the MTA retries, and never loses the message.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use routing::RequestRef;

use crate::desk::IngestOutcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The message file, or - for standard input.
    file: PathBuf,
    /// Also deliver the resulting outbox rows now (otherwise the running service delivers them).
    #[arg(long)]
    deliver: bool,
}

/// Exit status asking the MTA to try again later.
pub const EX_TEMPFAIL: i32 = 75;

pub async fn run(config: Option<&Path>, args: Args) -> Result<()> {
    let raw = read_message(&args.file)?;
    let desk = crate::app::open(config)
        .await
        .unwrap_or_else(|e| tempfail(&e));
    // Transports are built before storing: a set-up that cannot deliver keeps the message with the MTA.
    let deliverers = args
        .deliver
        .then(|| crate::app::embedded_deliverers(&desk))
        .transpose()
        .unwrap_or_else(|e| tempfail(&e));
    let outcome = match desk.ingest_email(&raw).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("connect311 ingest: not stored, try again later: {e:#}");
            std::process::exit(EX_TEMPFAIL);
        }
    };
    report(&outcome);
    if let Some(d) = deliverers {
        let n = crate::outbox_worker::drain(&desk, &d).await?;
        eprintln!("delivered {n} outbox row(s)");
    }
    desk.store().close().await;
    Ok(())
}

/// The message from `file`, or from standard input for `-`.
fn read_message(file: &Path) -> Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut raw = Vec::new();
        std::io::stdin()
            .read_to_end(&mut raw)
            .context("reading standard input")?;
        Ok(raw)
    } else {
        std::fs::read(file).with_context(|| format!("reading {}", file.display()))
    }
}

/// Leaves the message with the MTA, which will try again later.
fn tempfail(e: &anyhow::Error) -> ! {
    eprintln!("connect311 ingest: {e:#}");
    std::process::exit(EX_TEMPFAIL);
}

/// The request's reference on standard output (for scripts), what happened on standard error.
fn report(outcome: &IngestOutcome) {
    match outcome {
        IngestOutcome::Created {
            reference,
            emergency,
        } => {
            println!("{reference}");
            let alert = if *emergency {
                " (EMERGENCY: dispatch alerted)"
            } else {
                ""
            };
            eprintln!("created {reference}{alert}");
        }
        IngestOutcome::Appended { reference, action } => {
            println!("{reference}");
            eprintln!("{action} on {reference}");
        }
        IngestOutcome::Duplicate { reference } => {
            print_reference(reference.as_ref());
            eprintln!("already processed (same Message-ID): nothing done");
        }
        IngestOutcome::Automated { reference, reason } => {
            print_reference(reference.as_ref());
            eprintln!("automated mail, not answered: {reason}");
        }
        IngestOutcome::Bounce {
            reference,
            permanent,
        } => {
            print_reference(reference.as_ref());
            let kind = if *permanent {
                "permanent failure"
            } else {
                "temporary"
            };
            eprintln!("delivery report ({kind})");
        }
        IngestOutcome::Quarantined { reason } => eprintln!("quarantined: {reason}"),
    }
}

fn print_reference(reference: Option<&RequestRef>) {
    if let Some(r) = reference {
        println!("{r}");
    }
}
