//! Discord's interaction deadlines, in the stand-in and in the adapter: an initial answer later than 3 s is
//! refused (404, 10062 "Unknown interaction"); a deferred answer (type 5, or 6 for a component) may be
//! edited in and followed up for 15 minutes, then the token is refused (401, 50027); a handler slower than
//! 3 s still gets its answer to the member, deferred then edited in.

use std::time::Duration;

use bots::chat::{ChatEvent, ChatReply};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{within, Harness, WAIT};
use crate::limits::Api;

#[tokio::test]
async fn a_late_first_answer_is_an_unknown_interaction() {
    let api = Api::start().await;
    let (id, token) = api.interaction();
    api.standin.age_interactions(Duration::from_millis(3100));
    let late = api
        .call(
            Method::POST,
            &format!("/interactions/{id}/{token}/callback"),
            &json!({"type": 4, "data": {"content": "too late"}}),
        )
        .await;
    assert_eq!(late.status, StatusCode::NOT_FOUND, "{:#}", late.body);
    assert_eq!(late.body["code"], 10062);
    assert!(api.standin.interaction_responses(&id).is_empty());
    // Within the window, the same answer is taken.
    let (id, token) = api.interaction();
    api.standin.age_interactions(Duration::from_millis(2500));
    let in_time = api
        .call(
            Method::POST,
            &format!("/interactions/{id}/{token}/callback"),
            &json!({"type": 4, "data": {"content": "in time"}}),
        )
        .await;
    assert_eq!(in_time.status, StatusCode::NO_CONTENT, "{:#}", in_time.body);
}

#[tokio::test]
async fn a_deferred_answer_is_edited_and_followed_up_for_fifteen_minutes() {
    let api = Api::start().await;
    let app = api.standin.bot_id();
    let (id, token) = api.interaction();
    let deferred = api
        .call(
            Method::POST,
            &format!("/interactions/{id}/{token}/callback"),
            &json!({"type": 5, "data": {"flags": 64}}),
        )
        .await;
    assert_eq!(
        deferred.status,
        StatusCode::NO_CONTENT,
        "{:#}",
        deferred.body
    );
    api.standin.age_interactions(Duration::from_secs(14 * 60));
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let edited = api
        .call(Method::PATCH, &original, &json!({"content": "Found 3."}))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{:#}", edited.body);
    assert_eq!(edited.body["content"], "Found 3.");
    assert_eq!(
        edited.body["flags"], 64,
        "no longer \"thinking\", still ephemeral"
    );
    let followup = format!("/webhooks/{app}/{token}");
    let more = api
        .call(
            Method::POST,
            &followup,
            &json!({"content": "And one more."}),
        )
        .await;
    assert_eq!(more.status, StatusCode::OK, "{:#}", more.body);
    api.standin.age_interactions(Duration::from_secs(2 * 60));
    for (method, path) in [(Method::PATCH, &original), (Method::POST, &followup)] {
        let expired = api
            .call(method.clone(), path, &json!({"content": "late"}))
            .await;
        assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(expired.body["code"], 50027);
    }
    // A component's deferred update (type 6) needs no message and is accepted within 3 s.
    let (id, token) = api.interaction();
    let update = api
        .call(
            Method::POST,
            &format!("/interactions/{id}/{token}/callback"),
            &json!({"type": 6}),
        )
        .await;
    assert_eq!(update.status, StatusCode::NO_CONTENT, "{:#}", update.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_three_seconds_still_answers_the_member() {
    within(async {
        let h = Harness::start(|_| ChatReply::Reply {
            text: "Filed as **311-000042**.".into(),
            ephemeral: true,
        })
        .await;
        *h.recorder.delay.lock().unwrap() = Duration::from_secs(5);
        let ana = h.standin.add_member("Ana", &[]);
        let i = h
            .standin
            .slash(&ana, &h.channel, "new", &[("text", "Pothole on Elm")]);
        let answered = h
            .standin
            .wait_for_value(
                |s| {
                    s.messages(&h.channel).into_iter().find(|m| {
                        m["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("311-000042"))
                    })
                },
                WAIT,
            )
            .await
            .unwrap();
        let responses = h.standin.interaction_responses(&i);
        assert_eq!(responses.len(), 1, "{responses:?}");
        assert_eq!(responses[0]["type"], 5, "deferred within Discord's 3 s");
        assert_eq!(answered["flags"], 64, "the answer stays the member's own");
        let ChatEvent::Command { .. } = h.wait_event(1).await else {
            panic!("not a command")
        };
        h.stop().await;
    })
    .await;
}
