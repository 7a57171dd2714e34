//! `connect311 classify`: explain a routing decision, for one text or a JSON-lines stream.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
    /// Read lines {"id":..,"text":..} from stdin, write one JSON decision per line.
    #[arg(long, conflicts_with = "text")]
    jsonl: bool,
    /// A model file from `train-routing` (instead of `[routing] model`).
    #[arg(long)]
    model: Option<std::path::PathBuf>,
    /// The text to classify (subject and body).
    #[arg(required_unless_present = "jsonl")]
    text: Vec<String>,
}

#[derive(Deserialize)]
struct Line {
    id: serde_json::Value,
    text: String,
}

pub fn run(config: Option<&Path>, args: Args) -> Result<()> {
    let router = super::router_with(config, args.model.as_deref())?;
    if args.jsonl {
        let stdin = std::io::stdin();
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for (n, line) in stdin.lock().lines().enumerate() {
            let line = line.context("reading stdin")?;
            if line.trim().is_empty() {
                continue;
            }
            let item: Line = serde_json::from_str(&line)
                .with_context(|| format!("line {}: expected {{\"id\":..,\"text\":..}}", n + 1))?;
            let d = router.classify(&item.text);
            let mut v = serde_json::to_value(&d)?;
            v["id"] = item.id;
            writeln!(out, "{v}")?;
        }
        out.flush()?;
        return Ok(());
    }
    let text = args.text.join(" ");
    let d = router.classify(&text);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    println!("department:  {}", d.department);
    println!(
        "category:    {}",
        d.category
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into())
    );
    println!(
        "emergency:   {}",
        d.emergency
            .as_ref()
            .map(|e| format!("{:?} ({})", e.kind, e.matched))
            .unwrap_or_else(|| "no".into())
    );
    println!("language:    {}", d.language);
    println!(
        "location:    {}",
        d.location
            .as_ref()
            .map(|l| format!("{} [{:?}]", l.text, l.kind))
            .unwrap_or_else(|| "-".into())
    );
    println!("priority:    {}", d.priority);
    println!(
        "targets:     respond {}h, resolve {}h",
        d.response_hours, d.resolution_hours
    );
    println!("reasons:");
    for r in &d.reasons {
        println!("  - {r}");
    }
    Ok(())
}
