//! The cluster's background tasks: heartbeats, the `LISTEN` loop, and the sender of messages
//! relayed to the replica holding a session's stream.

use std::{sync::Arc, time::Duration};

use rmcp::model::ServerJsonRpcMessage;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Cluster, END_CHANNEL, records};
use crate::telemetry::{labels::ClusterEvent, metrics};

/// Most messages sent in one round trip.
const BATCH: usize = 64;
/// Heartbeats between two tidy-ups of old rows.
const TIDY_EVERY: u32 = 300;

/// A relay notification: the message inline, or the id of its `relay_messages` row.
#[derive(Debug, Serialize, Deserialize)]
struct Relayed {
    /// Session hash.
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i64>,
}

impl Cluster {
    /// Refresh this replica's heartbeat every `cluster.heartbeat_secs`; tidy old rows now and
    /// then.
    pub(super) async fn heartbeats(self: Arc<Self>, stop: CancellationToken) {
        let mut tick = tokio::time::interval(self.heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n = 0u32;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.beat().await {
                tracing::warn!(error = %e, "cluster heartbeat failed");
            }
            self.refresh_peers().await;
            n = n.wrapping_add(1);
            if n.is_multiple_of(TIDY_EVERY)
                && let Err(e) = records::tidy(&self.pool, self.idle_ttl).await
            {
                tracing::warn!(error = %e, "cluster tidy-up failed");
            }
        }
    }

    /// Leaving (graceful shutdown): mark this replica dead at once, so the others stop
    /// relaying to its streams (which are closing) without waiting for the heartbeat to age.
    pub async fn leave(&self) {
        if let Err(e) = records::leave(&self.pool, &self.instance).await {
            tracing::warn!(error = %e, "could not leave the cluster");
        }
    }

    pub(super) async fn beat(&self) -> Result<(), crate::store::StoreError> {
        records::heartbeat(&self.pool, &self.instance, &self.channel).await
    }

    /// Receive relayed messages and end notices until `stop`, reconnecting as needed.
    pub(super) async fn listen(self: Arc<Self>, stop: CancellationToken) {
        loop {
            let listener = async {
                let mut l = PgListener::connect_with(&self.pool).await?;
                l.listen_all([self.channel.as_str(), END_CHANNEL]).await?;
                Ok::<_, sqlx::Error>(l)
            };
            let mut listener = match listener.await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cluster listener cannot connect; retrying");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            };
            loop {
                let next = tokio::select! {
                    _ = stop.cancelled() => return,
                    n = listener.try_recv() => n,
                };
                match next {
                    Ok(Some(n)) if n.channel() == END_CHANNEL => self.drop_local(n.payload()),
                    Ok(Some(n)) => self.deliver(n.payload()).await,
                    Ok(None) => {
                        // Reconnected: notices sent meanwhile are lost; the table is the truth.
                        tracing::warn!("cluster listener reconnected; resyncing sessions");
                        self.resync().await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cluster listener failed");
                        self.resync().await;
                        break;
                    }
                }
            }
        }
    }

    /// Write a relayed message to the local stream it is for.
    async fn deliver(&self, payload: &str) {
        let Ok(note) = serde_json::from_str::<Relayed>(payload) else {
            tracing::warn!("unreadable relay notification");
            return;
        };
        let text = match (note.m, note.r) {
            (Some(m), _) => m.to_string(),
            (None, Some(id)) => match sqlx::query_scalar::<_, String>(
                "DELETE FROM relay_messages WHERE id = $1 RETURNING payload",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            {
                Ok(Some(t)) => t,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read a relayed message");
                    return;
                }
            },
            (None, None) => return,
        };
        let Ok(msg) = serde_json::from_str::<ServerJsonRpcMessage>(&text) else {
            tracing::warn!("unreadable relayed message");
            return;
        };
        let session = self.streams.get(&note.s).and_then(|w| w.upgrade());
        match session {
            Some(s) if s.push_stream(msg) => {
                metrics::cluster_event(ClusterEvent::RelayDelivered, 1)
            }
            _ => {
                metrics::cluster_event(ClusterEvent::RelayDropped, 1);
                tracing::debug!("relayed message for a stream no longer held here");
            }
        }
    }

    /// Send queued relay messages, in order, a batch per round trip.
    pub(super) async fn send_relayed(
        self: Arc<Self>,
        mut rx: mpsc::Receiver<(String, ServerJsonRpcMessage)>,
        stop: CancellationToken,
    ) {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let n = tokio::select! {
                _ = stop.cancelled() => return,
                n = rx.recv_many(&mut batch, BATCH) => n,
            };
            if n == 0 {
                return;
            }
            if let Err(e) = self.send_batch(&batch).await {
                tracing::warn!(error = %e, dropped = batch.len(), "relay to another replica failed");
            }
            batch.clear();
        }
    }

    async fn send_batch(
        &self,
        batch: &[(String, ServerJsonRpcMessage)],
    ) -> Result<(), crate::store::StoreError> {
        let mut channels = Vec::with_capacity(batch.len());
        let mut payloads = Vec::with_capacity(batch.len());
        for (hash, msg) in batch {
            let instance = self.holder(hash).await.and_then(|h| h.instance);
            let peer = match &instance {
                Some(i) if *i != self.instance => self.peer(i).await,
                _ => None,
            };
            let Some(channel) = peer.filter(|p| p.alive).map(|p| p.channel) else {
                metrics::cluster_event(ClusterEvent::RelayDropped, 1);
                tracing::debug!("no live replica holds this session's stream");
                continue;
            };
            let text = serde_json::to_string(msg).unwrap_or_default();
            let payload = if text.len() + hash.len() + 16 <= self.inline_bytes {
                format!(r#"{{"s":"{hash}","m":{text}}}"#)
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO relay_messages (session_hash, payload) VALUES ($1, $2) \
                     RETURNING id",
                )
                .bind(hash)
                .bind(&text)
                .fetch_one(&self.pool)
                .await?;
                format!(r#"{{"s":"{hash}","r":{id}}}"#)
            };
            channels.push(channel);
            payloads.push(payload);
        }
        if channels.is_empty() {
            return Ok(());
        }
        let sent = channels.len() as u64;
        sqlx::query(
            "SELECT pg_notify(c, p) FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY \
             AS t(c, p, n) ORDER BY n",
        )
        .bind(&channels)
        .bind(&payloads)
        .execute(&self.pool)
        .await?;
        metrics::cluster_event(ClusterEvent::Relayed, sent);
        Ok(())
    }
}
