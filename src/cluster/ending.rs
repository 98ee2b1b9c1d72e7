//! Ending shared sessions: everywhere (client `DELETE`, admin, closed SSE stream) or only
//! here (idle copy, shutdown), and dropping copies that another replica ended.

use std::sync::Weak;

use rmcp::model::ServerJsonRpcMessage;

use super::{Cluster, END_CHANNEL, records};
use crate::{
    session::{EndReason, Session, SharedLink},
    telemetry::{labels::ClusterEvent, metrics},
};

impl Cluster {
    /// End a session on every replica: mark its row ended, then notify. Idempotent.
    pub async fn end_shared(&self, hash: &str, reason: EndReason) {
        match records::end(&self.pool, hash, reason.as_str()).await {
            Ok(true) => {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(END_CHANNEL)
                    .bind(hash)
                    .execute(&self.pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not notify the end of a shared session");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not end a shared session"),
        }
    }

    /// A local copy ended because another replica ended the session: drop it quietly.
    pub(super) fn drop_local(&self, hash: &str) {
        let Some((_, id)) = self.local.remove(hash) else {
            return;
        };
        self.streams.remove(hash);
        self.holders.remove(hash);
        metrics::cluster_event(ClusterEvent::EndedElsewhere, 1);
        if let Some(registry) = self.registry.get().and_then(Weak::upgrade) {
            registry.end(&id, EndReason::Deleted);
        }
    }

    /// The listener lost its connection (end notices may have been missed): drop the local
    /// copies of every session the database says has ended.
    pub(super) async fn resync(&self) {
        let hashes: Vec<String> = self.local.iter().map(|e| e.key().clone()).collect();
        if hashes.is_empty() {
            return;
        }
        match records::ended_among(&self.pool, &hashes, self.idle_ttl).await {
            Ok(ended) => {
                for hash in &ended {
                    self.drop_local(hash);
                }
                tracing::info!(
                    checked = hashes.len(),
                    ended = ended.len(),
                    "cluster resynced"
                );
            }
            Err(e) => tracing::warn!(error = %e, "cluster resync failed"),
        }
    }
}

impl SharedLink for Cluster {
    fn relay(&self, session: &Session, msg: ServerJsonRpcMessage) -> bool {
        let queued = self
            .relay_tx
            .try_send((session.id_hash().to_owned(), msg))
            .is_ok();
        if !queued {
            metrics::cluster_event(ClusterEvent::RelayDropped, 1);
        }
        queued
    }

    fn ended(&self, session: &Session, reason: EndReason) {
        let hash = session.id_hash().to_owned();
        self.streams.remove(&hash);
        self.touched.remove(&hash);
        // Absent: dropped on another replica's notice (nothing more to tell).
        if self.local.remove(&hash).is_none() {
            return;
        }
        if !matches!(
            reason,
            EndReason::Deleted | EndReason::Admin | EndReason::StreamClosed
        ) {
            return;
        }
        let pool = self.pool.clone();
        let reason = reason.as_str();
        tokio::spawn(async move {
            if let Ok(true) = records::end(&pool, &hash, reason).await {
                let _ = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(END_CHANNEL)
                    .bind(&hash)
                    .execute(&pool)
                    .await;
            }
        });
    }
}
