//! Running the `connect311` binary from a test: arguments, a settings file, standard input; and its output.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `connect311 ARGS --config CONFIG` with `stdin` and waits for it.
pub fn run(args: &[&str], config: &Path, stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect311"))
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Output bytes as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
