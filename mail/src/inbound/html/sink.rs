//! The pre-pass's token sink: re-serialises html5ever tokens as well-formed HTML whose nesting, indentation and
//! table size are bounded, with hidden content left out. Every search of the open-element stack is bounded by
//! [`MAX_DEPTH`], so the pass is linear in its input.

use std::cell::RefCell;
use std::collections::HashMap;

use html5ever::tokenizer::{Tag, TagKind, Token, TokenSink, TokenSinkResult};
use html5ever::{local_name, LocalName};

use super::tags;

mod implied;

/// Open elements kept; deeper start tags are dropped (their text stays). The tree builder behind html2text costs
/// O(depth) per element, so this bounds it to linear.
pub(super) const MAX_DEPTH: usize = 128;
/// Open quote/list levels kept: each indents every line inside it, so deep nests multiply the output.
pub(super) const MAX_INDENT: usize = 16;
/// Nested tables kept: each level narrows the columns html2text lays out.
pub(super) const MAX_TABLE_NESTING: usize = 8;
/// Table cells (weighted by colspan) in a document; past it, tables are closed and their text runs on.
pub(super) const MAX_CELLS: usize = 4096;
/// Elements written per document; past it, tags are dropped and the text runs on. html2text holds a DOM node, a
/// render node and a style per element (over a kilobyte each), so this bounds its memory.
pub(super) const MAX_ELEMENTS: usize = 10_000;
/// Line breaks written per document (a `<br>`, a block's start or end, a newline in `<pre>`); past it, tags are
/// dropped and breaks become spaces, so the rest is one paragraph. html2text spends about 2 KB per output line,
/// and 8,000 lines already hold more than the 256 KiB a body keeps.
pub(super) const MAX_LINES: usize = 8_000;

struct Open {
    name: LocalName,
    emitted: bool,
}

/// What a dropped tag leaves in its place before the next text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
enum Gap {
    #[default]
    None,
    Space,
    Break,
}

#[derive(Default)]
struct Rewriter {
    out: String,
    max_out: usize,
    full: bool,
    stack: Vec<Open>,
    /// How many of each element are on `stack` (so that searches for absent elements cost nothing).
    open: HashMap<LocalName, usize>,
    /// Start tags dropped for depth, by name, still waiting for their end tag.
    dropped: HashMap<LocalName, usize>,
    /// Index in `stack` of the outermost hidden element: nothing is written while it is open.
    hidden_from: Option<usize>,
    indent: usize,
    cells: usize,
    elements: usize,
    lines: usize,
    tables_off: bool,
    gap: Gap,
}

/// The [`TokenSink`] handed to html5ever's tokenizer.
pub(super) struct Sink(RefCell<Rewriter>);

impl Sink {
    /// A sink that stops writing once its output passes `max_out` bytes.
    pub fn new(max_out: usize) -> Self {
        Sink(RefCell::new(Rewriter {
            max_out,
            ..Rewriter::default()
        }))
    }

    /// Closes what is still open and returns the HTML written.
    pub fn finish(&self) -> String {
        let mut w = self.0.borrow_mut();
        w.pop_to(0);
        std::mem::take(&mut w.out)
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut w = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => return w.start(tag),
            Token::TagToken(tag) => w.end(&renamed(tag.name)),
            Token::CharacterTokens(t) => w.text(&t),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Obsolete preformatted elements become `<pre>` (html2text knows that one).
fn renamed(n: LocalName) -> LocalName {
    match n {
        local_name!("xmp") | local_name!("listing") | local_name!("plaintext") => {
            local_name!("pre")
        }
        n => n,
    }
}

impl Rewriter {
    fn start(&mut self, mut tag: Tag) -> TokenSinkResult<()> {
        let raw = tags::raw_state(&tag.name);
        tag.name = renamed(tag.name);
        let name = tag.name.clone();
        if self.full {
            return raw;
        }
        self.leave_head_for(&name);
        let hidden = tags::is_always_hidden(&name) || tags::hides(&tag);
        if tags::is_transparent(&name) {
            self.set_gap(gap_for(&name));
        } else if tags::is_void(&name) {
            let visible = !hidden && self.hidden_from.is_none();
            if tags::is_kept_void(&name) && visible && self.has_budget() {
                self.write_tag(&tag, true);
            } else if visible {
                self.set_gap(gap_for(&name));
            }
        } else if hidden && self.hidden_from.is_none() {
            self.push(&tag, true);
        } else if tags::is_table_part(&name) && self.tables_suppressed() {
            self.drop_start(&name);
        } else {
            self.close_implied(&name);
            if !self.room_for(&name) {
                self.drop_start(&name);
            } else if tag.self_closing && self.in_foreign(&name) {
                if self.hidden_from.is_none() && !hidden {
                    self.write_tag(&tag, true);
                }
            } else if tags::is_cell(&name) && !self.take_cells(tags::colspan(&tag)) {
                self.drop_start(&name);
            } else {
                self.push(&tag, hidden);
            }
        }
        raw
    }

    fn end(&mut self, name: &LocalName) {
        if self.full {
            return;
        }
        if tags::is_transparent(name) {
            return self.set_gap(gap_for(name));
        }
        if *name == local_name!("br") {
            // Browsers read `</br>` as `<br>`.
            return self.set_gap(Gap::Break);
        }
        if let Some(n) = self.dropped.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            return self.set_gap(gap_for(name));
        }
        let found = if tags::is_table_part(name) {
            self.find_open(std::slice::from_ref(name), |n| {
                *n == local_name!("table") || *n == local_name!("template")
            })
        } else {
            self.find_open(std::slice::from_ref(name), tags::is_scope_boundary)
        };
        match found {
            Some(i) => self.pop_to(i),
            None if tags::is_block(name) => self.set_gap(Gap::Break),
            None => {}
        }
    }

    fn text(&mut self, t: &str) {
        if self.full || t.is_empty() {
            return;
        }
        if self.top_is(&local_name!("head")) {
            if t.chars().all(char::is_whitespace) {
                return;
            }
            self.pop_to(self.stack.len() - 1);
        }
        if self.hidden_from.is_some() {
            return;
        }
        match std::mem::take(&mut self.gap) {
            Gap::Break if self.has_budget() => {
                self.lines += 1;
                self.out.push_str("<br>");
            }
            Gap::Break | Gap::Space => self.out.push(' '),
            Gap::None => {}
        }
        if self.count(&local_name!("pre")) > 0 {
            if self.has_budget() {
                self.lines += t.matches('\n').count();
            } else {
                return self.write_text(&t.replace('\n', " "));
            }
        }
        self.write_text(t);
    }

    fn write_text(&mut self, t: &str) {
        tags::escape_into(&mut self.out, t, false);
        self.check_full();
    }

    /// The topmost open element named one of `names`, searching down until an element `stop` accepts (that element
    /// itself may still match).
    fn find_open(&self, names: &[LocalName], stop: impl Fn(&LocalName) -> bool) -> Option<usize> {
        if !names
            .iter()
            .any(|n| self.open.get(n).is_some_and(|c| *c > 0))
        {
            return None;
        }
        for (i, o) in self.stack.iter().enumerate().rev() {
            if names.contains(&o.name) {
                return Some(i);
            }
            if stop(&o.name) {
                return None;
            }
        }
        None
    }

    /// Element and line budgets both left (past either, only text is written).
    fn has_budget(&self) -> bool {
        self.elements < MAX_ELEMENTS && self.lines < MAX_LINES
    }

    fn room_for(&self, name: &LocalName) -> bool {
        self.stack.len() < MAX_DEPTH
            && self.has_budget()
            && !(tags::indents(name) && self.indent >= MAX_INDENT)
            && !(*name == local_name!("table") && self.count(name) >= MAX_TABLE_NESTING)
    }

    /// Inside a dropped table, or after the cell budget ran out, table tags are dropped too.
    fn tables_suppressed(&self) -> bool {
        self.tables_off
            || self
                .dropped
                .get(&local_name!("table"))
                .is_some_and(|n| *n > 0)
    }

    /// Spends the cell budget; when it runs out, closes every open table and turns tables off.
    fn take_cells(&mut self, span: usize) -> bool {
        if self.hidden_from.is_some() {
            return true;
        }
        self.cells += span;
        if self.cells <= MAX_CELLS {
            return true;
        }
        if let Some(i) = self
            .stack
            .iter()
            .position(|o| o.name == local_name!("table"))
        {
            self.pop_to(i);
        }
        self.tables_off = true;
        false
    }

    fn in_foreign(&self, name: &LocalName) -> bool {
        [local_name!("svg"), local_name!("math")]
            .iter()
            .any(|f| f == name || self.count(f) > 0)
    }

    fn drop_start(&mut self, name: &LocalName) {
        // Table parts dropped once tables are off never get a matching end tag counted: their end tags fall
        // through to the search and find nothing open.
        if !(self.tables_off && tags::is_table_part(name)) {
            *self.dropped.entry(name.clone()).or_default() += 1;
        }
        self.set_gap(gap_for(name));
    }

    fn push(&mut self, tag: &Tag, hidden: bool) {
        let emitted = self.hidden_from.is_none() && !hidden;
        if hidden && self.hidden_from.is_none() {
            self.hidden_from = Some(self.stack.len());
        }
        if emitted {
            self.write_tag(tag, false);
        }
        if tags::indents(&tag.name) {
            self.indent += 1;
        }
        *self.open.entry(tag.name.clone()).or_default() += 1;
        self.stack.push(Open {
            name: tag.name.clone(),
            emitted,
        });
    }

    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            let Some(o) = self.stack.pop() else { break };
            if let Some(c) = self.open.get_mut(&o.name) {
                *c = c.saturating_sub(1);
            }
            if tags::indents(&o.name) {
                self.indent = self.indent.saturating_sub(1);
            }
            if o.emitted {
                self.out.push_str("</");
                self.out.push_str(&o.name);
                self.out.push('>');
            }
            if self.hidden_from == Some(self.stack.len()) {
                self.hidden_from = None;
            }
        }
    }

    fn write_tag(&mut self, tag: &Tag, void: bool) {
        self.elements += 1;
        if tag.name == local_name!("br") {
            self.lines += 1;
        } else if tags::is_block(&tag.name) {
            self.lines += 2;
        }
        self.out.push('<');
        self.out.push_str(&tag.name);
        self.out.push_str(&tags::kept_attributes(tag));
        self.out.push_str(if void && !tags::is_void(&tag.name) {
            "/>"
        } else {
            ">"
        });
        self.check_full();
    }

    fn set_gap(&mut self, gap: Gap) {
        self.gap = self.gap.max(gap);
    }

    fn check_full(&mut self) {
        self.full |= self.out.len() > self.max_out;
    }

    fn top_is(&self, name: &LocalName) -> bool {
        self.stack.last().is_some_and(|o| o.name == *name)
    }

    fn count(&self, name: &LocalName) -> usize {
        self.open.get(name).copied().unwrap_or(0)
    }
}

fn gap_for(name: &LocalName) -> Gap {
    if tags::is_block(name) || *name == local_name!("textarea") {
        Gap::Break
    } else if tags::is_cell(name) {
        Gap::Space
    } else {
        Gap::None
    }
}
