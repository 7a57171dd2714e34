//! The router the service uses, with the city's learned model (`[routing] model`): loaded at start (a bad file
//! stops the start naming `routing.model`), swapped on SIGHUP (a bad file keeps the model in use).

use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use routing::{Decision, Model, Router};

use crate::config::Settings;

/// Reads and checks a model file (header, version, contents), naming the file in every error.
pub fn read_model(path: &Path) -> Result<Model> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading model file {}", path.display()))?;
    Model::from_bytes(&bytes).with_context(|| format!("model file {}", path.display()))
}

/// `rules` with the model at `path`, checked against the city's departments.
pub fn with_model_file(rules: &Router, path: &Path) -> Result<Router> {
    let model = read_model(path)?;
    rules
        .with_model(model)
        .with_context(|| format!("model file {}", path.display()))
}

/// `rules` with the model named by `[routing] model`, if any; errors name the key.
pub fn configured(rules: &Router, settings: &Settings) -> Result<Router> {
    match &settings.routing.model {
        Some(path) => with_model_file(rules, path).context("routing.model"),
        None => Ok(rules.without_model()),
    }
}

/// The router in use, shared by every worker and replaced whole when the model is reloaded: a message is
/// classified by one router from start to end.
#[derive(Debug, Clone)]
pub struct SharedRouter {
    current: Arc<RwLock<Router>>,
}

impl SharedRouter {
    pub fn new(router: Router) -> SharedRouter {
        SharedRouter {
            current: Arc::new(RwLock::new(router)),
        }
    }

    /// The router in use now (cheap: `Arc`s).
    pub fn current(&self) -> Router {
        match self.current.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Classifies with the router in use now.
    pub fn classify(&self, text: &str) -> Decision {
        self.current().classify(text)
    }

    /// Reads the configured model again and puts it in use; on error the router in use is kept.
    pub fn reload(&self, settings: &Settings) -> Result<()> {
        let next = configured(&self.current().without_model(), settings)?;
        match self.current.write() {
            Ok(mut r) => *r = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }
}

/// Listens for SIGHUP from now on (before this, SIGHUP's default action would stop the process): call it
/// before the service says it is up.
#[cfg(unix)]
pub fn listen_for_hangup() -> anyhow::Result<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::hangup()).map_err(|e| anyhow::anyhow!("listening for SIGHUP: {e}"))
}

/// Reloads on every SIGHUP until `cancel`; logs what happened.
#[cfg(unix)]
pub async fn reload_on_hangup(
    mut hup: tokio::signal::unix::Signal,
    router: SharedRouter,
    settings: Arc<Settings>,
    cancel: tokio_util::sync::CancellationToken,
) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            got = hup.recv() => if got.is_none() { return },
        }
        match router.reload(&settings) {
            Ok(()) => tracing::info!(
                model = %settings.routing.model.as_ref().map_or_else(|| "none".into(), |p| p.display().to_string()),
                "SIGHUP: routing model reloaded"
            ),
            Err(e) => tracing::error!(
                error = format!("{e:#}"),
                "SIGHUP: routing model not reloaded; keeping the one in use"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Router {
        let city = routing::CityConfig::from_toml_str(crate::config::EXAMPLE_CITY).unwrap();
        Router::new(&city).unwrap()
    }

    fn model_rows() -> Vec<routing::TrainingRow> {
        let rows = [
            ("the lamp on the pole is dark", "streetlights"),
            ("lamp flickering all night", "streetlights"),
            ("dark lamp by the school", "streetlights"),
            ("the swings in the park are broken", "parks"),
            ("park grass too tall", "parks"),
            ("broken bench in the park", "parks"),
        ];
        rows.iter()
            .map(|(t, d)| routing::TrainingRow::new(*t, *d))
            .collect()
    }

    fn settings_for(path: &Path) -> Settings {
        Settings::from_toml_str(&format!("[routing]\nmodel = \"{}\"\n", path.display())).unwrap()
    }

    #[test]
    fn a_bad_model_at_start_names_the_key_and_on_reload_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("routing.model");
        let rules = rules();
        let model = rules
            .train_model(&model_rows(), &routing::TrainOptions::default())
            .unwrap();
        std::fs::write(&path, model.to_bytes()).unwrap();
        let settings = settings_for(&path);
        let shared = SharedRouter::new(configured(&rules, &settings).unwrap());
        assert!(shared.current().model().is_some());

        std::fs::write(&path, b"garbage").unwrap();
        let err = shared.reload(&settings).unwrap_err();
        assert!(
            format!("{err:#}").contains("not a connect311 routing model"),
            "{err:#}"
        );
        assert_eq!(shared.current().model(), Some(&model), "old model kept");

        let err = configured(&rules, &settings).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with("routing.model: model file "), "{msg}");

        std::fs::remove_file(&path).unwrap();
        let err = configured(&rules, &settings).unwrap_err();
        assert!(format!("{err:#}").contains("reading model file"), "{err:#}");
    }

    #[test]
    fn reload_puts_a_new_model_in_use_and_an_empty_setting_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("routing.model");
        let rules = rules();
        let shared = SharedRouter::new(rules.clone());
        assert!(shared.current().model().is_none());
        let model = rules
            .train_model(&model_rows(), &routing::TrainOptions::default())
            .unwrap();
        std::fs::write(&path, model.to_bytes()).unwrap();
        shared.reload(&settings_for(&path)).unwrap();
        assert_eq!(shared.current().model(), Some(&model));
        shared
            .reload(&Settings::from_toml_str("").unwrap())
            .unwrap();
        assert!(shared.current().model().is_none());
    }
}
