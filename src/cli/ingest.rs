//! `connect311 ingest FILE|-`: the MTA pipe. Exits 0 once the message is durably stored (or was already),
//! 75 (EX_TEMPFAIL) when storage failed so that the MTA retries, and never loses the message.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

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
    let mut raw = Vec::new();
    if args.file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut raw)
            .context("reading standard input")?;
    } else {
        raw = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
    }
    let desk = match crate::app::open(config).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("connect311 ingest: {e:#}");
            std::process::exit(EX_TEMPFAIL);
        }
    };
    // Transports are built before storing: a set-up that cannot deliver keeps the message with the MTA.
    let deliverers = match args.deliver.then(|| crate::app::embedded_deliverers(&desk)) {
        Some(Err(e)) => {
            eprintln!("connect311 ingest: {e:#}");
            std::process::exit(EX_TEMPFAIL);
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let outcome = match desk.ingest_email(&raw).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("connect311 ingest: not stored, try again later: {e:#}");
            std::process::exit(EX_TEMPFAIL);
        }
    };
    match &outcome {
        IngestOutcome::Created {
            reference,
            emergency,
        } => {
            println!("{reference}");
            eprintln!(
                "created {reference}{}",
                if *emergency {
                    " (EMERGENCY: dispatch alerted)"
                } else {
                    ""
                }
            );
        }
        IngestOutcome::Appended { reference, action } => {
            println!("{reference}");
            eprintln!("{action} on {reference}");
        }
        IngestOutcome::Duplicate { reference } => {
            if let Some(r) = reference {
                println!("{r}");
            }
            eprintln!("already processed (same Message-ID): nothing done");
        }
        IngestOutcome::Automated { reference, reason } => {
            if let Some(r) = reference {
                println!("{r}");
            }
            eprintln!("automated mail, not answered: {reason}");
        }
        IngestOutcome::Bounce {
            reference,
            permanent,
        } => {
            if let Some(r) = reference {
                println!("{r}");
            }
            eprintln!(
                "delivery report ({})",
                if *permanent {
                    "permanent failure"
                } else {
                    "temporary"
                }
            );
        }
        IngestOutcome::Quarantined { reason } => eprintln!("quarantined: {reason}"),
    }
    if let Some(d) = deliverers {
        let n = crate::outbox_worker::drain(&desk, &d).await?;
        eprintln!("delivered {n} outbox row(s)");
    }
    desk.store.close().await;
    Ok(())
}
