//! The pre-pass on hostile and ordinary HTML, and html_to_text through it.

use super::*;
use crate::inbound::html_to_text;

fn plain(html: &str) -> String {
    html2text::config::plain()
        .link_footnotes(false)
        .string_from_read(html.as_bytes(), 400)
        .unwrap()
}

#[test]
fn ordinary_mail_html_converts_as_before() {
    let cases = [
        "<html><head><meta charset=utf-8><style>p{color:red}</style></head><body><p>Hello,</p>\
         <p>The streetlight at <b>Oak &amp; 5th</b> is out.</p><p>Thanks<br>Ana</p></body></html>",
        "<div dir=ltr>Hi team,<div><br></div><div>Pothole on <a href=\"https://maps.example.test/x\">Main \
         St</a>.</div><ul><li>deep<li>wide</ul><ol start=3><li>three<li>four</ol></div>",
        "<table><tr><th>Street</th><th>Issue</th></tr><tr><td>Main</td><td colspan=2>pothole</td></tr>\
         <tr><td>Oak</td><td>light</td></tr></table><p>After the table</p>",
        "<div class=gmail_quote>On Mon, Ana wrote:<blockquote>Old text<blockquote>older</blockquote>\
         </blockquote></div><p>x<p>y<h1>Title</h1><h2>Sub</h2><pre>  keep   spaces\n  here</pre>",
        "<p class=MsoNormal>Outlook <o:p></o:p></p><p class=MsoNormal><span style='font-size:11pt'>text\
         </span><img src=cid:image001.png alt=\"logo\"></p><dl><dt>term<dd>definition</dl>",
    ];
    for html in cases {
        assert_eq!(html_to_text(html), plain(html), "{html}");
    }
}

#[test]
fn two_hundred_thousand_levels_finish_and_keep_the_text() {
    // 200,000 levels fill the 1 MiB read per part; closed and followed by more, they would be cut.
    let html = format!("<p>start</p>{}deep text", "<div>".repeat(200_000));
    let text = html_to_text(&html);
    assert!(
        text.contains("start") && text.contains("deep text"),
        "{text:?}"
    );
    let unclosed = html_to_text(&format!("{}mixed", "<span><div>".repeat(90_000)));
    assert!(unclosed.contains("mixed"), "{unclosed:?}");
    let closed = format!(
        "{}inner{}<p>after</p>",
        "<div>".repeat(20_000),
        "</div>".repeat(20_000)
    );
    let text = html_to_text(&closed);
    assert!(
        text.contains("inner\n") && text.trim_end().ends_with("after"),
        "{text:?}"
    );
}

#[test]
fn nesting_is_capped_in_the_rewritten_html() {
    let html = format!("{}x{}", "<div>".repeat(1000), "</div>".repeat(1000));
    let (safe, _) = sanitize(&html);
    assert_eq!(safe.matches("<div>").count(), sink::MAX_DEPTH);
    assert_eq!(safe.matches("</div>").count(), sink::MAX_DEPTH);
    assert!(safe.contains('x'));
}

#[test]
fn a_span_bomb_gives_bounded_output() {
    let row = "<tr><td rowspan=65534 colspan=1000>x</td><td colspan=65534>y</td></tr>";
    let html = format!("<table>{}</table>", row.repeat(600));
    let (safe, _) = sanitize(&html);
    assert!(!safe.contains("rowspan"), "{}", &safe[..200]);
    assert!(safe.contains(&format!("colspan=\"{}\"", tags::MAX_COLSPAN)));
    let text = html_to_text(&html);
    assert!(text.len() < 64 * html.len(), "{} bytes of text", text.len());
    assert!(text.contains('x') && text.contains('y'));
}

#[test]
fn past_the_cell_budget_tables_turn_into_text() {
    let html = format!("<table>{}</table>after", "<tr><td>a<td>b".repeat(5000));
    let (safe, _) = sanitize(&html);
    assert!(safe.matches("<td>").count() <= sink::MAX_CELLS);
    let text = html_to_text(&html);
    assert!(
        text.trim_end().ends_with("after"),
        "{}",
        &text[text.len() - 100..]
    );
    assert_eq!(text.matches('a').count(), 5001, "every cell's text is kept");
}

#[test]
fn hidden_content_is_dropped() {
    let html = "<html><head><title>Secret title</title><style>.x{}</style></head><body>\
        <div style=\"display:none\">hidden one</div>\
        <span style=\"color:red; DISPLAY : None !important\">hidden two</span>\
        <p style='visibility:hidden'>hidden three</p><p hidden>hidden four</p>\
        <template><p>hidden five</p></template><script>hidden six</script>\
        <div style=\"mso-hide:all\">hidden seven<div>nested</div></div>\
        <p style=\"display:block\">shown one</p><img hidden alt=\"hidden eight\"><p>shown two</p></body></html>";
    let text = html_to_text(html);
    assert!(
        !text.contains("hidden") && !text.contains("Secret"),
        "{text}"
    );
    assert!(
        text.contains("shown one") && text.contains("shown two"),
        "{text}"
    );
}

#[test]
fn an_unclosed_head_ends_at_the_body() {
    let text =
        html_to_text("<html><head><title>T</title><meta x=1><body>Visible <span>text</span>");
    assert_eq!(text.trim(), "Visible text");
    let text = html_to_text("<head><style>s</style>Stray words end the head");
    assert_eq!(text.trim(), "Stray words end the head");
}

#[test]
fn a_tag_with_a_flood_of_attributes_is_cut() {
    let attrs: Vec<String> = (0..100_000).map(|i| format!("a{i}=\"v\"")).collect();
    let html = format!("<p {}>kept text</p>", attrs.join(""));
    let bounded = scan::bound(&html, MAX_HTML_BYTES);
    assert!(bounded.len() < 2000, "{}", bounded.len());
    assert!(bounded.ends_with(">kept text</p>"), "{bounded}");
    assert_eq!(html_to_text(&html).trim(), "kept text");
}

#[test]
fn size_cap_cuts_at_a_tag_boundary() {
    let html = "<p>one</p><p title=\"a > b\">two</p>";
    assert_eq!(scan::bound(html, 12), "<p>one</p>");
    assert_eq!(scan::bound(html, 1000), html);
    assert!(matches!(
        scan::bound(html, 1000),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(
        scan::bound("<p>héllo", 5),
        "<p>h",
        "never inside a UTF-8 sequence"
    );
    assert_eq!(scan::bound("a<p title='x", 8), "a", "never inside a tag");
    assert_eq!(
        scan::bound("<style><!-- p{}</style>visible", 100),
        "<style><!-- p{}</style>visible",
        "an unclosed comment in a style block loses nothing"
    );
}

#[test]
fn output_text_is_capped() {
    let html = "<p>The streetlight on Oak is out.</p>".repeat(60_000);
    let text = html_to_text(&html);
    assert!(text.len() <= crate::inbound::MAX_HTML_TEXT_BYTES);
    assert!(text.len() > crate::inbound::MAX_HTML_TEXT_BYTES / 2);
}

#[test]
fn past_the_element_budget_tags_are_dropped_and_text_runs_on() {
    let html = "<b><i><u><s class=x>t</b>".repeat(5000) + "<p>last</p>";
    let (safe, _) = sanitize(&html);
    let tags = safe.matches('<').count();
    assert!(
        tags <= 2 * sink::MAX_ELEMENTS + 2,
        "{tags} tags: {}",
        &safe[safe.len() - 300..]
    );
    let text = html_to_text(&html);
    assert_eq!(text.matches('t').count(), 5001, "every text run is kept");
    assert!(
        text.trim_end().ends_with("last"),
        "{}",
        &text[text.len() - 50..]
    );
}

#[test]
fn an_unclosed_comment_in_a_style_block_keeps_the_text_after_it() {
    let text = html_to_text("<style><!-- p { color: red }</style><p>Visible text</p>");
    assert_eq!(text.trim(), "Visible text");
}

#[test]
fn a_script_that_looks_like_a_huge_tag_still_ends() {
    let script = format!(
        "if (a<b {}) x();",
        (0..100)
            .map(|i| format!("v{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let html = format!("<script>{script}</script><p>Visible text</p>");
    assert!(scan::bound(&html, MAX_HTML_BYTES).contains("</script>"));
    assert_eq!(html_to_text(&html).trim(), "Visible text");
}

#[test]
fn past_the_line_budget_the_text_runs_on_as_one_paragraph() {
    let html = "x<br>".repeat(3 * sink::MAX_LINES) + "<pre>a\nb</pre><p>last</p>";
    let (safe, _) = sanitize(&html);
    assert!(safe.matches("<br>").count() <= sink::MAX_LINES);
    let text = html_to_text(&html);
    assert_eq!(
        text.matches('x').count(),
        3 * sink::MAX_LINES,
        "every line's text is kept"
    );
    assert!(
        text.lines().count() < sink::MAX_LINES + 100,
        "{} lines",
        text.lines().count()
    );
    assert!(
        text.trim_end().ends_with("a b last"),
        "{}",
        &text[text.len() - 50..]
    );
}
