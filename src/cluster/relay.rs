//! The cluster's background tasks: heartbeats, the `LISTEN` loop, and the sender of messages
//! relayed to the replica holding a session's stream.

use std::{sync::Arc, time::Duration};

use rmcp::model::ServerJsonRpcMessage;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Cluster, END_CHANNEL, records};
use crate::session::Outbound;
use crate::telemetry::{labels::ClusterEvent, metrics};

/// Most messages sent in one round trip.
const BATCH: usize = 64;
/// A message too large for one notification travels in up to this many, in order; beyond
/// that, by reference through `relay_messages` (costs an `INSERT` and a `DELETE … RETURNING`).
const MAX_PARTS: usize = 32;
/// Most payload bytes per `NOTIFY` statement (see `send_batch`).
const STATEMENT_BYTES: usize = 12_000;
/// Bytes of JSON that a part's envelope (hash, key, indices) needs at most.
const ENVELOPE: usize = 200;
/// Messages being reassembled at once before the oldest are forgotten (a lost part).
const MAX_PARTIAL: usize = 64;
/// Heartbeats between two tidy-ups of old rows.
const TIDY_EVERY: u32 = 300;

/// A relay notification: the message inline (`m`), one part of it (`k`, `i` of `n`, `c`), or
/// the id of its `relay_messages` row (`r`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Relayed {
    /// Session hash.
    s: String,
    /// Kept as text: it goes to the stream as it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<Box<serde_json::value::RawValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<i64>,
    /// Key of a message sent in parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    i: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
    /// This part's slice of the message's JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
}

/// Messages arriving in parts: key → (next index, text so far).
type Partial = std::collections::HashMap<String, (usize, String)>;

/// `text` cut into slices of at most `max` bytes, on character boundaries.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        parts.push(&rest[..end]);
        rest = &rest[end..];
    }
    parts
}

/// Add one part; the whole text once the last part arrived.
fn reassemble(partial: &mut Partial, key: String, i: usize, n: usize, c: String) -> Option<String> {
    if partial.len() >= MAX_PARTIAL && !partial.contains_key(&key) {
        partial.clear();
    }
    if i == 0 {
        partial.insert(key.clone(), (0, String::new()));
    }
    let (next, text) = partial.get_mut(&key)?;
    if *next != i {
        // A part went missing (listener reconnect): drop the message.
        partial.remove(&key);
        return None;
    }
    text.push_str(&c);
    *next += 1;
    if *next == n {
        return partial.remove(&key).map(|(_, t)| t);
    }
    None
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
            let mut partial = Partial::new();
            loop {
                let next = tokio::select! {
                    _ = stop.cancelled() => return,
                    n = listener.try_recv() => n,
                };
                match next {
                    Ok(Some(n)) if n.channel() == END_CHANNEL => self.drop_local(n.payload()),
                    Ok(Some(n)) => self.deliver(n.payload(), &mut partial).await,
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
    async fn deliver(&self, payload: &str, partial: &mut Partial) {
        let Ok(note) = serde_json::from_str::<Relayed>(payload) else {
            tracing::warn!("unreadable relay notification");
            return;
        };
        if let (Some(k), Some(i), Some(n), Some(c)) = (note.k, note.i, note.n, note.c) {
            if let Some(text) = reassemble(partial, k, i, n, c) {
                self.push(&note.s, &text);
            }
            return;
        }
        if let Some(m) = &note.m {
            self.push(&note.s, m.get());
            return;
        }
        let text = match note.r {
            Some(id) => match sqlx::query_scalar::<_, String>(
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
            None => return,
        };
        self.push(&note.s, &text);
    }

    /// Write one relayed message (JSON text) to the local stream of session `hash`.
    fn push(&self, hash: &str, text: &str) {
        // Written to the stream as it came; read into its type only if it is not one line of
        // JSON (never the case for what a replica sends: compact JSON).
        let msg = match Outbound::relayed(text) {
            Some(item) => item,
            None => match serde_json::from_str::<ServerJsonRpcMessage>(text) {
                Ok(msg) => msg.into(),
                Err(_) => {
                    tracing::warn!("unreadable relayed message");
                    return;
                }
            },
        };
        let session = self.streams.get(hash).and_then(|w| w.upgrade());
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

    /// The notification payloads carrying `text`: itself, its parts, or a reference.
    async fn envelopes(
        &self,
        hash: &str,
        text: &str,
    ) -> Result<Vec<String>, crate::store::StoreError> {
        if text.len() + hash.len() + 16 <= self.inline_bytes {
            return Ok(vec![format!(r#"{{"s":"{hash}","m":{text}}}"#)]);
        }
        // Escaping at most doubles a part (compact JSON has no raw control characters).
        let parts = split(text, (self.inline_bytes - ENVELOPE) / 2);
        if parts.len() <= MAX_PARTS {
            let key = uuid::Uuid::new_v4().simple().to_string();
            let n = parts.len();
            return Ok(parts
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let part = Relayed {
                        s: hash.to_owned(),
                        k: Some(key.clone()),
                        i: Some(i),
                        n: Some(n),
                        c: Some(c.to_owned()),
                        ..Relayed::default()
                    };
                    serde_json::to_string(&part).unwrap_or_default()
                })
                .collect());
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO relay_messages (session_hash, payload) VALUES ($1, $2) RETURNING id",
        )
        .bind(hash)
        .bind(text)
        .fetch_one(&self.pool)
        .await?;
        Ok(vec![format!(r#"{{"s":"{hash}","r":{id}}}"#)])
    }

    async fn send_batch(
        &self,
        batch: &[(String, ServerJsonRpcMessage)],
    ) -> Result<(), crate::store::StoreError> {
        let mut sent = 0u64;
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
            for payload in self.envelopes(hash, &text).await? {
                channels.push(channel.clone());
                payloads.push(payload);
            }
            sent += 1;
        }
        if channels.is_empty() {
            return Ok(());
        }
        // One transaction without waiting for its commit to reach the disk: a `NOTIFY` gives
        // its transaction an id, so each commit was a WAL flush, and notifying commits are
        // serialized across the whole PostgreSQL server (one queue lock held through commit).
        // Notifications are not durable anyway (a listener that is not connected never gets
        // them), so a crash loses nothing the relay promised.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *tx)
            .await?;
        // Statements of at most STATEMENT_BYTES, in order: a larger write spans several
        // segments and (sqlx sets no TCP_NODELAY) its tail waits for the server's delayed ACK,
        // about 40 ms. Parts of one message may then span statements: they still arrive in
        // order (one sender, sequential statements), and reassembly is keyed by message.
        let mut start = 0;
        while start < payloads.len() {
            let mut end = start;
            let mut bytes = 0;
            while end < payloads.len()
                && (end == start || bytes + payloads[end].len() <= STATEMENT_BYTES)
            {
                bytes += payloads[end].len() + channels[end].len();
                end += 1;
            }
            sqlx::query(
                "SELECT pg_notify(c, p) FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY \
                 AS t(c, p, n) ORDER BY n",
            )
            .bind(&channels[start..end])
            .bind(&payloads[start..end])
            .execute(&mut *tx)
            .await?;
            start = end;
        }
        tx.commit().await?;
        metrics::cluster_event(ClusterEvent::Relayed, sent);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_split_in_parts_reassembles_exactly() {
        let text = "é".repeat(100) + &"x".repeat(1001);
        let parts = split(&text, 64);
        assert!(parts.iter().all(|p| p.len() <= 64));
        let mut partial = Partial::new();
        let n = parts.len();
        let mut whole = None;
        for (i, p) in parts.iter().enumerate() {
            whole = reassemble(&mut partial, "k".into(), i, n, (*p).to_owned());
            assert_eq!(whole.is_some(), i + 1 == n);
        }
        assert_eq!(whole.as_deref(), Some(text.as_str()));
        assert!(partial.is_empty());
    }

    #[test]
    fn a_missing_part_drops_the_message() {
        let mut partial = Partial::new();
        assert!(reassemble(&mut partial, "k".into(), 0, 3, "a".into()).is_none());
        assert!(reassemble(&mut partial, "k".into(), 2, 3, "c".into()).is_none());
        assert!(partial.is_empty(), "nothing kept for a broken message");
    }
}
