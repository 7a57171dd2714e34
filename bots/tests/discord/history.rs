//! The stand-in's channel history as Discord serves it (`GET /channels/{id}/messages`): newest first,
//! `limit` 1–100 (default 50), `after` giving the oldest messages after an id.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::limits::Api;

fn contents(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn history_pages_newest_first_after_an_id_within_discords_limit() {
    let api = Api::start().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let posted = api.post_message(&json!({"content": format!("m{n}")})).await;
        ids.push(posted.body["id"].as_str().unwrap().to_string());
    }
    let path = |q: &str| format!("/channels/{}/messages?{q}", api.channel);
    let all = api
        .call(Method::GET, &path("limit=100"), &Value::Null)
        .await;
    assert_eq!(contents(&all.body), ["m4", "m3", "m2", "m1", "m0"]);
    let after = api
        .call(
            Method::GET,
            &path(&format!("after={}&limit=2", ids[0])),
            &Value::Null,
        )
        .await;
    assert_eq!(
        contents(&after.body),
        ["m2", "m1"],
        "the oldest two after m0, newest first"
    );
    let none = api
        .call(
            Method::GET,
            &path(&format!("after={}", ids[4])),
            &Value::Null,
        )
        .await;
    assert_eq!(contents(&none.body), Vec::<&str>::new());
    let over = api
        .call(Method::GET, &path("limit=101"), &Value::Null)
        .await;
    assert_eq!(
        (over.status, &over.body["code"]),
        (StatusCode::BAD_REQUEST, &json!(50035))
    );
    let unknown = api
        .call(Method::GET, "/channels/42/messages", &Value::Null)
        .await;
    assert_eq!(
        (unknown.status, &unknown.body["code"]),
        (StatusCode::NOT_FOUND, &json!(10003))
    );
}
