//! Posting and editing work order cards: buttons, threads, and nobody pinged but the page role.

use bots::chat::ChatOutbound;
use serde_json::Value;

use crate::harness::{card, custom_ids, nothing, within, Harness};

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
            [
                "new", "close", "reassign", "status", "find", "public", "overdue", "mine", "asked",
                "owed"
            ]
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
