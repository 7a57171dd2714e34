//! The stand-in's gateway: HELLO → IDENTIFY → READY + GUILD_CREATE (or RESUME → replay + RESUMED),
//! heartbeat ACKs, and dispatches of the current session in sequence, as plain JSON text frames.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};

use super::{model, Shared};

/// Short enough that heartbeats and their ACKs happen during tests.
const HEARTBEAT_INTERVAL_MS: u64 = 2_000;
/// How long a new connection may take to IDENTIFY or RESUME.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Discord's "unknown error, reconnect" close code, used when an outage starts.
const CLOSE_UNKNOWN_ERROR: u16 = 4000;

pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| async move {
        let mut connection = Connection {
            socket,
            shared,
            session: None,
        };
        if let Err(err) = connection.serve().await {
            tracing::debug!(error = %err, "stand-in gateway connection ended");
        }
    })
}

struct Connection {
    socket: WebSocket,
    shared: Arc<Shared>,
    /// The session this connection serves, once identified or resumed.
    session: Option<String>,
}

impl Connection {
    async fn send(&mut self, value: &Value) -> anyhow::Result<()> {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await?;
        Ok(())
    }

    async fn recv(&mut self) -> anyhow::Result<Option<Value>> {
        loop {
            match self.socket.recv().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Err(err)) => return Err(err.into()),
                Some(Ok(Message::Text(text))) => {
                    return Ok(Some(serde_json::from_str(text.as_str())?))
                }
                Some(Ok(_)) => {}
            }
        }
    }

    async fn serve(&mut self) -> anyhow::Result<()> {
        self.send(&json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
            .await?;
        let Some(cursor) = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.handshake()).await?? else {
            return Ok(());
        };
        self.shared.lock().gateway.connected += 1;
        let result = self.stream(cursor).await;
        self.shared.lock().gateway.connected -= 1;
        result
    }

    /// Waits for IDENTIFY or RESUME; returns where in the session log to start sending from.
    async fn handshake(&mut self) -> anyhow::Result<Option<usize>> {
        loop {
            let Some(frame) = self.recv().await? else {
                return Ok(None);
            };
            match frame["op"].as_u64() {
                Some(1) => self.send(&json!({"op": 11})).await?,
                Some(2) => return Ok(Some(self.identify())),
                Some(6) => match self.resume(&frame["d"]) {
                    Some(cursor) => {
                        self.session = frame["d"]["session_id"].as_str().map(str::to_string);
                        return Ok(Some(cursor));
                    }
                    None => {
                        // Not resumable: op 9 with d=false tells the client to IDENTIFY afresh.
                        self.send(&json!({"op": 9, "s": null, "t": null, "d": false}))
                            .await?;
                    }
                },
                _ => {}
            }
        }
    }

    fn identify(&mut self) -> usize {
        let mut state = self.shared.lock();
        let session_id = format!("standin-session-{}", state.snowflake());
        let ready = model::ready(
            &state.bot_user(),
            &state.guild_id,
            &session_id,
            &self.shared.gateway_url(),
            &state.app_id,
        );
        let guild = state.guild_create();
        let gateway = &mut state.gateway;
        gateway.identifies += 1;
        gateway.session_id = Some(session_id.clone());
        self.session = Some(session_id);
        gateway.log.clear();
        state.dispatch("READY", ready);
        state.dispatch("GUILD_CREATE", guild);
        0
    }

    fn resume(&self, d: &Value) -> Option<usize> {
        let mut state = self.shared.lock();
        let current = state.gateway.session_id.as_deref()?;
        if d["session_id"].as_str() != Some(current) {
            return None;
        }
        let seq = usize::try_from(d["seq"].as_u64().unwrap_or(0)).ok()?;
        let cursor = seq.min(state.gateway.log.len());
        state.gateway.resumes += 1;
        state.dispatch("RESUMED", json!({"_trace": ["standin"]}));
        Some(cursor)
    }

    async fn stream(&mut self, mut cursor: usize) -> anyhow::Result<()> {
        let mut dispatched = self.shared.dispatched.subscribe();
        let mut outage = self.shared.outage.subscribe();
        let mut kick = self.shared.kick.subscribe();
        let mut kicked = false;
        let stopping = self.shared.stop.clone();
        loop {
            cursor = self.flush(cursor).await?;
            if *outage.borrow_and_update() || kicked || stopping.is_cancelled() {
                let frame = CloseFrame {
                    code: CLOSE_UNKNOWN_ERROR,
                    reason: "stand-in closed the connection".into(),
                };
                // The peer may already be gone; closing is best effort.
                let _ = self.socket.send(Message::Close(Some(frame))).await;
                return Ok(());
            }
            tokio::select! {
                frame = self.recv() => match frame? {
                    None => return Ok(()),
                    Some(frame) if frame["op"] == 1 => self.send(&json!({"op": 11})).await?,
                    Some(_) => {}
                },
                changed = dispatched.changed() => changed?,
                changed = outage.changed() => changed?,
                changed = kick.changed() => {
                    changed?;
                    kicked = true;
                }
                () = stopping.cancelled() => {}
            }
        }
    }

    /// Sends the session's dispatches from `cursor` on; returns the new cursor.
    async fn flush(&mut self, cursor: usize) -> anyhow::Result<usize> {
        let pending: Vec<Value> = {
            let state = self.shared.lock();
            // A newer IDENTIFY replaced this connection's session: this socket is stale.
            anyhow::ensure!(
                state.gateway.session_id == self.session,
                "session superseded"
            );
            state.gateway.log.iter().skip(cursor).cloned().collect()
        };
        let mut seq = cursor;
        for event in pending {
            seq += 1;
            self.send(&json!({"op": 0, "s": seq, "t": event["t"], "d": event["d"]}))
                .await?;
        }
        Ok(seq)
    }
}
