//! The sessions facade: create, find, end, attach a stream, over the local registry and,
//! when sessions are shared between replicas (`cluster.shared_sessions`), the cluster. The
//! transports use only this; whether a session lives here or on another replica (and its
//! messages are relayed there) is decided below it.

use std::sync::Arc;

use rmcp::model::ClientJsonRpcMessage;
use tokio::sync::mpsc;

use crate::{
    cluster::Cluster,
    domain::SessionId,
    session::{
        EndReason, Lookup, Origin, Outbound, RegistryError, Session, SessionRegistry,
        StreamAttachError, TransportKind,
    },
};

/// Other replicas could not be told about a session: it cannot be served.
#[derive(Debug, thiserror::Error)]
#[error("the session store is unavailable")]
pub struct Unshared;

/// The sessions of this server (see the module docs); cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    registry: Arc<SessionRegistry>,
    cluster: Option<Arc<Cluster>>,
}

impl Sessions {
    /// The facade over `registry` and, when sessions are shared, `cluster`.
    pub fn new(registry: Arc<SessionRegistry>, cluster: Option<Arc<Cluster>>) -> Self {
        Self { registry, cluster }
    }

    /// Whether sessions are shared with other replicas ([`Self::share`] then wants the
    /// client's `initialize`, to replay it where the session is adopted).
    pub fn is_shared(&self) -> bool {
        self.cluster.is_some()
    }

    /// A new session of `transport` for `origin`.
    pub fn create(
        &self,
        transport: TransportKind,
        origin: Origin,
    ) -> Result<Arc<Session>, RegistryError> {
        self.registry.create(transport, origin)
    }

    /// A session for one request of the stateless revision (never listed, never shared).
    pub fn ephemeral(&self, origin: Origin) -> Arc<Session> {
        self.registry.ephemeral(origin)
    }

    /// Make a new session reachable from other replicas (nothing to do when not shared).
    /// On failure the session is ended: half a session is never handed out.
    pub async fn share(
        &self,
        session: &Arc<Session>,
        init: Option<&ClientJsonRpcMessage>,
    ) -> Result<(), Unshared> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        if let Err(e) = cluster.register(session, init).await {
            tracing::error!(error.cause_chain = ?e, "cannot share a new session");
            self.registry.end(session.id(), EndReason::EngineStopped);
            return Err(Unshared);
        }
        Ok(())
    }

    /// Record a legacy SSE client's `initialize` before it reaches the engine, so a replica
    /// adopting the session replays it (nothing to do when not shared).
    pub async fn record_initialize(
        &self,
        session: &Session,
        init: &ClientJsonRpcMessage,
    ) -> Result<(), Unshared> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        cluster.record_initialize(session, init).await.map_err(|e| {
            tracing::error!(error.cause_chain = ?e, "cannot share the handshake");
            Unshared
        })
    }

    /// The session `id` names: the local one, or one another replica created, adopted.
    pub async fn find(&self, id: &SessionId, transport: TransportKind) -> Lookup {
        match &self.cluster {
            Some(c) => c.resolve(&self.registry, id, transport).await,
            None => self.registry.lookup(id),
        }
    }

    /// Open the session's stream here (one per session), buffering `capacity` messages.
    pub async fn attach_stream(
        &self,
        session: &Arc<Session>,
        capacity: usize,
    ) -> Result<mpsc::Receiver<Box<Outbound>>, StreamAttachError> {
        let rx = session.attach_stream(capacity)?;
        if let Some(cluster) = &self.cluster {
            cluster.stream_attached(session).await;
        }
        Ok(rx)
    }

    /// Whether a legacy SSE session's stream is open: here, or on a live replica.
    pub async fn stream_alive(&self, session: &Session) -> bool {
        match &self.cluster {
            Some(c) => c.sse_stream_alive(session).await,
            None => session.has_stream(),
        }
    }

    /// End the session on this replica.
    pub fn end(&self, id: &SessionId, reason: EndReason) {
        self.registry.end(id, reason);
    }

    /// End the session everywhere (a client's DELETE): when shared, it is marked ended
    /// before this returns, so no replica serves it afterwards.
    pub async fn end_everywhere(&self, session: &Session, reason: EndReason) {
        if let Some(cluster) = &self.cluster {
            let hash = session.id_hash();
            cluster.end_shared(hash, reason).await;
        }
        self.registry.end(session.id(), reason);
    }
}
