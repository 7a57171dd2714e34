//! `connect311 eval-routing FILE.csv`: accuracy, per-department precision/recall and a confusion matrix, for
//! the rules (and the configured model), a given model, or K-fold cross-validation of rules and model.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with at least the columns text, department, language.
    file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Score the rules together with this model file (from `train-routing`).
    #[arg(long, conflicts_with = "cross_validate")]
    model: Option<PathBuf>,
    /// K-fold cross-validation: train a model on K-1 folds of FILE, score rules + model on the held-out fold.
    #[arg(long, value_name = "K")]
    cross_validate: Option<usize>,
}

pub fn run(config: Option<&Path>, args: Args) -> Result<()> {
    let router = super::router_with(config, args.model.as_deref())?;
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
    if let Some(k) = args.cross_validate {
        return cross_validate(&router.without_model(), &rows, k, args.json);
    }
    eprintln!(
        "{} ...",
        match router.model() {
            Some(_) => "rules + model",
            None => "rules alone",
        }
    );
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

fn cross_validate(
    rules: &routing::Router,
    rows: &[routing::eval::EvalRow],
    k: usize,
    json: bool,
) -> Result<()> {
    eprintln!("{k}-fold cross-validation on {} rows ...", rows.len());
    let cv = routing::crossval::cross_validate(rules, rows, k, &routing::TrainOptions::default())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&cv)?);
    } else {
        print!("{cv}");
    }
    Ok(())
}
