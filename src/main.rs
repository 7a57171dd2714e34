//! The `connect311` binary: parse the command line, set up logging, run.

use clap::Parser;

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
    let cli = connect311::cli::Cli::parse();
    // Long-running commands log what they do; one-shot commands keep their output clean.
    let default = match cli.command {
        connect311::cli::Command::Serve | connect311::cli::Command::Ingest(_) => {
            "warn,connect311=info"
        }
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONNECT311_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match connect311::cli::run(cli).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("connect311: error: {e:#}");
            1
        }
    }
}
