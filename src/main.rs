//! The `connect311` binary: parse the command line, set up logging, run.

use clap::Parser;

#[tokio::main]
async fn main() {
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
    if let Err(e) = connect311::cli::run(cli).await {
        eprintln!("connect311: error: {e:#}");
        std::process::exit(1);
    }
}
