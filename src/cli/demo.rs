//! `connect311 demo`: a guided tour. Sample residents write in (English, Spanish, an emergency, a reply); the
//! real desk and outbox run on a throwaway database, and every email and chat post is printed as it is delivered.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use async_trait::async_trait;
use bots::chat::{ChatOutbound, Posted, WorkOrderCard};
use mail::outbound::{MailSender, OutgoingMail, SendError};

use crate::config::Settings;
use crate::desk::IngestOutcome;
use crate::outbox_worker::Deliverers;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the demo database here instead of a temporary directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

struct PrintMail;

#[async_trait]
impl MailSender for PrintMail {
    async fn send(&self, m: &OutgoingMail) -> Result<(), SendError> {
        println!("    ✉  email to {}", m.to.email);
        println!("       Subject: {}", m.subject);
        if let Some(r) = &m.reply_to {
            println!("       Reply-To: {r}");
        }
        for line in m.text.lines() {
            println!("       | {line}");
        }
        Ok(())
    }
}

struct PrintChat {
    channels: Vec<(String, String)>,
}

impl PrintChat {
    fn name(&self, id: &str) -> String {
        self.channels
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| format!("#{n}"))
            .unwrap_or_else(|| id.to_string())
    }
}

#[async_trait]
impl ChatOutbound for PrintChat {
    async fn post_work_order(
        &self,
        channel_id: &str,
        c: &WorkOrderCard,
        page_role: Option<&str>,
    ) -> Result<Posted, bots::chat::SendError> {
        println!(
            "    💬 work order in {}{}",
            self.name(channel_id),
            if page_role.is_some() {
                "  (on-call role paged)"
            } else {
                ""
            }
        );
        println!(
            "       {} · {} · {} · priority {} · due {}",
            c.reference,
            c.category,
            c.department,
            c.priority,
            c.due.as_deref().unwrap_or("-")
        );
        println!(
            "       location: {}   requester: {}   language: {}",
            c.location.as_deref().unwrap_or("-"),
            c.requester,
            c.language
        );
        println!(
            "       \"{}\"   [Acknowledge] [Close] [Reassign]",
            c.text.replace('\n', " ")
        );
        Ok(Posted {
            channel_id: channel_id.into(),
            message_id: format!("demo-{}", c.reference),
            thread_id: Some(format!("thread-{}", c.reference)),
        })
    }
    async fn update_work_order(
        &self,
        p: &Posted,
        c: &WorkOrderCard,
    ) -> Result<(), bots::chat::SendError> {
        println!(
            "    💬 work order {} updated in {}: status {}",
            c.reference,
            self.name(&p.channel_id),
            c.status
        );
        Ok(())
    }
    async fn post_message(
        &self,
        channel_id: &str,
        text: &str,
    ) -> Result<String, bots::chat::SendError> {
        println!("    💬 note in {}: {text}", self.name(channel_id));
        Ok("demo-note".into())
    }
}

fn sample(from: &str, subject: &str, body: &str, id: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: 311@city.test\r\nSubject: {subject}\r\nMessage-ID: <{id}@example.test>\r\n{extra}Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

pub async fn run(args: Args) -> Result<()> {
    let tmp;
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let mut settings = Settings::from_toml_str("")?;
    settings.data_dir = data_dir;
    let desk = crate::app::open_with(settings, Arc::new(crate::clock::SystemClock)).await?;
    let channels = desk
        .city()
        .departments
        .iter()
        .filter_map(|d| Some((d.chat_channel.clone()?, d.id.to_string())))
        .collect();
    let d = Deliverers {
        mail: Arc::new(PrintMail),
        chat: Arc::new(PrintChat { channels }),
    };

    let steps: Vec<(&str, Vec<u8>)> = vec![
        ("A resident reports a pothole in English", sample("Jane Doe <jane@example.test>", "Pothole on Main", "There is a huge pothole in front of 120 Main St, cars are swerving around it.", "demo-1", "")),
        ("A resident writes in Spanish about a streetlight", sample("María López <maria@example.test>", "Lámpara apagada", "La lámpara de la esquina de Juárez y Morelos está apagada desde hace una semana.", "demo-2", "")),
        ("Someone reports an emergency", sample("Sam Park <sam@example.test>", "gas smell", "There is a strong smell of gas in the hallway at 45 Elm Street, people feel dizzy.", "demo-3", "")),
        ("Jane replies asking for the status", sample("Jane Doe <jane@example.test>", "Re: [311-000001] We received your report: Pothole", "status\n\nOn Thu, Nov 26, 2026, City of Riverton 311 wrote:\n> Thank you for contacting", "demo-4", "In-Reply-To: <demo-1@example.test>\r\n")),
        ("An out-of-office auto-reply arrives (never answered)", sample("Out Of Office <ooo@example.test>", "Automatic reply: Pothole on Main", "I am away until Monday.", "demo-5", "Auto-Submitted: auto-replied\r\n")),
    ];
    for (n, (title, raw)) in steps.into_iter().enumerate() {
        println!("\n── Step {}: {title}", n + 1);
        let outcome = desk.ingest_email(&raw).await?;
        match &outcome {
            IngestOutcome::Created {
                reference,
                emergency,
            } => {
                let r = desk
                    .store()
                    .request(*reference)
                    .await?
                    .expect("just created");
                println!(
                    "    → request {reference} for {} ({}), language {}{}",
                    r.department,
                    r.category.as_ref().map_or("triage", |c| c.as_str()),
                    r.language,
                    if *emergency {
                        ", EMERGENCY → dispatch"
                    } else {
                        ""
                    }
                );
            }
            other => println!("    → {other:?}"),
        }
        crate::outbox_worker::drain(&desk, &d).await?;
    }
    println!("\nDone. Each step above went through the same path as `connect311 serve`: parse → guard → thread → classify → one transaction → outbox → delivery.");
    desk.store().close().await;
    Ok(())
}
