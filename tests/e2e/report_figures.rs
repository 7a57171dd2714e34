//! The manager's report at the service level: a week of requests driven through the real desk (email intake,
//! staff actions, a duplicate, a reopen) on a hand-moved clock, and every figure of `connect311::report::build`
//! checked against numbers worked out by hand below. The CLI `report` command is run once on the same database.
//!
//! The example city: America/New_York, Mon–Fri 08:00–17:00, no holiday in the week used here. March 2026 is
//! before the DST change (Sunday 8 March), so local time is EST = UTC−5 all week.

use crate::support;
use routing::{CloseReason, Language, Status};

use std::process::Command;
use std::sync::Arc;

use connect311::clock::ManualClock;
use connect311::desk::{Desk, IngestOutcome, ReplyAction, StaffAction};
use routing::report::Report;
use routing::RequestRef;
use support::{close, email, report, set_clock, INBOX};

const HOUR: i64 = 3_600_000;

/// A local (EST) time in March 2026 as epoch milliseconds.
fn est(day: u32, hour: u32, min: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(hour + 5, min, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

fn counts(v: &[routing::report::Count]) -> Vec<(&str, u32)> {
    v.iter().map(|c| (c.key.as_str(), c.count)).collect()
}

fn sla(r: &Report, dept: &str) -> [(u32, u32, u32, Option<f64>); 2] {
    let d = r
        .sla
        .iter()
        .find(|d| d.department.as_str() == dept)
        .unwrap_or_else(|| panic!("no SLA line for {dept}"));
    [
        (
            d.response.met,
            d.response.missed,
            d.response.pending,
            d.response.percent,
        ),
        (
            d.resolution.met,
            d.resolution.missed,
            d.resolution.pending,
            d.resolution.percent,
        ),
    ]
}

/// The scenario. Every request is created by email; the times are local (EST).
///
/// | ref | created      | dept / lang          | what happens                                                   |
/// |-----|--------------|----------------------|----------------------------------------------------------------|
/// | R0  | Mon 23 Feb 09:00 | parks / en       | nothing (before the period; still open)                        |
/// | R1  | Tue 3 09:00  | streets (pothole)    | ack Tue 15:00, closed Wed 11:00                                |
/// | R2  | Tue 3 10:00  | streetlights         | closed Tue 16:30 without an acknowledgement                    |
/// | R3  | Tue 3 11:00  | sanitation / es      | ack Wed 09:00, closed Wed 16:00, reopened by the resident Thu 10:00 |
/// | R4  | Tue 3 12:00  | graffiti             | nothing                                                        |
/// | R5  | Tue 3 13:00  | streets (pothole)    | same pothole, other word order: closed as a duplicate of R1    |
/// | R6  | Tue 3 14:00  | police (noise)       | ack Wed 10:00 (late: 2 business hours), closed Wed 15:00       |
/// | R7  | Thu 5 09:00  | sanitation           | nothing                                                        |
///
/// The report covers Mon 2 March 00:00 to Mon 9 March 00:00 (city time) and is judged at Thu 5 March 12:00.
struct Scenario {
    desk: Desk,
    dir: tempfile::TempDir,
    db_url: String,
    refs: [RequestRef; 8],
    from: i64,
    to: i64,
}

async fn scenario() -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    let db_url = support::fresh_sqlite_url(dir.path());
    let mut settings = support::settings(dir.path(), "");
    settings.database.url = Some(db_url.clone());
    // Monday 23 February 2026, 09:00 EST.
    let clock = ManualClock::new(est(2, 9, 0) - 7 * 24 * HOUR);
    let desk = connect311::app::open_with(settings, Arc::new(clock.clone()))
        .await
        .expect("desk");

    let r0 = report(
        &desk,
        "olga@example.test",
        "Tree",
        "r0@example.test",
        "Dead tree branch fell on the sidewalk at 8 Cedar Ln",
    )
    .await;

    set_clock(&clock, est(3, 9, 0));
    let r1 = report(
        &desk,
        "ann@example.test",
        "Pothole",
        "r1@example.test",
        "Pothole at the corner of 5th and Main",
    )
    .await;
    set_clock(&clock, est(3, 10, 0));
    let r2 = report(
        &desk,
        "ben@example.test",
        "Streetlight",
        "r2@example.test",
        "The streetlight at 10 Pine St is out",
    )
    .await;
    set_clock(&clock, est(3, 11, 0));
    let r3 = report(
        &desk,
        "carmen@example.test",
        "Basura",
        "r3@example.test",
        "No pasaron a recoger la basura en la calle Hidalgo 12",
    )
    .await;
    set_clock(&clock, est(3, 12, 0));
    let r4 = report(
        &desk,
        "dan@example.test",
        "Graffiti",
        "r4@example.test",
        "Graffiti on the wall at 9 Oak Ave",
    )
    .await;
    set_clock(&clock, est(3, 13, 0));
    let r5 = report(
        &desk,
        "eve@example.test",
        "Pothole",
        "r5@example.test",
        "Pothole at the corner of Main and 5th",
    )
    .await;
    set_clock(&clock, est(3, 14, 0));
    let r6 = report(
        &desk,
        "fred@example.test",
        "Noise",
        "r6@example.test",
        "Loud music every night at 7 Elm St",
    )
    .await;

    set_clock(&clock, est(3, 15, 0));
    desk.act(r1, &support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, est(3, 16, 30));
    close(&desk, r2, "Lamp replaced").await;
    set_clock(&clock, est(4, 9, 0));
    desk.act(r3, &support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, est(4, 10, 0));
    desk.act(r6, &support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, est(4, 11, 0));
    close(&desk, r1, "Hole filled").await;
    set_clock(&clock, est(4, 15, 0));
    close(&desk, r6, "Officer spoke to the neighbours").await;
    set_clock(&clock, est(4, 16, 0));
    close(&desk, r3, "Recogida realizada").await;

    set_clock(&clock, est(5, 9, 0));
    let r7 = report(
        &desk,
        "gina@example.test",
        "Trash",
        "r7@example.test",
        "Missed trash pickup at 22 Birch Rd",
    )
    .await;
    set_clock(&clock, est(5, 10, 0));
    let o = desk
        .ingest_email(&email(
            "carmen@example.test",
            INBOX,
            &format!("Re: [{r3}]"),
            "r3b@example.test",
            "",
            "Todavía no recogen la basura, sigue ahí.",
        ))
        .await
        .unwrap();
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r3,
            action: ReplyAction::Reopened
        }
    );
    set_clock(&clock, est(5, 12, 0));

    Scenario {
        desk,
        dir,
        db_url,
        refs: [r0, r1, r2, r3, r4, r5, r6, r7],
        // Mon 2 March 00:00 EST; Mon 9 March 00:00 EDT (= 04:00 UTC, after the DST change).
        from: est(2, 0, 0),
        to: est(9, 0, 0) - HOUR,
    }
}

fn approx(got: Option<f64>, want: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: no value, want {want}"));
    assert!((g - want).abs() < 1e-9, "{what}: got {g}, want {want}");
}

#[tokio::test]
async fn the_report_matches_figures_computed_by_hand() {
    let s = scenario().await;
    let desk = &s.desk;
    let [r0, r1, r2, r3, r4, r5, r6, r7] = s.refs;

    // The routing and lifecycle facts the figures rest on.
    let req = |r| async move { desk.store().request(r).await.unwrap().unwrap() };
    let dept: Vec<String> = {
        let mut v = Vec::new();
        for r in s.refs {
            v.push(req(r).await.department.to_string());
        }
        v
    };
    assert_eq!(
        dept,
        [
            "parks",
            "streets",
            "streetlights",
            "sanitation",
            "graffiti",
            "streets",
            "police",
            "sanitation"
        ]
    );
    let dup = req(r5).await;
    assert_eq!(
        (
            dup.status.as_str(),
            dup.close_reason.map(CloseReason::as_str),
            dup.linked_to
        ),
        ("closed", Some("duplicate"), Some(r1))
    );
    assert_eq!(req(r3).await.language, Language::Es);
    assert_eq!(req(r3).await.status, Status::Reopened);
    // Closing without an acknowledgement counts as the city's response, and survives a later reopening.
    let r2_row = req(r2).await;
    assert_eq!(
        r2_row.acknowledged_at, r2_row.closed_at,
        "closed without an ack"
    );
    for (r, why) in [(r0, "R0"), (r4, "R4"), (r7, "R7")] {
        assert_eq!(req(r).await.status, Status::Open, "{why} was never touched");
    }
    // Due times by hand (business hours, 08:00–17:00):
    // R6 (noise: respond in 2 h, resolve in 12 h) from Tue 14:00: respond by Tue 16:00; resolve: 3 h on Tuesday
    // + 9 h on Wednesday = Wed 17:00.
    assert_eq!(req(r6).await.response_due_at, est(3, 16, 0));
    assert_eq!(req(r6).await.resolution_due_at, est(4, 17, 0));
    // R1 (pothole: respond in 24 h) from Tue 09:00: 8 h Tue + 9 h Wed + 7 h Thu = Thu 15:00.
    assert_eq!(req(r1).await.response_due_at, est(5, 15, 0));
    // R3 (sanitation: respond in 24 h) from Tue 11:00: 6 + 9 + 9 = Thu 17:00.
    assert_eq!(req(r3).await.response_due_at, est(5, 17, 0));
    // R2 (street light: respond in 24 h) from Tue 10:00: 7 + 9 + 8 = Thu 16:00.
    assert_eq!(req(r2).await.response_due_at, est(5, 16, 0));

    let r = connect311::report::build(desk, s.from, s.to, None)
        .await
        .unwrap();
    assert_eq!(r.now_ms, est(5, 12, 0));
    assert_eq!(r.timezone.name(), "America/New_York");

    // Volume: R1..R7 were created in the period (R0 the week before).
    assert_eq!(r.total, 7);
    // streets R1+R5, sanitation R3+R7, one each for the rest; most first, ties by key.
    assert_eq!(
        counts(&r.by_department),
        [
            ("sanitation", 2),
            ("streets", 2),
            ("graffiti", 1),
            ("police", 1),
            ("streetlights", 1)
        ]
    );
    assert_eq!(
        counts(&r.by_category),
        [
            // R3 ("no pasaron a recoger la basura") and R7 are both missed collections.
            ("missed_collection", 2),
            ("pothole", 2),
            ("graffiti", 1),
            ("noise", 1),
            ("streetlight_out", 1)
        ]
    );
    assert_eq!(counts(&r.by_language), [("en", 6), ("es", 1)]);
    assert_eq!(counts(&r.by_week), [("2026-W10", 7)]);
    assert_eq!(r.duplicates_merged, 1);
    // "corner of 5th and main" and "corner of main and 5th" are the same place: Riverton's 5th St and N Main St.
    assert_eq!(r.top_locations[0].key, "5th st & n main st");
    assert_eq!(r.top_locations[0].count, 2);

    // Reopens: of the non-duplicate requests, R1, R2, R6 are closed and R3 was closed and reopened: 1 of 4.
    assert_eq!((r.reopens.closed, r.reopens.reopened), (4, 1));
    approx(r.reopens.percent, 25.0, "reopen percent");

    // Backlog at Thu 12:00: R0 (10 d 3 h old: 7-30d), R3 (49 h: 1-3d), R4 (48 h: exactly 2 d, 1-3d), R7 (3 h: <1d).
    assert_eq!(r.backlog_total, 4);
    assert_eq!(
        counts(&r.backlog),
        [
            ("<1d", 1),
            ("1-3d", 2),
            ("3-7d", 0),
            ("7-30d", 1),
            (">30d", 0)
        ]
    );

    // Time to acknowledge (duplicates excluded; a close without an ack counts as the ack):
    //   R1 Tue 09:00→Tue 15:00 = 6 h (6 business h); R2 Tue 10:00→Tue 16:30 (its close) = 6.5 h (6.5);
    //   R3 Tue 11:00→Wed 09:00 = 22 h (6 + 1 = 7); R6 Tue 14:00→Wed 10:00 = 20 h (3 + 2 = 5); R4, R7 not yet.
    //   Wall, sorted: 6, 6.5, 20, 22 → median rank ⌈50·4/100⌉ = 2 → 6.5; p90 rank ⌈90·4/100⌉ = 4 → 22.
    //   Business, sorted: 5, 6, 6.5, 7 → median 6, p90 7.
    assert_eq!(r.acknowledge.count, 4);
    approx(r.acknowledge.median_wall_hours, 6.5, "ack median wall");
    approx(r.acknowledge.p90_wall_hours, 22.0, "ack p90 wall");
    approx(
        r.acknowledge.median_business_hours,
        6.0,
        "ack median business",
    );
    approx(r.acknowledge.p90_business_hours, 7.0, "ack p90 business");
    // Time to close (R3 is open again, so it has no close):
    //   R1 Tue 09:00→Wed 11:00 = 26 h (8 + 3 = 11); R2 6.5 h (6.5); R6 Tue 14:00→Wed 15:00 = 25 h (3 + 7 = 10).
    //   Wall, sorted: 6.5, 25, 26 → median rank ⌈1.5⌉ = 2 → 25; p90 rank ⌈2.7⌉ = 3 → 26.
    //   Business, sorted: 6.5, 10, 11 → median 10, p90 11.
    assert_eq!(r.close.count, 3);
    approx(r.close.median_wall_hours, 25.0, "close median wall");
    approx(r.close.p90_wall_hours, 26.0, "close p90 wall");
    approx(r.close.median_business_hours, 10.0, "close median business");
    approx(r.close.p90_business_hours, 11.0, "close p90 business");

    // SLA (met, missed, pending, percent) for response and resolution, per department in id order:
    //   graffiti R4: nothing due yet → pending both.
    //   police R6: ack Wed 10:00 after its Tue 16:00 due → missed; closed Wed 15:00 before Wed 17:00 → met.
    //   sanitation R3: ack Wed 09:00 before Thu 17:00 → met; open again, resolution due Fri 13 March → pending.
    //              R7: created Thu 09:00, nothing due yet → pending both.
    //   streetlights R2: closed Tue 16:30 (counts as the ack) → met both.
    //   streets R1: met both (ack Tue 15:00 ≤ Thu 15:00, closed Wed 11:00 well within 168 h); R5 is a duplicate.
    let names: Vec<&str> = r.sla.iter().map(|d| d.department.as_str()).collect();
    assert_eq!(
        names,
        [
            "graffiti",
            "police",
            "sanitation",
            "streetlights",
            "streets"
        ]
    );
    assert_eq!(sla(&r, "graffiti"), [(0, 0, 1, None), (0, 0, 1, None)]);
    assert_eq!(
        sla(&r, "police"),
        [(0, 1, 0, Some(0.0)), (1, 0, 0, Some(100.0))]
    );
    assert_eq!(
        sla(&r, "sanitation"),
        [(1, 0, 1, Some(100.0)), (0, 0, 2, None)]
    );
    assert_eq!(
        sla(&r, "streetlights"),
        [(1, 0, 0, Some(100.0)), (1, 0, 0, Some(100.0))]
    );
    assert_eq!(
        sla(&r, "streets"),
        [(1, 0, 0, Some(100.0)), (1, 0, 0, Some(100.0))]
    );
    // Overall: response 3 met (R1, R2, R3), 1 missed (R6), 2 pending (R4, R7) → 75 %;
    //          resolution 3 met (R1, R2, R6), 0 missed, 3 pending (R3, R4, R7) → 100 %.
    let o = &r.sla_overall;
    assert_eq!(
        (o.response.met, o.response.missed, o.response.pending),
        (3, 1, 2)
    );
    approx(o.response.percent, 75.0, "overall response");
    assert_eq!(
        (o.resolution.met, o.resolution.missed, o.resolution.pending),
        (3, 0, 3)
    );
    approx(o.resolution.percent, 100.0, "overall resolution");

    // One department only: streets has R1 and its duplicate R5.
    let streets = connect311::report::build(desk, s.from, s.to, Some(&"streets".into()))
        .await
        .unwrap();
    assert_eq!((streets.total, streets.duplicates_merged), (2, 1));
    assert_eq!(streets.backlog_total, 0);
}

fn cli(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_connect311"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("CONNECT311_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run connect311")
}

#[tokio::test]
async fn the_report_command_renders_csv_json_and_a_chart_and_rejects_unknown_formats() {
    let s = scenario().await;
    // The CLI judges on the real clock (long after this March 2026 week), so every ack and close is known to it
    // just as to the in-process report above; only ages and pending SLA targets differ.
    let expected = connect311::report::build(&s.desk, s.from, s.to, None)
        .await
        .unwrap();
    let config = s.dir.path().join("connect311.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[database]\nurl = {:?}\n",
            s.dir.path().display().to_string(),
            s.db_url
        ),
    )
    .unwrap();
    let period = ["--from", "2026-03-02", "--to", "2026-03-09"];

    let out = cli(
        &config,
        &[&["report", "--format", "csv"][..], &period[..]].concat(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "csv: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\ntotal,7\n"), "{stdout}");
    assert!(stdout.contains("\nduplicates_merged,1\n"), "{stdout}");
    assert!(stdout.contains("\nbacklog_total,4\n"), "{stdout}");

    let chart = s.dir.path().join("c.svg");
    let chart_arg = chart.display().to_string();
    let out = cli(
        &config,
        &[
            &["report", "--format", "json", "--chart", &chart_arg][..],
            &period[..],
        ]
        .concat(),
    );
    assert!(
        out.status.success(),
        "json: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "report JSON does not parse: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(json["total"], 7);
    let want = serde_json::to_value(&expected).unwrap();
    for key in [
        "from_ms",
        "to_ms",
        "total",
        "by_department",
        "by_category",
        "by_language",
        "by_week",
        "duplicates_merged",
        "backlog_total",
        "reopens",
        "acknowledge",
        "close",
        "top_locations",
    ] {
        assert_eq!(
            json[key], want[key],
            "CLI and in-process report differ on {key}"
        );
    }
    let svg = std::fs::read_to_string(&chart).expect("chart written");
    let head = svg.trim_start();
    assert!(
        head.starts_with("<svg") || head.starts_with("<?xml"),
        "{}",
        &svg[..svg.len().min(200)]
    );
    assert!(svg.trim_end().ends_with("</svg>"));

    let out = cli(&config, &["report", "--format", "xml"]);
    assert!(!out.status.success(), "--format xml must fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--format"), "{stderr}");
}
