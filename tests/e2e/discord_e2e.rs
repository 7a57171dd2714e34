//! End to end with the whole service against the loopback Discord stand-in (real REST + gateway protocol
//! through serenity) and the real Postfix + Dovecot: work orders, chat intake, closing by reply, permissions,
//! mention safety, emergency paging, and a Discord outage that loses nothing.

use crate::support;
use routing::{EventKind, Status};

use std::time::Duration;

use support::town::{resident, send, Reported, Town, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_becomes_a_work_order_and_fixed_it_in_the_thread_closes_it_with_a_spanish_email() {
    let town = Town::start().await;
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Bache",
        "Hay un bache enorme en la calle Juárez 45 @everyone <@&123> vengan",
    )
    .await;
    let req = town.request_from(&res).await;
    assert_eq!(
        (req.department.as_str(), req.language.as_str()),
        ("streets", "es")
    );
    let card = town.card("streets", &req.reference.to_string()).await;
    // Untrusted text pings nobody.
    assert_eq!(card["mention_everyone"], false, "{card}");
    assert!(
        card["mention_roles"]
            .as_array()
            .is_none_or(|a| a.is_empty()),
        "{card}"
    );
    let embed = card["embeds"].to_string();
    assert!(
        !embed.contains(&res) && embed.contains("@example.test"),
        "requester masked: {card}"
    );
    assert_eq!(town.resident_mails(&res, 1).await.len(), 1);

    let thread = town.thread_of(&card).await;
    let crew = town.member("Crew 7", Some("streets"));
    town.standin
        .say(&crew, &thread, "Need the big truck, going tomorrow");
    town.standin.say(&crew, &thread, "arreglado, ya quedó");
    town.wait_status(req.reference, Status::Closed).await;
    // The gateway hands each message to its own task, so the two may be applied in either order.
    let comment = town.wait_event(req.reference, EventKind::Comment).await;
    assert_eq!(comment.actor, format!("chat:{}", crew.id));
    let events = town.svc.desk.store().events(req.reference).await.unwrap();
    let closed = events.iter().find(|e| e.kind == EventKind::Closed).unwrap();
    assert_eq!(closed.payload["note"], "arreglado, ya quedó");

    // The embed shows the new status; the resident gets the completion email in Spanish.
    let card_id = card["id"].as_str().unwrap().to_string();
    town.standin
        .wait_for(
            move |s| {
                s.message(&card_id)
                    .is_some_and(|m| m["embeds"].to_string().to_lowercase().contains("closed"))
            },
            WAIT,
        )
        .await
        .expect("embed updated to closed");
    let mails = town.resident_mails(&res, 2).await;
    let done = &mails[1];
    assert!(
        done.text.contains("fue cerrada") && done.text.contains("arreglado, ya quedó"),
        "{}",
        done.text
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_message_in_the_intake_channel_becomes_a_request_answered_in_a_thread() {
    let town = Town::start().await;
    let clerk = town.member("Front desk", None);
    let msg = town.standin.say(
        &clerk,
        &town.intake,
        "Streetlight out at 14 Pine St, reported by phone",
    );
    let req = town.request_from(&format!("chat:{}", clerk.id)).await;
    assert_eq!(req.department.as_str(), "streetlights");
    let r = req.reference.to_string();
    let answer = town.thread_answer(&r).await;
    assert!(
        answer["content"].as_str().unwrap().contains("Street"),
        "{answer}"
    );
    let _ = msg;
    town.card("streetlights", &req.reference.to_string()).await;
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_member_cannot_close_and_a_member_can_with_the_button() {
    let town = Town::start().await;
    let Reported {
        resident: res,
        request: req,
        reference: r,
        card,
    } = town
        .resident_reports(
            "Graffiti",
            "Graffiti all over the wall at 9 Oak Ave",
            "graffiti",
        )
        .await;
    let card_id = card["id"].as_str().unwrap().to_string();

    let outsider = town.member("Parks intern", Some("parks"));
    town.standin
        .click(&outsider, &card_id, &format!("wo:close:{r}"))
        .unwrap();
    let i = town
        .submit_modal(
            &outsider,
            &format!("wo:note:{r}:{card_id}"),
            &[("note", "done")],
        )
        .await;
    let channel = card["channel_id"].as_str().unwrap().to_string();
    let refusal = town.answer(&i, &channel, "only members").await;
    assert!(
        refusal.to_string().contains("64"),
        "ephemeral flag: {refusal}"
    );
    assert_eq!(
        town.svc
            .desk
            .store()
            .request(req.reference)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Open
    );

    let crew = town.member("Graffiti crew", Some("graffiti"));
    town.standin
        .click(&crew, &card_id, &format!("wo:close:{r}"))
        .unwrap();
    town.submit_modal(
        &crew,
        &format!("wo:note:{r}:{card_id}"),
        &[("note", "Painted over the wall today.")],
    )
    .await;
    town.wait_status(req.reference, Status::Closed).await;
    let mails = town.resident_mails(&res, 2).await;
    assert!(
        mails[1].text.contains("Painted over the wall today."),
        "{}",
        mails[1].text
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_email_pages_the_on_call_role_in_dispatch() {
    let town = Town::start().await;
    let Reported {
        resident: res,
        card,
        ..
    } = town
        .resident_reports(
            "smoke",
            "There is smoke and flames coming out of the garage at 12 Birch Rd",
            "dispatch",
        )
        .await;
    assert_eq!(
        card["mention_roles"],
        serde_json::json!([town.oncall]),
        "{card}"
    );
    assert_eq!(card["mention_everyone"], false);
    let mails = town.resident_mails(&res, 1).await;
    assert!(mails[0].text.contains("CALL 911"));
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_outage_loses_no_work_order() {
    let town = Town::start().await;
    town.standin.outage(true);
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Trash",
        "Our trash was not picked up this week at 31 Cedar Ln",
    )
    .await;
    let req = town.request_from(&res).await;
    // The post fails and stays in the outbox with its error while Discord is down.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = town.svc.desk.store().outbox_rows(true).await.unwrap();
        if rows
            .iter()
            .any(|r| r.kind == "chat_work_order" && r.attempts >= 2 && r.last_error.is_some())
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failed post was not retried: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    town.standin.outage(false);
    town.card("sanitation", &req.reference.to_string()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while town
        .svc
        .desk
        .store()
        .work_order_for(req.reference)
        .await
        .unwrap()
        .is_none()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the posted card was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The card is recorded just before its outbox row is marked done: wait for the outbox to empty (fails
    // loudly if anything stays undelivered).
    town.outbox_drained().await;
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reassigning_moves_the_work_order_to_the_new_department() {
    let town = Town::start().await;
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Tree",
        "A big branch is hanging over the sidewalk at 5 Park Ave",
    )
    .await;
    let req = town.request_from(&res).await;
    let r = req.reference.to_string();
    let from = req.department.to_string();
    let to = if from == "parks" { "streets" } else { "parks" };
    let card = town.card(&from, &r).await;
    let card_id = card["id"].as_str().unwrap().to_string();
    let lead = town.member("Crew lead", Some(&from));
    town.standin
        .click(&lead, &card_id, &format!("wo:reassign:{r}"))
        .unwrap();
    let custom = format!("wo:dept:{r}:{card_id}");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        // The select appears in the bot's ephemeral answer; pick the new department there.
        let menu = town
            .standin
            .messages(card["channel_id"].as_str().unwrap())
            .into_iter()
            .find(|m| m.to_string().contains(&custom));
        if let Some(menu) = menu {
            town.standin
                .select(&lead, menu["id"].as_str().unwrap(), &custom, &[to])
                .unwrap();
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no department menu");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while town
        .svc
        .desk
        .store()
        .request(req.reference)
        .await
        .unwrap()
        .unwrap()
        .department
        .as_str()
        != to
    {
        assert!(tokio::time::Instant::now() < deadline, "not reassigned");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    town.card(to, &r).await;
    let ev = town
        .svc
        .desk
        .store()
        .events(req.reference)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EventKind::Reassigned)
        .unwrap();
    assert_eq!(ev.actor, format!("chat:{}", lead.id));
    assert_eq!(
        (ev.payload["from"].as_str(), ev.payload["to"].as_str()),
        (Some(from.as_str()), Some(to))
    );
    town.svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_find_answer_anyone_in_staff_channels() {
    let town = Town::start().await;
    let reported = town
        .resident_reports(
            "Graffiti",
            "Graffiti on the bus shelter at 48 Maple Ave",
            "graffiti",
        )
        .await;
    let clerk = town.member("Front desk", None);
    let i = town.standin.slash(
        &clerk,
        &town.intake,
        "status",
        &[("reference", &reported.reference)],
    );
    let status = town.answer(&i, &town.intake, "Graffiti").await;
    assert!(status.to_string().contains(&reported.reference), "{status}");
    let i = town
        .standin
        .slash(&clerk, &town.intake, "find", &[("query", "48 Maple")]);
    town.answer(&i, &town.intake, &reported.reference).await;
    let i = town.standin.slash(
        &clerk,
        &town.intake,
        "find",
        &[("query", "no such place anywhere")],
    );
    town.answer(&i, &town.intake, "Nothing matches").await;
    town.svc.shutdown().await;
}
