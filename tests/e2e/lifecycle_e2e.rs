//! Whole lifecycles through the real mail servers and the Discord stand-in, with a hand-moved clock for the
//! SLA and follow-up timers: "Was it fixed?" → NO reopens; overdue → reminder → escalation; an unacknowledged
//! emergency re-pages; a duplicate links and both residents hear the outcome; a spoofed staff close is refused.

use crate::support;
use routing::{CloseReason, EventKind, Status};

use connect311::clock::{Clock, ManualClock, SystemClock};
use connect311::sweeper::sweep_once;
use serde_json::Value;
use support::set_clock;
use support::town::{resident, send, send_verified, send_with, Reported, Town, WAIT};

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn clock() -> ManualClock {
    ManualClock::new(SystemClock.now_ms())
}

fn reply_to(m: &mail::Inbound) -> String {
    m.reply_to.clone().expect("signed Reply-To").email
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_to_the_follow_up_reopens_and_tells_the_department() {
    let clock = clock();
    let town = Town::start_with(Some(clock.clone()), "").await;
    let Reported {
        resident: res,
        request: req,
        reference: r,
        card,
    } = town
        .resident_reports("Pothole", "Deep pothole in front of 120 Main St", "streets")
        .await;
    let card_id = card["id"].as_str().unwrap().to_string();
    let crew = town.member("Crew 7", Some("streets"));
    town.standin
        .click(&crew, &card_id, &format!("wo:close:{r}"))
        .unwrap();
    town.submit_modal(
        &crew,
        &format!("wo:note:{r}:{card_id}"),
        &[("note", "Filled with hot asphalt.")],
    )
    .await;
    town.wait_status(req.reference, Status::Closed).await;
    assert_eq!(
        town.resident_mails(&res, 2).await.len(),
        2,
        "acknowledgement and completion"
    );

    // Not yet: the follow-up waits a few days.
    assert_eq!(sweep_once(town.desk()).await.unwrap().followups, 0);
    set_clock(&clock, clock.now_ms() + 7 * DAY);
    assert_eq!(sweep_once(town.desk()).await.unwrap().followups, 1);
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().followups,
        0,
        "never asked twice"
    );
    let mails = town.resident_mails(&res, 3).await;
    let ask = &mails[2];
    assert!(
        ask.text.contains("Was it fixed?") && ask.text.contains("YES or NO"),
        "{}",
        ask.text
    );

    let body = "NO, the hole is back.\n\nOn Mon, 311 wrote:\n> Was it fixed?";
    let headers = format!("In-Reply-To: <{}>\r\n", ask.message_id.clone().unwrap());
    send_with(
        &res,
        &reply_to(ask),
        &format!("Re: {}", ask.subject),
        &headers,
        body,
    )
    .await;
    town.wait_status(req.reference, Status::Reopened).await;
    town.wait_event(req.reference, EventKind::FollowupNotFixed)
        .await;
    let thread = town.thread_of(&card).await;
    town.message_in(&thread, "NOT fixed").await;
    let mails = town.resident_mails(&res, 4).await;
    assert!(mails[3].text.contains("reopened"), "{}", mails[3].text);
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_request_gets_a_reminder_then_escalates_to_supervisors() {
    let clock = clock();
    let town = Town::start_with(Some(clock.clone()), "").await;
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Graffiti",
        "Graffiti all over the wall of 9 Oak Ave",
    )
    .await;
    let req = town.request_from(&res).await;
    let r = req.reference.to_string();
    town.card("graffiti", &r).await;
    let cal = &town.desk().city().calendar;
    let policy = &town.desk().city().accountability;

    // Just before the response target: nothing.
    set_clock(&clock, req.response_due_at - MINUTE);
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!((s.reminders, s.escalations), (0, 0));
    // Overdue during working hours: one reminder in the department's channel, and only one.
    let first = cal.next_open(
        cal.add_business_hours(req.response_due_at, policy.reminder_after_overdue_hours),
    ) + MINUTE;
    set_clock(&clock, first);
    assert_eq!(sweep_once(town.desk()).await.unwrap().reminders, 1);
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().reminders,
        0,
        "same facts, no second reminder"
    );
    // The reminder is the department's digest of overdue work.
    let reminder = town
        .message_in(&town.channels["graffiti"], &format!("**{r}**"))
        .await;
    assert_eq!(reminder["mention_everyone"], false);
    assert!(reminder["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Overdue work: "));
    // Still nobody acts: escalation to the supervisors' channel.
    let escalate_at = cal.add_business_hours(first, policy.escalate_after_hours) + MINUTE;
    set_clock(&clock, escalate_at);
    let s = sweep_once(town.desk()).await.unwrap();
    assert_eq!(s.escalations, 1, "{s:?}");
    let escalated = town
        .message_in(&town.supervisors, &format!("**{r}**"))
        .await;
    assert!(
        escalated.to_string().contains("Escalated work"),
        "{escalated}"
    );
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().escalations,
        0,
        "escalated once"
    );
    let overdue = town.desk().overdue(Some(&"graffiti".into())).await.unwrap();
    assert!(overdue.iter().any(|o| o.reference == req.reference));
    // Staff can ask for the list in chat too.
    let clerk = town.member("Clerk", None);
    let channel = town.channels["graffiti"].clone();
    let i = town
        .standin
        .slash(&clerk, &channel, "overdue", &[("department", "graffiti")]);
    town.answer(&i, &channel, &r).await;
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unacknowledged_emergency_re_pages_dispatch_until_acknowledged() {
    let clock = clock();
    let town = Town::start_with(Some(clock.clone()), "").await;
    let Reported {
        request: req,
        reference: r,
        card,
        ..
    } = town
        .resident_reports(
            "fire",
            "Flames and thick smoke coming from the garage at 12 Birch Rd",
            "dispatch",
        )
        .await;
    let pages = |town: &Town| {
        let oncall = town.oncall.clone();
        town.standin
            .messages(&town.channels["dispatch"])
            .into_iter()
            .filter(|m| m["mention_roles"] == Value::from(vec![oncall.clone()]))
            .count()
    };
    assert_eq!(pages(&town), 1);
    let minutes = i64::from(town.desk().city().accountability.emergency_repage_minutes);
    set_clock(&clock, clock.now_ms() + (minutes + 1) * MINUTE);
    assert_eq!(sweep_once(town.desk()).await.unwrap().repages, 1);
    town.outbox_drained().await;
    assert_eq!(pages(&town), 2, "dispatch paged again");

    let officer = town.member("Dispatcher", Some("dispatch"));
    let card_id = card["id"].as_str().unwrap().to_string();
    town.standin
        .click(&officer, &card_id, &format!("wo:ack:{r}"))
        .unwrap();
    town.wait_status(req.reference, Status::Acknowledged).await;
    set_clock(&clock, clock.now_ms() + (minutes + 1) * MINUTE);
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().repages,
        0,
        "acknowledged: no more pages"
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_links_to_the_open_request_and_both_residents_hear_when_it_closes() {
    let town = Town::start().await;
    let (first, second) = (resident(), resident());
    send(
        &first,
        &town.inbox,
        "Pothole",
        "Deep pothole at the corner of 5th and Main",
    )
    .await;
    let orig = town.request_from(&first).await;
    let r = orig.reference.to_string();
    let card = town.card("streets", &r).await;
    send(
        &second,
        &town.inbox,
        "Bache",
        "There is a big pothole at Main and 5th",
    )
    .await;
    let dup = town.request_from(&second).await;
    assert_eq!(dup.linked_to, Some(orig.reference));
    assert_eq!(
        (
            dup.status.as_str(),
            dup.close_reason.map(CloseReason::as_str)
        ),
        ("closed", Some("duplicate"))
    );
    let told = town.resident_mails(&second, 1).await;
    assert!(
        told[0].text.contains("already been reported") && told[0].text.contains(&r),
        "{}",
        told[0].text
    );
    // The department sees two reporters on one card, and no second work order.
    let card_id = card["id"].as_str().unwrap().to_string();
    town.standin
        .wait_for(
            move |s| {
                s.message(&card_id).is_some_and(|m| {
                    m["embeds"]
                        .to_string()
                        .contains("\"Reporters\",\"value\":\"2\"")
                        || m["embeds"]
                            .to_string()
                            .contains("\"name\":\"Reporters\",\"value\":\"2\"")
                })
            },
            WAIT,
        )
        .await
        .expect("card shows 2 reporters");
    assert_eq!(
        town.standin
            .messages(&town.channels["streets"])
            .iter()
            .filter(|m| !m["components"].as_array().is_none_or(|c| c.is_empty()))
            .count(),
        1
    );

    let thread = town.thread_of(&card).await;
    let crew = town.member("Crew 3", Some("streets"));
    town.standin
        .say(&crew, &thread, "fixed, patched this morning");
    town.wait_status(orig.reference, Status::Closed).await;
    let a = town.resident_mails(&first, 2).await;
    let b = town.resident_mails(&second, 2).await;
    assert!(a[1].text.contains("patched this morning"), "{}", a[1].text);
    assert!(b[1].text.contains("patched this morning"), "{}", b[1].text);
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_staff_close_by_email_is_refused_and_an_authenticated_one_is_applied() {
    let (town, res, req, staff) =
        staff_town("Streetlight", "The streetlight outside 14 Pine St is out").await;
    let r = req.reference.to_string();
    town.card("streetlights", &r).await;
    let subject = format!("Re: [{r}] work order");

    // No authentication at all (anyone can type a city address in From:).
    send(&staff, &town.inbox, &subject, "close: replaced the lamp").await;
    town.wait_event(req.reference, EventKind::StaffCommandRefused)
        .await;
    // A forged header from a server we do not trust.
    let forged = "Authentication-Results: evil.example; dmarc=pass header.from=city.test\r\n";
    send_with(
        &staff,
        &town.inbox,
        &subject,
        forged,
        "close: replaced the lamp",
    )
    .await;
    // RFC 8601 §5: a header naming our own authserv-id, written by the sender. Port 25 neither strips nor
    // stamps, so it arrives below the city's Received lines, exactly as forged.
    let forged_ours = "Authentication-Results: mx.city.test; spf=pass smtp.mailfrom=city.test; dkim=pass header.d=city.test; dmarc=pass header.from=city.test\r\n";
    send_with(
        &staff,
        &town.inbox,
        &subject,
        forged_ours,
        "close: replaced the lamp",
    )
    .await;
    wait_refusals(&town, req.reference, 3).await;
    assert_eq!(
        town.desk()
            .store()
            .request(req.reference)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Open
    );
    let told = town.resident_mails(&staff, 3).await;
    assert!(told[0].text.contains("not applied"), "{}", told[0].text);
    assert!(
        told[2].text.contains("below the city's receiving server"),
        "{}",
        told[2].text
    );

    // Through the city's authenticating MX, which stamps its verdict above its own Received line: applied, and
    // the resident reads the note.
    send_verified(
        &staff,
        &town.inbox,
        &subject,
        "close: replaced the lamp and photocell",
    )
    .await;
    town.wait_status(req.reference, Status::Closed).await;
    let mails = town.resident_mails(&res, 2).await;
    assert!(
        mails[1].text.contains("replaced the lamp and photocell"),
        "{}",
        mails[1].text
    );
    town.svc.shutdown().await;
}

/// A town whose staff write from city.test through the trusted MX (two Received hops), with one resident's
/// report filed: (town, resident, request, a staff address).
async fn staff_town(
    subject: &str,
    body: &str,
) -> (Town, String, connect311::store::Request, String) {
    let town = Town::start_with(
        None,
        "staff_domains = [\"city.test\"]\nauthserv_ids = [\"mx.city.test\"]\ntrusted_received_hops = 2",
    )
    .await;
    let res = resident();
    send(&res, &town.inbox, subject, body).await;
    let req = town.request_from(&res).await;
    let staff = format!("{}@city.test", mail::testkit::unique_local("crew"));
    (town, res, req, staff)
}

async fn wait_refusals(town: &Town, r: routing::RequestRef, n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while town
        .desk()
        .store()
        .events(r)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::StaffCommandRefused)
        .count()
        < n
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "refusal {n} not recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The shipped example's `[mail]` settings (staff at staff.city.test, the 311 address at city.test): a verified
/// staff close is applied, and staff mail is not mistaken for our own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_example_accepts_a_verified_staff_close() {
    let town = Town::start_with(None, &example_mail_settings()).await;
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Pothole",
        "Deep pothole in front of 210 Elm St",
    )
    .await;
    let req = town.request_from(&res).await;
    let r = req.reference.to_string();
    town.card("streets", &r).await;
    let staff = format!("{}@staff.city.test", mail::testkit::unique_local("crew"));
    send_verified(
        &staff,
        &town.inbox,
        &format!("Re: [{r}] work order"),
        "close: filled the pothole",
    )
    .await;
    town.wait_status(req.reference, Status::Closed).await;
    let closed = town.wait_event(req.reference, EventKind::Closed).await;
    assert_eq!(closed.actor, staff);
    town.svc.shutdown().await;
}

/// `[mail]` of config/connect311.example.toml, minus what the test town sets itself.
fn example_mail_settings() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/connect311.example.toml"
    ))
    .unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut mail = doc["mail"].as_table().unwrap().clone();
    for own in ["address", "imap", "smtp", "reply_secret"] {
        mail.remove(own);
    }
    assert!(mail.contains_key("staff_domains") && mail.contains_key("authserv_ids"));
    toml::to_string(&mail).unwrap()
}

/// Reopening is a state change: a staff-domain mail without authentication is a comment on a closed request,
/// never a reopen (defect: "Reopened by the requester: ok thanks").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthenticated_staff_mail_does_not_reopen_a_closed_request() {
    let (town, _res, req, staff) = staff_town("Graffiti", "Graffiti on the wall at 9 Oak St").await;
    let r = req.reference.to_string();
    support::close(town.desk(), req.reference, "painted over").await;
    send(
        &staff,
        &town.inbox,
        &format!("Re: [{r}] closed"),
        "ok thanks",
    )
    .await;
    let comment = town.wait_event(req.reference, EventKind::Comment).await;
    assert_eq!(comment.actor, staff);
    assert_eq!(comment.payload["verified"], false);
    let after = town
        .desk()
        .store()
        .request(req.reference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, Status::Closed);
    let events = town.desk().store().events(req.reference).await.unwrap();
    assert!(
        events.iter().all(|e| e.kind != EventKind::Reopened),
        "{events:?}"
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_on_the_resident_pauses_the_sla_and_their_answer_resumes_it() {
    let clock = clock();
    let town = Town::start_with(Some(clock.clone()), "").await;
    let Reported {
        resident: res,
        request: req,
        card,
        ..
    } = town
        .resident_reports(
            "Sidewalk",
            "The sidewalk is broken and lifted near 77 Elm St",
            "streets",
        )
        .await;
    let thread = town.thread_of(&card).await;
    let crew = town.member("Inspector", Some("streets"));
    let i = town.standin.slash(
        &crew,
        &thread,
        "public",
        &[("text", "Which side of the street is it on?")],
    );
    town.answer(&i, &thread, "Sent to the requester").await;
    town.wait_event(req.reference, EventKind::SlaPaused).await;
    // The acknowledgement and the question: Postfix may hand them over in either order.
    let mails = town.resident_mails(&res, 2).await;
    let ask = mails
        .iter()
        .find(|m| m.text.contains("Which side of the street is it on?"))
        .unwrap_or_else(|| panic!("no mail with the question: {mails:?}"));

    // Well past the response target, during working hours: no reminder while we wait on the resident.
    let cal = &town.desk().city().calendar;
    let late = cal.next_open(req.response_due_at + DAY) + 60 * MINUTE;
    set_clock(&clock, late);
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().reminders,
        0,
        "paused"
    );

    send_with(
        &res,
        &reply_to(ask),
        &format!("Re: {}", ask.subject),
        "",
        "The north side, by the bus stop.",
    )
    .await;
    let resumed = town.wait_event(req.reference, EventKind::SlaResumed).await;
    let after = town
        .desk()
        .store()
        .request(req.reference)
        .await
        .unwrap()
        .unwrap();
    assert!(
        after.response_due_at > req.response_due_at,
        "due time pushed back by the pause"
    );
    assert!(after.resolution_due_at > req.resolution_due_at);
    assert_eq!(resumed.payload["response_due"], after.response_due_at);
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_scorecard_is_posted_once_on_its_day() {
    use chrono::Datelike;
    let clock = clock();
    let town = Town::start_with(Some(clock.clone()), "").await;
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Noise",
        "Loud music every night from 7 Elm St",
    )
    .await;
    town.request_from(&res).await;
    let cal = &town.desk().city().calendar;
    let day = town.desk().city().accountability.scorecard_weekday;
    // Noon (city time) on the next scorecard day.
    let mut t = clock.now_ms() + DAY;
    while cal.local(t).weekday() != day {
        t += DAY;
    }
    let date = cal.local_date(t);
    set_clock(
        &clock,
        cal.instant(date, chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
    );
    assert_eq!(sweep_once(town.desk()).await.unwrap().scorecards, 1);
    assert_eq!(
        sweep_once(town.desk()).await.unwrap().scorecards,
        0,
        "once per week"
    );
    let posted = town
        .message_in(&town.scorecard, "Weekly 311 scorecard")
        .await;
    assert!(
        posted["content"]
            .as_str()
            .unwrap()
            .contains("1 new requests"),
        "{posted}"
    );
    town.svc.shutdown().await;
}
