//! The command line: argument parsing and dispatch to one module per command.

pub mod check;
mod classify;
mod counter;
mod demo;
mod eval;
mod ingest;
mod internal;
pub mod logging;
mod open;
mod outbox;
mod quarantine;
mod report;
mod request;
mod train;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

pub use open::Refusal;

/// The crate version and the git commit it was built from (`build.rs`), for `--version`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CONNECT311_COMMIT"),
    ")"
);

const ENVIRONMENT: &str = "\
Environment:
  CONNECT311_CONFIG       the settings file (as --config)
  CONNECT311_LOG          what to log, as a tracing filter: a level (error, warn, info, debug, trace) or
                          per-module directives, e.g. `info` or `warn,connect311=debug`; RUST_LOG is read
                          when it is unset. Default: `warn,connect311=info` for serve and ingest, `warn`
                          for the other commands
  CONNECT311_LOG_FORMAT   text or json (as --log-format)
  CONNECT311__SECTION__KEY  overrides any settings key, e.g. CONNECT311__DATABASE__URL

Exit status: 0 done; 1 failed; 2 refused (a missing data directory or database, an unknown value);
75 (ingest) not stored, try again later.";

/// connect311 — a city's 311 desk in email and team chat.
#[derive(Debug, Parser)]
#[command(name = "connect311", version = VERSION, about, propagate_version = true, after_help = ENVIRONMENT)]
pub struct Cli {
    /// Service settings (TOML). Without it, embedded defaults: the example city, SQLite and local files under ./data.
    #[arg(long, short, global = true, env = "CONNECT311_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log lines as text (for people) or json (one object per line, for a log collector).
    #[arg(long, global = true, value_enum, default_value_t = logging::LogFormat::Text, env = "CONNECT311_LOG_FORMAT")]
    pub log_format: logging::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: inbox watcher, outbox delivery, chat bot.
    Serve,
    /// Explain the routing decision for a text.
    Classify(classify::Args),
    /// Measure the classifier on a labelled CSV (columns text, department, language); with a model, or
    /// cross-validated (train on K-1 folds, score the held-out one).
    EvalRouting(eval::Args),
    /// Learn a routing model from a labelled CSV or from this service's own closed and reassigned requests.
    TrainRouting(train::Args),
    /// Ingest one email (MTA pipe mode): a file, or - for standard input. Prints the request reference.
    Ingest(ingest::Args),
    /// Look at requests, act on them, file one taken by phone or at the counter, merge duplicates.
    #[command(subcommand)]
    Request(request::Cmd),
    /// Inbound mail set aside as unusable or failing: list, show, release (process again).
    #[command(subcommand)]
    Quarantine(quarantine::Cmd),
    /// Deliveries: list what is pending or failed, queue failed ones again.
    #[command(subcommand)]
    Outbox(outbox::Cmd),
    /// Managers' report: volume, response times, SLA compliance, backlog, duplicates, reopen rate, hot spots.
    Report(report::Args),
    /// Run one SLA sweep now (reminders, escalations, re-pages, follow-ups) and deliver what it queued.
    Sweep,
    /// Check a config file (service settings, city, or templates) and report what is wrong with it.
    CheckConfig(check::Args),
    /// Feed sample messages through the service and show what everyone would receive.
    Demo(demo::Args),
}

pub use check::check_text;

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Serve => crate::serve::run(config).await,
        Command::Classify(a) => classify::run(config, a),
        Command::EvalRouting(a) => eval::run(config, a),
        Command::TrainRouting(a) => train::run(config, a).await,
        Command::Ingest(a) => ingest::run(config, a).await,
        Command::Request(c) => request::run(config, c).await,
        Command::Quarantine(c) => quarantine::run(config, c).await,
        Command::Outbox(c) => outbox::run(config, c).await,
        Command::CheckConfig(a) => check::run(a),
        Command::Report(a) => report::run(config, a).await,
        Command::Sweep => {
            let desk = crate::app::open(config).await?;
            let deliverers = crate::app::embedded_deliverers(&desk)?;
            let s = crate::sweeper::sweep_once(&desk).await?;
            println!("{s}");
            let n = crate::outbox_worker::drain(&desk, &deliverers).await?;
            eprintln!("delivered {n} outbox row(s)");
            Ok(())
        }
        Command::Demo(a) => demo::run(a).await,
    }
}

/// The router for the configured (or example) city, with the configured `[routing] model` if any, without
/// opening a database.
pub(crate) fn router_for(
    config: Option<&std::path::Path>,
) -> Result<(routing::CityConfig, routing::Router)> {
    let settings = crate::config::Settings::load(config)?;
    let (city, origin) = crate::city::load(&settings)?;
    let rules = routing::Router::new(&city).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let router = crate::routing_model::configured(&rules, &settings)?;
    Ok((city, router))
}

/// The configured router, or the city's rules with the model file given on the command line.
pub(crate) fn router_with(
    config: Option<&std::path::Path>,
    model: Option<&std::path::Path>,
) -> Result<routing::Router> {
    let (_city, router) = router_for(config)?;
    match model {
        Some(path) => crate::routing_model::with_model_file(&router.without_model(), path),
        None => Ok(router),
    }
}

/// A desk refusal (unknown request, not allowed, not possible now) as a [`Refusal`] (exit 2); an unexpected
/// failure stays an error (exit 1).
pub(crate) fn refused(e: crate::desk::ActionError) -> anyhow::Error {
    match e {
        crate::desk::ActionError::Unexpected(e) => e,
        other => Refusal::usage(other.to_string()).into(),
    }
}

/// Whitespace folded to single spaces, cut to `max` characters with `…`.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}
