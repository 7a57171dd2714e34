//! Build script: names the git commit the binary was built from (`connect311 --version`), from
//! `git rev-parse --short HEAD`, or from `CONNECT311_COMMIT` when building outside a git checkout.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CONNECT311_COMMIT");
    for path in git_paths_to_watch() {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = git(&["rev-parse", "--short", "HEAD"])
        .or_else(|| std::env::var("CONNECT311_COMMIT").ok())
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CONNECT311_COMMIT={commit}");
}

/// HEAD, the branch it points at and the packed refs: a commit or a checkout changes one of them. (In a
/// worktree HEAD lives under the worktree's git dir and the branch under the common one; git knows where.)
fn git_paths_to_watch() -> Vec<String> {
    let mut paths: Vec<String> = ["HEAD", "packed-refs"]
        .iter()
        .filter_map(|p| git(&["rev-parse", "--git-path", p]))
        .collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.extend(git(&["rev-parse", "--git-path", &branch]));
    }
    paths
        .into_iter()
        .filter(|p| std::path::Path::new(p).exists())
        .collect()
}

/// One line of git's output, or `None` outside a checkout or without git.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}
