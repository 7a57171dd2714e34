//! The embedded-default chat: work orders and notes appended as JSON lines under `<data_dir>/chat/`, so a new
//! user sees what each department channel would receive without any chat credentials.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use async_trait::async_trait;
use bots::chat::{ChatOutbound, Posted, SendError, WorkOrderCard};
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// Writes chat posts to files, one per channel.
#[derive(Debug)]
pub struct LogChat {
    dir: PathBuf,
    next_id: AtomicU64,
    /// Channel id → file name (the department's id), so the files read like channel names.
    names: std::collections::HashMap<String, String>,
}

impl LogChat {
    pub fn new(dir: PathBuf, names: std::collections::HashMap<String, String>) -> Self {
        let start = chrono::Utc::now().timestamp_micros().unsigned_abs();
        Self {
            dir,
            next_id: AtomicU64::new(start),
            names,
        }
    }

    fn id(&self) -> String {
        self.next_id.fetch_add(1, Ordering::SeqCst).to_string()
    }

    /// Appends one line; a failure to write (a full disk, a permission) may pass, so it is transient.
    async fn append(&self, channel: &str, line: serde_json::Value) -> Result<(), SendError> {
        self.write_line(channel, line)
            .await
            .map_err(SendError::Transient)
    }

    async fn write_line(&self, channel: &str, line: serde_json::Value) -> Result<()> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let name = self
            .names
            .get(channel)
            .map(String::as_str)
            .unwrap_or(channel);
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{safe}.jsonl"));
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(format!("{line}\n").as_bytes()).await?;
        f.flush().await?;
        Ok(())
    }
}

#[async_trait]
impl ChatOutbound for LogChat {
    async fn post_work_order(
        &self,
        channel_id: &str,
        card: &WorkOrderCard,
        page_role: Option<&str>,
    ) -> Result<Posted, SendError> {
        let message_id = self.id();
        self.append(
            channel_id,
            json!({ "type": "work_order", "message_id": message_id, "page_role": page_role, "card": card }),
        )
        .await?;
        tracing::info!(channel = channel_id, reference = %card.reference, "work order posted (local chat log)");
        Ok(Posted {
            channel_id: channel_id.to_string(),
            message_id: message_id.clone(),
            thread_id: Some(format!("thread-{message_id}")),
        })
    }

    async fn update_work_order(
        &self,
        posted: &Posted,
        card: &WorkOrderCard,
    ) -> Result<(), SendError> {
        self.append(
            &posted.channel_id,
            json!({ "type": "work_order_update", "message_id": posted.message_id, "card": card }),
        )
        .await
    }

    async fn post_message(&self, channel_id: &str, text: &str) -> Result<String, SendError> {
        let id = self.id();
        self.append(
            channel_id,
            json!({ "type": "message", "message_id": id, "text": text }),
        )
        .await?;
        Ok(id)
    }
}
