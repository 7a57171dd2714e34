//! Where the shared evaluation corpus lives, found one way by every crate's tests and examples (which include
//! this file with `#[path]`): `CONNECT311_EVAL_DIR` when set, else `shared/eval` beside the workspace root, the
//! root being the nearest directory above the crate's manifest whose `Cargo.toml` declares `[workspace]`.

// Each includer uses only part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The variable that points at the corpus when it is somewhere else.
pub const EVAL_DIR_VAR: &str = "CONNECT311_EVAL_DIR";

/// The evaluation root (it may not exist; callers decide whether that fails or skips).
pub fn eval_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(EVAL_DIR_VAR) {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .ancestors()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace Cargo.toml above {}", manifest.display()));
    root.parent()
        .unwrap_or_else(|| panic!("the workspace root {} has no parent", root.display()))
        .join("shared/eval")
}

/// `rel` under the evaluation root.
pub fn eval_path(rel: &str) -> PathBuf {
    eval_dir().join(rel)
}
