//! The cluster's background tasks: heartbeats, the `LISTEN` loop, and the sender of messages
//! relayed to the replica holding a session's stream (directly, `direct.rs`, or through
//! PostgreSQL, `notify.rs`).

use std::{sync::Arc, time::Duration};

use rmcp::model::ServerJsonRpcMessage;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{
    Cluster, END_CHANNEL, Peer,
    direct::{self, Links, SendError},
    notify::Partial,
    records,
};
use crate::session::Outbound;
use crate::telemetry::{labels::ClusterEvent, metrics};

/// Most messages sent in one round trip.
const BATCH: usize = 64;
/// Most payload bytes per `NOTIFY` statement (see `send_batch`).
const STATEMENT_BYTES: usize = 12_000;
/// Heartbeats between two tidy-ups of old rows.
const TIDY_EVERY: u32 = 300;

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
        let relay = self.relay_point.as_ref();
        records::heartbeat(&self.pool, &self.instance, &self.channel, relay).await
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

    /// Write one relayed message (JSON text) to the local stream of session `hash`.
    pub(super) fn push(&self, hash: &str, text: &str) {
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
        self.push_item(hash, msg);
    }

    /// Write one relayed stream item to the local stream of session `hash`.
    pub(super) fn push_item(&self, hash: &str, msg: Outbound) {
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
        let mut links = Links::default();
        loop {
            let n = tokio::select! {
                _ = stop.cancelled() => return,
                n = rx.recv_many(&mut batch, BATCH) => n,
            };
            if n == 0 {
                return;
            }
            if let Err(e) = self.send_batch(&mut links, &batch).await {
                tracing::warn!(error = %e, dropped = batch.len(), "relay to another replica failed");
            }
            batch.clear();
        }
    }

    /// Relay one batch: straight to the replicas that take direct relays, through PostgreSQL
    /// to the others (and to one whose relay cannot be reached).
    async fn send_batch(
        &self,
        links: &mut Links,
        batch: &[(String, ServerJsonRpcMessage)],
    ) -> Result<(), crate::store::StoreError> {
        let mut sent = 0u64;
        let mut channels = Vec::new();
        let mut payloads = Vec::new();
        for route in self.routes(batch).await {
            if self.send_direct(links, &route).await {
                continue;
            }
            for (hash, msg) in &route.msgs {
                let json = crate::session::json::to_json(msg).unwrap_or_default();
                let text = String::from_utf8(json).unwrap_or_default();
                for payload in self.envelopes(hash, &text).await? {
                    channels.push(route.peer.channel.clone());
                    payloads.push(payload);
                }
            }
            sent += route.msgs.len() as u64;
        }
        links.retain(|i| self.peers.get(i).is_some_and(|p| p.alive));
        if channels.is_empty() {
            return Ok(());
        }
        self.notify(&channels, &payloads).await?;
        metrics::cluster_event(ClusterEvent::Relayed, sent);
        Ok(())
    }

    /// The batch's messages grouped by the live replica holding their stream, in batch order
    /// (messages whose stream no live replica holds are dropped and counted).
    async fn routes<'a>(&self, batch: &'a [(String, ServerJsonRpcMessage)]) -> Vec<Route<'a>> {
        let mut routes: Vec<Route<'a>> = Vec::new();
        for (hash, msg) in batch {
            let instance = self.holder(hash).await.and_then(|h| h.instance);
            let peer = match &instance {
                Some(i) if *i != self.instance => self.peer(i).await,
                _ => None,
            };
            let (Some(instance), Some(peer)) = (instance, peer.filter(|p| p.alive)) else {
                metrics::cluster_event(ClusterEvent::RelayDropped, 1);
                tracing::debug!("no live replica holds this session's stream");
                continue;
            };
            match routes.iter_mut().find(|r| r.instance == instance) {
                Some(r) => r.msgs.push((hash, msg)),
                None => routes.push(Route {
                    instance,
                    peer,
                    msgs: vec![(hash, msg)],
                }),
            }
        }
        routes
    }

    /// Send `route` over its replica's direct relay. False when it has none, or it cannot be
    /// reached (nothing was sent: the caller relays through PostgreSQL instead).
    async fn send_direct(&self, links: &mut Links, route: &Route<'_>) -> bool {
        let Some(point) = route.peer.relay.as_ref() else {
            return false;
        };
        if !links.usable(&route.instance) {
            return false;
        }
        let frames: Vec<_> = route
            .msgs
            .iter()
            .filter_map(|(h, m)| direct::frame(h, m))
            .collect();
        let unframed = route.msgs.len() - frames.len();
        if unframed > 0 {
            metrics::cluster_event(ClusterEvent::RelayDropped, unframed as u64);
            tracing::warn!(dropped = unframed, "relayed message too large to frame");
        }
        let n = frames.len() as u64;
        match links.send(&route.instance, point, frames).await {
            Ok(()) => metrics::cluster_event(ClusterEvent::RelayedDirect, n),
            Err(SendError::Broken(e)) => {
                metrics::cluster_event(ClusterEvent::RelayDropped, n);
                tracing::warn!(error = %e, dropped = n, "direct relay failed");
            }
            Err(SendError::Unreachable(e)) => {
                tracing::warn!(error = %e, relay = %point.addr,
                    "direct relay unreachable; relaying through PostgreSQL");
                return false;
            }
        }
        true
    }

    /// `pg_notify(channels[i], payloads[i])` for each `i`, in order, in one transaction.
    async fn notify(
        &self,
        channels: &[String],
        payloads: &[String],
    ) -> Result<(), crate::store::StoreError> {
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
        Ok(())
    }
}

/// A batch's messages for one receiving replica, with their session hashes, in order.
struct Route<'a> {
    instance: String,
    peer: Peer,
    msgs: Vec<(&'a str, &'a ServerJsonRpcMessage)>,
}
