//! Fault injection for the end-to-end tests, compiled only with the `test-hooks` feature (the test suite turns
//! it on; a release build never has it): an inbound message carrying the header [`PANIC_HEADER`] makes its
//! handling panic, as a bug deep in the desk would.

/// `X-Connect311-Test-Panic: <text>` — handling the message panics with `<text>`.
pub const PANIC_HEADER: &str = "X-Connect311-Test-Panic";

/// Panics when the message's header block carries [`PANIC_HEADER`].
pub fn panic_if_asked(raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    let head = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let wanted = format!("{}:", PANIC_HEADER.to_ascii_lowercase());
    for line in head.lines() {
        if line.to_ascii_lowercase().starts_with(&wanted) {
            let why = line[wanted.len()..].trim();
            panic!("test hook: {why}");
        }
    }
}
