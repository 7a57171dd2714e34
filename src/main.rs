//! The `connect311` binary: parse the command line, set up logging, run.

use clap::Parser;
use connect311::cli::{logging, Cli, Command};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the Tokio runtime starts");
    let code = runtime.block_on(run());
    // A message parse that overran its deadline may still be running on a blocking thread: don't let it hold
    // the process after a clean stop.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    std::process::exit(code);
}

async fn run() -> i32 {
    let cli = Cli::parse();
    // Long-running commands log what they do; one-shot commands keep their output clean.
    let default = match cli.command {
        Command::Serve | Command::Ingest(_) => "warn,connect311=info",
        _ => "warn",
    };
    logging::init(cli.log_format, default);
    match connect311::cli::run(cli).await {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<connect311::cli::Refusal>() {
            Some(refusal) => {
                eprintln!("connect311: {refusal}");
                refusal.exit_code()
            }
            None => {
                eprintln!("connect311: error: {e:#}");
                1
            }
        },
    }
}
