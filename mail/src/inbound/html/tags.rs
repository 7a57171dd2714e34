//! Element classes for the HTML pre-pass: what is void, hidden, raw text, block-level, indenting or table
//! structure, and which attributes survive.

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Tag, TokenSinkResult};
use html5ever::{local_name, LocalName};

/// Longest attribute value kept (a `data:` image URL can be megabytes and html2text never shows it).
const MAX_ATTR_CHARS: usize = 2048;
/// Widest `colspan` kept: html2text allocates a grid of spanned cells, so big spans multiply memory.
pub(super) const MAX_COLSPAN: usize = 8;

/// Elements that never have an end tag.
pub(super) fn is_void(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("area")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("br")
            | local_name!("col")
            | local_name!("embed")
            | local_name!("frame")
            | local_name!("hr")
            | local_name!("img")
            | local_name!("input")
            | local_name!("keygen")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track")
            | local_name!("wbr")
    )
}

/// Void elements worth passing on: the rest carry nothing a reader sees as text.
pub(super) fn is_kept_void(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("br") | local_name!("hr") | local_name!("img") | local_name!("wbr")
    )
}

/// Elements whose content the reader never sees, whatever their attributes.
pub(super) fn is_always_hidden(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("head")
            | local_name!("style")
            | local_name!("script")
            | local_name!("template")
            | local_name!("title")
            | local_name!("iframe")
            | local_name!("noembed")
            | local_name!("noframes")
    )
}

/// Tags dropped while their content is kept: html2text adds nothing for them, and the tree builder implies
/// `html`/`body` anyway.
pub(super) fn is_transparent(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("html")
            | local_name!("body")
            | local_name!("colgroup")
            | local_name!("textarea")
            | local_name!("frameset")
    )
}

/// What the tokenizer must switch to after this start tag, as the HTML tree builder would tell it.
pub(super) fn raw_state(n: &LocalName) -> TokenSinkResult<()> {
    match *n {
        local_name!("title") | local_name!("textarea") => TokenSinkResult::RawData(RawKind::Rcdata),
        local_name!("style")
        | local_name!("xmp")
        | local_name!("iframe")
        | local_name!("noembed")
        | local_name!("noframes") => TokenSinkResult::RawData(RawKind::Rawtext),
        local_name!("script") => TokenSinkResult::RawData(RawKind::ScriptData),
        local_name!("plaintext") => TokenSinkResult::Plaintext,
        _ => TokenSinkResult::Continue,
    }
}

/// Whether the element's own attributes hide it: `hidden`, or an inline style with `display:none`,
/// `visibility:hidden|collapse` or Outlook's `mso-hide:all` (any spacing and case).
pub(super) fn hides(tag: &Tag) -> bool {
    tag.attrs.iter().any(|a| match a.name.local {
        local_name!("hidden") => true,
        local_name!("style") => {
            let css: String = a
                .value
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_lowercase)
                .collect();
            [
                "display:none",
                "visibility:hidden",
                "visibility:collapse",
                "mso-hide:all",
            ]
            .iter()
            .any(|h| css.contains(h))
        }
        _ => false,
    })
}

/// Block-level elements: one dropped for depth leaves a line break in its place.
pub(super) fn is_block(n: &LocalName) -> bool {
    closes_p(n)
        || matches!(
            *n,
            local_name!("tr")
                | local_name!("caption")
                | local_name!("br")
                | local_name!("tbody")
                | local_name!("thead")
                | local_name!("tfoot")
        )
}

/// Start tags that implicitly close an open `<p>` (HTML's "in body" rules).
pub(super) fn closes_p(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("address")
            | local_name!("article")
            | local_name!("aside")
            | local_name!("blockquote")
            | local_name!("center")
            | local_name!("dd")
            | local_name!("details")
            | local_name!("dialog")
            | local_name!("dir")
            | local_name!("div")
            | local_name!("dl")
            | local_name!("dt")
            | local_name!("fieldset")
            | local_name!("figcaption")
            | local_name!("figure")
            | local_name!("footer")
            | local_name!("form")
            | local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
            | local_name!("header")
            | local_name!("hgroup")
            | local_name!("hr")
            | local_name!("li")
            | local_name!("listing")
            | local_name!("main")
            | local_name!("menu")
            | local_name!("nav")
            | local_name!("ol")
            | local_name!("p")
            | local_name!("pre")
            | local_name!("section")
            | local_name!("summary")
            | local_name!("table")
            | local_name!("ul")
    )
}

/// Elements that indent every line inside them: deep nests of these multiply the output.
pub(super) fn indents(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("blockquote")
            | local_name!("ul")
            | local_name!("ol")
            | local_name!("dl")
            | local_name!("dd")
            | local_name!("menu")
            | local_name!("dir")
    )
}

pub(super) fn is_heading(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
    )
}

/// Table structure, counted against the document's cell budget once tables are turned off.
pub(super) fn is_table_part(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("table")
            | local_name!("caption")
            | local_name!("tbody")
            | local_name!("thead")
            | local_name!("tfoot")
            | local_name!("tr")
            | local_name!("td")
            | local_name!("th")
    )
}

pub(super) fn is_cell(n: &LocalName) -> bool {
    matches!(*n, local_name!("td") | local_name!("th"))
}

/// Elements an end tag's search for its open element does not look past (HTML's "has an element in scope").
pub(super) fn is_scope_boundary(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("applet")
            | local_name!("caption")
            | local_name!("table")
            | local_name!("td")
            | local_name!("th")
            | local_name!("marquee")
            | local_name!("object")
            | local_name!("template")
    )
}

/// The attributes html2text uses, values escaped for a double-quoted attribute and cut to a sane length;
/// `colspan` clamped, `rowspan` and everything else dropped.
pub(super) fn kept_attributes(tag: &Tag) -> String {
    let mut out = String::new();
    for a in &tag.attrs {
        let value: String = match a.name.local {
            local_name!("href") | local_name!("alt") | local_name!("src") => {
                a.value.chars().take(MAX_ATTR_CHARS).collect()
            }
            local_name!("colspan") => match a.value.trim().parse::<usize>() {
                Ok(n) if n > 1 => n.min(MAX_COLSPAN).to_string(),
                _ => continue,
            },
            local_name!("start") => match a.value.trim().parse::<i64>() {
                Ok(n) => n.clamp(-1_000_000, 1_000_000).to_string(),
                Err(_) => continue,
            },
            _ => continue,
        };
        out.push(' ');
        out.push_str(&a.name.local);
        out.push_str("=\"");
        escape_into(&mut out, &value, true);
        out.push('"');
    }
    out
}

/// The clamped `colspan` of a cell (1 when absent or invalid).
pub(super) fn colspan(tag: &Tag) -> usize {
    tag.attrs
        .iter()
        .find(|a| a.name.local == local_name!("colspan"))
        .and_then(|a| a.value.trim().parse::<usize>().ok())
        .map_or(1, |n| n.clamp(1, MAX_COLSPAN))
}

/// Escapes text (`&`, `<`, `>`) or an attribute value (also `"`) for re-serialisation.
pub(super) fn escape_into(out: &mut String, s: &str, attribute: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\0' => {}
            c => out.push(c),
        }
    }
}
