//! The test harness: a stand-in, the adapter connected to it, and a recording handler.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bots::chat::{ChatEvent, ChatHandler, ChatOutbound, ChatReply, Posted, WorkOrderCard};
use bots::discord::{self, DiscordOutbound};
use bots::standin::StandIn;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Serenity falls back to the real gateway when the stand-in is unreachable: never wait forever.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(90);
pub const WAIT: Duration = Duration::from_secs(20);

type Replier = dyn Fn(&ChatEvent) -> ChatReply + Send + Sync;

pub struct Recorder {
    events: Mutex<Vec<ChatEvent>>,
    reply: Box<Replier>,
    /// How long the "service" takes to answer.
    pub delay: Mutex<Duration>,
    departments: Vec<(String, String)>,
}

impl Recorder {
    pub fn new(reply: impl Fn(&ChatEvent) -> ChatReply + Send + Sync + 'static) -> Recorder {
        Recorder {
            events: Mutex::new(Vec::new()),
            reply: Box::new(reply),
            delay: Mutex::new(Duration::ZERO),
            departments: vec![
                ("roads".into(), "Roads & Sidewalks".into()),
                ("parks".into(), "Parks".into()),
            ],
        }
    }
}

#[async_trait::async_trait]
impl ChatHandler for Recorder {
    async fn handle(&self, event: ChatEvent) -> ChatReply {
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        let reply = (self.reply)(&event);
        self.events.lock().unwrap().push(event);
        reply
    }

    fn departments(&self) -> Vec<(String, String)> {
        self.departments.clone()
    }
}

pub struct Harness {
    pub standin: StandIn,
    pub outbound: DiscordOutbound,
    pub recorder: Arc<Recorder>,
    pub cancel: CancellationToken,
    pub gateway: JoinHandle<anyhow::Result<()>>,
    pub channel: String,
    pub staff_role: String,
}

impl Harness {
    pub async fn start(reply: impl Fn(&ChatEvent) -> ChatReply + Send + Sync + 'static) -> Harness {
        Self::start_with(Recorder::new(reply)).await
    }

    /// A city with these departments (id, name) instead of Roads and Parks.
    pub async fn with_departments(
        departments: Vec<(String, String)>,
        reply: impl Fn(&ChatEvent) -> ChatReply + Send + Sync + 'static,
    ) -> Harness {
        Self::start_with(Recorder {
            departments,
            ..Recorder::new(reply)
        })
        .await
    }

    async fn start_with(recorder: Recorder) -> Harness {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("warn,bots=debug")
            .with_test_writer()
            .try_init();
        let standin = StandIn::start().await.expect("stand-in starts");
        let channel = standin.add_channel("roads");
        let staff_role = standin.add_role("roads-staff");
        let cfg = standin.config();
        let (outbound, gateway) = discord::connect(&cfg).expect("config is valid");
        let recorder = Arc::new(recorder);
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

    pub fn events(&self) -> Vec<ChatEvent> {
        self.recorder.events.lock().unwrap().clone()
    }

    pub async fn wait_event(&self, count: usize) -> ChatEvent {
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

    pub async fn post_card(&self, card: &WorkOrderCard, page_role: Option<&str>) -> Posted {
        self.outbound
            .post_work_order(&self.channel, card, page_role)
            .await
            .expect("card posted")
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(15), self.gateway).await;
        stopped
            .expect("run stops promptly on cancel")
            .expect("run task")
            .expect("run ends cleanly");
    }
}

pub fn card(reference: &str, text: &str) -> WorkOrderCard {
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
        photo: None,
        status: "open".into(),
        last_action: None,
        emergency: false,
        reporters: 1,
    }
}

pub async fn within<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("test timed out");
}

pub fn nothing(_: &ChatEvent) -> ChatReply {
    ChatReply::Nothing
}

pub fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}
