//! Dev-only: chooses the model's generic hyper-parameters by K-fold cross-validation on a labelled CSV
//! (`text,department,language`), rules and model combined, with the example city's rules.
//!
//! `cargo run -p routing --release --example tune_model -- FILE.csv [K]`
//!
//! Prints one line per setting: mean English, Spanish and overall accuracy and the triage rate. Only
//! settings that apply to any city (learning rate, regularisation, epochs, n-gram ranges, thresholds) are
//! searched; nothing here looks at individual sentences.

use routing::crossval::{cross_validate, Means};
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
        return fit(&router, &rows);
    }
    let mut base = TrainOptions::default();
    if std::env::var_os("MODEL_ONLY").is_some() {
        // The model alone: no rule is ever strong enough, and the model is always sure enough.
        base.policy = Policy {
            strong_rule_score: f32::INFINITY,
            min_confidence: 0.0,
        };
    }
    let settings = match grid.as_str() {
        "svm" => return svm_grid(&router, &rows, k, base),
        "train" => train_grid(base),
        "loss" => loss_grid(base),
        "stack" => stack_grid(base),
        "rules" => rules_grid(base),
        "features" => features_grid(base),
        _ => policy_grid(base),
    };
    for (name, opts) in settings {
        let cv = cross_validate(&router, &rows, k, &opts)?;
        println!("{name:<40} {}", figures(&cv.mean));
    }
    Ok(())
}

/// `GRID=fit`: trained on every row, the model always deciding, scored on the same rows.
fn fit(router: &Router, rows: &[EvalRow]) -> Result<(), Box<dyn std::error::Error>> {
    let training: Vec<_> = rows.iter().map(routing::crossval::training_row).collect();
    let opts = TrainOptions {
        policy: Policy {
            strong_rule_score: f32::INFINITY,
            min_confidence: 0.0,
        },
        ..TrainOptions::default()
    };
    let m = router.train_model(&training, &opts)?;
    print!("{}", routing::evaluate(&router.with_model(m)?, rows));
    Ok(())
}

/// `GRID=train`: learning rate × L2 × epochs of the SGD losses.
fn train_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// `GRID=loss`: the SGD losses × department balance × learning rate and L2.
fn loss_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    use routing::model::Loss;
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// `GRID=stack`: the SGD losses with the rules' matches as inputs, the model always deciding.
fn stack_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    use routing::model::Loss;
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// `GRID=rules`: the rules' weight as inputs × the policy.
fn rules_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// `GRID=features`: word n-grams × character n-gram ranges.
fn features_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// `GRID=policy` (the default): the strong-rule score × the least confidence.
fn policy_grid(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    let mut settings: Vec<(String, TrainOptions)> = Vec::new();
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
    settings
}

/// A list of numbers from the environment variable `name` (comma-separated), or `default`.
fn env_list(name: &str, default: &[f32]) -> Vec<f32> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// `GRID=svm`: the dual-CD SVM (stacked when `RULE_WEIGHT` > 0) over the lists `C`, `RULES_C`, `T`
/// (temperature; 0 fits it), `BALANCE` and `RULE_WEIGHT`, each model scored with every policy of `STRONG` × `CONF`
/// (trained once per fold and setting). `WORDN`, `CHARMIN`, `CHARMAX`, `BITS` and `SEED` (also the folds'
/// seed) set one value each; `SGD=1` trains with the SGD loss instead (for comparison), `PER_FOLD=1` prints
/// every fold.
fn svm_grid(
    router: &Router,
    rows: &[EvalRow],
    k: usize,
    base: TrainOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut policies = Vec::new();
    for strong in env_list("STRONG", &[base.policy.strong_rule_score]) {
        for conf in env_list("CONF", &[base.policy.min_confidence]) {
            policies.push(Policy {
                strong_rule_score: strong,
                min_confidence: conf,
            });
        }
    }
    let per_fold = std::env::var_os("PER_FOLD").is_some();
    for (name, opts) in svm_settings(svm_base(base)) {
        let cvs = routing::crossval::cross_validate_policies(router, rows, k, &opts, &policies)?;
        for (p, cv) in policies.iter().zip(cvs) {
            let name = format!(
                "{name} strong={} conf={}",
                p.strong_rule_score, p.min_confidence
            );
            println!("{name:<64} {}", figures(&cv.mean));
            if per_fold {
                print!("{cv}");
            }
        }
    }
    Ok(())
}

/// One value of `name` from the environment (the first of its list), or `default`.
fn env_one(name: &str, default: f32) -> f32 {
    env_list(name, &[default])[0]
}

/// `base` with the single-valued settings of [`svm_grid`] from the environment.
fn svm_base(base: TrainOptions) -> TrainOptions {
    TrainOptions {
        features: FeatureConfig {
            max_word_ngram: env_one("WORDN", f32::from(base.features.max_word_ngram)) as u8,
            char_min: env_one("CHARMIN", f32::from(base.features.char_min)) as u8,
            char_max: env_one("CHARMAX", f32::from(base.features.char_max)) as u8,
            hash_bits: env_one("BITS", f32::from(base.features.hash_bits)) as u8,
            ..base.features
        },
        ..base
    }
}

/// The trainings of [`svm_grid`]: `C` × `RULES_C` × `T` × `BALANCE` × `RULE_WEIGHT`, each named.
fn svm_settings(base: TrainOptions) -> Vec<(String, TrainOptions)> {
    use routing::model::Loss;
    let loss = if std::env::var_os("SGD").is_some() {
        Loss::Logistic
    } else {
        Loss::Svm
    };
    let mut settings = Vec::new();
    for c in env_list("C", &[base.c]) {
        for rules_c in env_list("RULES_C", &[base.rules_c]) {
            for t in env_list("T", &[0.0]) {
                for balance in env_list("BALANCE", &[base.balance]) {
                    for rule_weight in env_list("RULE_WEIGHT", &[base.features.rule_weight]) {
                        let opts = TrainOptions {
                            loss,
                            seed: env_one("SEED", 311.0) as u64,
                            c,
                            rules_c,
                            temperature: (t > 0.0).then_some(t),
                            balance,
                            features: FeatureConfig {
                                rule_weight,
                                ..base.features
                            },
                            ..base
                        };
                        let name =
                            format!("C={c} rules_c={rules_c} T={t} bal={balance} rw={rule_weight}");
                        settings.push((name, opts));
                    }
                }
            }
        }
    }
    settings
}

/// One setting's mean accuracies and triage rate.
fn figures(m: &Means) -> String {
    format!(
        "en {:6.2}%  es {:6.2}%  all {:6.2}%  triage {:5.2}%",
        m.english * 100.0,
        m.spanish * 100.0,
        m.overall * 100.0,
        m.triage_rate * 100.0
    )
}
