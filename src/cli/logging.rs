//! Operator logging: the level from `CONNECT311_LOG` (or `RUST_LOG`), text or JSON lines on standard error.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

/// How log lines are written: `text` for people, `json` (one object per line) for a log collector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The environment variables read for the log filter, first found wins.
pub const LEVEL_VARS: [&str; 2] = ["CONNECT311_LOG", "RUST_LOG"];

/// Installs the global subscriber. `default` is the filter when neither variable is set (long-running
/// commands log what they do; one-shot commands keep their output clean). A filter that does not parse is
/// reported and the default used: a typo must not silence the service.
pub fn init(format: LogFormat, default: &str) {
    let _ = FORMAT.set(format);
    let (filter, problem) = filter(default);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    if let Some(p) = problem {
        tracing::warn!(problem = %p, "the log filter was not understood; using the default");
    }
}

/// The filter from the first level variable that is set, or `default`; and what was wrong with a bad one.
fn filter(default: &str) -> (EnvFilter, Option<String>) {
    for var in LEVEL_VARS {
        if let Ok(value) = std::env::var(var) {
            return match EnvFilter::try_new(&value) {
                Ok(f) => (f, None),
                Err(e) => (EnvFilter::new(default), Some(format!("{var}={value}: {e}"))),
            };
        }
    }
    (EnvFilter::new(default), None)
}

/// The format [`init`] installed (text until then).
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Lines for the operator at start-up (what is being served, where): as they are on a terminal, as one INFO
/// event each when the log is JSON, so that every line of standard error stays parseable.
pub fn banner(lines: &[String]) {
    if FORMAT.get() == Some(&LogFormat::Json) {
        for line in lines {
            tracing::info!(target: "connect311::banner", "{}", line.trim());
        }
    } else {
        for line in lines {
            eprintln!("{line}");
        }
    }
}
