//! Member messages in channels and threads reaching the handler, and their replies.

use bots::chat::{ChatEvent, ChatReply};

use crate::harness::{card, within, Harness, WAIT};

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
        // The bot's own messages (card, reply) never come back as member events: a marker from Ana, later on
        // the same ordered gateway stream, is the very next event.
        let marker = h.standin.say(&ana, &thread, "Done here");
        let ChatEvent::Message { message_id, .. } = h.wait_event(2).await else {
            panic!("not a message")
        };
        assert_eq!(message_id, marker);
        assert_eq!(h.events().len(), 2);
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
            about: None,
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
