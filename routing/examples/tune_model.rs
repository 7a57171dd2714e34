//! Dev-only: chooses the model's generic hyper-parameters by K-fold cross-validation on a labelled CSV
//! (`text,department,language`), rules and model combined, with the example city's rules.
//!
//! `cargo run -p routing --release --example tune_model -- FILE.csv [K]`
//!
//! Prints one line per setting: mean English, Spanish and overall accuracy and the triage rate. Only
//! settings that apply to any city (learning rate, regularisation, epochs, n-gram ranges, thresholds) are
//! searched; nothing here looks at individual sentences.

use routing::crossval::cross_validate;
use routing::model::{FeatureConfig, Policy, TrainOptions};
use routing::{CityConfig, EvalRow, Router};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: tune_model FILE.csv [K]")?;
    let k: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let cfg = CityConfig::from_toml_str(include_str!("../../config/city.toml"))?;
    let router = Router::new(&cfg)?;
    let mut rows = Vec::new();
    for rec in csv::Reader::from_path(&path)?.deserialize() {
        let row: EvalRow = rec?;
        rows.push(row);
    }
    let grid = std::env::var("GRID").unwrap_or_else(|_| "policy".into());
    if grid == "fit" {
        let training: Vec<_> = rows.iter().map(routing::crossval::training_row).collect();
        let opts = TrainOptions {
            policy: Policy {
                strong_rule_score: f32::INFINITY,
                min_confidence: 0.0,
            },
            ..TrainOptions::default()
        };
        let m = router.train_model(&training, &opts)?;
        print!("{}", routing::evaluate(&router.with_model(m)?, &rows));
        return Ok(());
    }
    let mut base = TrainOptions::default();
    if std::env::var_os("MODEL_ONLY").is_some() {
        // The model alone: no rule is ever strong enough, and the model is always sure enough.
        base.policy = Policy {
            strong_rule_score: f32::INFINITY,
            min_confidence: 0.0,
        };
    }
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
    match grid.as_str() {
        "train" => {
            for lr in [1.0f32, 4.0, 16.0] {
                for l2 in [1e-6f32, 1e-5, 1e-4] {
                    for epochs in [10u32, 30] {
                        let o = TrainOptions {
                            learning_rate: lr,
                            l2,
                            epochs,
                            ..base
                        };
                        settings.push((format!("lr={lr} l2={l2} epochs={epochs}"), o));
                    }
                }
            }
        }
        "loss" => {
            use routing::model::Loss;
            for loss in [Loss::Logistic, Loss::Hinge] {
                for balance in [0.0f32, 0.5, 1.0] {
                    for (lr, l2) in [
                        (0.5f32, 1e-4f32),
                        (4.0, 1e-5),
                        (1.0, 1e-5),
                        (0.25, 1e-4),
                        (0.1, 1e-3),
                    ] {
                        let o = TrainOptions {
                            loss,
                            balance,
                            learning_rate: lr,
                            l2,
                            ..base
                        };
                        settings.push((format!("{loss:?} balance={balance} lr={lr} l2={l2}"), o));
                    }
                }
            }
        }
        "stack" => {
            use routing::model::Loss;
            let features = FeatureConfig {
                rule_weight: 1.0,
                ..base.features
            };
            for loss in [Loss::Logistic, Loss::Hinge] {
                for balance in [0.0f32, 0.5] {
                    for (lr, l2) in [
                        (0.5f32, 1e-4f32),
                        (4.0, 1e-5),
                        (1.0, 3e-5),
                        (0.25, 3e-4),
                        (2.0, 1e-6),
                    ] {
                        let policy = Policy {
                            strong_rule_score: 1000.0,
                            min_confidence: 0.0,
                        };
                        let o = TrainOptions {
                            loss,
                            balance,
                            learning_rate: lr,
                            l2,
                            features,
                            policy,
                            ..base
                        };
                        settings.push((format!("{loss:?} balance={balance} lr={lr} l2={l2}"), o));
                    }
                }
            }
        }
        "rules" => {
            for rule_weight in [0.0f32, 0.25, 0.5, 1.0, 2.0] {
                for (strong, conf) in [
                    (1.0f32, 0.0f32),
                    (3.0, 0.0),
                    (1000.0, 0.0),
                    (1000.0, 0.2),
                    (1000.0, 0.3),
                ] {
                    let features = FeatureConfig {
                        rule_weight,
                        ..base.features
                    };
                    let policy = Policy {
                        strong_rule_score: strong,
                        min_confidence: conf,
                    };
                    settings.push((
                        format!("rule_weight={rule_weight} strong={strong} conf={conf}"),
                        TrainOptions {
                            features,
                            policy,
                            ..base
                        },
                    ));
                }
            }
        }
        "features" => {
            for (wn, cmin, cmax) in [
                (1u8, 0u8, 0u8),
                (2, 0, 0),
                (1, 3, 5),
                (2, 3, 5),
                (2, 2, 4),
                (2, 3, 6),
                (3, 3, 5),
            ] {
                let features = FeatureConfig {
                    max_word_ngram: wn,
                    char_min: cmin,
                    char_max: cmax,
                    ..base.features
                };
                settings.push((
                    format!("words<={wn} chars {cmin}..={cmax}"),
                    TrainOptions { features, ..base },
                ));
            }
        }
        _ => {
            for strong in [3.0f32, 4.0, 6.0, 8.0, 10.0, 1000.0] {
                for conf in [0.0f32, 0.3, 0.4, 0.5] {
                    let policy = Policy {
                        strong_rule_score: strong,
                        min_confidence: conf,
                    };
                    settings.push((
                        format!("strong={strong} conf={conf}"),
                        TrainOptions { policy, ..base },
                    ));
                }
            }
        }
    }
    for (name, opts) in settings {
        let cv = cross_validate(&router, &rows, k, &opts)?;
        let m = cv.mean;
        println!(
            "{name:<40} en {:6.2}%  es {:6.2}%  all {:6.2}%  triage {:5.2}%",
            m.english * 100.0,
            m.spanish * 100.0,
            m.overall * 100.0,
            m.triage_rate * 100.0
        );
    }
    Ok(())
}
