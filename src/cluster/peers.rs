//! Where a session's stream lives and how to reach the replica holding it: cached lookups of
//! `shared_sessions` and `cluster_instances`.

use std::time::Instant;

use super::{Cluster, HOLDER_TTL, SharedRecord, direct::RelayPoint, records};

/// Where a session's stream lives, as last looked up.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    /// Replica holding the stream, if any.
    pub(crate) instance: Option<String>,
    /// Legacy SSE: the stream never moves, so the answer never goes stale.
    fixed: bool,
    fetched: Instant,
}

/// Another replica, as of the last heartbeat round.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// Its notification channel.
    pub(crate) channel: String,
    /// Whether its heartbeat is fresh.
    pub(crate) alive: bool,
    /// Where it receives direct relays, if it does.
    pub(crate) relay: Option<RelayPoint>,
}

impl Cluster {
    pub(super) fn remember_holder(&self, hash: &str, r: &SharedRecord) {
        if let (Some(i), Some(c)) = (&r.stream_instance, &r.stream_channel) {
            let peer = Peer {
                channel: c.clone(),
                alive: r.stream_alive,
                relay: r.stream_relay.clone(),
            };
            self.peers.insert(i.clone(), peer);
        }
        self.holders.insert(
            hash.to_owned(),
            Holder {
                instance: r.stream_instance.clone(),
                fixed: r.transport == "sse" && r.stream_instance.is_some(),
                fetched: Instant::now(),
            },
        );
    }

    /// Where the session's stream lives (Streamable HTTP: cached for [`HOLDER_TTL`]).
    pub(crate) async fn holder(&self, hash: &str) -> Option<Holder> {
        if let Some(h) = self.holders.get(hash)
            && (h.fixed || h.fetched.elapsed() < HOLDER_TTL)
        {
            return Some(h.clone());
        }
        let r = records::fetch(&self.pool, hash, self.idle_ttl, self.dead_after)
            .await
            .ok()
            .flatten()?;
        self.remember_holder(hash, &r);
        self.holders.get(hash).map(|h| h.clone())
    }

    /// A replica's channel and liveness (from the last heartbeat round; asked again if it
    /// joined since).
    pub(crate) async fn peer(&self, instance: &str) -> Option<Peer> {
        if let Some(p) = self.peers.get(instance) {
            return Some(p.clone());
        }
        self.refresh_peers().await;
        self.peers.get(instance).map(|p| p.clone())
    }

    /// Reload every replica's channel and liveness.
    pub(super) async fn refresh_peers(&self) {
        match records::peers(&self.pool, self.dead_after).await {
            Ok(list) => {
                for (instance, channel, alive, addr, token) in list {
                    let relay = RelayPoint::from_columns(addr, token);
                    let peer = Peer {
                        channel,
                        alive,
                        relay,
                    };
                    self.peers.insert(instance, peer);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the replicas' heartbeats"),
        }
    }
}
