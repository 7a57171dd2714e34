//! Opening the desk for a command: commands that only look at (or repair) what exists refuse to run on a data
//! directory or database that does not exist, instead of creating an empty one and answering "nothing".

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::desk::Desk;

/// An answer that is not a failure of the service: the command was asked for something that cannot be (a
/// missing database, an unknown value). The binary prints it without "error" and exits with `exit_code`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    message: String,
    code: i32,
}

impl Refusal {
    /// Exit status 2: the command line or the set-up named something that does not exist.
    pub fn usage(message: impl Into<String>) -> Refusal {
        Refusal {
            message: message.into(),
            code: 2,
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.code
    }
}

/// Opens the desk on an existing data directory and database; a [`Refusal`] (exit 2) naming what is missing
/// otherwise.
pub async fn open_existing(config: Option<&Path>) -> Result<Desk> {
    let settings = Settings::load(config)?;
    check_exists(&settings)?;
    crate::app::open_with(settings, Arc::new(SystemClock)).await
}

/// The data directory, and for SQLite the database file, must exist (PostgreSQL refuses a missing database
/// itself, without creating it).
fn check_exists(settings: &Settings) -> Result<()> {
    let where_from = settings.file.as_ref().map_or_else(
        || "the embedded defaults".to_string(),
        |f| f.display().to_string(),
    );
    let url = settings.database_url();
    let sqlite = !url.starts_with("postgres");
    let needs_dir = sqlite || settings.mail.reply_secret.is_none();
    if needs_dir && !settings.data_dir.is_dir() {
        return Err(Refusal::usage(format!(
            "the data directory {} does not exist (data_dir in {where_from}): nothing to show; \
             is this the right --config? (`connect311 serve` creates it)",
            settings.data_dir.display()
        ))
        .into());
    }
    if sqlite && !url.contains(":memory:") && !url.contains("mode=memory") {
        use std::str::FromStr;
        let file = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .map(|o| o.get_filename().to_path_buf())
            .map_err(|e| anyhow::anyhow!("database.url: `{url}` is not a SQLite URL: {e}"))?;
        if !file.is_file() {
            return Err(Refusal::usage(format!(
                "the database {} does not exist (database.url in {where_from}): nothing to show; \
                 is this the right --config? (`connect311 serve` creates it)",
                file.display()
            ))
            .into());
        }
    }
    Ok(())
}
