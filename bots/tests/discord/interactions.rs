//! Slash commands, buttons, the closing-note modal and the department select.

use bots::chat::{ButtonAction, ChatEvent, ChatReply, Command};

use crate::harness::{card, custom_ids, within, Harness, WAIT};

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
async fn a_slow_handler_is_deferred_then_its_answer_edited_in() {
    within(async {
        let h = Harness::start(|_| ChatReply::Reply {
            text: "Found 3 work orders.".into(),
            ephemeral: false,
        })
        .await;
        *h.recorder.delay.lock().unwrap() = std::time::Duration::from_secs(3);
        let ana = h.standin.add_member("Ana", &[]);
        let interaction = h
            .standin
            .slash(&ana, &h.channel, "find", &[("query", "elm")]);
        let deferred = h
            .standin
            .wait_for_value(
                |s| s.interaction_responses(&interaction).into_iter().next(),
                WAIT,
            )
            .await
            .unwrap();
        assert_eq!(deferred["type"], 5, "deferred before Discord's 3 s run out");
        assert_eq!(deferred["data"]["flags"], 64);
        assert!(h.events().is_empty() || h.events().len() == 1);
        let answered = h
            .standin
            .wait_for_value(
                |s| {
                    s.messages(&h.channel)
                        .into_iter()
                        .find(|m| m["content"] == "Found 3 work orders.")
                },
                WAIT,
            )
            .await
            .unwrap();
        assert!(!answered["edited_timestamp"].is_null());
        let ChatEvent::Command { command, .. } = h.wait_event(1).await else {
            panic!("not a command")
        };
        assert_eq!(
            command,
            Command::Find {
                query: "elm".into()
            }
        );
        h.stop().await;
    })
    .await;
}
