//! `connect311 train-routing`: learns a routing model from a labelled CSV or from the service's own database
//! (requests departments closed; staff reassignments count as corrections) and writes the model file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use routing::{DepartmentId, TrainOptions, TrainingRow};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV with columns text and department (category and language optional).
    #[arg(
        required_unless_present = "from_database",
        conflicts_with = "from_database"
    )]
    file: Option<PathBuf>,
    /// Learn from this service's database: closed requests with the department that closed them, and
    /// requests staff reassigned (counted as corrections of the first routing).
    #[arg(long)]
    from_database: bool,
    /// Where to write the model (then set `[routing] model` to it and send the service SIGHUP).
    #[arg(long)]
    out: PathBuf,
    /// Seed of the training shuffles: the same rows and seed give the same model.
    #[arg(long, default_value_t = 311)]
    seed: u64,
    /// How much a request staff reassigned counts, against 1 for a plain closed request.
    #[arg(long, default_value_t = 2.0)]
    correction_weight: f32,
}

pub async fn run(config: Option<&Path>, args: Args) -> Result<()> {
    let (_city, router) = super::router_for(config)?;
    let rules = router.without_model();
    let rows = match &args.file {
        Some(file) => read_csv(file)?,
        None => from_database(config, args.correction_weight).await?,
    };
    let opts = TrainOptions {
        seed: args.seed,
        ..TrainOptions::default()
    };
    let model = rules.train_model(&rows, &opts)?;
    let summary = model.summary().clone();
    let checked = rules
        .with_model(model)
        .context("the rows name a department the city config does not have")?;
    let bytes = checked.model().map(|m| m.to_bytes()).unwrap_or_default();
    write_atomically(&args.out, &bytes)?;
    println!(
        "trained on {} row(s) ({} skipped: triage or dispatch); wrote {} ({} bytes)",
        summary.rows,
        summary.skipped,
        args.out.display(),
        bytes.len()
    );
    for (d, n) in &summary.per_department {
        println!("  {d:<18} {n:>6}");
    }
    Ok(())
}

/// Rows of a CSV with at least `text` and `department`; `category` and `language` when present.
pub(super) fn read_csv(path: &Path) -> Result<Vec<TrainingRow>> {
    let mut rdr =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(ti), Some(di)) = (col("text"), col("department")) else {
        bail!(
            "{}: needs columns text and department (found: {})",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let (ci, li) = (col("category"), col("language"));
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}", path.display(), n + 2))?;
        let field = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let department = field(Some(di))
            .with_context(|| format!("{}: row {}: empty department", path.display(), n + 2))?;
        rows.push(TrainingRow {
            text: rec.get(ti).unwrap_or_default().to_string(),
            department: DepartmentId::new(department),
            category: field(ci).map(routing::CategoryId::new),
            language: field(li).and_then(|l| l.parse().ok()),
            weight: 1.0,
        });
    }
    Ok(rows)
}

async fn from_database(config: Option<&Path>, correction_weight: f32) -> Result<Vec<TrainingRow>> {
    let desk = crate::app::open(config).await?;
    let examples = desk.store().training_examples().await?;
    desk.store().close().await;
    let corrected = examples.iter().filter(|e| e.corrected).count();
    eprintln!(
        "{} past request(s) from the database, {corrected} of them reassigned by staff",
        examples.len()
    );
    Ok(examples
        .into_iter()
        .map(|e| TrainingRow {
            text: e.text,
            department: e.department,
            category: None,
            language: Some(e.language),
            weight: if e.corrected { correction_weight } else { 1.0 },
        })
        .collect())
}

/// Writes next to `path` and renames, so that a service reloading on SIGHUP never reads half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes).context("writing the model")?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
