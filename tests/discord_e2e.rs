//! End to end with the whole service against the loopback Discord stand-in (real REST + gateway protocol
//! through serenity) and the real Postfix + Dovecot: work orders, chat intake, closing by reply, permissions,
//! mention safety, emergency paging, and a Discord outage that loses nothing.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bots::chat::Member;
use bots::standin::StandIn;
use connect311::serve::Running;
use mail::testkit;
use serde_json::Value;
use support::email;

const WAIT: Duration = Duration::from_secs(30);

struct Town {
    standin: StandIn,
    channels: HashMap<String, String>,
    roles: HashMap<String, String>,
    intake: String,
    oncall: String,
    inbox: String,
    svc: Running,
    _dir: tempfile::TempDir,
}

impl Town {
    /// The example city with its department channels and roles living in a fresh stand-in guild.
    async fn start() -> Town {
        testkit::require_mail_servers();
        let standin = StandIn::start().await.expect("stand-in starts");
        let city = routing::CityConfig::from_toml_str(connect311::config::EXAMPLE_CITY).unwrap();
        let mut text = connect311::config::EXAMPLE_CITY.to_string();
        let (mut channels, mut roles) = (HashMap::new(), HashMap::new());
        for d in &city.departments {
            let ch = standin.add_channel(d.id.as_str());
            text = text.replace(&format!("\"{}\"", d.chat_channel), &format!("\"{ch}\""));
            channels.insert(d.id.to_string(), ch);
            if let Some(old) = &d.chat_role {
                let role = standin.add_role(&format!("{}-staff", d.id));
                text = text.replace(&format!("\"{old}\""), &format!("\"{role}\""));
                roles.insert(d.id.to_string(), role);
            }
        }
        let intake = standin.add_channel("311-intake");
        let oncall = standin.add_role("dispatch-on-call");
        let supervisor = standin.add_role("supervisors");
        let dir = tempfile::tempdir().unwrap();
        let city_file = dir.path().join("city.toml");
        std::fs::write(&city_file, text).unwrap();
        let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
        let ca = testkit::TEST_CA;
        let toml = format!(
            "city_file = \"{city}\"\n[database]\nurl = \"{db}\"\n[mail]\naddress = \"{inbox}\"\n\
             [mail.imap]\nhost = \"127.0.0.1\"\nsecurity = \"tls\"\nca_file = \"{ca}\"\nusername = \"{inbox}\"\npassword = \"test\"\n[mail.smtp]\nhost = \"127.0.0.1\"\n\
             [discord]\ntoken = \"standin-token\"\nguild_id = {guild}\nintake_channel = \"{intake}\"\noncall_role = \"{oncall}\"\n\
             supervisor_role = \"{supervisor}\"\napi_proxy = \"{api}\"\n[outbox]\nbackoff_base_ms = 200\nbackoff_max_ms = 1000\npoll_ms = 100\n",
            city = city_file.display(),
            db = support::fresh_sqlite_url(dir.path()),
            guild = standin.guild_id(),
            api = standin.api_url(),
        );
        let settings = support::settings(dir.path(), &toml);
        let desk = connect311::app::open_with(settings, Arc::new(connect311::clock::SystemClock))
            .await
            .unwrap();
        let (d, gw) = connect311::app::channels(&desk);
        assert!(gw.is_some(), "Discord configured");
        let svc = connect311::serve::start(desk, d, gw);
        standin
            .wait_for(
                |s| s.gateway().connected >= 1 && !s.commands().is_empty(),
                WAIT,
            )
            .await
            .expect("bot connects and registers /311");
        Town {
            standin,
            channels,
            roles,
            intake,
            oncall,
            inbox,
            svc,
            _dir: dir,
        }
    }

    /// Submits the modal the bot opens in answer to a click (it appears once the bot has answered).
    async fn submit_modal(&self, m: &Member, custom_id: &str, fields: &[(&str, &str)]) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match self.standin.submit_modal(m, custom_id, fields) {
                Ok(i) => return i,
                Err(e) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "no modal {custom_id}: {e}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn member(&self, name: &str, dept: Option<&str>) -> Member {
        let roles: Vec<&str> = dept
            .map(|d| vec![self.roles[d].as_str()])
            .unwrap_or_default();
        self.standin.add_member(name, &roles)
    }

    /// The work-order card for `reference` in a department channel.
    async fn card(&self, dept: &str, reference: &str) -> Value {
        let ch = self.channels[dept].clone();
        let r = reference.to_string();
        self.standin
            .wait_for_value(
                move |s| {
                    s.messages(&ch)
                        .into_iter()
                        .find(|m| m["embeds"].to_string().contains(&r))
                },
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no work order for {reference} in {dept}: {e}"))
    }

    async fn thread_of(&self, card: &Value) -> String {
        let card_id = card["id"].as_str().unwrap().to_string();
        self.standin
            .wait_for_value(
                move |s| {
                    s.threads()
                        .into_iter()
                        .find(|t| {
                            t["id"] == card_id.as_str() || t["message_id"] == card_id.as_str()
                        })
                        .map(|t| t["id"].as_str().unwrap().to_string())
                },
                WAIT,
            )
            .await
            .expect("a thread on the work order")
    }

    async fn request_from(&self, requester: &str) -> connect311::store::Request {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let f = connect311::store::RequestFilter {
                requester: Some(requester.into()),
                ..Default::default()
            };
            if let Some(r) = self.svc.desk.store.list_requests(&f).await.unwrap().pop() {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no request from {requester}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_status(&self, r: routing::RequestRef, status: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self
                .svc
                .desk
                .store
                .request(r)
                .await
                .unwrap()
                .unwrap()
                .status
                == status
            {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                let events = self.svc.desk.store.events(r).await.unwrap();
                panic!("{r} never became {status}; events: {events:#?}\nrequests seen by the stand-in: {:?}", self.standin.requests());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn resident_mails(&self, resident: &str, n: usize) -> Vec<mail::Inbound> {
        testkit::wait_for_messages(resident, "INBOX", n, WAIT)
            .await
            .iter()
            .map(|m| mail::inbound::parse(m, &mail::Limits::default()).unwrap())
            .collect()
    }
}

async fn send(from: &str, to: &str, subject: &str, body: &str) {
    let raw = email(
        from,
        to,
        subject,
        &format!("{}@example.test", testkit::unique_local("m")),
        "",
        body,
    );
    testkit::smtp_send_raw(from, &[to], &raw).await.unwrap();
}

fn resident() -> String {
    format!("{}@example.test", testkit::unique_local("res"))
}

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
    town.wait_status(req.reference, "closed").await;
    let events = town.svc.desk.store.events(req.reference).await.unwrap();
    let comment = events
        .iter()
        .find(|e| e.kind == "comment")
        .expect("internal comment");
    assert_eq!(comment.actor, format!("chat:{}", crew.id));
    let closed = events.iter().find(|e| e.kind == "closed").unwrap();
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
    assert_eq!(req.department, "streetlights");
    let r = req.reference.to_string();
    let answer = town
        .standin
        .wait_for_value(
            move |s| {
                s.threads().into_iter().find_map(|t| {
                    let id = t["id"].as_str()?.to_string();
                    s.messages(&id)
                        .into_iter()
                        .find(|m| m["content"].as_str().is_some_and(|c| c.contains(&r)))
                })
            },
            WAIT,
        )
        .await
        .expect("the bot answers in a thread with the reference");
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
    let res = resident();
    send(
        &res,
        &town.inbox,
        "Graffiti",
        "Graffiti all over the wall at 9 Oak Ave",
    )
    .await;
    let req = town.request_from(&res).await;
    assert_eq!(req.department, "graffiti");
    let r = req.reference.to_string();
    let card = town.card("graffiti", &r).await;
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
    let refusal = town
        .standin
        .wait_for_value(
            move |s| {
                s.interaction_responses(&i)
                    .into_iter()
                    .find(|x| x.to_string().contains("only members"))
            },
            WAIT,
        )
        .await
        .expect("an ephemeral refusal");
    assert!(
        refusal.to_string().contains("64"),
        "ephemeral flag: {refusal}"
    );
    assert_eq!(
        town.svc
            .desk
            .store
            .request(req.reference)
            .await
            .unwrap()
            .unwrap()
            .status,
        "open"
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
    town.wait_status(req.reference, "closed").await;
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
    let res = resident();
    send(
        &res,
        &town.inbox,
        "smoke",
        "There is smoke and flames coming out of the garage at 12 Birch Rd",
    )
    .await;
    let req = town.request_from(&res).await;
    assert_eq!(req.department, "dispatch");
    let card = town.card("dispatch", &req.reference.to_string()).await;
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
        let rows = town.svc.desk.store.outbox_rows(true).await.unwrap();
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
        .store
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
    assert!(
        town.svc
            .desk
            .store
            .outbox_rows(true)
            .await
            .unwrap()
            .is_empty(),
        "nothing left undelivered"
    );
    town.svc.shutdown().await;
}
