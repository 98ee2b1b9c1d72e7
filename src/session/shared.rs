//! The hook through which a session shared between replicas reaches the others (implemented
//! by `cluster::Cluster`; absent on a single process, where nothing here runs).

use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};

use super::{EndReason, Session};

/// What a live session needs from the cluster.
pub trait SharedLink: Send + Sync + 'static {
    /// Deliver a message bound for the session's stream, which another replica holds.
    /// Returns false when it cannot be delivered (no stream anywhere, or its replica is dead).
    fn relay(&self, session: &Session, msg: ServerJsonRpcMessage) -> bool;

    /// The local copy of the session ended for `reason`; the link decides whether the session
    /// ends for every replica (a client `DELETE`, a closed SSE stream) or only here (idle
    /// copy, shutdown of this replica).
    fn ended(&self, session: &Session, reason: EndReason);
}

/// Replay the stored `initialize` into a fresh engine so it serves the session as the replica
/// that ran the handshake does. Not audited and not routed: the client got its reply already.
pub(crate) fn replay_initialize(session: &std::sync::Arc<Session>, mut init: ClientJsonRpcMessage) {
    let rmcp::model::JsonRpcMessage::Request(r) = &mut init else {
        return;
    };
    // An id no client uses, so the swallowed reply can never collide with a client request.
    let id = rmcp::model::RequestId::String(REPLAY_ID.into());
    r.id = id.clone();
    session.mark_initialized();
    // The waiter swallows the engine's reply (otherwise it would reach the client's stream).
    let Ok(waiter) = session.wait_reply(id) else {
        return;
    };
    if session.replay(init).is_ok() {
        tokio::spawn(async move {
            let _ = waiter.recv().await;
        });
    }
}

/// JSON-RPC id of a replayed `initialize`.
const REPLAY_ID: &str = "opik-mcp:replayed-initialize";
