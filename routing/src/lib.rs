//! connect311's pure domain: request references, classification (department, category, emergency, language,
//! location, priority) and, later, the lifecycle state machine and SLA math. No I/O, no clock, no database.

pub mod classify;
pub mod config;
pub mod emergency;
pub mod eval;
pub mod language;
pub mod lifecycle;
pub mod location;
mod normalize;
mod patterns;
mod place_names;
pub mod reference;
pub mod types;

pub use classify::{Decision, Router};
pub use config::{Category, City, CityConfig, ConfigError, Department, Tuning};
pub use emergency::{Emergency, EmergencyKind};
pub use eval::{evaluate, EvalReport, EvalRow};
pub use location::{Location, LocationKind};
pub use reference::RequestRef;
pub use types::{CategoryId, DepartmentId, Language, Priority};
