//! The department-to-department table against a fixture whose figures were worked out by hand.

use chrono::NaiveDate;

use super::{InternalRow, InternalTable};
use crate::calendar::{Calendar, HOUR_MS};
use crate::types::DepartmentId;

/// 2026-06-01 (a Monday) plus `day` days, at `h` hours (UTC, the default calendar's zone).
fn at(day: i64, h: f64) -> i64 {
    let monday = NaiveDate::from_ymd_opt(2026, 6, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    monday + day * 24 * HOUR_MS + (h * HOUR_MS as f64) as i64
}

fn row(
    from: &str,
    to: &str,
    created: i64,
    ack: Option<i64>,
    closed: Option<i64>,
    due: (i64, i64),
) -> InternalRow {
    InternalRow {
        asked_by: DepartmentId::new(from),
        assigned_to: DepartmentId::new(to),
        created_ms: created,
        acknowledged_ms: ack,
        closed_ms: closed,
        response_due_ms: due.0,
        resolution_due_ms: due.1,
    }
}

#[test]
fn pairs_figures_match_the_hand_computed_fixture() {
    let rows = [
        // Parks → Streets. A: ack after 2 h, closed after 6 h, both in time.
        row(
            "parks",
            "streets",
            at(0, 9.0),
            Some(at(0, 11.0)),
            Some(at(0, 15.0)),
            (at(0, 12.0), at(1, 17.0)),
        ),
        // B: ack after 6 h (late), closed Tuesday 10:00 = 9 business hours (24 wall), in time.
        row(
            "parks",
            "streets",
            at(0, 10.0),
            Some(at(0, 16.0)),
            Some(at(1, 10.0)),
            (at(0, 12.0), at(1, 12.0)),
        ),
        // C: never acknowledged (response missed by now), resolution still pending.
        row(
            "parks",
            "streets",
            at(0, 13.0),
            None,
            None,
            (at(0, 15.0), at(4, 17.0)),
        ),
        // Last week's request: outside the period.
        row(
            "parks",
            "streets",
            at(-7, 9.0),
            None,
            None,
            (at(-7, 10.0), at(-7, 11.0)),
        ),
        // Streets → Parks. D: closed after 30 minutes without an acknowledgement.
        row(
            "streets",
            "parks",
            at(1, 9.0),
            None,
            Some(at(1, 9.5)),
            (at(1, 10.0), at(2, 9.0)),
        ),
    ];
    let table = InternalTable::build(
        &rows,
        at(0, 0.0),
        at(3, 0.0),
        at(2, 9.0),
        &Calendar::default(),
    );
    assert_eq!(table.pairs.len(), 2);
    let ps = &table.pairs[0];
    assert_eq!(
        (ps.asked_by.as_str(), ps.assigned_to.as_str()),
        ("parks", "streets")
    );
    assert_eq!((ps.asked, ps.answered, ps.open), (3, 2, 1));
    // Nearest-rank median of two values is the lower one.
    assert_eq!(ps.median_acknowledge_business_hours, Some(2.0));
    assert_eq!(ps.median_close_business_hours, Some(6.0));
    assert_eq!(ps.median_close_wall_hours, Some(6.0));
    assert_eq!(
        (ps.response.met, ps.response.missed, ps.response.pending),
        (1, 2, 0)
    );
    assert_eq!(
        (
            ps.resolution.met,
            ps.resolution.missed,
            ps.resolution.pending
        ),
        (2, 0, 1)
    );
    assert!((ps.response.percent.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(ps.resolution.percent, Some(100.0));
    let sp = &table.pairs[1];
    assert_eq!(
        (sp.asked_by.as_str(), sp.assigned_to.as_str()),
        ("streets", "parks")
    );
    assert_eq!((sp.asked, sp.answered, sp.open), (1, 1, 0));
    assert_eq!(sp.median_acknowledge_business_hours, Some(0.5));
    assert_eq!((sp.response.met, sp.resolution.met), (1, 1));
    let text = table.to_text();
    assert!(text.contains("parks → streets"), "{text}");
    assert!(text.contains("1/3 33%"), "{text}");
    let csv = table.to_csv();
    assert!(
        csv.lines()
            .any(|l| l == "parks,streets,3,2,1,2.00,6.00,1,2,0,2,0,1"),
        "{csv}"
    );
}

#[test]
fn a_period_without_internal_requests_says_so() {
    let table = InternalTable::build(&[], 0, 10, 10, &Calendar::default());
    assert!(table.pairs.is_empty());
    assert!(table.to_text().contains("(none)"));
}
