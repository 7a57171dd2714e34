//! The stand-in refuses what Discord refuses (each documented limit at its edge, answered 400 /
//! 50035 with the field's path) and rate-limits as Discord does, which serenity's `Http` obeys.

use std::time::Duration;

use bots::chat::{ChatOutbound, Member};
use bots::discord::{self, DiscordOutbound};
use bots::standin::{RateLimit, StandIn};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::within;

const CREATE: &str = "POST /channels/{channel}/messages";

/// `n` two-byte characters: limits count characters, not bytes.
fn text(n: usize) -> String {
    "é".repeat(n)
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `_errors` codes at a dotted field path of a 50035 answer.
    fn error_codes(&self, path: &str) -> Vec<String> {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{:#}", self.body);
        assert_eq!(
            (&self.body["code"], &self.body["message"]),
            (&json!(50035), &json!("Invalid Form Body"))
        );
        let node = path
            .split('.')
            .fold(&self.body["errors"], |node, key| &node[key]);
        node["_errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors at {path}: {:#}", self.body))
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_string())
            .collect()
    }
}

pub(crate) struct Api {
    pub standin: StandIn,
    client: reqwest::Client,
    pub channel: String,
    member: Member,
}

impl Api {
    pub(crate) async fn start() -> Api {
        let standin = StandIn::start().await.expect("stand-in starts");
        let channel = standin.add_channel("roads");
        let member = standin.add_member("Ana", &[]);
        Api {
            standin,
            client: reqwest::Client::new(),
            channel,
            member,
        }
    }

    pub(crate) async fn call(&self, method: Method, path: &str, body: &Value) -> Answer {
        let url = format!("{}/api/v10{path}", self.standin.api_url());
        let response = self
            .client
            .request(method, url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the stand-in answers");
        let (status, headers) = (response.status(), response.headers().clone());
        let raw = response.text().await.expect("a body");
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&raw).expect("JSON")
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn post_message(&self, body: &Value) -> Answer {
        let path = format!("/channels/{}/messages", self.channel);
        self.call(Method::POST, &path, body).await
    }

    async fn posted_id(&self) -> String {
        let answer = self.post_message(&json!({"content": "starter"})).await;
        answer.body["id"]
            .as_str()
            .expect("a message id")
            .to_string()
    }

    /// Message creation in any channel allows `limit` posts per `window`.
    fn limit_creates(&self, limit: u32, window: Duration) {
        self.standin.rate_limit(CREATE, RateLimit { limit, window });
    }

    /// The contents stored in the test channel, in posting order.
    fn contents(&self) -> Vec<String> {
        let messages = self.standin.messages(&self.channel);
        messages
            .iter()
            .map(|m| m["content"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// A fresh slash-command interaction: `(id, token)`.
    pub(crate) fn interaction(&self) -> (String, String) {
        let id = self.standin.slash(&self.member, &self.channel, "new", &[]);
        let token = format!("standin-token-{id}");
        (id, token)
    }
}

fn button(label: &str, custom_id: &str) -> Value {
    json!({"type": 2, "style": 1, "label": label, "custom_id": custom_id})
}

fn row(components: Vec<Value>) -> Value {
    json!({"type": 1, "components": components})
}

fn select(options: usize, label: &str) -> Value {
    let options: Vec<Value> = (0..options)
        .map(|i| json!({"label": label, "value": format!("v{i}")}))
        .collect();
    row(vec![
        json!({"type": 3, "custom_id": "pick", "options": options}),
    ])
}

fn embed_with(key: &str, value: Value) -> Value {
    let mut embed = json!({"title": "t"});
    embed[key] = value;
    json!({"embeds": [embed]})
}

fn fields(count: usize, name: &str, value: &str) -> Value {
    let fields: Vec<Value> = (0..count)
        .map(|_| json!({"name": name, "value": value}))
        .collect();
    embed_with("fields", json!(fields))
}

/// A message body at a limit and one past it, and the field path the refusal names.
struct Edge {
    at: Value,
    over: Value,
    path: &'static str,
    code: &'static str,
}

const MAX: &str = "BASE_TYPE_MAX_LENGTH";

fn message_edges() -> Vec<Edge> {
    let embeds = |n: usize| json!({"embeds": vec![json!({"title": "t"}); n]});
    let rows = |n: usize| json!({"components": vec![row(vec![button("b", "c")]); n]});
    let buttons = |n: usize| {
        let buttons = (0..n).map(|i| button("b", &format!("c{i}"))).collect();
        json!({"components": [row(buttons)]})
    };
    let one_button = |label: &str, id: &str| json!({"components": [row(vec![button(label, id)])]});
    let two_embeds = |second: usize| json!({"embeds": [{"description": text(4096)}, {"description": text(second)}]});
    let edge = |at, over, path, code| Edge {
        at,
        over,
        path,
        code,
    };
    vec![
        edge(
            json!({"content": text(2000)}),
            json!({"content": text(2001)}),
            "content",
            MAX,
        ),
        edge(embeds(10), embeds(11), "embeds", MAX),
        edge(
            embed_with("title", json!(text(256))),
            embed_with("title", json!(text(257))),
            "embeds.0.title",
            MAX,
        ),
        edge(
            embed_with("description", json!(text(4096))),
            embed_with("description", json!(text(4097))),
            "embeds.0.description",
            MAX,
        ),
        edge(
            fields(25, "n", "v"),
            fields(26, "n", "v"),
            "embeds.0.fields",
            MAX,
        ),
        edge(
            fields(1, &text(256), "v"),
            fields(1, &text(257), "v"),
            "embeds.0.fields.0.name",
            MAX,
        ),
        edge(
            fields(1, "n", &text(1024)),
            fields(1, "n", &text(1025)),
            "embeds.0.fields.0.value",
            MAX,
        ),
        edge(
            embed_with("footer", json!({"text": text(2048)})),
            embed_with("footer", json!({"text": text(2049)})),
            "embeds.0.footer.text",
            MAX,
        ),
        edge(
            embed_with("author", json!({"name": text(256)})),
            embed_with("author", json!({"name": text(257)})),
            "embeds.0.author.name",
            MAX,
        ),
        edge(
            two_embeds(1904),
            two_embeds(1905),
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        edge(rows(5), rows(6), "components", MAX),
        edge(buttons(5), buttons(6), "components.0.components", MAX),
        edge(
            one_button(&text(80), "c"),
            one_button(&text(81), "c"),
            "components.0.components.0.label",
            MAX,
        ),
        edge(
            one_button("b", &text(100)),
            one_button("b", &text(101)),
            "components.0.components.0.custom_id",
            MAX,
        ),
        edge(
            json!({"components": [select(25, "o")]}),
            json!({"components": [select(26, "o")]}),
            "components.0.components.0.options",
            MAX,
        ),
        edge(
            json!({"components": [select(1, &text(100))]}),
            json!({"components": [select(1, &text(101))]}),
            "components.0.components.0.options.0.label",
            MAX,
        ),
    ]
}

/// Sends `body` to every route that takes a message payload (create, edit, follow-up, edit
/// original, interaction answer) and asserts each accepts it, or refuses `path` with `code`
/// (below `data.` for interaction answers).
async fn message_routes(api: &Api, body: &Value, path: &str, code: &str, accepted: bool) {
    let starter = api.posted_id().await;
    let (id, token) = api.interaction();
    let answered = api
        .call(
            Method::POST,
            &format!("/interactions/{id}/{token}/callback"),
            &json!({"type": 4, "data": {"content": "ok"}}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::NO_CONTENT);
    let (fresh, fresh_token) = api.interaction();
    let app = api.standin.bot_id();
    let routes = [
        (
            Method::POST,
            format!("/channels/{}/messages", api.channel),
            body.clone(),
            "",
        ),
        (
            Method::PATCH,
            format!("/channels/{}/messages/{starter}", api.channel),
            body.clone(),
            "",
        ),
        (
            Method::POST,
            format!("/webhooks/{app}/{token}"),
            body.clone(),
            "",
        ),
        (
            Method::PATCH,
            format!("/webhooks/{app}/{token}/messages/@original"),
            body.clone(),
            "",
        ),
        (
            Method::POST,
            format!("/interactions/{fresh}/{fresh_token}/callback"),
            json!({"type": 4, "data": body}),
            "data.",
        ),
    ];
    for (method, route, payload, prefix) in routes {
        let answer = api.call(method.clone(), &route, &payload).await;
        if accepted {
            assert!(
                answer.status.is_success(),
                "{method} {route} refused {path} at its limit: {:#}",
                answer.body
            );
        } else {
            assert_eq!(
                answer.error_codes(&format!("{prefix}{path}")),
                [code],
                "{method} {route}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_payloads_are_accepted_at_each_limit_and_refused_one_past_it() {
    within(async {
        let api = Api::start().await;
        for edge in message_edges() {
            message_routes(&api, &edge.at, edge.path, edge.code, true).await;
            message_routes(&api, &edge.over, edge.path, edge.code, false).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_names_and_modals_are_held_to_their_limits() {
    within(async {
        let api = Api::start().await;
        let thread = |name: String| json!({"name": name, "auto_archive_duration": 1440});
        let starter = api.posted_id().await;
        let route = format!("/channels/{}/messages/{starter}/threads", api.channel);
        let refused = api.call(Method::POST, &route, &thread(text(101))).await;
        assert_eq!(refused.error_codes("name"), ["BASE_TYPE_BAD_LENGTH"]);
        let opened = api.call(Method::POST, &route, &thread(text(100))).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{:#}", opened.body);

        let modal = |title: String| {
            json!({"type": 9, "data": {"custom_id": "m", "title": title, "components": [
            row(vec![json!({"type": 4, "custom_id": "note", "style": 2, "label": "Note"})])]}})
        };
        let (id, token) = api.interaction();
        let callback = format!("/interactions/{id}/{token}/callback");
        let refused = api.call(Method::POST, &callback, &modal(text(46))).await;
        assert_eq!(refused.error_codes("data.title"), [MAX]);
        let opened = api.call(Method::POST, &callback, &modal(text(45))).await;
        assert_eq!(opened.status, StatusCode::NO_CONTENT, "{:#}", opened.body);
    })
    .await;
}

fn command(name: &str, description: &str, options: usize, choices: usize) -> Value {
    let choices: Vec<Value> = (0..choices)
        .map(|i| json!({"name": format!("c{i}"), "value": format!("{i}")}))
        .collect();
    let mut options: Vec<Value> = (0..options)
        .map(|i| json!({"type": 3, "name": format!("o{i}"), "description": "d"}))
        .collect();
    if let Some(first) = options.first_mut() {
        first["choices"] = json!(choices);
    }
    json!({"name": name, "description": description, "type": 1, "options": options})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_registrations_are_held_to_discords_limits() {
    within(async {
        let api = Api::start().await;
        let route = format!(
            "/applications/{}/guilds/{}/commands",
            api.standin.bot_id(),
            api.standin.guild_id()
        );
        let name32 = "a".repeat(32);
        let cases = [
            (
                command(&name32, "d", 1, 0),
                command(&"a".repeat(33), "d", 1, 0),
                "name",
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                command("ok-name_2", "d", 1, 0),
                command("Upper", "d", 1, 0),
                "name",
                "STRING_TYPE_REGEX",
            ),
            (
                command("c", &text(100), 1, 0),
                command("c", &text(101), 1, 0),
                "description",
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                command("c", "d", 25, 0),
                command("c", "d", 26, 0),
                "options",
                MAX,
            ),
            (
                command("c", "d", 1, 25),
                command("c", "d", 1, 26),
                "options.0.choices",
                MAX,
            ),
        ];
        for (at, over, path, code) in cases {
            let accepted = api.call(Method::POST, &route, &at).await;
            assert!(accepted.status.is_success(), "{path}: {:#}", accepted.body);
            let refused = api.call(Method::POST, &route, &over).await;
            assert_eq!(refused.error_codes(path), [code]);
            let before = api.standin.commands();
            let bulk = api.call(Method::PUT, &route, &json!([at, over])).await;
            assert_eq!(bulk.error_codes(&format!("1.{path}")), [code]);
            assert_eq!(
                api.standin.commands(),
                before,
                "a refused overwrite changes nothing"
            );
        }
    })
    .await;
}

fn seconds(answer: &Answer, header: &str) -> f64 {
    answer
        .header(header)
        .unwrap_or_else(|| panic!("no {header}"))
        .parse()
        .expect("seconds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_bucket_answers_429_with_discords_headers_and_body() {
    within(async {
        let api = Api::start().await;
        api.limit_creates(2, Duration::from_secs(600));
        let first = api.post_message(&json!({"content": "1"})).await;
        let second = api.post_message(&json!({"content": "2"})).await;
        let third = api.post_message(&json!({"content": "3"})).await;
        for (answer, remaining) in [(&first, "1"), (&second, "0")] {
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.header("x-ratelimit-limit"), Some("2"));
            assert_eq!(answer.header("x-ratelimit-remaining"), Some(remaining));
            let after = seconds(answer, "x-ratelimit-reset-after");
            assert!(after > 0.0 && after <= 600.0, "{after}");
            assert!(seconds(answer, "x-ratelimit-reset") > 1.6e9);
        }
        assert_eq!(
            first.header("x-ratelimit-bucket"),
            second.header("x-ratelimit-bucket")
        );
        assert!(first.header("x-ratelimit-bucket").is_some());
        assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(third.body["message"], "You are being rate limited.");
        assert_eq!(third.body["global"], false);
        let retry_after = third.body["retry_after"].as_f64().expect("a float");
        assert!(retry_after > 0.0 && retry_after <= 600.0, "{retry_after}");
        assert!(seconds(&third, "retry-after") > 0.0);
        assert_eq!(third.header("x-ratelimit-global"), None);

        let other = api.standin.add_channel("parks");
        let elsewhere = api
            .call(
                Method::POST,
                &format!("/channels/{other}/messages"),
                &json!({"content": "p"}),
            )
            .await;
        assert_eq!(elsewhere.status, StatusCode::OK, "buckets are per channel");
        let stats = api.standin.rate_stats();
        assert_eq!((stats.bucket_429s, stats.exhausted), (1, 1));
        assert_eq!(api.contents(), ["1", "2"], "a refused post stores nothing");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_route_and_global_429s_answer_once_each() {
    within(async {
        let api = Api::start().await;
        api.standin
            .inject_429(CREATE, 1, Duration::from_millis(250));
        let limited = api.post_message(&json!({"content": "1"})).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.body["retry_after"], 0.25);
        assert_eq!(limited.body["global"], false);
        assert_eq!(limited.header("x-ratelimit-global"), None);
        assert_eq!(
            api.post_message(&json!({"content": "2"})).await.status,
            StatusCode::OK
        );

        api.standin.inject_global_429(Duration::from_millis(500));
        let global = api.call(Method::GET, "/users/@me", &Value::Null).await;
        assert_eq!(global.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(global.body["global"], true);
        assert_eq!(global.header("x-ratelimit-global"), Some("true"));
        assert_eq!(seconds(&global, "retry-after"), 0.5);
        assert_eq!(
            api.call(Method::GET, "/users/@me", &Value::Null)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(api.standin.rate_stats().injected_429s, 2);
    })
    .await;
}

/// Posts through the adapter, retrying what it calls transient every 20 ms, as the service's outbox
/// would (later): returns how many attempts were refused.
async fn post_until_sent(outbound: &DiscordOutbound, channel: &str, text: &str) -> u32 {
    let mut refused = 0;
    loop {
        match outbound.post_message(channel, text).await {
            Ok(_) => return refused,
            Err(err) => {
                assert!(!err.is_permanent(), "a 429 is worth retrying: {err:#}");
                refused += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_waits_out_emptied_buckets_meets_429s_as_transient_and_loses_or_repeats_nothing(
) {
    within(async {
        let api = Api::start().await;
        api.limit_creates(2, Duration::from_millis(200));
        // serenity 0.12's own rate limiter ignores `proxy` (it always calls discord.com), so the
        // adapter runs without it behind `api_proxy` and 429s reach the caller.
        let (outbound, _gateway) =
            discord::connect(&api.standin.config()).expect("config is valid");
        let sent: Vec<String> = (1..=5).map(|i| format!("post {i}")).collect();
        let mut refused = 0;
        for text in &sent {
            refused += post_until_sent(&outbound, &api.channel, text).await;
        }
        api.standin.inject_429(CREATE, 2, Duration::from_millis(50));
        refused += post_until_sent(&outbound, &api.channel, "after 429s").await;
        api.standin.inject_global_429(Duration::from_millis(50));
        refused += post_until_sent(&outbound, &api.channel, "after a global 429").await;

        let mut expected = sent.clone();
        expected.extend(["after 429s".to_string(), "after a global 429".to_string()]);
        assert_eq!(api.contents(), expected);
        let stats = api.standin.rate_stats();
        assert!(
            stats.exhausted >= 2,
            "5 posts through a bucket of 2: {stats:?}"
        );
        // The adapter read `X-RateLimit-Remaining: 0` and waited for the reset instead of being refused.
        assert_eq!(stats.bucket_429s, 0, "{stats:?}");
        assert_eq!(stats.injected_429s, 3);
        assert!(refused >= stats.injected_429s, "{refused} {stats:?}");
        let posts = format!("POST /api/v10/channels/{}/messages", api.channel);
        let tried = api
            .standin
            .requests()
            .iter()
            .filter(|r| r.starts_with(&posts))
            .count();
        // Only the injected 429s cost a call; waiting on an emptied bucket sends nothing.
        assert_eq!(tried, expected.len() + stats.injected_429s as usize);
    })
    .await;
}
