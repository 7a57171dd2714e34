//! A hand-computed report: ten rows with chosen times (New York, Mon–Fri 08:00–17:00), every figure worked out
//! in the comments and asserted.

use super::*;
use crate::calendar::tests::{ms, riverton};

struct Row {
    n: u64,
    dept: &'static str,
    cat: Option<&'static str>,
    lang: Language,
    created: &'static str,
    acked: Option<&'static str>,
    closed: Option<(&'static str, CloseReason)>,
    status: Status,
    response_due: &'static str,
    resolution_due: &'static str,
    place: Option<&'static str>,
    duplicate_of: Option<u64>,
    reopened: u32,
    /// An internal work order (one department asking another).
    internal: bool,
}

fn row(r: Row) -> ReportRequest {
    ReportRequest {
        reference: RequestRef::new(r.n).unwrap(),
        department: DepartmentId::new(r.dept),
        category: r.cat.map(CategoryId::new),
        language: r.lang,
        created_ms: ms(r.created),
        acknowledged_ms: r.acked.map(ms),
        closed_ms: r.closed.map(|(t, _)| ms(t)),
        close_reason: r.closed.map(|(_, why)| why),
        status: r.status,
        response_due_ms: ms(r.response_due),
        resolution_due_ms: ms(r.resolution_due),
        location_norm: r.place.map(String::from),
        duplicate_of: r.duplicate_of.and_then(RequestRef::new),
        reopened_count: r.reopened,
        internal: r.internal,
    }
}

/// Period: Monday 2026-06-01 00:00 to Monday 2026-06-15 00:00 (ISO weeks 23 and 24); now: Tuesday 2026-06-16
/// 12:00. Times are New York local.
pub(super) fn fixture() -> Vec<ReportRequest> {
    use CloseReason::*;
    use Language::*;
    use Status::*;
    let base = Row {
        n: 0,
        dept: "streets",
        cat: Some("pothole"),
        lang: En,
        created: "",
        acked: None,
        closed: None,
        status: Open,
        response_due: "",
        resolution_due: "",
        place: None,
        duplicate_of: None,
        reopened: 0,
        internal: false,
    };
    [
        // R1 Mon 09:00 → ack Mon 11:00 (2 bh, 2 h) → closed Wed 10:00 (8+9+2 = 19 bh; 49 h). Both targets met.
        Row {
            n: 1,
            created: "2026-06-01 09:00",
            acked: Some("2026-06-01 11:00"),
            closed: Some(("2026-06-03 10:00", Resolved)),
            status: Closed,
            response_due: "2026-06-02 09:00",
            resolution_due: "2026-06-05 17:00",
            place: Some("5th and main"),
            ..base
        },
        // R2 Sat 10:00 → ack Mon 10:00 (2 bh, 48 h, met) → closed Thu 06-11 12:00 (9+9+9+4 = 31 bh; 122 h),
        // after its Wed 17:00 due: missed. Reopened once, closed again.
        Row {
            n: 2,
            lang: Es,
            created: "2026-06-06 10:00",
            acked: Some("2026-06-08 10:00"),
            closed: Some(("2026-06-11 12:00", Resolved)),
            status: Closed,
            response_due: "2026-06-08 17:00",
            resolution_due: "2026-06-10 17:00",
            place: Some("main & 5th"),
            reopened: 1,
            ..base
        },
        // R3 a duplicate of R2, closed as such: volume, duplicates and locations only.
        Row {
            n: 3,
            created: "2026-06-08 08:30",
            closed: Some(("2026-06-08 09:00", Duplicate)),
            status: Closed,
            response_due: "2026-06-09 08:30",
            resolution_due: "2026-06-12 08:30",
            place: Some("corner of main and 5th"),
            duplicate_of: Some(2),
            ..base
        },
        // R4 Tue 14:00 → ack 16:30 (2.5 bh, 2.5 h, met); open past its Fri 06-12 14:00 resolution due: missed.
        // Backlog age 6 d 22 h: 3-7d.
        Row {
            n: 4,
            dept: "sanitation",
            cat: Some("missed_pickup"),
            created: "2026-06-09 14:00",
            acked: Some("2026-06-09 16:30"),
            status: Acknowledged,
            response_due: "2026-06-10 14:00",
            resolution_due: "2026-06-12 14:00",
            place: Some("123 elm street"),
            ..base
        },
        // R5 Wed 16:00, never acknowledged: response (due Thu 16:00) missed; resolution (due 06-17) pending.
        // Backlog age 5 d 20 h: 3-7d.
        Row {
            n: 5,
            dept: "sanitation",
            cat: Some("missed_pickup"),
            lang: Es,
            created: "2026-06-10 16:00",
            response_due: "2026-06-11 16:00",
            resolution_due: "2026-06-17 16:00",
            place: Some("123 Elm St"),
            ..base
        },
        // R6, R7 and R8 are internal work orders (one department asking another); the rest are residents'.
        // R6 Fri 16:00, closed Mon 06-15 09:00 (after the period, before now) without an acknowledgement: the
        // close acknowledges. Both 1+1 = 2 bh and 8+48+9 = 65 h; both targets met.
        Row {
            n: 6,
            internal: true,
            dept: "parks",
            cat: Some("tree_down"),
            created: "2026-06-12 16:00",
            closed: Some(("2026-06-15 09:00", NotCity)),
            status: Closed,
            response_due: "2026-06-15 16:00",
            resolution_due: "2026-06-19 16:00",
            ..base
        },
        // R7 Sun 20:00 local (already Monday in UTC, still week 24), no category → ack Mon 08:30 (0.5 bh,
        // 12.5 h, met); resolution pending. Backlog age 1 d 16 h: 1-3d.
        Row {
            n: 7,
            internal: true,
            dept: "parks",
            cat: None,
            created: "2026-06-14 20:00",
            acked: Some("2026-06-15 08:30"),
            status: Acknowledged,
            response_due: "2026-06-15 17:00",
            resolution_due: "2026-06-22 17:00",
            ..base
        },
        // R8 created before the period, reopened and open: backlog only, age 41 d: >30d.
        Row {
            n: 8,
            internal: true,
            created: "2026-05-06 10:00",
            status: Reopened,
            response_due: "2026-05-07 10:00",
            resolution_due: "2026-05-20 10:00",
            reopened: 1,
            ..base
        },
        // R9 Thu 06-04 11:00 → ack 15:00 (4 bh, 4 h, met); open past its Thu 06-11 due: missed. Age 12 d 1 h: 7-30d.
        Row {
            n: 9,
            dept: "health",
            cat: Some("rodent"),
            created: "2026-06-04 11:00",
            acked: Some("2026-06-04 15:00"),
            status: Acknowledged,
            response_due: "2026-06-05 11:00",
            resolution_due: "2026-06-11 11:00",
            place: Some("oak avenue and 3rd street"),
            ..base
        },
        // R10 created after the period (Tue 06-16 09:00): backlog only, age 3 h: <1d.
        Row {
            n: 10,
            created: "2026-06-16 09:00",
            response_due: "2026-06-17 09:00",
            resolution_due: "2026-06-30 09:00",
            ..base
        },
    ]
    .into_iter()
    .map(row)
    .collect()
}

pub(super) fn counts(pairs: &[(&str, u32)]) -> Vec<Count> {
    pairs
        .iter()
        .map(|&(key, count)| Count {
            key: key.into(),
            count,
        })
        .collect()
}

fn sla(met: u32, missed: u32, pending: u32, percent: Option<f64>) -> SlaCounts {
    SlaCounts {
        met,
        missed,
        pending,
        percent,
    }
}

pub(super) fn report() -> Report {
    Report::build(
        &fixture(),
        ms("2026-06-01 00:00"),
        ms("2026-06-15 00:00"),
        ms("2026-06-16 12:00"),
        &riverton(),
    )
}

#[test]
fn hand_computed_report() {
    let r = report();
    // The period holds R1–R7 and R9.
    assert_eq!(r.total, 8);
    assert_eq!(r.timezone, chrono_tz::America::New_York);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["timezone"], "America/New_York");
    assert_eq!(
        r.by_category,
        counts(&[
            ("pothole", 3),
            ("missed_pickup", 2),
            ("rodent", 1),
            ("tree_down", 1),
            ("uncategorised", 1)
        ])
    );
    assert_eq!(
        r.by_department,
        counts(&[
            ("streets", 3),
            ("parks", 2),
            ("sanitation", 2),
            ("health", 1)
        ])
    );
    // Week 23 (Jun 1–7): R1, R9, R2. Week 24 (Jun 8–14): R3, R4, R5, R6, R7.
    assert_eq!(r.by_week, counts(&[("2026-W23", 3), ("2026-W24", 5)]));
    assert_eq!(r.by_language, counts(&[("en", 6), ("es", 2)]));

    // Acknowledged (R3 left out as a duplicate, R5 never): R1, R2, R4, R6, R7, R9; n = 6.
    // Business hours sorted: 0.5, 2, 2, 2, 2.5, 4. Median = rank ⌈0.5·6⌉ = 3 → 2; p90 = rank ⌈5.4⌉ = 6 → 4.
    // Wall hours sorted: 2, 2.5, 4, 12.5, 48, 65. Median = rank 3 → 4; p90 = rank 6 → 65.
    assert_eq!(
        r.acknowledge,
        Timing {
            count: 6,
            median_business_hours: Some(2.0),
            p90_business_hours: Some(4.0),
            median_wall_hours: Some(4.0),
            p90_wall_hours: Some(65.0),
        }
    );
    // Closed: R1 (19 bh, 49 h), R2 (31, 122), R6 (2, 65); n = 3. Median = rank ⌈1.5⌉ = 2; p90 = rank ⌈2.7⌉ = 3.
    assert_eq!(
        r.close,
        Timing {
            count: 3,
            median_business_hours: Some(19.0),
            p90_business_hours: Some(31.0),
            median_wall_hours: Some(65.0),
            p90_wall_hours: Some(122.0),
        }
    );

    // health: R9 ack met; resolution missed.          parks: R6 and R7 acks met; R6 closed in time, R7 pending.
    // sanitation: R4 met, R5 missed; R4 missed, R5 pending.   streets: R1, R2 acks met; R1 closed in time, R2 late.
    let dept = |id: &str, response, resolution| DepartmentSla {
        department: DepartmentId::new(id),
        response,
        resolution,
    };
    assert_eq!(
        r.sla,
        vec![
            dept("health", sla(1, 0, 0, Some(100.0)), sla(0, 1, 0, Some(0.0))),
            dept(
                "parks",
                sla(2, 0, 0, Some(100.0)),
                sla(1, 0, 1, Some(100.0))
            ),
            dept(
                "sanitation",
                sla(1, 1, 0, Some(50.0)),
                sla(0, 1, 1, Some(0.0))
            ),
            dept(
                "streets",
                sla(2, 0, 0, Some(100.0)),
                sla(1, 1, 0, Some(50.0))
            ),
        ]
    );
    // All: response 6 met, 1 missed → 6/7 = 85.714…%; resolution 2 met, 3 missed, 2 pending → 40%.
    assert_eq!(r.sla_overall.response.met, 6);
    assert_eq!(r.sla_overall.response.missed, 1);
    assert!((r.sla_overall.response.percent.unwrap() - 600.0 / 7.0).abs() < 1e-9);
    assert_eq!(r.sla_overall.resolution, sla(2, 3, 2, Some(40.0)));

    // Open now: R4, R5, R7, R8, R9, R10.
    assert_eq!(
        r.backlog,
        counts(&[
            ("<1d", 1),
            ("1-3d", 1),
            ("3-7d", 2),
            ("7-30d", 1),
            (">30d", 1)
        ])
    );
    assert_eq!(r.backlog_total, 6);
    assert_eq!(r.duplicates_merged, 1);
    // Closed at least once (duplicates aside): R1, R2, R6; reopened: R2 → 1 of 3.
    assert_eq!((r.reopens.closed, r.reopens.reopened), (3, 1));
    assert!((r.reopens.percent.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // "5th and main", "main & 5th", "corner of main and 5th" are one intersection; "123 Elm St" is "123 elm street"
    // (places compare by canonical key: no suffixes).
    assert_eq!(
        r.top_locations,
        counts(&[("5th & main", 3), ("123 elm", 2), ("3rd & oak", 1)])
    );

    // By origin. Internal: R6 and R7 in the period (no duplicate); open R7 and R8; both acknowledged on time;
    // R6 closed on time, R7 pending → 1/1. Public: R1–R5 and R9 (R3 the duplicate); open R4, R5, R9, R10;
    // acks R1, R2, R4, R9 met and R5 missed → 4/5 = 80%; closes R1 met, R2, R4, R9 missed, R5 pending → 25%.
    // Together they are the overall figures above.
    let origin = |origin, total, duplicates_merged, backlog, response, resolution| OriginFigures {
        origin,
        total,
        duplicates_merged,
        backlog,
        response,
        resolution,
    };
    assert_eq!(
        r.by_origin,
        vec![
            origin(
                Origin::Public,
                6,
                1,
                4,
                sla(4, 1, 0, Some(80.0)),
                sla(1, 3, 1, Some(25.0))
            ),
            origin(
                Origin::Internal,
                2,
                0,
                2,
                sla(2, 0, 0, Some(100.0)),
                sla(1, 0, 1, Some(100.0))
            ),
        ]
    );
    assert_eq!(json["by_origin"][1]["origin"], "internal");
}

#[test]
fn percentiles_by_nearest_rank() {
    let cases: [(&[i64], u32, Option<i64>); 7] = [
        (&[], 50, None),
        (&[7], 90, Some(7)),
        (&[1, 2], 50, Some(1)),
        (&[1, 2, 3, 4], 50, Some(2)),
        (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Some(9)),
        (&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, Some(10)),
        (&[1, 2, 3], 0, Some(1)),
    ];
    for (values, p, want) in cases {
        assert_eq!(nearest_rank(values, p), want, "p{p} of {values:?}");
    }
}
