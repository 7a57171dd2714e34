//! The bot lives within Discord's published limits and formats like a bot: its own markdown renders while
//! resident text is escaped where it is embedded, and mentions stay off.

use bots::chat::{ChatEvent, ChatReply, Markdown};

use crate::harness::{within, Harness, WAIT};

/// A filing answer: the bot's bold reference, then resident text embedded as plain.
fn filed(_: &ChatEvent) -> ChatReply {
    let mut text = Markdown::bot("Filed as **311-000007** → ");
    text.push_plain("streetlight_out *now* @everyone");
    ChatReply::Reply {
        text,
        ephemeral: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bots_markdown_renders_and_resident_text_stays_escaped() {
    within(async {
        let h = Harness::start(filed).await;
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        let said = h.standin.say(&ana, &h.channel, "Streetlight out");
        let channel = h.channel.clone();
        let reply = h
            .standin
            .wait_for_value(
                |s| {
                    s.messages(&channel)
                        .into_iter()
                        .find(|m| m["message_reference"]["message_id"] == said.as_str())
                },
                WAIT,
            )
            .await
            .expect("the bot replies");
        let content = reply["content"].as_str().unwrap();
        assert!(
            content.starts_with("Filed as **311-000007** → "),
            "{content}"
        );
        assert!(
            content.contains("streetlight\\_out \\*now\\* @\u{200B}everyone"),
            "{content}"
        );
        assert_eq!(reply["mention_everyone"], false);
        assert_eq!(reply["allowed_mentions"]["parse"], serde_json::json!([]));
        h.stop().await;
    })
    .await;
}
