//! Fault injection for the end-to-end tests, compiled only with the `test-hooks` feature (the test suite turns
//! it on; a release build never has it): an inbound message carrying the header [`PANIC_HEADER`] makes its
//! handling panic, as a bug deep in the desk would; one carrying [`CRASH_BEFORE_COMMIT_HEADER`] makes the IMAP
//! batch holding it die after every message was decided and before the batch's commit, as a killed process
//! would.

/// `X-Connect311-Test-Panic: <text>` — handling the message panics with `<text>`.
pub const PANIC_HEADER: &str = "X-Connect311-Test-Panic";

/// `X-Connect311-Test-Crash-Before-Commit: <text>` — a group-committed batch holding the message unwinds just
/// before its commit (a message handled on its own is not affected).
pub const CRASH_BEFORE_COMMIT_HEADER: &str = "X-Connect311-Test-Crash-Before-Commit";

/// Whether the message carries [`CRASH_BEFORE_COMMIT_HEADER`].
pub fn asks_crash_before_commit(raw: &[u8]) -> bool {
    header(raw, CRASH_BEFORE_COMMIT_HEADER).is_some()
}

/// Panics when the message's header block carries [`PANIC_HEADER`].
pub fn panic_if_asked(raw: &[u8]) {
    if let Some(why) = header(raw, PANIC_HEADER) {
        panic!("test hook: {why}");
    }
}

/// The value of header `name` in the message's header block, if present.
fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let wanted = format!("{}:", name.to_ascii_lowercase());
    head.lines()
        .find(|line| line.to_ascii_lowercase().starts_with(&wanted))
        .map(|line| line[wanted.len()..].trim().to_string())
}
