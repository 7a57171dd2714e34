//! A whole town for end-to-end tests: the service on the example city, its department channels and roles in a
//! fresh loopback Discord stand-in guild, a fresh city inbox on the real Dovecot (TLS) and Postfix, and
//! optionally a hand-moved clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bots::chat::Member;
use bots::standin::StandIn;
use connect311::clock::{Clock, ManualClock};
use connect311::serve::Running;
use mail::testkit;
use serde_json::Value;

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Town {
    pub standin: StandIn,
    pub channels: HashMap<String, String>,
    pub roles: HashMap<String, String>,
    pub intake: String,
    pub oncall: String,
    pub supervisors: String,
    pub scorecard: String,
    pub inbox: String,
    pub svc: Running,
    pub clock: Option<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Town {
    pub async fn start() -> Town {
        Self::start_with(None, "").await
    }

    /// `clock`: a hand-moved clock for timers; `mail_extra`: more `[mail]` keys.
    pub async fn start_with(clock: Option<ManualClock>, mail_extra: &str) -> Town {
        Self::start_full(clock, mail_extra, "").await
    }

    /// As [`Town::start_with`], with more `[discord]` keys (`discord_extra`).
    pub async fn start_full(
        clock: Option<ManualClock>,
        mail_extra: &str,
        discord_extra: &str,
    ) -> Town {
        let plain = TownEdit {
            city: &|text| text,
            database_url: None,
        };
        Self::start_edited(clock, mail_extra, discord_extra, plain).await
    }

    /// As [`Town::start_full`], on the example city as `edit` changes it.
    pub async fn start_edited(
        clock: Option<ManualClock>,
        mail_extra: &str,
        discord_extra: &str,
        edit: TownEdit<'_>,
    ) -> Town {
        testkit::require_mail_servers();
        let standin = StandIn::start().await.expect("stand-in starts");
        let city = routing::CityConfig::from_toml_str(connect311::config::EXAMPLE_CITY).unwrap();
        let mut text = (edit.city)(connect311::config::EXAMPLE_CITY.to_string());
        let (mut channels, mut roles) = (HashMap::new(), HashMap::new());
        for d in &city.departments {
            let ch = standin.add_channel(d.id.as_str());
            if let Some(old) = &d.chat_channel {
                text = text.replace(&format!("\"{old}\""), &format!("\"{ch}\""));
            }
            channels.insert(d.id.to_string(), ch);
            if let Some(old) = &d.chat_role {
                let role = standin.add_role(&format!("{}-staff", d.id));
                text = text.replace(&format!("\"{old}\""), &format!("\"{role}\""));
                roles.insert(d.id.to_string(), role);
            }
        }
        let supervisors = standin.add_channel("supervisors");
        if let Some(old) = &city.accountability.supervisor_channel {
            text = text.replace(&format!("\"{old}\""), &format!("\"{supervisors}\""));
        }
        let scorecard = standin.add_channel("scorecard");
        if let Some(old) = &city.accountability.scorecard_channel {
            text = text.replace(&format!("\"{old}\""), &format!("\"{scorecard}\""));
        }
        let intake = standin.add_channel("311-intake");
        let oncall = standin.add_role("dispatch-on-call");
        let supervisor_role = standin.add_role("supervisors");
        let dir = tempfile::tempdir().unwrap();
        let city_file = dir.path().join("city.toml");
        std::fs::write(&city_file, text).unwrap();
        std::fs::write(
            dir.path().join("streets.csv"),
            connect311::city::EXAMPLE_STREETS,
        )
        .unwrap();
        let inbox = format!("{}@city.test", testkit::unique_local("inbox"));
        let ca = testkit::TEST_CA;
        let toml = format!(
            "city_file = \"{city}\"\n[http]\nbind = \"127.0.0.1:{port}\"\npublic_base_url = \"http://127.0.0.1:{port}\"\n[database]\nurl = \"{db}\"\n[mail]\naddress = \"{inbox}\"\n{mail_extra}\n\
             [mail.imap]\nhost = \"127.0.0.1\"\nsecurity = \"tls\"\nca_file = \"{ca}\"\nusername = \"{inbox}\"\npassword = \"test\"\n\
             [mail.smtp]\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\n\
             [discord]\ntoken = \"standin-token\"\nguild_id = {guild}\nintake_channel = \"{intake}\"\noncall_role = \"{oncall}\"\n\
             supervisor_role = \"{supervisor_role}\"\napi_proxy = \"{api}\"\n{discord_extra}\n\
             [outbox]\nbackoff_base_ms = 200\nbackoff_max_ms = 1000\npoll_ms = 100\n",
            city = city_file.display(),
            port = free_port(),
            db = edit
                .database_url
                .unwrap_or_else(|| super::fresh_sqlite_url(dir.path())),
            guild = standin.guild_id(),
            api = standin.api_url(),
        );
        let settings = super::settings(dir.path(), &toml);
        let c: Arc<dyn Clock> = match &clock {
            Some(c) => Arc::new(c.clone()),
            None => Arc::new(connect311::clock::SystemClock),
        };
        let desk = connect311::app::open_with(settings, c).await.unwrap();
        let (d, gw) = connect311::app::channels(&desk).expect("channels start");
        assert!(gw.is_some(), "Discord configured");
        let svc = connect311::serve::start(desk, d, gw).expect("service starts");
        standin
            .wait_for(
                |s| s.gateway().connected >= 1 && !s.commands().is_empty(),
                WAIT,
            )
            .await
            .expect("bot connects and registers /311");
        Town {
            standin,
            channels,
            roles,
            intake,
            oncall,
            supervisors,
            scorecard,
            inbox,
            svc,
            clock,
            _dir: dir,
        }
    }

    /// A fresh resident emails the city; returns them, their request and its work-order card in `dept`.
    pub async fn resident_reports(&self, subject: &str, body: &str, dept: &str) -> Reported {
        let resident = resident();
        send(&resident, &self.inbox, subject, body).await;
        let request = self.request_from(&resident).await;
        assert_eq!(
            request.department.as_str(),
            dept,
            "{body:?} was routed elsewhere"
        );
        let reference = request.reference.to_string();
        let card = self.card(dept, &reference).await;
        Reported {
            resident,
            request,
            reference,
            card,
        }
    }

    pub fn desk(&self) -> &connect311::desk::Desk {
        &self.svc.desk
    }

    pub fn member(&self, name: &str, dept: Option<&str>) -> Member {
        let roles: Vec<&str> = dept
            .map(|d| vec![self.roles[d].as_str()])
            .unwrap_or_default();
        self.standin.add_member(name, &roles)
    }

    /// Submits the modal the bot opens in answer to a click (it appears once the bot has answered).
    pub async fn submit_modal(
        &self,
        m: &Member,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match self.standin.submit_modal(m, custom_id, fields) {
                Ok(i) => return i,
                Err(e) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "no modal {custom_id}: {e}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The bot's answer to interaction `i` that contains `needle`: the interaction callback itself, or — when a
    /// slow answer was deferred and edited in later — the ephemeral message in `channel`.
    pub async fn answer(&self, i: &str, channel: &str, needle: &str) -> Value {
        let (i, ch, n) = (i.to_string(), channel.to_string(), needle.to_string());
        self.standin
            .wait_for_value(
                move |s| {
                    s.interaction_responses(&i)
                        .into_iter()
                        .chain(s.messages(&ch))
                        .find(|m| m.to_string().contains(&n))
                },
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no answer containing {needle:?}: {e}"))
    }

    /// The first message in `channel` whose JSON contains `needle`.
    pub async fn message_in(&self, channel: &str, needle: &str) -> Value {
        let (ch, n) = (channel.to_string(), needle.to_string());
        self.standin
            .wait_for_value(
                move |s| {
                    s.messages(&ch)
                        .into_iter()
                        .find(|m| m.to_string().contains(&n))
                },
                WAIT,
            )
            .await
            .unwrap_or_else(|e| {
                panic!("no message containing {needle:?} in channel {channel}: {e}")
            })
    }

    /// The work-order card for `reference` in a department channel.
    pub async fn card(&self, dept: &str, reference: &str) -> Value {
        let ch = self.channels[dept].clone();
        let r = reference.to_string();
        self.standin
            .wait_for_value(
                move |s| {
                    s.messages(&ch)
                        .into_iter()
                        .find(|m| m["embeds"].to_string().contains(&r))
                },
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no work order for {reference} in {dept}: {e}"))
    }

    /// The bot's answer, in some thread, whose text mentions `reference`.
    pub async fn thread_answer(&self, reference: &str) -> Value {
        let r = reference.to_string();
        self.standin
            .wait_for_value(
                move |s| {
                    s.threads().into_iter().find_map(|t| {
                        let id = t["id"].as_str()?.to_string();
                        s.messages(&id)
                            .into_iter()
                            .find(|m| m["content"].as_str().is_some_and(|c| c.contains(&r)))
                    })
                },
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no answer in a thread mentioning {reference}: {e}"))
    }

    pub async fn thread_of(&self, card: &Value) -> String {
        let card_id = card["id"].as_str().unwrap().to_string();
        self.standin
            .wait_for_value(
                move |s| {
                    s.threads()
                        .into_iter()
                        .find(|t| t["id"] == card_id.as_str())
                        .map(|t| t["id"].as_str().unwrap().to_string())
                },
                WAIT,
            )
            .await
            .expect("a thread on the work order")
    }

    pub async fn request_from(&self, requester: &str) -> connect311::store::Request {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let f = connect311::store::RequestFilter {
                requester: Some(requester.into()),
                ..Default::default()
            };
            if let Some(r) = self.desk().store().list_requests(&f).await.unwrap().pop() {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no request from {requester}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_status(&self, r: routing::RequestRef, status: routing::Status) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if self
                .desk()
                .store()
                .request(r)
                .await
                .unwrap()
                .unwrap()
                .status
                == status
            {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                let events = self.desk().store().events(r).await.unwrap();
                panic!("{r} never became {status}; events: {events:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_event(
        &self,
        r: routing::RequestRef,
        kind: routing::EventKind,
    ) -> connect311::store::Event {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(e) = self
                .desk()
                .store()
                .events(r)
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.kind == kind)
            {
                return e;
            }
            if tokio::time::Instant::now() >= deadline {
                let events = self.desk().store().events(r).await.unwrap();
                panic!("no {kind} event on {r}; events: {events:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the outbox has delivered everything due (the worker runs in the background).
    pub async fn outbox_drained(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let pending = self.desk().store().outbox_rows(true).await.unwrap();
            if pending.is_empty() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "outbox not drained: {pending:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn resident_mails(&self, resident: &str, n: usize) -> Vec<mail::Inbound> {
        testkit::wait_for_messages(resident, "INBOX", n, WAIT)
            .await
            .iter()
            .map(|m| mail::inbound::parse(m, &mail::Limits::default()).unwrap())
            .collect()
    }
}

/// How a town differs from the example: the city file's text (edited before the town gives departments their
/// stand-in channels), and the database (a fresh SQLite one when `None`).
pub struct TownEdit<'a> {
    pub city: &'a dyn Fn(String) -> String,
    pub database_url: Option<String>,
}

/// What `Town::resident_reports` set up.
pub struct Reported {
    pub resident: String,
    pub request: connect311::store::Request,
    pub reference: String,
    pub card: Value,
}

/// A resident's plain email through Postfix.
pub async fn send(from: &str, to: &str, subject: &str, body: &str) {
    send_with(from, to, subject, "", body).await
}

/// As `send`, with extra header lines (each ending in \r\n).
pub async fn send_with(from: &str, to: &str, subject: &str, headers: &str, body: &str) {
    send_on(testkit::SMTP_PORT, from, to, subject, headers, body).await
}

/// Staff mail through the city's authenticating MX (Postfix on 2526 stamps a DKIM pass for city.test above its
/// Received line and strips forged copies): the desk must be configured with `trusted_received_hops = 2`.
pub async fn send_verified(from: &str, to: &str, subject: &str, body: &str) {
    send_on(testkit::TRUSTED_MX_PORT, from, to, subject, "", body).await
}

async fn send_on(port: u16, from: &str, to: &str, subject: &str, headers: &str, body: &str) {
    let raw = super::email(
        from,
        to,
        subject,
        &format!("{}@example.test", testkit::unique_local("m")),
        headers,
        body,
    );
    testkit::smtp_send_raw_on(port, from, &[to], &raw)
        .await
        .unwrap();
}

/// A loopback port free right now: the town's HTTP side listens there, and the links in its emails name it
/// (`http.public_base_url` must be known before the service binds).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

pub fn resident() -> String {
    format!("{}@example.test", testkit::unique_local("res"))
}
