//! The public dashboard over real HTTP on both stores: every figure against the fixture's hand-computed
//! numbers (`dashboard_fixture`), in English and Spanish, the list's filters and pages, the CSV downloads, and
//! what is never shown (emergencies, internal work orders, residents' names, addresses and phone numbers).

use super::dashboard_fixture::{figure, fixture, listed};
use crate::support::http::{get, get_with};
use crate::support::Backend;

on_both_stores!(
    the_figures_match_the_hand_computed_fixture,
    the_list_filters_pages_and_downloads_public_rows_only
);

async fn the_figures_match_the_hand_computed_fixture(backend: Backend) {
    let f = fixture(backend).await;
    let addr = f.svc.http_addr.unwrap();
    let r = get(addr, "/").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let page = &r.body;
    assert!(page.contains("<html lang=\"en\">"), "{}", &page[..200]);
    let fig = |k: &str| figure(page, k);

    // Volume: R1..R7 were received in the window (R0 the week before; E and I never count).
    assert_eq!(fig("all:received"), "7");
    // Time to acknowledge (a close without an ack counts; the duplicate R5 does not):
    //   R1 6 h, R2 6.5 h (its close), R3 22 h, R6 20 h → sorted 6, 6.5, 20, 22 → rank ⌈4/2⌉ = 2 → 6.5 h.
    assert_eq!(fig("all:median_ack"), "6.5 h");
    // Time to close (R3 is open again): R1 26 h, R2 6.5 h, R6 25 h → sorted 6.5, 25, 26 → rank 2 → 25 h.
    assert_eq!(fig("all:median_close"), "25.0 h");
    // Response: met R1, R2, R3; missed R6 (due Tue 16:00, acknowledged Wed 10:00); pending R4, R7 → 3/4.
    assert_eq!(fig("all:response"), "75%");
    // Resolution: met R1, R2, R6; nothing missed; pending R3, R4, R7 → 3/3.
    assert_eq!(fig("all:resolution"), "100%");
    // Open now: R0, R3, R4, R7 (not E, not I).
    assert_eq!(fig("all:open"), "4");

    // Per department.
    for (dept, received, dups, ack, close, response, resolution, open) in [
        ("streets", "2", "1", "6.0 h", "26.0 h", "100%", "100%", "0"),
        (
            "streetlights",
            "1",
            "0",
            "6.5 h",
            "6.5 h",
            "100%",
            "100%",
            "0",
        ),
        (
            "sanitation",
            "2",
            "0",
            "22.0 h",
            "not yet measured",
            "100%",
            "not yet measured",
            "2",
        ),
        (
            "graffiti",
            "1",
            "0",
            "not yet measured",
            "not yet measured",
            "not yet measured",
            "not yet measured",
            "1",
        ),
        ("police", "1", "0", "20.0 h", "25.0 h", "0%", "100%", "0"),
        // Parks received nothing in the window but owes R0.
        (
            "parks",
            "0",
            "0",
            "not yet measured",
            "not yet measured",
            "not yet measured",
            "not yet measured",
            "1",
        ),
    ] {
        let got = [
            "received",
            "duplicates",
            "median_ack",
            "median_close",
            "response",
            "resolution",
            "open",
        ]
        .map(|m| fig(&format!("{dept}:{m}")));
        assert_eq!(
            got,
            [received, dups, ack, close, response, resolution, open],
            "{dept}"
        );
    }
    // Per service: both potholes (one a duplicate), both missed collections (R3 in Spanish, R7).
    for (service, received, dups) in [
        ("pothole", "2", "1"),
        ("missed_collection", "2", "0"),
        ("streetlight_out", "1", "0"),
        ("graffiti", "1", "0"),
        ("noise", "1", "0"),
    ] {
        assert_eq!(fig(&format!("{service}:received")), received, "{service}");
        assert_eq!(fig(&format!("{service}:duplicates")), dups, "{service}");
    }
    assert_eq!(fig("pothole:median_ack"), "6.0 h");

    // Weeks of the window Thu 1 Oct 12:00 – Thu 8 Oct 12:00: 2026-W40 (only its end; R0 was before the
    // window) and 2026-W41 with all seven.
    assert_eq!(fig("2026-W40:received"), "0");
    assert_eq!(fig("2026-W41:received"), "7");
    assert_eq!(fig("2026-W41:response"), "75%");
    assert!(
        !page.contains("data-figure=\"2026-W42"),
        "no week after now"
    );

    // Backlog by age at Thu 12:00: R7 3 h (<1 day), R3 49 h and R4 48 h (1–3 days), R0 10 days 3 h (7–30).
    assert_eq!(
        ["age0", "age1", "age2", "age3", "age4"].map(|b| fig(&format!("all:{b}"))),
        ["1", "2", "0", "1", "0"]
    );
    assert_eq!(fig("sanitation:age0"), "1");
    assert_eq!(fig("sanitation:age1"), "1");
    assert_eq!(fig("parks:age3"), "1");

    // The charts are inline SVG with a title and description, and carry the same numbers.
    let svg = |chart: &str| {
        let at = page
            .find(&format!("id=\"{chart}\""))
            .unwrap_or_else(|| panic!("no {chart}"));
        let start = page[..at].rfind("<svg").unwrap();
        let end = at + page[at..].find("</svg>").unwrap();
        page[start..end].to_string()
    };
    assert_eq!(
        page.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"")
            .count(),
        3
    );
    for chart in ["chart-weekly", "chart-backlog", "chart-sla"] {
        let s = svg(chart);
        assert!(
            s.contains(&format!("aria-labelledby=\"{chart}-title {chart}-desc\"")),
            "{s}"
        );
        assert!(s.contains(&format!("<title id=\"{chart}-title\">")), "{s}");
    }
    // Weekly bars: 0 then 7; backlog bars: 1, 2, 0, 1, 0; police answered 0% on time, streets 100%.
    let texts = |s: &str| -> Vec<String> {
        s.match_indices("\">")
            .filter_map(|(i, _)| {
                let rest = &s[i + 2..];
                let t = &rest[..rest.find('<')?];
                (!t.is_empty()).then(|| t.to_string())
            })
            .collect()
    };
    let weekly = texts(&svg("chart-weekly"));
    assert!(
        weekly.ends_with(&["0".into(), "09-28".into(), "7".into(), "10-05".into()]),
        "{weekly:?}"
    );
    let backlog = texts(&svg("chart-backlog"));
    let counts: Vec<&str> = backlog
        .iter()
        .step_by(2)
        .map(String::as_str)
        .skip(1)
        .collect();
    assert_eq!(counts, ["1", "2", "0", "1", "0"], "{backlog:?}");
    let sla = svg("chart-sla");
    assert!(
        sla.contains(">Police (non-emergency)</text>") && sla.contains(">0%</text>"),
        "{sla}"
    );
    // Emergencies go to dispatch and internal work orders stay internal: neither department line nor figure
    // mentions them.
    assert!(
        !page.contains("data-figure=\"dispatch:"),
        "dispatch never appears"
    );

    // The summary CSV has the same figures (hours as decimals, shares to one decimal).
    let csv = get(addr, "/dashboard/summary.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "level,key,name,received,duplicates,median_hours_to_acknowledge,median_hours_to_close,response_met,\
         response_missed,response_pending,response_on_time_percent,resolution_met,resolution_missed,\
         resolution_pending,resolution_on_time_percent"
    );
    assert_eq!(
        lines[1],
        "all,all,All departments,7,1,6.50,25.00,3,1,2,75.0,3,0,3,100.0"
    );
    assert!(
        lines.contains(
            &"department,police,Police (non-emergency),1,0,20.00,25.00,0,1,0,0.0,1,0,0,100.0"
        ),
        "{}",
        csv.body
    );
    assert!(
        lines.contains(&"department,sanitation,Sanitation,2,0,22.00,,1,0,1,100.0,0,0,2,"),
        "{}",
        csv.body
    );
    assert!(
        lines.contains(&"service,pothole,Pothole,2,1,6.00,26.00,1,0,0,100.0,1,0,0,100.0"),
        "{}",
        csv.body
    );
    assert!(
        lines.contains(&"week,2026-W41,2026-10-05,7,,,,3,1,2,75.0,,,,"),
        "{}",
        csv.body
    );

    // Spanish, asked for in the query or by the browser: every label, names and numbers as Spanish writes them.
    for r in [
        get(addr, "/?lang=es").await,
        get_with(addr, "/", &[("Accept-Language", "es-MX,es;q=0.9,en;q=0.5")]).await,
    ] {
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-language"), Some("es"));
        let es = &r.body;
        assert!(es.contains("<html lang=\"es\">"));
        for label in [
            "Panel de desempeño del 311",
            "Solicitudes recibidas",
            "Tiempo mediano hasta el acuse",
            "Atendidas a tiempo",
            "Solicitudes abiertas por antigüedad",
            "Por departamento",
            "Calles y Transporte",
            "Solicitudes recientes",
            "Saltar al contenido",
        ] {
            assert!(es.contains(label), "Spanish page lacks {label}");
        }
        assert_eq!(figure(es, "all:median_ack"), "6,5 h");
        assert_eq!(figure(es, "all:response"), "75 %");
        assert_eq!(figure(es, "sanitation:median_close"), "sin medir todavía");
        for english in [
            "Requests received",
            "Median time to acknowledge",
            "Recent requests",
            "not yet measured",
        ] {
            assert!(
                !es.contains(english),
                "English left on the Spanish page: {english}"
            );
        }
    }
    f.svc.shutdown().await;
}

async fn the_list_filters_pages_and_downloads_public_rows_only(backend: Backend) {
    let f = fixture(backend).await;
    let addr = f.svc.http_addr.unwrap();
    let [r0, r1, r2, r3, r4, r5, r6, r7] = f.refs.map(|r| r.to_string());
    let ids = |path: &'static str| async move {
        let r = get(addr, path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        listed(&r.body)
    };
    // Newest first, five a page; the emergency and the internal work order are never listed.
    assert_eq!(
        ids("/").await,
        [
            r7.as_str(),
            r6.as_str(),
            r5.as_str(),
            r4.as_str(),
            r3.as_str()
        ]
    );
    assert_eq!(
        ids("/?page=2").await,
        [r2.as_str(), r1.as_str(), r0.as_str()]
    );
    let first = get(addr, "/").await.body;
    assert!(
        first.contains("rel=\"next\" href=\"/?lang=en&amp;page=2#recent-requests\""),
        "a next link"
    );
    assert!(
        !first.contains("rel=\"prev\""),
        "no previous page before the first"
    );
    for hidden in [f.emergency.to_string(), f.internal.to_string()] {
        assert!(!ids("/?page=2").await.contains(&hidden));
        assert!(!first.contains(&hidden), "{hidden} is not public");
    }
    // Filters, alone and together.
    assert_eq!(
        ids("/?department=sanitation").await,
        [r7.as_str(), r3.as_str()]
    );
    assert_eq!(
        ids("/?status=closed").await,
        [r6.as_str(), r5.as_str(), r2.as_str(), r1.as_str()]
    );
    assert_eq!(
        ids("/?category=pothole&status=closed").await,
        [r5.as_str(), r1.as_str()]
    );
    assert_eq!(ids("/?from=2026-10-08").await, [r7.as_str()]);
    assert_eq!(ids("/?from=2026-09-01&to=2026-09-30").await, [r0.as_str()]);
    assert_eq!(
        ids("/?department=streets&status=open").await,
        Vec::<String>::new()
    );
    // A form left with empty fields is no filter at all.
    assert_eq!(
        ids("/?department=&category=&status=&from=&to=").await,
        [
            r7.as_str(),
            r6.as_str(),
            r5.as_str(),
            r4.as_str(),
            r3.as_str()
        ]
    );

    // The resident's name, phone number and address are never shown; the description is, redacted.
    assert!(
        first.contains(
            "Graffiti on the wall at 9 Oak Ave. Call me at [phone removed]. Thanks, [name removed]"
        ),
        "{first}"
    );
    for private in [
        "Dan Ortiz",
        "555-123-4567",
        "dan@example.test",
        "ann@example.test",
        "olga@example.test",
    ] {
        assert!(!first.contains(private), "the page shows {private}");
    }

    // Bad filters: a clear answer, the visitor's input kept, nothing else lost.
    let bad = get(
        addr,
        "/?department=unicorns&from=2026-13-01&status=maybe&page=0",
    )
    .await;
    assert_eq!(bad.status, 400);
    for said in [
        "no department `unicorns`",
        "`2026-13-01` is not a date (YYYY-MM-DD)",
        "`maybe` is not open or closed",
        "pages go from 1 to 1000",
    ] {
        assert!(bad.body.contains(said), "{said}");
    }
    assert!(
        bad.body.contains("value=\"2026-13-01\""),
        "the typed date is kept"
    );
    assert_eq!(
        figure(&bad.body, "all:received"),
        "7",
        "the figures still show"
    );
    let bad_es = get(addr, "/?lang=es&to=2026-10-01&from=2026-10-02").await;
    assert_eq!(bad_es.status, 400);
    assert!(bad_es
        .body
        .contains("la fecha final es anterior a la inicial"));

    // The CSV of the same filtered rows: Open311's fields, redacted like Open311.
    let csv = get(addr, "/dashboard.csv?department=sanitation").await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{}", csv.body);
    assert_eq!(
        (
            rows[0][0].as_str(),
            rows[0][1].as_str(),
            rows[0][2].as_str()
        ),
        (r7.as_str(), "open", "missed_collection")
    );
    assert_eq!(rows[0][5], "2026-10-08T09:00:00-04:00");
    assert_eq!(
        (rows[1][0].as_str(), rows[1][1].as_str()),
        (r3.as_str(), "open")
    );
    assert_eq!(
        rows[1][11],
        "No pasaron a recoger la basura en la calle Hidalgo 12"
    );
    let same = get(addr, "/?format=csv&department=sanitation").await;
    assert_eq!(same.body, csv.body, "/?format=csv is the same download");
    let all = get(addr, "/dashboard.csv").await;
    assert_eq!(
        all.body.lines().count(),
        1 + 8,
        "a header and the eight public requests: {}",
        all.body
    );
    for private in [
        "Dan Ortiz",
        "555-123-4567",
        "@example.test",
        "live wire",
        "parks depot",
    ] {
        assert!(!all.body.contains(private), "the CSV shows {private}");
    }
    let refused = get(addr, "/dashboard.csv?status=maybe").await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("status: `maybe` is not open or closed"),
        "{}",
        refused.body
    );
    // The marker that nothing was filed or changed by all this reading: the store still holds exactly ten
    // requests, R3 still reopened.
    let desk = &f.svc.desk;
    let n = desk
        .store()
        .request_counts()
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum::<i64>();
    assert_eq!(n, 10);
    let r3_row = desk.store().request(f.refs[3]).await.unwrap().unwrap();
    assert_eq!(r3_row.status, routing::Status::Reopened);
    let _ = (r1, r2, r4, r5, r6, &f.clock);
    f.svc.shutdown().await;
}
