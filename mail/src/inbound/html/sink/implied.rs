//! The end tags HTML implies: a `<head>` closed by body content, `<p>` by a block, `<li>` by the next item, cells
//! and rows by the next cell or row. Without them a long run of unclosed `<li>` or `<td>` would count as deep
//! nesting.

use html5ever::{local_name, LocalName};

use super::{tags, Rewriter};

impl Rewriter {
    /// A `<head>` (or a stray second one) ends at the first tag that cannot live in a head.
    pub(super) fn leave_head_for(&mut self, name: &LocalName) {
        let head_content = matches!(
            *name,
            local_name!("base")
                | local_name!("basefont")
                | local_name!("bgsound")
                | local_name!("link")
                | local_name!("meta")
                | local_name!("title")
                | local_name!("style")
                | local_name!("script")
                | local_name!("noscript")
                | local_name!("template")
                | local_name!("noframes")
                | local_name!("head")
        );
        if !head_content && self.top_is(&local_name!("head")) {
            self.pop_to(self.stack.len() - 1);
        }
    }

    /// The end tags HTML implies before this start tag (`<p>` before a block, `<li>` before the next item…):
    /// without them a long list of unclosed `<li>` would count as deep nesting.
    pub(super) fn close_implied(&mut self, name: &LocalName) {
        if tags::closes_p(name) {
            self.close_found(&[local_name!("p")], |n| {
                tags::is_scope_boundary(n) || *n == local_name!("button")
            });
        }
        match *name {
            local_name!("li") => self.close_found(&[local_name!("li")], |n| {
                tags::is_scope_boundary(n) || matches!(*n, local_name!("ul") | local_name!("ol"))
            }),
            local_name!("dd") | local_name!("dt") => self
                .close_found(&[local_name!("dd"), local_name!("dt")], |n| {
                    tags::is_scope_boundary(n) || *n == local_name!("dl")
                }),
            local_name!("td") | local_name!("th") | local_name!("tr") => {
                self.close_found(&[local_name!("td"), local_name!("th")], |n| {
                    matches!(*n, local_name!("tr") | local_name!("table"))
                });
                if *name == local_name!("tr") {
                    self.close_found(&[local_name!("tr")], |n| *n == local_name!("table"));
                }
            }
            local_name!("tbody") | local_name!("thead") | local_name!("tfoot") => self.close_found(
                &[
                    local_name!("tbody"),
                    local_name!("thead"),
                    local_name!("tfoot"),
                ],
                |n| *n == local_name!("table"),
            ),
            local_name!("a") => self.close_found(&[local_name!("a")], tags::is_scope_boundary),
            local_name!("option") | local_name!("optgroup") => {
                self.close_found(&[local_name!("option")], |_| true)
            }
            _ if tags::is_heading(name)
                && self.stack.last().is_some_and(|o| tags::is_heading(&o.name)) =>
            {
                self.pop_to(self.stack.len() - 1);
            }
            _ => {}
        }
    }

    fn close_found(&mut self, names: &[LocalName], stop: impl Fn(&LocalName) -> bool) {
        if let Some(i) = self.find_open(names, stop) {
            self.pop_to(i);
        }
    }
}
