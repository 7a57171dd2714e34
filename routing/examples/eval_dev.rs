//! Dev-only: evaluates the example city's router on a labelled CSV (`id,city,language,department,category,text`).
//!
//! `cargo run -p routing --release --example eval_dev -- ../shared/eval/routing/dev.csv [--misses]`

use routing::{evaluate, CityConfig, EvalRow, Router};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: eval_dev FILE.csv [--misses]")?;
    let show_misses = args.any(|a| a == "--misses");
    let cfg = CityConfig::from_toml_str(include_str!("../../config/city.toml"))?;
    let router = Router::new(&cfg)?;
    let mut rows = Vec::new();
    for rec in csv::Reader::from_path(&path)?.deserialize() {
        let row: EvalRow = rec?;
        rows.push(row);
    }
    if show_misses {
        for row in &rows {
            let d = router.classify(&row.text);
            if d.department.as_str() != row.department {
                let text: String = row.text.chars().take(150).collect();
                println!(
                    "[{} -> {}] {}",
                    row.department,
                    d.department,
                    text.replace('\n', " ")
                );
                println!("      {}", d.reasons[1..].join(" | "));
            }
        }
    }
    print!("{}", evaluate(&router, &rows));
    Ok(())
}
