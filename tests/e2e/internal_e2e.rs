//! Internal work orders between departments, end to end: Parks files for Streets from chat (the Discord
//! stand-in through serenity, real Postfix + Dovecot behind the service), Streets works it from its channel,
//! the Parks requester hears of every step in their thread and can reopen it; `/311 asked` and `/311 owed`
//! list it while open; Open311 never shows it; and the department-to-department table's figures, on SQLite
//! and PostgreSQL, match a fixture worked out by hand.

use connect311::desk::{Actor, Desk, InternalFiling, StaffAction};
use routing::lifecycle::CloseReason;
use routing::{DepartmentId, EventKind, RequestRef, Source, Status};
use serde_json::Value;

use crate::support::town::{Town, WAIT};
use crate::support::{self, set_clock, Backend};

/// The bot's message in `channel` whose text contains `needle` (waits for it).
async fn said(town: &Town, channel: &str, needle: &str) -> Value {
    let (ch, n) = (channel.to_string(), needle.to_string());
    town.standin
        .wait_for_value(
            move |s| {
                s.messages(&ch).into_iter().find(|m| {
                    m["author"]["bot"] == true
                        && m["content"].as_str().is_some_and(|c| c.contains(&n))
                })
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("the bot never said {needle:?} in {channel}: {e}"))
}

/// The text of every message in `channel` so far.
fn texts(town: &Town, channel: &str) -> Vec<String> {
    town.standin
        .messages(channel)
        .iter()
        .filter_map(|m| m["content"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parks_asks_streets_from_chat_and_hears_of_every_step_in_its_thread() {
    let town = Town::start().await;
    let pat = town.member("Pat (Parks)", Some("parks"));
    let sam = town.member("Sam (Streets)", Some("streets"));
    let msg = town.standin.say(
        &pat,
        &town.intake,
        "Big pothole at 14 Pine St, our crew trucks keep hitting it",
    );
    let req = town.request_from(&format!("chat:{}", pat.id)).await;
    let r = req.reference;
    assert_eq!(req.department.as_str(), "streets");
    let origin = town.desk().store().internal_origin(r).await.unwrap();
    let origin = origin.expect("recorded as an internal request");
    assert_eq!(origin.department.as_str(), "parks");
    assert_eq!(origin.person, format!("chat:{}", pat.id));
    // Pothole's internal targets (8 h / 72 h), not its public ones (24 h / 168 h).
    let cal = &town.desk().city().calendar;
    assert_eq!(
        req.response_due_at,
        routing::sla::due_at(cal, req.created_at, 8, req.priority)
    );
    // The filing's answer opens the requester's thread on their message (a thread has its message's id).
    let thread = msg.clone();
    let filed = said(&town, &thread, &r.to_string()).await;
    assert!(
        filed["content"]
            .as_str()
            .unwrap()
            .contains("Internal request from Parks"),
        "{filed}"
    );
    let card = town.card("streets", &r.to_string()).await;
    assert!(card["embeds"].to_string().contains("internal"), "{card}");
    let streets = town.channels["streets"].clone();

    // While open, both lists show it, due date and all.
    let i = town
        .standin
        .slash(&pat, &town.intake, "asked", &[("department", "parks")]);
    let asked = town.answer(&i, &town.intake, "Asked by").await.to_string();
    assert!(asked.contains(&format!("{r} · Parks")), "{asked}");
    let i = town.standin.slash(&sam, &streets, "owed", &[]);
    let owed = town.answer(&i, &streets, "Owed by").await.to_string();
    assert!(
        owed.contains(&format!("{r} · Parks")) && owed.contains("due"),
        "{owed}"
    );
    let i = town.standin.slash(&pat, &town.intake, "mine", &[]);
    let mine = town
        .answer(&i, &town.intake, "Your open internal requests")
        .await;
    assert!(mine.to_string().contains(&r.to_string()), "{mine}");

    // Streets acknowledges with the card's button; Parks reads it in its thread.
    let card_id = card["id"].as_str().unwrap().to_string();
    town.standin
        .click(&sam, &card_id, &format!("wo:ack:{r}"))
        .unwrap();
    said(&town, &thread, "acknowledged by Streets").await;

    // A public update from the work order's thread reaches Parks, not an email.
    let wo_thread = town.thread_of(&card).await;
    let i = town.standin.slash(
        &sam,
        &wo_thread,
        "public",
        &[("text", "Crew booked for Thursday morning")],
    );
    town.answer(&i, &wo_thread, "in the thread they filed from")
        .await;
    said(&town, &thread, "Crew booked for Thursday morning").await;
    // An internal comment among Streets staff stays in Streets' thread.
    town.standin
        .say(&sam, &wo_thread, "bring the cold patch, not hot mix");

    // Streets closes it from its thread; the note reaches Parks with how to reopen.
    town.standin
        .say(&sam, &wo_thread, "fixed, filled and rolled the hole");
    town.wait_status(r, Status::Closed).await;
    let closed = said(&town, &thread, "closed by Streets").await;
    let closed = closed["content"].as_str().unwrap().to_string();
    assert!(
        closed.contains("fixed, filled and rolled the hole") && closed.contains("not done"),
        "{closed}"
    );
    assert!(
        !texts(&town, &thread)
            .iter()
            .any(|t| t.contains("cold patch")),
        "an internal comment leaked to the requester"
    );
    let i = town.standin.slash(&sam, &streets, "owed", &[]);
    town.answer(&i, &streets, "nothing open").await;

    // "Not done" from the requester in their thread reopens it, and Streets hears why.
    town.standin.say(
        &pat,
        &thread,
        "not done, the hole opened again after the rain",
    );
    town.wait_status(r, Status::Reopened).await;
    said(&town, &wo_thread, "reopened by the requester").await;
    let reopened = town.wait_event(r, EventKind::Reopened).await;
    assert_eq!(reopened.actor, format!("chat:{}", pat.id));
    // Anything else Parks writes there reaches Streets' thread.
    town.standin.say(
        &pat,
        &thread,
        "the mowers go through at 7am, please cone it",
    );
    said(&town, &wo_thread, "please cone it").await;

    // Open311 never shows an internal request (this category is not published), while a resident's shows.
    let resident = town
        .resident_reports("Graffiti", "Graffiti on the wall at 9 Oak Ave", "graffiti")
        .await;
    let addr = town.svc.http_addr.expect("http is on");
    let all = support::http::get(addr, "/open311/v2/requests.json").await;
    assert_eq!(all.ids(), [resident.reference.as_str()], "{}", all.body);
    let one = support::http::get(addr, &format!("/open311/v2/requests/{r}.json")).await;
    assert_eq!(one.status, 404, "{}", one.body);
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_two_departments_is_asked_which_one_files() {
    let town = Town::start().await;
    let roles = [town.roles["parks"].as_str(), town.roles["streets"].as_str()];
    let both = town.standin.add_member("Alex (two hats)", &roles);
    let i = town.standin.slash(
        &both,
        &town.intake,
        "new",
        &[("text", "The swing at the playground in Elm Park is broken")],
    );
    town.answer(&i, &town.intake, "the department this request is from")
        .await;
    let i = town.standin.slash(
        &both,
        &town.intake,
        "new",
        &[
            ("text", "The swing at the playground in Elm Park is broken"),
            ("for", "streets"),
        ],
    );
    town.answer(&i, &town.intake, "Filed as").await;
    let req = town.request_from(&format!("chat:{}", both.id)).await;
    let origin = town.desk().store().internal_origin(req.reference).await;
    assert_eq!(origin.unwrap().unwrap().department.as_str(), "streets");
    // Only one request: the refused first attempt filed nothing.
    let f = connect311::store::RequestFilter {
        requester: Some(format!("chat:{}", both.id)),
        ..Default::default()
    };
    assert_eq!(
        town.desk().store().list_requests(&f).await.unwrap().len(),
        1
    );
    town.svc.shutdown().await;
}

const HOUR: i64 = 3_600_000;

/// A staff member of `dept` (chat roles as the city file names them), acting from chat.
fn member_of(desk: &Desk, dept: &str, name: &str) -> Actor {
    let role = desk
        .city()
        .department(&DepartmentId::new(dept))
        .and_then(|d| d.chat_role.clone())
        .expect("a department role");
    Actor {
        id: format!("chat:{name}"),
        name: name.into(),
        source: Source::Chat,
        roles: vec![role],
        trusted_staff: false,
    }
}

async fn file(desk: &Desk, by: &str, text: &str) -> RequestRef {
    let filing = InternalFiling {
        department: DepartmentId::new(by),
        text: text.into(),
        person_name: None,
        notify_chat: None,
        notify_email: None,
    };
    desk.file_internal(&member_of(desk, by, by), &filing)
        .await
        .expect("filed")
}

async fn report_matches_the_hand_computed_fixture(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = store.desk(dir.path(), "").await;
    // A working day at 09:00 city time: every step below falls before 17:00, so business hours are wall hours.
    let cal = desk.city().calendar.clone();
    let mut day = cal.local_date(desk.now()).succ_opt().unwrap();
    while cal.working_interval(day).is_none() {
        day = day.succ_opt().unwrap();
    }
    let t0 = cal.working_interval(day).unwrap().0 + HOUR;
    let at = |h: i64| {
        let t = t0 + h * HOUR;
        assert!(cal.is_open(t), "the fixture stays inside one working day");
        t
    };
    let streets = member_of(&desk, "streets", "sam");
    let parks = member_of(&desk, "parks", "lee");
    set_clock(&clock, at(0));
    let r1 = file(&desk, "parks", "Big pothole at 14 Pine St").await;
    // Not internal: a resident's request is not in the table.
    support::report(
        &desk,
        "res@example.test",
        "Pothole",
        "res-1@example.test",
        "Pothole at 9 Oak Ave",
    )
    .await;
    set_clock(&clock, at(1));
    let r2 = file(&desk, "parks", "Pothole on Oak Ave near the yard").await;
    set_clock(&clock, at(2));
    desk.act(r1, &streets, StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, at(3));
    let r3 = file(
        &desk,
        "streets",
        "The swing at the playground in Elm Park is broken",
    )
    .await;
    set_clock(&clock, at(4));
    let close = |note: &str| StaffAction::Close {
        reason: CloseReason::Resolved,
        note: note.into(),
    };
    desk.act(r1, &streets, close("filled")).await.unwrap();
    desk.act(r2, &streets, StaffAction::Acknowledge)
        .await
        .unwrap();
    set_clock(&clock, at(5));
    desk.act(r3, &parks, close("new chain")).await.unwrap();
    set_clock(&clock, at(6));

    let table = connect311::report::internal_table(&desk, t0 - HOUR, t0 + 8 * HOUR, None)
        .await
        .unwrap();
    let pairs: Vec<_> = table
        .pairs
        .iter()
        .map(|p| {
            (
                p.asked_by.as_str(),
                p.assigned_to.as_str(),
                p.asked,
                p.answered,
                p.open,
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("parks", "streets", 2, 1, 1), ("streets", "parks", 1, 1, 0)]
    );
    let ps = &table.pairs[0];
    // Acknowledged after 2 h and 3 h: the nearest-rank median of two is the lower, 2 h. Closed after 4 h.
    assert_eq!(ps.median_acknowledge_business_hours, Some(2.0));
    assert_eq!(ps.median_close_business_hours, Some(4.0));
    assert_eq!(
        (ps.response.met, ps.response.missed, ps.response.pending),
        (2, 0, 0)
    );
    assert_eq!((ps.resolution.met, ps.resolution.pending), (1, 1));
    let sp = &table.pairs[1];
    // Closed without an acknowledgement after 2 h: both times are 2 h.
    assert_eq!(sp.median_acknowledge_business_hours, Some(2.0));
    assert_eq!(sp.median_close_business_hours, Some(2.0));
    assert_eq!((sp.response.met, sp.resolution.met), (1, 1));
    let text = table.to_text();
    assert!(text.contains("parks → streets"), "{text}");

    // The main report tells the two origins apart (the internal flag read from the store on either backend).
    // Internal: r1, r2, r3, with r2 still open; all three acknowledged in time (r3 by its close); r1 and r3
    // closed in time, r2 pending. Public: the resident's pothole, open, both targets still pending.
    let report = connect311::report::build(&desk, t0 - HOUR, t0 + 8 * HOUR, None)
        .await
        .unwrap();
    let origins: Vec<_> = report
        .by_origin
        .iter()
        .map(|o| {
            (
                o.origin.as_str(),
                o.total,
                o.backlog,
                (o.response.met, o.response.missed, o.response.pending),
                (o.resolution.met, o.resolution.missed, o.resolution.pending),
            )
        })
        .collect();
    assert_eq!(
        origins,
        [
            ("public", 1, 1, (0, 0, 1), (0, 0, 1)),
            ("internal", 3, 1, (3, 0, 0), (2, 0, 1)),
        ]
    );
    assert_eq!(report.total, 4);
    let csv = report.to_csv();
    assert!(
        csv.contains("\ninternal,3,0,1,3,0,0,100.00,2,0,1,100.00\n"),
        "{csv}"
    );
}

mod report_fixture {
    use crate::support::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::report_matches_the_hand_computed_fixture(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::report_matches_the_hand_computed_fixture(Backend::Postgres).await
    }
}

/// Verified staff mail from a department's listed address (`staff_emails`) files an internal request, and the
/// person hears of its steps by email; the same mail without the receiving server's verdict is a resident's.
async fn verified_staff_mail_files_for_its_department(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mail = "[mail]\nstaff_domains = [\"staff.city.test\"]\nauthserv_ids = [\"mx.city.test\"]\n";
    let (desk, _) = store.desk(dir.path(), mail).await;
    let staff = desk
        .city()
        .department(&DepartmentId::new("parks"))
        .and_then(|d| d.staff_emails.first().cloned())
        .expect("the shipped city lists a parks staff address");
    let stamped = support::email(
        &staff,
        support::INBOX,
        "Pothole by the park gate",
        "staff-1@staff.city.test",
        "Authentication-Results: mx.city.test; dmarc=pass header.from=staff.city.test\r\n\
         Received: from crew-laptop by mx.city.test with ESMTPS id 1\r\n",
        "Big pothole at 14 Pine St, our trucks keep hitting it",
    );
    let r = support::created(&desk.ingest_email(&stamped).await.unwrap());
    let origin = desk
        .store()
        .internal_origin(r)
        .await
        .unwrap()
        .expect("internal");
    assert_eq!(origin.department.as_str(), "parks");
    assert_eq!(origin.notify_email.as_deref(), Some(staff.as_str()));
    let forged = support::email(
        &staff,
        support::INBOX,
        "Pothole on Oak",
        "staff-2@staff.city.test",
        "",
        "Pothole on Oak Ave near the yard",
    );
    let f = support::created(&desk.ingest_email(&forged).await.unwrap());
    assert_eq!(desk.store().internal_origin(f).await.unwrap(), None);

    // Each step reaches the person by email, through the outbox: acknowledged, reassigned, a public update,
    // closed with the note.
    let sam = member_of(&desk, "streets", "sam");
    let lee = member_of(&desk, "parks", "lee");
    desk.act(r, &sam, StaffAction::Acknowledge).await.unwrap();
    desk.act(
        r,
        &sam,
        StaffAction::Reassign {
            to: DepartmentId::new("parks"),
            why: Some("it is inside the park".into()),
        },
    )
    .await
    .unwrap();
    desk.act(
        r,
        &lee,
        StaffAction::Public {
            text: "Our crew patches it on Friday".into(),
        },
    )
    .await
    .unwrap();
    desk.act(
        r,
        &lee,
        StaffAction::Close {
            reason: CloseReason::Resolved,
            note: "patched and rolled by the park crew".into(),
        },
    )
    .await
    .unwrap();
    let mails = support::emails_to(&desk, &staff.to_ascii_lowercase()).await;
    let texts: Vec<String> = mails.iter().map(|m| m.payload.to_string()).collect();
    for step in [
        "acknowledged by Streets",
        "moved from Streets and Transportation to Parks and Forestry",
        "Our crew patches it on Friday",
        "patched and rolled by the park crew",
    ] {
        let sent: Vec<_> = texts.iter().filter(|t| t.contains(step)).collect();
        assert_eq!(sent.len(), 1, "{step:?} mailed once: {texts:#?}");
    }
}

mod staff_mail {
    use crate::support::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::verified_staff_mail_files_for_its_department(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::verified_staff_mail_files_for_its_department(Backend::Postgres).await
    }
}

/// The shell: an operator files for Parks, then lists what Parks asked and Streets owes, shows it, and
/// prints the department-to-department table.
#[test]
fn the_cli_files_lists_and_reports_internal_requests() {
    use crate::support::cli::{run, text};
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("connect311.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = \"{0}\"\n[database]\nurl = \"sqlite://{0}/cli.db\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let out = run(args, &cfg, b"");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let filed = ok(&[
        "request",
        "new",
        "--on-behalf-of",
        "parks",
        "--by",
        "Pat",
        "Big pothole at 14 Pine St",
    ]);
    assert!(
        filed.starts_with("311-000001 filed for parks → streets"),
        "{filed}"
    );
    let asked = ok(&["request", "asked", "parks"]);
    assert!(asked.contains("311-000001 · Parks"), "{asked}");
    let owed = ok(&["request", "owed", "streets"]);
    assert!(owed.contains("311-000001"), "{owed}");
    assert!(ok(&["request", "owed", "parks"]).contains("nothing open"));
    let shown = ok(&["request", "show", "311-000001"]);
    assert!(
        shown.contains("asked by:   Parks") && shown.contains("Pat"),
        "{shown}"
    );
    let csv = ok(&["report", "--internal", "--format", "csv"]);
    assert!(
        csv.lines().any(|l| l.starts_with("parks,streets,1,0,1,")),
        "{csv}"
    );
    let unknown = run(
        &["request", "new", "--on-behalf-of", "nowhere", "x"],
        &cfg,
        b"",
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("unknown department"),
        "{}",
        text(&unknown.stderr)
    );
}

/// The weekly scorecard carries the department-to-department table once internal requests exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_scorecard_gains_the_department_to_department_table() {
    use chrono::Datelike;
    let dir = tempfile::tempdir().unwrap();
    let (desk, clock) = Backend::Sqlite.desk(dir.path(), "").await;
    let cal = desk.city().calendar.clone();
    let policy = desk.city().accountability.clone();
    let mut t = desk.now() + 24 * HOUR;
    while cal.local(t).weekday() != policy.scorecard_weekday {
        t += 24 * HOUR;
    }
    let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap();
    set_clock(&clock, cal.instant(cal.local_date(t), noon));
    file(&desk, "parks", "Big pothole at 14 Pine St").await;
    clock.advance_ms(60_000);
    let swept = connect311::sweeper::sweep_once(&desk).await.unwrap();
    assert_eq!(swept.scorecards, 1);
    let channel = policy
        .scorecard_channel
        .expect("the shipped city posts a scorecard");
    let rows = desk.store().outbox_rows(false).await.unwrap();
    let card = rows
        .iter()
        .find(|r| r.kind == "chat_note" && r.recipient.as_deref() == Some(channel.as_str()))
        .expect("the scorecard is queued");
    let text = card.payload["text"].as_str().unwrap();
    assert!(
        text.contains("Department to department") && text.contains("parks → streets"),
        "{text}"
    );
    // The headline figures tell residents' requests from internal ones.
    assert!(
        text.contains("Residents: 0 new")
            && text.contains("Internal (department to department): 1 new"),
        "{text}"
    );
}

/// The thread the bot opened in `parent` whose name starts with `prefix` (waits for it).
async fn thread_named(town: &Town, parent: &str, prefix: &str) -> String {
    let (p, n) = (parent.to_string(), prefix.to_string());
    let thread = town
        .standin
        .wait_for_value(
            move |s| {
                s.threads().into_iter().find(|t| {
                    t["parent_id"] == p.as_str()
                        && t["name"].as_str().is_some_and(|name| name.starts_with(&n))
                })
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no thread {prefix:?} in {parent}: {e}"));
    thread["id"].as_str().unwrap().to_string()
}

/// Waits until the requester of `r` hears back in `chat`.
async fn notified_in(town: &Town, r: RequestRef, chat: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let origin = town.desk().store().internal_origin(r).await.unwrap();
        if origin.as_ref().and_then(|o| o.notify_chat.as_deref()) == Some(chat) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{r}'s requester never moved to {chat}: {origin:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `/311 new` typed in the intake channel (not in a thread): the adapter opens a thread on its answer and says
/// which; the requester's notices go to that thread, not to the channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_new_outside_a_thread_keeps_the_requester_informed_in_the_thread_it_opened() {
    let town = Town::start().await;
    let pat = town.member("Pat (Parks)", Some("parks"));
    let sam = town.member("Sam (Streets)", Some("streets"));
    let i = town.standin.slash(
        &pat,
        &town.intake,
        "new",
        &[(
            "text",
            "Big pothole at 14 Pine St, our crew trucks keep hitting it",
        )],
    );
    town.answer(&i, &town.intake, "Filed as").await;
    let req = town.request_from(&format!("chat:{}", pat.id)).await;
    let r = req.reference;
    let thread = thread_named(&town, &town.intake, &r.to_string()).await;
    notified_in(&town, r, &thread).await;

    let card = town.card("streets", &r.to_string()).await;
    let card_id = card["id"].as_str().unwrap().to_string();
    town.standin
        .click(&sam, &card_id, &format!("wo:ack:{r}"))
        .unwrap();
    said(&town, &thread, "acknowledged by Streets").await;
    // The channel itself got the filing's answer only: the notice (delivered above) is not there.
    assert!(
        !texts(&town, &town.intake)
            .iter()
            .any(|t| t.contains("acknowledged by Streets")),
        "the notice went to the channel"
    );
    // The requester's own thread works as for a message filed there: "not done" after a close reopens it.
    let wo_thread = town.thread_of(&card).await;
    town.standin.say(&sam, &wo_thread, "fixed, filled the hole");
    town.wait_status(r, Status::Closed).await;
    said(&town, &thread, "closed by Streets").await;
    town.standin
        .say(&pat, &thread, "not done, it is still there");
    town.wait_status(r, Status::Reopened).await;
    town.svc.shutdown().await;
}

/// A message in the intake channel from a member of two departments files nothing until they say, in the
/// thread the bot opens on it, which department is asking; an answer naming neither asks again; naming one
/// files it for that department, its notices in that thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intake_message_from_a_member_of_two_departments_waits_for_which_one_asks() {
    let town = Town::start().await;
    let roles = [town.roles["parks"].as_str(), town.roles["streets"].as_str()];
    let both = town.standin.add_member("Alex (two hats)", &roles);
    let sam = town.member("Sam (Streets)", Some("streets"));
    let msg = town.standin.say(
        &both,
        &town.intake,
        "Big pothole at 14 Pine St by the depot gate",
    );
    // The question, in a thread on the message (whose id is the message's).
    let thread = msg.clone();
    let asked = said(&town, &thread, "which department is this request from?").await;
    let asked = asked["content"].as_str().unwrap().to_string();
    assert!(
        asked.contains("Parks") && asked.contains("Streets"),
        "{asked}"
    );
    let mine = connect311::store::RequestFilter {
        requester: Some(format!("chat:{}", both.id)),
        ..Default::default()
    };
    let store = town.desk().store().clone();
    // The question was asked after the message was handled: nothing was filed for it.
    assert!(store.list_requests(&mine).await.unwrap().is_empty());

    // Someone else's word in the thread is not an answer; nor is one naming no department of theirs.
    town.standin.say(&sam, &thread, "streets");
    town.standin.say(&both, &thread, "the one with the trucks");
    said(&town, &thread, "Answer with one of:").await;
    assert!(store.list_requests(&mine).await.unwrap().is_empty());

    town.standin.say(&both, &thread, "Parks");
    said(&town, &thread, "Filed as").await;
    let filed = store.list_requests(&mine).await.unwrap();
    assert_eq!(filed.len(), 1, "{filed:?}");
    let r = filed[0].reference;
    let origin = store.internal_origin(r).await.unwrap().expect("internal");
    assert_eq!(origin.department.as_str(), "parks");
    assert_eq!(origin.notify_chat.as_deref(), Some(thread.as_str()));
    assert_eq!(
        store.held_filing(&msg).await.unwrap(),
        None,
        "the held message is released once filed"
    );
    // Answering again files nothing more.
    town.standin.say(&both, &thread, "parks");
    let card = town.card("streets", &r.to_string()).await;
    town.standin
        .click(&sam, card["id"].as_str().unwrap(), &format!("wo:ack:{r}"))
        .unwrap();
    said(&town, &thread, "acknowledged by Streets").await;
    assert_eq!(store.list_requests(&mine).await.unwrap().len(), 1);
    town.svc.shutdown().await;
}

/// With `[discord] requester_dm = true` the requester hears of each step by direct message (Discord's flow:
/// open the DM channel, post to it); once they close their DMs (Discord answers 50007), the notice lands in
/// the thread they filed from and the request records the detour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requesters_can_be_told_by_direct_message_and_fall_back_to_their_thread() {
    let town = Town::start_full(None, "", "requester_dm = true").await;
    let pat = town.member("Pat (Parks)", Some("parks"));
    let sam = town.member("Sam (Streets)", Some("streets"));
    let thread = town.standin.say(
        &pat,
        &town.intake,
        "Big pothole at 14 Pine St, our crew trucks keep hitting it",
    );
    let req = town.request_from(&format!("chat:{}", pat.id)).await;
    let r = req.reference;
    said(&town, &thread, &r.to_string()).await;
    let card = town.card("streets", &r.to_string()).await;
    town.standin
        .click(&sam, card["id"].as_str().unwrap(), &format!("wo:ack:{r}"))
        .unwrap();
    let dm = town
        .standin
        .wait_for_value(
            {
                let pat = pat.clone();
                move |s| {
                    s.dms(&pat).into_iter().find(|m| {
                        m["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("acknowledged by Streets"))
                    })
                }
            },
            WAIT,
        )
        .await
        .expect("the acknowledgement arrives by DM");
    assert!(dm.get("guild_id").is_none(), "{dm}");
    assert!(
        town.standin
            .requests()
            .iter()
            .any(|l| l == "POST /api/v10/users/@me/channels"),
        "the DM channel is opened the way Discord does it"
    );

    // Pat closes their DMs: the public update is refused by Discord and posted in their thread instead.
    town.standin.close_dms(&pat, true);
    let wo_thread = town.thread_of(&card).await;
    let i = town.standin.slash(
        &sam,
        &wo_thread,
        "public",
        &[("text", "Crew booked for Thursday morning")],
    );
    town.answer(&i, &wo_thread, "Sent to the requester").await;
    said(&town, &thread, "Crew booked for Thursday morning").await;
    let redirected = town.wait_event(r, EventKind::NoticeRedirected).await;
    assert_eq!(redirected.payload["posted_in"], thread.as_str());
    // The acknowledgement went by DM only: the thread, which has the later update, never had it.
    // Everything queued so far is delivered: the acknowledgement went by DM only, never to the thread.
    town.outbox_drained().await;
    assert!(
        !texts(&town, &thread)
            .iter()
            .any(|t| t.contains("acknowledged by Streets")),
        "the DM'd notice was also posted in the thread"
    );
    assert!(!town
        .standin
        .dms(&pat)
        .iter()
        .any(|m| m.to_string().contains("Crew booked")));

    // DMs open again: the close arrives by DM, pointing to the thread for "not done".
    town.standin.close_dms(&pat, false);
    town.standin.say(&sam, &wo_thread, "fixed, filled the hole");
    town.wait_status(r, Status::Closed).await;
    let closed = town
        .standin
        .wait_for_value(
            {
                let pat = pat.clone();
                move |s| {
                    s.dms(&pat).into_iter().find(|m| {
                        m["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("closed by Streets"))
                    })
                }
            },
            WAIT,
        )
        .await
        .expect("the close arrives by DM");
    assert!(
        closed
            .to_string()
            .contains("in the thread you filed it from"),
        "{closed}"
    );
    town.standin.say(&pat, &thread, "not done, still there");
    town.wait_status(r, Status::Reopened).await;
    town.svc.shutdown().await;
}
