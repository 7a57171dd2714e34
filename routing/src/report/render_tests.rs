//! Rendering tests: the hand-computed fixture as text, CSV, JSON and SVG, escaping, and an empty period.

use super::tests::{counts, fixture, report};
use super::*;
use crate::calendar::tests::{ms, riverton};

#[test]
fn renders_text_csv_json_and_svg() {
    let r = report();
    let text = r.to_string();
    for needle in [
        "311 report: 2026-06-01 00:00 EDT to 2026-06-15 00:00 EDT (America/New_York), as of 2026-06-16 12:00 EDT",
        "Requests received: 8 (1 duplicates merged)",
        "2026-W24",
        "n=6",
        "median 2.0 h business (4.0 h wall)",
        "streets",
        "2/2 100.0%",
        "1/2 50.0%",
        "Open backlog: 6 (<1d 1, 1-3d 1, 3-7d 2, 7-30d 1, >30d 1)",
        "Reopened: 1 of 3 closed (33.3%)",
        "5th & main",
        "By origin (residents' requests vs internal work orders)",
        "public    received     6 (1 duplicates)  open     4  acknowledged on time 4/5 80.0%",
        "internal  received     2 (0 duplicates)  open     2  acknowledged on time 2/2 100.0%",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }

    let csv = r.to_csv();
    let sections: Vec<&str> = csv.split("\n\n").filter(|s| !s.is_empty()).collect();
    let names: Vec<&str> = sections.iter().map(|s| s.lines().next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "summary",
            "volume_by_category",
            "volume_by_department",
            "volume_by_week",
            "volume_by_language",
            "timing",
            "sla_by_department",
            "backlog",
            "top_locations",
            "by_origin"
        ]
    );
    assert!(
        csv.contains(
            "\npublic,6,1,4,4,1,0,80.00,1,3,1,25.00\ninternal,2,0,2,2,0,0,100.00,1,0,1,100.00\n"
        ),
        "{csv}"
    );
    assert!(csv.contains("\ntiming\nmeasure,count,median_business_hours,p90_business_hours,median_wall_hours,p90_wall_hours\nacknowledge,6,2.00,4.00,4.00,65.00\nclose,3,19.00,31.00,65.00,122.00\n"));
    assert!(
        csv.contains("\nsanitation,1,1,0,50.00,0,1,1,0.00\n"),
        "{csv}"
    );
    assert!(csv.contains("\nall,6,1,0,85.71,2,3,2,40.00\n"), "{csv}");
    assert!(csv.contains("\nreopen_percent,33.33\n"));
    // Every section reads back as CSV with a constant width.
    for section in sections {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(section.split_once('\n').unwrap().1.as_bytes());
        assert!(reader.records().all(|rec| rec.is_ok()), "{section}");
    }

    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["total"], 8);
    assert_eq!(json["close"]["p90_wall_hours"], 122.0);
    assert_eq!(json["sla"][3]["department"], "streets");
    assert_eq!(json["backlog"][4]["key"], ">30d");

    let svg = r.svg_chart();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for needle in [
        "2026-W23",
        "2026-W24",
        "acknowledged on time",
        "closed on time",
        "sanitation",
        "50.0%",
        "100%",
        "requests",
    ] {
        assert!(svg.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn csv_and_svg_escape_what_they_show() {
    let mut rows = fixture();
    rows[0].department = DepartmentId::new("<script>,\"x\"");
    let r = report_of(&rows);
    assert!(
        r.to_csv().contains("\n\"<script>,\"\"x\"\"\",1\n"),
        "{}",
        r.to_csv()
    );
    let svg = r.svg_chart();
    assert!(
        !svg.contains("<script>") && svg.contains("&lt;script&gt;,&quot;x&quot;"),
        "{svg}"
    );
}

fn report_of(rows: &[ReportRequest]) -> Report {
    Report::build(
        rows,
        ms("2026-06-01 00:00"),
        ms("2026-06-15 00:00"),
        ms("2026-06-16 12:00"),
        &riverton(),
    )
}

#[test]
fn an_empty_period_reports_zeroes() {
    let r = Report::build(
        &[],
        ms("2026-06-01 00:00"),
        ms("2026-06-08 00:00"),
        ms("2026-06-08 00:00"),
        &riverton(),
    );
    assert_eq!(r.total, 0);
    assert_eq!(r.by_week, counts(&[("2026-W23", 0)]));
    assert_eq!(r.acknowledge.median_business_hours, None);
    assert_eq!(r.reopens.percent, None);
    assert!(r.to_string().contains("Requests received: 0"));
    assert!(r.svg_chart().contains("n/a"));
}
