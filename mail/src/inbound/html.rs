//! HTML pre-pass for html2text: one linear pass over html5ever's tokenizer that bounds size, nesting, indentation
//! and table size, neutralises span attributes and drops what the reader never sees (`<head>`, `<style>`,
//! `<script>`, `<template>`, `hidden`, inline `display:none`), so the conversion after it is bounded whatever the
//! input.

mod scan;
mod sink;
mod tags;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Tokenizer, TokenizerOpts};

/// HTML read per part; the rest is cut at a tag boundary (a resident's mail is a few KB of it).
pub(crate) const MAX_HTML_BYTES: usize = 1024 * 1024;
/// Rewritten HTML written at most (escaping can grow text a little).
const MAX_OUT_BYTES: usize = 4 * MAX_HTML_BYTES;

/// Well-formed, bounded HTML with the same visible text as `html` (within the caps), and how many bytes of `html`
/// were left unread past [`MAX_HTML_BYTES`].
pub(super) fn sanitize(html: &str) -> (String, usize) {
    let input = scan::bound(html, MAX_HTML_BYTES);
    let unread = html.len().saturating_sub(input.len());
    let tokenizer = Tokenizer::new(sink::Sink::new(MAX_OUT_BYTES), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(&input));
    // The sink never asks to run a script, so one feed consumes everything.
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    (tokenizer.sink.finish(), unread)
}

#[cfg(test)]
mod tests;
