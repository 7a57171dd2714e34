//! Prints how long `inbound::html_to_text` takes on hostile HTML (deep nesting, span bombs, huge tables, attribute
//! floods), at two sizes, so a super-linear regression shows as a ratio well above 2.
//! Run: `cargo run --release -p connect311-mail --example hostile_html`

use std::time::Instant;

type Case = (&'static str, fn(usize) -> String);

const CASES: &[Case] = &[
    ("nested <div>, unclosed", |n| {
        format!("{}deep text", "<div>".repeat(n))
    }),
    ("nested <div>, closed", |n| {
        format!("{}x{}", "<div>".repeat(n / 2), "</div>".repeat(n / 2))
    }),
    ("rowspan/colspan bomb", |n| {
        let row = "<tr><td rowspan=65534 colspan=1000>x</td><td colspan=65534>y</td></tr>";
        format!("<table>{}</table>", row.repeat(n / 70))
    }),
    ("table cells", |n| {
        format!("<table>{}</table>", "<tr><td>a<td>b".repeat(n / 14))
    }),
    ("nested tables", |n| {
        let open = "<table><tr><td>".repeat(n / 33);
        format!("{open}x{}", "</td></tr></table>".repeat(n / 33))
    }),
    ("deep quotes, many lines", |n| {
        format!(
            "{}{}",
            "<blockquote>".repeat(1000),
            "line<br>".repeat(n / 8)
        )
    }),
    ("one tag, many attributes", |n| {
        let attrs: Vec<String> = (0..n / 7).map(|i| format!("a{i}")).collect();
        format!("<p {}>text</p>", attrs.join(" "))
    }),
    ("paragraphs", |n| {
        "<p>The streetlight on Oak &amp; 5th is out.</p>\n".repeat(n / 48)
    }),
    ("misnested formatting", |n| {
        "<b><i><u><s class=x>t</b>".repeat(n / 25)
    }),
];

/// Best of three, in ms (the machine is shared: the minimum is the least disturbed run), and the text length.
fn time(html: &str) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut len = 0;
    for _ in 0..3 {
        let t = Instant::now();
        len = mail::inbound::html_to_text(html).len();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    (best, len)
}

/// Input size of the first run; the second is twice that. `HOSTILE_HTML_KB` overrides it (the pre-pass reads at
/// most 1 MiB of HTML, so sizes past 512 KB measure the cap).
static SIZE: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    std::env::var("HOSTILE_HTML_KB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
        * 1024
});

fn main() {
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>6}",
        "case", "KB", "ms", "2×KB", "2×ms", "ratio"
    );
    for (name, make) in CASES {
        let (small, large) = (make(*SIZE), make(2 * *SIZE));
        let (t1, _) = time(&small);
        let (t2, out) = time(&large);
        println!(
            "{name:<28} {:>9} {t1:>9.1} {:>9} {t2:>9.1} {:>6.2}   ({} KB text)",
            small.len() / 1024,
            large.len() / 1024,
            t2 / t1.max(0.01),
            out / 1024
        );
    }
    let bomb = (CASES[2].1)(43 * 1024);
    let (t, out) = time(&bomb);
    println!("43 KB rowspan/colspan bomb: {t:.1} ms, {out} bytes of text");
    let deep = format!("{}deep text", "<div>".repeat(200_000));
    let (t, out) = time(&deep);
    println!("200,000 nested <div>: {t:.1} ms, {out} bytes of text");
}
