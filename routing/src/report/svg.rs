//! The report's chart as one self-contained SVG: requests per ISO week (bars) and SLA compliance per
//! department (percent bars, acknowledged and closed on time), with axes, labels and a legend.

use std::fmt::Write as _;

use super::render::when;
use super::{DepartmentSla, Report};

const WIDTH: i64 = 760;
const PLOT_LEFT: i64 = 70;
const PLOT_RIGHT: i64 = 730;
const VOLUME_TOP: i64 = 80;
const VOLUME_BOTTOM: i64 = 260;
const SLA_TOP: i64 = 360;
const SLA_LEFT: i64 = 170;
const SLA_RIGHT: i64 = 690;
const ROW: i64 = 36;
const RESPONSE_COLOR: &str = "#2b6cb0";
const RESOLUTION_COLOR: &str = "#dd6b20";
const VOLUME_COLOR: &str = "#4a5568";

/// Text made safe for SVG content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The smallest 1-, 2- or 5-times-a-power-of-ten step that covers `max` in at most five steps, and the top.
fn nice_scale(max: u32) -> (u32, u32) {
    let max = max.max(1);
    let mut magnitude = 1u32;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if max.div_ceil(step) <= 5 {
                return (step, max.div_ceil(step) * step);
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

fn text(svg: &mut String, x: i64, y: i64, anchor: &str, extra: &str, body: &str) {
    let _ = writeln!(
        svg,
        r#"<text x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{}</text>"#,
        escape(body)
    );
}

impl Report {
    /// A self-contained SVG chart: weekly volume bars and per-department SLA compliance bars.
    pub fn svg_chart(&self) -> String {
        let rows: Vec<&DepartmentSla> = self.sla.iter().chain([&self.sla_overall]).collect();
        let height = SLA_TOP + 50 + rows.len() as i64 * ROW + 40;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
        );
        let _ = writeln!(
            svg,
            r#"<rect width="{WIDTH}" height="{height}" fill="white"/>"#
        );
        text(
            &mut svg,
            WIDTH / 2,
            24,
            "middle",
            r#" font-size="15" font-weight="bold""#,
            "311 requests: weekly volume and SLA compliance",
        );
        let period = format!(
            "{} to {} ({}): {} requests",
            when(self, self.from_ms),
            when(self, self.to_ms),
            self.timezone,
            self.total
        );
        text(&mut svg, WIDTH / 2, 42, "middle", "", &period);
        self.volume_panel(&mut svg);
        self.sla_panel(&mut svg, &rows);
        svg.push_str("</svg>\n");
        svg
    }

    fn volume_panel(&self, svg: &mut String) {
        text(
            svg,
            PLOT_LEFT,
            VOLUME_TOP - 14,
            "start",
            r#" font-weight="bold""#,
            "Requests per ISO week",
        );
        let max = self.by_week.iter().map(|c| c.count).max().unwrap_or(0);
        let (step, top) = nice_scale(max);
        let plot_h = VOLUME_BOTTOM - VOLUME_TOP;
        let y_of = |v: u32| VOLUME_BOTTOM - i64::from(v) * plot_h / i64::from(top);
        for tick in (0..=top).step_by(step as usize) {
            let y = y_of(tick);
            let _ = writeln!(
                svg,
                r##"<line x1="{PLOT_LEFT}" y1="{y}" x2="{PLOT_RIGHT}" y2="{y}" stroke="#e2e8f0"/>"##
            );
            text(svg, PLOT_LEFT - 6, y + 4, "end", "", &tick.to_string());
        }
        let _ = writeln!(
            svg,
            r##"<line x1="{PLOT_LEFT}" y1="{VOLUME_TOP}" x2="{PLOT_LEFT}" y2="{VOLUME_BOTTOM}" stroke="#2d3748"/><line x1="{PLOT_LEFT}" y1="{VOLUME_BOTTOM}" x2="{PLOT_RIGHT}" y2="{VOLUME_BOTTOM}" stroke="#2d3748"/>"##
        );
        let mid = (VOLUME_TOP + VOLUME_BOTTOM) / 2;
        text(
            svg,
            20,
            mid,
            "middle",
            &format!(r#" transform="rotate(-90 20 {mid})""#),
            "requests",
        );
        text(
            svg,
            (PLOT_LEFT + PLOT_RIGHT) / 2,
            VOLUME_BOTTOM + 40,
            "middle",
            "",
            "ISO week",
        );
        let n = self.by_week.len().max(1) as i64;
        let slot = (PLOT_RIGHT - PLOT_LEFT) / n;
        let label_every = (n / 12 + 1) as usize;
        for (i, c) in self.by_week.iter().enumerate() {
            let (w, y) = ((slot * 2 / 3).clamp(1, 80), y_of(c.count));
            let x = PLOT_LEFT + i as i64 * slot + (slot - w) / 2;
            let _ = writeln!(
                svg,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{}" fill="{VOLUME_COLOR}"><title>{}: {}</title></rect>"#,
                VOLUME_BOTTOM - y,
                escape(&c.key),
                c.count
            );
            let cx = x + w / 2;
            if c.count > 0 {
                text(svg, cx, y - 4, "middle", "", &c.count.to_string());
            }
            if i % label_every == 0 {
                text(svg, cx, VOLUME_BOTTOM + 16, "middle", "", &c.key);
            }
        }
    }

    fn sla_panel(&self, svg: &mut String, rows: &[&DepartmentSla]) {
        text(
            svg,
            PLOT_LEFT,
            SLA_TOP - 40,
            "start",
            r#" font-weight="bold""#,
            "SLA compliance by department (% on time)",
        );
        // Legend.
        for (i, (color, label)) in [
            (RESPONSE_COLOR, "acknowledged on time"),
            (RESOLUTION_COLOR, "closed on time"),
        ]
        .into_iter()
        .enumerate()
        {
            let x = SLA_LEFT + i as i64 * 200;
            let _ = writeln!(
                svg,
                r#"<rect x="{x}" y="{}" width="12" height="12" fill="{color}"/>"#,
                SLA_TOP - 28
            );
            text(svg, x + 18, SLA_TOP - 18, "start", "", label);
        }
        let bottom = SLA_TOP + rows.len() as i64 * ROW;
        let x_of = |p: f64| {
            SLA_LEFT + (p.clamp(0.0, 100.0) * (SLA_RIGHT - SLA_LEFT) as f64 / 100.0).round() as i64
        };
        for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
            let x = x_of(tick);
            let _ = writeln!(
                svg,
                r##"<line x1="{x}" y1="{SLA_TOP}" x2="{x}" y2="{bottom}" stroke="#e2e8f0"/>"##
            );
            text(svg, x, bottom + 14, "middle", "", &format!("{tick:.0}%"));
        }
        let _ = writeln!(
            svg,
            r##"<line x1="{SLA_LEFT}" y1="{SLA_TOP}" x2="{SLA_LEFT}" y2="{bottom}" stroke="#2d3748"/>"##
        );
        text(
            svg,
            (SLA_LEFT + SLA_RIGHT) / 2,
            bottom + 32,
            "middle",
            "",
            "percent of judged requests on time",
        );
        for (i, s) in rows.iter().enumerate() {
            let y = SLA_TOP + i as i64 * ROW + 4;
            text(svg, SLA_LEFT - 8, y + 17, "end", "", s.department.as_str());
            for (j, (counts, color)) in [
                (&s.response, RESPONSE_COLOR),
                (&s.resolution, RESOLUTION_COLOR),
            ]
            .into_iter()
            .enumerate()
            {
                let by = y + j as i64 * 14;
                let label = counts
                    .percent
                    .map_or("n/a".to_string(), |p| format!("{p:.1}%"));
                let end = x_of(counts.percent.unwrap_or(0.0));
                let _ = writeln!(
                    svg,
                    r#"<rect x="{SLA_LEFT}" y="{by}" width="{}" height="12" fill="{color}"><title>{}: {} of {}</title></rect>"#,
                    end - SLA_LEFT,
                    escape(s.department.as_str()),
                    counts.met,
                    counts.met + counts.missed
                );
                text(svg, end + 4, by + 10, "start", r#" font-size="10""#, &label);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn nice_scales() {
        for (max, want) in [
            (0, (1, 1)),
            (1, (1, 1)),
            (5, (1, 5)),
            (6, (2, 6)),
            (9, (2, 10)),
            (23, (5, 25)),
            (48, (10, 50)),
            (260, (100, 300)),
        ] {
            assert_eq!(nice_scale(max), want, "{max}");
        }
    }
}
