//! `connect311 report`: volume, response times, SLA compliance, backlog, duplicates, reopen rate, hot spots.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use routing::DepartmentId;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// First day (YYYY-MM-DD, city time); default 28 days ago.
    #[arg(long)]
    from: Option<String>,
    /// Day after the last (YYYY-MM-DD, city time); default now.
    #[arg(long)]
    to: Option<String>,
    /// Only this department.
    #[arg(long)]
    department: Option<DepartmentId>,
    /// text, csv or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// Also draw weekly volume and SLA compliance per department to this SVG file.
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Instead, the department-to-department table of internal requests (asked, answered, median times, SLA).
    #[arg(long, conflicts_with = "chart")]
    internal: bool,
}

pub async fn run(config: Option<&Path>, args: Args) -> Result<()> {
    if !matches!(args.format.as_str(), "text" | "csv" | "json") {
        bail!("--format must be text, csv or json (got `{}`)", args.format);
    }
    let desk = super::open::open_existing(config).await?;
    if let Some(d) = &args.department {
        if desk.city().departments.iter().all(|x| &x.id != d) {
            let valid: Vec<&str> = desk
                .city()
                .departments
                .iter()
                .map(|d| d.id.as_str())
                .collect();
            return Err(super::Refusal::usage(format!(
                "unknown department `{d}` (valid: {})",
                valid.join(", ")
            ))
            .into());
        }
    }
    let now = desk.now();
    let to = match &args.to {
        Some(s) => crate::report::parse_day(&desk, s)?,
        None => now,
    };
    let from = match &args.from {
        Some(s) => crate::report::parse_day(&desk, s)?,
        None => to - 28 * 86_400_000,
    };
    if from >= to {
        bail!("--from must be before --to");
    }
    if args.internal {
        let table =
            crate::report::internal_table(&desk, from, to, args.department.as_ref()).await?;
        match args.format.as_str() {
            "json" => println!("{}", serde_json::to_string_pretty(&table)?),
            "csv" => print!("{}", table.to_csv()),
            _ => print!("{table}"),
        }
        desk.store().close().await;
        return Ok(());
    }
    let report = crate::report::build(&desk, from, to, args.department.as_ref()).await?;
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        "csv" => print!("{}", report.to_csv()),
        _ => println!("{report}"),
    }
    if let Some(path) = &args.chart {
        if path.extension().and_then(|e| e.to_str()) != Some("svg") {
            bail!("--chart writes SVG: give a file ending in .svg");
        }
        std::fs::write(path, report.svg_chart())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("chart written to {}", path.display());
    }
    desk.store().close().await;
    Ok(())
}
