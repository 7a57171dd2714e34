//! End-to-end tests of the Discord adapter against the loopback stand-in: serenity talks real
//! REST and gateway to it, and a small recording handler plays the service.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bots::chat::{
    ButtonAction, ChatEvent, ChatHandler, ChatOutbound, ChatReply, Command, Posted, WorkOrderCard,
};
use bots::discord::{self, DiscordOutbound};
use bots::standin::StandIn;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Serenity falls back to the real gateway when the stand-in is unreachable: never wait forever.
const TEST_TIMEOUT: Duration = Duration::from_secs(90);
const WAIT: Duration = Duration::from_secs(20);

type Replier = dyn Fn(&ChatEvent) -> ChatReply + Send + Sync;

struct Recorder {
    events: Mutex<Vec<ChatEvent>>,
    reply: Box<Replier>,
}

#[async_trait::async_trait]
impl ChatHandler for Recorder {
    async fn handle(&self, event: ChatEvent) -> ChatReply {
        let reply = (self.reply)(&event);
        self.events.lock().unwrap().push(event);
        reply
    }

    fn departments(&self) -> Vec<(String, String)> {
        vec![
            ("roads".into(), "Roads & Sidewalks".into()),
            ("parks".into(), "Parks".into()),
        ]
    }
}

struct Harness {
    standin: StandIn,
    outbound: DiscordOutbound,
    recorder: Arc<Recorder>,
    cancel: CancellationToken,
    gateway: JoinHandle<anyhow::Result<()>>,
    channel: String,
    staff_role: String,
}

impl Harness {
    async fn start(reply: impl Fn(&ChatEvent) -> ChatReply + Send + Sync + 'static) -> Harness {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn,bots=debug")
            .with_test_writer()
            .try_init();
        let standin = StandIn::start().await.expect("stand-in starts");
        let channel = standin.add_channel("roads");
        let staff_role = standin.add_role("roads-staff");
        let cfg = standin.config();
        let (outbound, gateway) = discord::connect(&cfg).expect("config is valid");
        let recorder = Arc::new(Recorder {
            events: Mutex::new(Vec::new()),
            reply: Box::new(reply),
        });
        let cancel = CancellationToken::new();
        let gateway = tokio::spawn(gateway.run(
            Arc::clone(&recorder) as Arc<dyn ChatHandler>,
            cancel.clone(),
        ));
        standin
            .wait_for(
                |s| s.gateway().connected == 1 && !s.commands().is_empty(),
                WAIT,
            )
            .await
            .expect("the adapter connects and registers /311");
        Harness {
            standin,
            outbound,
            recorder,
            cancel,
            gateway,
            channel,
            staff_role,
        }
    }

    fn events(&self) -> Vec<ChatEvent> {
        self.recorder.events.lock().unwrap().clone()
    }

    async fn wait_event(&self, count: usize) -> ChatEvent {
        let wait = async {
            loop {
                if let Some(event) = self.events().get(count - 1) {
                    return event.clone();
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("no event #{count}; got {:?}", self.events()))
    }

    async fn post_card(&self, card: &WorkOrderCard, page_role: Option<&str>) -> Posted {
        self.outbound
            .post_work_order(&self.channel, card, page_role)
            .await
            .expect("card posted")
    }

    async fn stop(self) {
        self.cancel.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(15), self.gateway).await;
        stopped
            .expect("run stops promptly on cancel")
            .expect("run task")
            .expect("run ends cleanly");
    }
}

fn card(reference: &str, text: &str) -> WorkOrderCard {
    WorkOrderCard {
        reference: reference.into(),
        title: "Pothole on Main St".into(),
        department: "Roads & Sidewalks".into(),
        category: "pothole".into(),
        location: Some("Main St & 5th".into()),
        language: "en".into(),
        priority: "normal".into(),
        due: Some("2030-01-02".into()),
        requester: "a***@example.org".into(),
        text: text.into(),
        attachments: vec![],
        status: "open".into(),
        last_action: None,
        emergency: false,
        reporters: 1,
    }
}

async fn within<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("test timed out");
}

fn nothing(_: &ChatEvent) -> ChatReply {
    ChatReply::Nothing
}

fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_registers_the_311_command_in_the_guild() {
    within(async {
        let h = Harness::start(nothing).await;
        let commands = h.standin.commands();
        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0]["name"], "311");
        let subs: Vec<&str> = commands[0]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            subs,
            ["new", "close", "reassign", "status", "find", "public", "overdue"]
        );
        let reassign = &commands[0]["options"][2]["options"][0];
        assert_eq!(reassign["choices"][1]["value"], "parks");
        assert!(h
            .standin
            .requests()
            .iter()
            .any(|r| r.starts_with("PUT /api/v10/applications/")));
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_work_order_card_has_buttons_a_thread_and_pings_nobody() {
    within(async {
        let h = Harness::start(nothing).await;
        let posted = h
            .post_card(
                &card("311-000123", "@everyone look <@123> **now** @here"),
                None,
            )
            .await;
        let message = h.standin.message(&posted.message_id).expect("stored");
        assert_eq!(message["embeds"].as_array().unwrap().len(), 1);
        assert_eq!(
            custom_ids(&message),
            [
                "wo:ack:311-000123",
                "wo:close:311-000123",
                "wo:reassign:311-000123"
            ]
        );
        let allowed = &message["allowed_mentions"];
        assert_eq!(
            (
                allowed["parse"].clone(),
                allowed["users"].clone(),
                allowed["roles"].clone()
            ),
            (
                serde_json::json!([]),
                serde_json::json!([]),
                serde_json::json!([])
            )
        );
        assert_eq!(message["mention_everyone"], false);
        assert_eq!(message["mentions"], serde_json::json!([]));
        assert_eq!(message["mention_roles"], serde_json::json!([]));
        let description = message["embeds"][0]["description"].as_str().unwrap();
        assert!(
            !description.contains("@everyone")
                && !description.contains("@here")
                && !description.contains("<@123>"),
            "{description}"
        );
        assert!(description.contains("\\*\\*now\\*\\*"), "{description}");
        let thread_id = posted.thread_id.clone().expect("thread opened");
        assert_eq!(
            thread_id, posted.message_id,
            "Discord gives a message's thread the message's id"
        );
        let thread = h
            .standin
            .threads()
            .into_iter()
            .find(|t| t["id"] == thread_id.as_str())
            .expect("thread");
        assert_eq!(thread["parent_id"], h.channel.as_str());
        assert!(thread["name"]
            .as_str()
            .unwrap()
            .starts_with("311-000123 Pothole"));

        let mut emergency = card("311-000124", "Gas smell @everyone");
        emergency.emergency = true;
        let dispatch = h.standin.add_role("dispatch");
        let paged = h.post_card(&emergency, Some(&dispatch)).await;
        let message = h.standin.message(&paged.message_id).unwrap();
        assert_eq!(message["mention_roles"], serde_json::json!([dispatch]));
        assert_eq!(
            message["allowed_mentions"]["roles"],
            serde_json::json!([dispatch])
        );
        assert_eq!(message["allowed_mentions"]["parse"], serde_json::json!([]));
        assert_eq!(message["mention_everyone"], false);

        let id = h
            .outbound
            .post_message(&h.channel, "hi @everyone <@&1> _x_")
            .await
            .unwrap();
        let message = h.standin.message(&id).unwrap();
        assert_eq!(
            (
                message["mention_everyone"].clone(),
                message["mention_roles"].clone()
            ),
            (Value::Bool(false), serde_json::json!([]))
        );
        assert!(!message["content"].as_str().unwrap().contains("@everyone"));
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_message_in_a_thread_reaches_the_handler_with_parent_and_roles() {
    within(async {
        let h = Harness::start(|event| match event {
            ChatEvent::Message { .. } => ChatReply::Reply {
                text: "Noted @everyone".into(),
                ephemeral: false,
            },
            _ => ChatReply::Nothing,
        })
        .await;
        let posted = h.post_card(&card("311-000125", "x"), None).await;
        let thread = posted.thread_id.unwrap();
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        let said = h.standin.say(&ana, &thread, "On my way");
        let ChatEvent::Message {
            channel_id,
            thread_parent,
            message_id,
            author,
            text,
        } = h.wait_event(1).await
        else {
            panic!("not a message")
        };
        assert_eq!(
            (channel_id, thread_parent, message_id, text),
            (
                thread.clone(),
                Some(h.channel.clone()),
                said.clone(),
                "On my way".to_string()
            )
        );
        assert_eq!(author, ana);
        let reply = h
            .standin
            .wait_for_value(
                |s| {
                    s.messages(&thread)
                        .into_iter()
                        .find(|m| m["message_reference"]["message_id"] == said.as_str())
                },
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(reply["mention_everyone"], false);
        // The bot's own messages (card, reply) never come back as member events.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(h.events().len(), 1);
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_can_be_answered_in_a_new_thread() {
    within(async {
        let h = Harness::start(|_| ChatReply::Thread {
            name: "311-000200 New request".into(),
            text: "Filed as 311-000200".into(),
        })
        .await;
        let ana = h.standin.add_member("Ana", &[]);
        let said = h.standin.say(&ana, &h.channel, "Streetlight out on Elm");
        let ChatEvent::Message {
            thread_parent: None,
            ..
        } = h.wait_event(1).await
        else {
            panic!("not a top-level message")
        };
        let answer = h
            .standin
            .wait_for_value(|s| s.messages(&said).into_iter().next(), WAIT)
            .await
            .unwrap();
        assert_eq!(answer["content"], "Filed as 311-000200");
        let thread = h
            .standin
            .threads()
            .into_iter()
            .find(|t| t["id"] == said.as_str())
            .unwrap();
        assert_eq!(thread["name"], "311-000200 New request");
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_reaches_the_handler_and_gets_an_ephemeral_reply() {
    within(async {
        let h = Harness::start(|_| ChatReply::Reply {
            text: "Only staff can close work orders.".into(),
            ephemeral: true,
        })
        .await;
        let posted = h.post_card(&card("311-000126", "x"), None).await;
        let thread = posted.thread_id.unwrap();
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        let interaction = h
            .standin
            .slash(&ana, &thread, "close", &[("note", "Filled it")]);
        let ChatEvent::Command {
            channel_id,
            thread_parent,
            member,
            command,
        } = h.wait_event(1).await
        else {
            panic!("not a command")
        };
        assert_eq!(
            (channel_id, thread_parent, member),
            (thread, Some(h.channel.clone()), ana)
        );
        assert_eq!(
            command,
            Command::Close {
                reference: None,
                note: "Filled it".into()
            }
        );
        let response = h
            .standin
            .wait_for_value(
                |s| s.interaction_responses(&interaction).into_iter().next(),
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(response["type"], 4);
        assert_eq!(response["data"]["flags"].as_u64().unwrap() & 64, 64);
        assert_eq!(
            response["data"]["content"],
            "Only staff can close work orders."
        );
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledge_and_close_buttons_become_button_events() {
    within(async {
        let h = Harness::start(|event| match event {
            ChatEvent::Button {
                action: ButtonAction::Close { .. },
                ..
            } => ChatReply::Reply {
                text: "Closed.".into(),
                ephemeral: false,
            },
            _ => ChatReply::Nothing,
        })
        .await;
        let posted = h.post_card(&card("311-000127", "x"), None).await;
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);

        let ack = h
            .standin
            .click(&ana, &posted.message_id, "wo:ack:311-000127")
            .unwrap();
        let ChatEvent::Button {
            reference,
            action,
            message_id,
            ..
        } = h.wait_event(1).await
        else {
            panic!()
        };
        assert_eq!(
            (reference.as_str(), action, message_id),
            (
                "311-000127",
                ButtonAction::Acknowledge,
                posted.message_id.clone()
            )
        );
        let response = h
            .standin
            .wait_for_value(|s| s.interaction_responses(&ack).into_iter().next(), WAIT)
            .await
            .unwrap();
        assert_eq!(response["type"], 6);

        let close = h
            .standin
            .click(&ana, &posted.message_id, "wo:close:311-000127")
            .unwrap();
        let modal = h
            .standin
            .wait_for_value(|s| s.interaction_responses(&close).into_iter().next(), WAIT)
            .await
            .unwrap();
        assert_eq!(modal["type"], 9);
        assert_eq!(
            h.events().len(),
            1,
            "the modal comes first; the handler hears of the close on submit"
        );
        let custom_id = modal["data"]["custom_id"].as_str().unwrap();
        let input = modal["data"]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .unwrap();
        let submit = h
            .standin
            .submit_modal(&ana, custom_id, &[(input, "Filled the pothole")])
            .unwrap();
        let ChatEvent::Button {
            reference,
            action,
            message_id,
            member,
            channel_id,
        } = h.wait_event(2).await
        else {
            panic!()
        };
        assert_eq!(reference, "311-000127");
        assert_eq!(
            action,
            ButtonAction::Close {
                note: "Filled the pothole".into()
            }
        );
        assert_eq!(
            (message_id, member, channel_id),
            (posted.message_id.clone(), ana, h.channel.clone())
        );
        let answer = h
            .standin
            .wait_for_value(
                |s| s.interaction_responses(&submit).into_iter().next(),
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(
            (answer["type"].clone(), answer["data"]["content"].clone()),
            (serde_json::json!(4), serde_json::json!("Closed."))
        );
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reassign_offers_a_department_select() {
    within(async {
        let h = Harness::start(|_| ChatReply::Reply {
            text: "Moved to Parks.".into(),
            ephemeral: true,
        })
        .await;
        let posted = h.post_card(&card("311-000128", "x"), None).await;
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        let click = h
            .standin
            .click(&ana, &posted.message_id, "wo:reassign:311-000128")
            .unwrap();
        let response = h
            .standin
            .wait_for_value(|s| s.interaction_responses(&click).into_iter().next(), WAIT)
            .await
            .unwrap();
        assert_eq!(
            (response["type"].clone(), response["data"]["flags"].clone()),
            (serde_json::json!(4), serde_json::json!(64))
        );
        let select = &response["data"]["components"][0]["components"][0];
        assert_eq!(select["type"], 3);
        assert_eq!(select["options"][1]["value"], "parks");
        let picker = h
            .standin
            .messages(&h.channel)
            .into_iter()
            .rfind(|m| !custom_ids(m).is_empty() && custom_ids(m)[0].starts_with("wo:dept:"))
            .expect("the ephemeral select message");
        let picked = h
            .standin
            .select(
                &ana,
                picker["id"].as_str().unwrap(),
                select["custom_id"].as_str().unwrap(),
                &["parks"],
            )
            .unwrap();
        let ChatEvent::Button {
            reference,
            action,
            message_id,
            ..
        } = h.wait_event(1).await
        else {
            panic!()
        };
        assert_eq!(
            (reference.as_str(), message_id),
            ("311-000128", posted.message_id.clone())
        );
        assert_eq!(
            action,
            ButtonAction::Reassign {
                department: "parks".into()
            }
        );
        let answer = h
            .standin
            .wait_for_value(
                |s| s.interaction_responses(&picked).into_iter().next(),
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(
            answer["type"], 7,
            "the select message is replaced by the answer"
        );
        let picker = h.standin.message(picker["id"].as_str().unwrap()).unwrap();
        assert_eq!(
            (picker["content"].clone(), picker["components"].clone()),
            (serde_json::json!("Moved to Parks."), serde_json::json!([]))
        );
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_work_order_edits_the_embed_and_drops_buttons_when_closed() {
    within(async {
        let h = Harness::start(nothing).await;
        let mut wo = card("311-000129", "x");
        let posted = h.post_card(&wo, None).await;
        wo.status = "acknowledged".into();
        wo.last_action = Some("Acknowledged by Ana".into());
        h.outbound.update_work_order(&posted, &wo).await.unwrap();
        let message = h.standin.message(&posted.message_id).unwrap();
        let fields = message["embeds"][0]["fields"].as_array().unwrap().clone();
        assert!(fields
            .iter()
            .any(|f| f["name"] == "Status" && f["value"] == "acknowledged"));
        assert!(fields
            .iter()
            .any(|f| f["name"] == "Last action" && f["value"] == "Acknowledged by Ana"));
        assert_eq!(custom_ids(&message).len(), 3);
        assert!(!message["edited_timestamp"].is_null());
        wo.status = "closed".into();
        h.outbound.update_work_order(&posted, &wo).await.unwrap();
        let message = h.standin.message(&posted.message_id).unwrap();
        assert!(custom_ids(&message).is_empty());
        assert_eq!(message["allowed_mentions"]["parse"], serde_json::json!([]));
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_fails_posts_and_the_gateway_comes_back_after_it() {
    within(async {
        let h = Harness::start(nothing).await;
        let before = h.standin.gateway();
        h.standin.outage(true);
        let failed = h
            .outbound
            .post_work_order(&h.channel, &card("311-000130", "x"), None)
            .await;
        assert!(
            failed.is_err(),
            "posting during an outage must fail for the outbox to retry"
        );
        h.standin
            .wait_for(|s| s.gateway().connected == 0, WAIT)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        h.standin.outage(false);
        h.standin
            .wait_for(
                |s| {
                    let g = s.gateway();
                    g.connected == 1
                        && g.identifies + g.resumes > before.identifies + before.resumes
                },
                Duration::from_secs(40),
            )
            .await
            .expect("the gateway reconnects after the outage");
        let ana = h.standin.add_member("Ana", &[]);
        let said = h.standin.say(&ana, &h.channel, "are you back?");
        let ChatEvent::Message { message_id, .. } = h.wait_event(1).await else {
            panic!()
        };
        assert_eq!(message_id, said);
        h.post_card(&card("311-000130", "x"), None).await;
        assert!(!h.gateway.is_finished(), "run survives the outage");
        h.stop().await;
    })
    .await;
}
