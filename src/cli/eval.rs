//! `connect311 eval-routing FILE.csv`: accuracy, per-department precision/recall and a confusion matrix.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with at least the columns text, department, language.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(config: Option<&Path>, args: Args) -> Result<()> {
    let (_city, router) = super::router_for(config)?;
    let mut rdr = csv::Reader::from_path(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(ti), Some(di), Some(li)) = (col("text"), col("department"), col("language")) else {
        bail!(
            "{}: needs columns text, department, language (found: {})",
            args.file.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", args.file.display(), n + 2))?;
        rows.push(routing::eval::EvalRow {
            text: rec.get(ti).unwrap_or_default().to_string(),
            department: rec.get(di).unwrap_or_default().to_string(),
            language: rec.get(li).unwrap_or_default().to_string(),
        });
    }
    eprintln!(
        "classifying {} rows from {} ...",
        rows.len(),
        args.file.display()
    );
    let started = std::time::Instant::now();
    let report = routing::eval::evaluate(&router, &rows);
    eprintln!("done in {:.2?}", started.elapsed());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}
