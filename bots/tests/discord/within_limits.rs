//! The bot lives within Discord's published limits and formats like a bot: its own markdown renders while
//! resident text is escaped where it is embedded, and mentions stay off.

use bots::chat::{ButtonAction, ChatEvent, ChatReply, Command, Markdown};
use serde_json::Value;

use crate::harness::{card, custom_ids, within, Harness, WAIT};

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

/// A city with more departments than a Discord menu holds.
fn forty_departments() -> Vec<(String, String)> {
    (1..=40)
        .map(|i| (format!("dept{i:02}"), format!("Department {i}")))
        .collect()
}

/// The values offered by the select on a stored message.
fn offered(message: &Value) -> Vec<String> {
    message["components"][0]["components"][0]["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["value"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cards_reassign_menu_reaches_department_forty() {
    within(async {
        let h = Harness::with_departments(forty_departments(), |_| ChatReply::Reply {
            text: "Moved.".into(),
            ephemeral: true,
        })
        .await;
        let posted = h.post_card(&card("311-000140", "x"), None).await;
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        h.standin
            .click(&ana, &posted.message_id, "wo:reassign:311-000140")
            .unwrap();
        let channel = h.channel.clone();
        let picker = h
            .standin
            .wait_for_value(
                |s| {
                    s.messages(&channel).into_iter().rfind(|m| {
                        custom_ids(m)
                            .first()
                            .is_some_and(|id| id.starts_with("wo:dept:"))
                    })
                },
                WAIT,
            )
            .await
            .expect("the ephemeral select message");
        let first = offered(&picker);
        assert_eq!(first.len(), 25, "{first:?}");
        assert!(!first.contains(&"dept40".to_string()), "{first:?}");
        let picker_id = picker["id"].as_str().unwrap().to_string();
        let select_id = custom_ids(&picker)[0].clone();
        let more = first.last().unwrap().clone();
        h.standin
            .select(&ana, &picker_id, &select_id, &[&more])
            .unwrap();
        let turned = h
            .standin
            .wait_for_value(
                |s| {
                    s.message(&picker_id)
                        .filter(|m| offered(m).contains(&"dept40".to_string()))
                },
                WAIT,
            )
            .await
            .expect("More… turns the menu to the page with department 40");
        assert!(offered(&turned).len() <= 25);
        h.standin
            .select(&ana, &picker_id, &select_id, &["dept40"])
            .unwrap();
        let ChatEvent::Button { action, .. } = h.wait_event(1).await else {
            panic!("not a button")
        };
        assert_eq!(
            action,
            ButtonAction::Reassign {
                department: "dept40".into()
            }
        );
        h.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_reassign_autocompletes_and_reaches_department_forty() {
    within(async {
        let h = Harness::with_departments(forty_departments(), |_| ChatReply::Reply {
            text: "Moved.".into(),
            ephemeral: true,
        })
        .await;
        let reassign = &h.standin.commands()[0]["options"][2]["options"][0];
        assert_eq!(reassign["name"], "department");
        assert_eq!(reassign["autocomplete"], true, "{reassign}");
        let ana = h.standin.add_member("Ana", &[&h.staff_role]);
        let typing = h.standin.autocomplete(
            &ana,
            &h.channel,
            "reassign",
            &[("department", "department 4")],
            "department",
        );
        let offered = h
            .standin
            .wait_for_value(
                |s| s.interaction_responses(&typing).into_iter().next(),
                WAIT,
            )
            .await
            .expect("the bot offers choices");
        assert_eq!(offered["type"], 8, "{offered}");
        let values: Vec<&str> = offered["data"]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["dept04", "dept40"], "{offered}");
        assert!(h.events().is_empty(), "typing is not a command");
        h.standin.slash(
            &ana,
            &h.channel,
            "reassign",
            &[("department", "dept40"), ("reference", "311-000140")],
        );
        let ChatEvent::Command { command, .. } = h.wait_event(1).await else {
            panic!("not a command")
        };
        assert_eq!(
            command,
            Command::Reassign {
                reference: Some("311-000140".into()),
                department: "dept40".into(),
                reason: None,
            }
        );
        h.stop().await;
    })
    .await;
}
