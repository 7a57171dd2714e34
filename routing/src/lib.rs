//! connect311's pure domain: request references, classification (department, category, emergency, language,
//! location, priority), the lifecycle state machine, the city calendar and SLA math, the sweeper's decisions,
//! duplicate detection and the manager's report. No I/O, no clock (`now` is passed in), no database (the
//! optional `sqlx` feature only teaches sqlx how the domain's values are stored as text).

pub mod ascii_twin;
pub mod calendar;
pub mod classify;
mod combine;
pub mod config;
mod config_text;
pub mod crossval;
pub mod duplicates;
pub mod emergency;
pub mod eval;
pub mod events;
pub mod gazetteer;
mod gazetteer_lookup;
pub mod geography;
pub mod internal;
pub mod language;
pub mod lifecycle;
pub mod location;
pub mod model;
pub mod normalize;
pub mod notify;
mod patterns;
pub mod photo_place;
mod place_crossings;
mod place_forms;
mod place_key;
mod place_landmarks;
mod place_names;
mod place_regex;
mod place_resolve;
mod place_words;
pub mod policy;
pub mod reference;
pub mod reply;
pub mod report;
pub mod sla;
#[cfg(feature = "sqlx")]
mod sql;
pub mod staff_command;
pub mod sweep;
pub mod sweep_next;
pub mod types;

pub use calendar::Calendar;
pub use classify::{Decision, Router};
pub use config::{Category, City, CityConfig, ConfigError, Department, Tuning};
pub use emergency::{Emergency, EmergencyKind};
pub use eval::{evaluate, EvalReport, EvalRow};
pub use events::EventKind;
pub use lifecycle::{CloseReason, Status};
pub use location::{Location, LocationKind};
pub use model::{Model, ModelError, Policy, Prediction, TrainOptions, TrainingRow};
pub use notify::Notify;
pub use policy::{Accountability, SweepAction, SweepFacts, Target};
pub use reference::RequestRef;
pub use types::{CategoryId, DepartmentId, Language, Priority, Source, UnknownValue};
