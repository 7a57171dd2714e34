//! Charts as inline SVG drawn on the server: labelled bars, a title and a description for screen readers
//! (`role="img"`), and always a table with the same figures next to them on the page.

use maud::{html, Markup};

const WIDTH: i64 = 640;
const HEIGHT: i64 = 260;
const LEFT: i64 = 40;
const BOTTOM: i64 = 50;
const TOP: i64 = 20;

/// One bar: its label under the axis and its value (drawn as `shown` above the bar).
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// Vertical bars scaled to the largest value (or to `max` when given, e.g. 100 for percentages).
pub fn columns(id: &str, title: &str, desc: &str, bars: &[Bar], max: Option<f64>) -> Markup {
    let top = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(1.0);
    let n = bars.len().max(1) as i64;
    let slot = (WIDTH - LEFT - 10) / n;
    let bar_w = (slot * 7 / 10).max(2);
    let plot_h = (HEIGHT - TOP - BOTTOM) as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {WIDTH} {HEIGHT}"))
            width=(WIDTH) height=(HEIGHT) aria-labelledby=(format!("{id}-title {id}-desc")) id=(id) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc) }
            line class="axis" x1=(LEFT) y1=(HEIGHT - BOTTOM) x2=(WIDTH - 5) y2=(HEIGHT - BOTTOM) {}
            @for (i, b) in bars.iter().enumerate() {
                @let h = (b.value.max(0.0) / top * plot_h).round() as i64;
                @let x = LEFT + i as i64 * slot + (slot - bar_w) / 2;
                @let y = HEIGHT - BOTTOM - h;
                rect class="bar" x=(x) y=(y) width=(bar_w) height=(h) {}
                text x=(x + bar_w / 2) y=(y - 4) text-anchor="middle" { (b.shown) }
                text x=(x + bar_w / 2) y=(HEIGHT - BOTTOM + 16) text-anchor="middle" { (b.label) }
            }
        }
    }
}

/// Horizontal bars from 0 to 100 %, one per row (`None` values are drawn as "—" without a bar).
pub fn percent_rows(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Option<f64>, String)],
) -> Markup {
    let row_h = 28;
    let label_w = 230;
    let height = TOP + rows.len().max(1) as i64 * row_h + 10;
    let plot_w = (WIDTH - label_w - 60) as f64;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {WIDTH} {height}"))
            width=(WIDTH) height=(height) aria-labelledby=(format!("{id}-title {id}-desc")) id=(id) {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (desc) }
            @for (i, (label, value, shown)) in rows.iter().enumerate() {
                @let y = TOP + i as i64 * row_h;
                text x=(label_w - 8) y=(y + 17) text-anchor="end" { (label) }
                @if let Some(v) = value {
                    @let w = (v.clamp(0.0, 100.0) / 100.0 * plot_w).round() as i64;
                    rect class="bar" x=(label_w) y=(y + 4) width=(w) height=(row_h - 8) {}
                    text x=(label_w + w + 6) y=(y + 17) { (shown) }
                } @else {
                    text x=(label_w + 6) y=(y + 17) { (shown) }
                }
            }
        }
    }
}
