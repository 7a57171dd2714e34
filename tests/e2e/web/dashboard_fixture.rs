//! The dashboard's fixture: a week of requests driven through the real desk (email intake, staff actions, a
//! duplicate, a reopen) on a hand-moved clock, plus what must never count: an emergency and an internal work
//! order. The same week as the manager's report test (`report_figures`), moved to October 2026, so the
//! figures below are worked out by hand the same way.
//!
//! The example city: America/New_York (EDT = UTC−4 all that week), Mon–Fri 08:00–17:00; the week's only
//! holiday is Columbus Day, Monday 12 October, after every due time that matters here.
//!
//! | ref | created (local)   | dept / service                 | what happens                                     |
//! |-----|-------------------|--------------------------------|--------------------------------------------------|
//! | R0  | Mon 28 Sep 09:00  | parks                          | nothing (before the 7-day window; still open)    |
//! | R1  | Tue 6 Oct 09:00   | streets / pothole              | ack Tue 15:00, closed Wed 11:00                  |
//! | R2  | Tue 6 Oct 10:00   | streetlights / streetlight_out | closed Tue 16:30 without an acknowledgement      |
//! | R3  | Tue 6 Oct 11:00   | sanitation / missed_collection (es) | ack Wed 09:00, closed Wed 16:00, reopened Thu 10:00 |
//! | R4  | Tue 6 Oct 12:00   | graffiti / graffiti            | nothing (the resident signed with name and phone) |
//! | R5  | Tue 6 Oct 13:00   | streets / pothole              | the same pothole: closed as a duplicate of R1    |
//! | R6  | Tue 6 Oct 14:00   | police / noise                 | ack Wed 10:00 (late), closed Wed 15:00           |
//! | E   | Tue 6 Oct 15:30   | dispatch (emergency)           | never counted, never listed                      |
//! | I   | Wed 7 Oct 12:00   | an internal work order         | never counted, never listed                      |
//! | R7  | Thu 8 Oct 09:00   | sanitation / missed_collection | nothing                                          |
//!
//! The dashboard is judged at Thu 8 October 12:00 over the last 7 days (`window_days = 7`).

use connect311::desk::{Actor, IngestOutcome, InternalFiling, ReplyAction, StaffAction};
use connect311::serve::Running;
use routing::{DepartmentId, RequestRef, Source};

use crate::support::observe::serve;
use crate::support::{close, email, report, set_clock, Backend, INBOX};

/// `[http]` on any port, a 7-day window and pages of 5 requests.
pub const SETTINGS: &str =
    "[http]\nbind = \"127.0.0.1:0\"\n[http.dashboard]\nwindow_days = 7\npage_size = 5\n";

/// A local (EDT) time in 2026 as epoch milliseconds.
pub fn edt(month: u32, day: u32, hour: u32, min: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(2026, month, day)
        .unwrap()
        .and_hms_opt(hour + 4, min, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

pub struct Fixture {
    pub svc: Running,
    pub clock: connect311::clock::ManualClock,
    /// R0..R7.
    pub refs: [RequestRef; 8],
    pub emergency: RequestRef,
    pub internal: RequestRef,
    pub _dir: tempfile::TempDir,
}

/// The requests of the table above, then the service (HTTP included) on the same desk.
pub async fn fixture(backend: Backend) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = backend.desk(dir.path(), SETTINGS).await;
    let d = &desk;
    set_clock(&clock, edt(9, 28, 9, 0));
    let r0 = report(
        d,
        "olga@example.test",
        "Tree",
        "r0@example.test",
        "Dead tree branch fell on the sidewalk at 8 Cedar Ln",
    )
    .await;
    set_clock(&clock, edt(10, 6, 9, 0));
    let r1 = report(
        d,
        "ann@example.test",
        "Pothole",
        "r1@example.test",
        "Pothole at the corner of 5th and Main",
    )
    .await;
    set_clock(&clock, edt(10, 6, 10, 0));
    let r2 = report(
        d,
        "ben@example.test",
        "Streetlight",
        "r2@example.test",
        "The streetlight at 10 Pine St is out",
    )
    .await;
    set_clock(&clock, edt(10, 6, 11, 0));
    let r3 = report(
        d,
        "carmen@example.test",
        "Basura",
        "r3@example.test",
        "No pasaron a recoger la basura en la calle Hidalgo 12",
    )
    .await;
    set_clock(&clock, edt(10, 6, 12, 0));
    let r4 = report(
        d,
        "Dan Ortiz <dan@example.test>",
        "Graffiti",
        "r4@example.test",
        "Graffiti on the wall at 9 Oak Ave. Call me at 555-123-4567. Thanks, Dan Ortiz",
    )
    .await;
    set_clock(&clock, edt(10, 6, 13, 0));
    let r5 = report(
        d,
        "eve@example.test",
        "Pothole",
        "r5@example.test",
        "Pothole at the corner of Main and 5th",
    )
    .await;
    set_clock(&clock, edt(10, 6, 14, 0));
    let r6 = report(
        d,
        "fred@example.test",
        "Noise",
        "r6@example.test",
        "Loud music every night at 7 Elm St",
    )
    .await;
    set_clock(&clock, edt(10, 6, 15, 0));
    d.act(r1, &crate::support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, edt(10, 6, 15, 30));
    let emergency = report(
        d,
        "gus@example.test",
        "Wire",
        "e@example.test",
        "A live wire is down and sparking on the sidewalk at Oak St",
    )
    .await;
    set_clock(&clock, edt(10, 6, 16, 30));
    close(d, r2, "Lamp replaced").await;
    set_clock(&clock, edt(10, 7, 9, 0));
    d.act(r3, &crate::support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, edt(10, 7, 10, 0));
    d.act(r6, &crate::support::operator(), StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, edt(10, 7, 11, 0));
    close(d, r1, "Hole filled").await;
    set_clock(&clock, edt(10, 7, 12, 0));
    let internal = file_internal(
        d,
        "parks",
        "The lights in the parks depot garage are out, please replace them",
    )
    .await;
    set_clock(&clock, edt(10, 7, 15, 0));
    close(d, r6, "Officer spoke to the neighbours").await;
    set_clock(&clock, edt(10, 7, 16, 0));
    close(d, r3, "Recogida realizada").await;
    set_clock(&clock, edt(10, 8, 9, 0));
    let r7 = report(
        d,
        "gina@example.test",
        "Trash",
        "r7@example.test",
        "Missed trash pickup at 22 Birch Rd",
    )
    .await;
    set_clock(&clock, edt(10, 8, 10, 0));
    let again = email(
        "carmen@example.test",
        INBOX,
        &format!("Re: [{r3}]"),
        "r3b@example.test",
        "",
        "Todavía no recogen la basura, sigue ahí.",
    );
    let o = d.ingest_email(&again).await.unwrap();
    assert_eq!(
        o,
        IngestOutcome::Appended {
            reference: r3,
            action: ReplyAction::Reopened
        }
    );
    set_clock(&clock, edt(10, 8, 12, 0));
    let svc = serve(desk, None);
    Fixture {
        svc,
        clock,
        refs: [r0, r1, r2, r3, r4, r5, r6, r7],
        emergency,
        internal,
        _dir: dir,
    }
}

/// An internal work order asked for by `by`'s staff from chat.
async fn file_internal(desk: &connect311::desk::Desk, by: &str, text: &str) -> RequestRef {
    let role = desk
        .city()
        .department(&DepartmentId::new(by))
        .and_then(|d| d.chat_role.clone())
        .expect("a department role");
    let actor = Actor {
        id: format!("chat:{by}"),
        name: by.into(),
        source: Source::Chat,
        roles: vec![role],
        trusted_staff: false,
    };
    let filing = InternalFiling {
        department: DepartmentId::new(by),
        text: text.into(),
        person_name: None,
        notify_chat: None,
        notify_email: None,
    };
    desk.file_internal(&actor, &filing).await.expect("filed")
}

/// The text of the element whose `data-figure` is `key`; panics when the page has none.
pub fn figure(html: &str, key: &str) -> String {
    let marker = format!("data-figure=\"{key}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no figure {key} on the page"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

/// The references listed in the recent-requests table, in order.
pub fn listed(html: &str) -> Vec<String> {
    html.match_indices("data-ref=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}
