//! One MCP session: its inbound queue, its pending replies and its outbound stream.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Instant,
};

use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcMessage, RequestId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub(crate) use super::kinds::Inflight;
use super::{
    ClientInfo, Observers, Origin, SendError, SharedLink, StreamAttachError, TransportKind,
    lazy::LazyEngine,
};
use crate::domain::SessionId;

/// One MCP session.
pub struct Session {
    id: SessionId,
    /// SHA-256 of the id, hex, computed at most once: the access log and the audit trail
    /// name the session by it on every request (hashing it per request showed in profiles).
    id_hash: std::sync::OnceLock<String>,
    transport: TransportKind,
    created: Instant,
    last_seen_ms: AtomicU64,
    // Channel items are boxed: a tokio channel allocates its first block of 32 slots up
    // front, and with the messages inline that is tens of KiB per idle session.
    inbound: mpsc::Sender<Box<ClientJsonRpcMessage>>,
    pending: Mutex<HashMap<RequestId, ReplySlot>>,
    stream: Mutex<Option<mpsc::Sender<Box<super::Outbound>>>>,
    /// Messages for the stream while none is attached (bounded, see `live_stream.rs`).
    held: Mutex<VecDeque<Box<super::Outbound>>>,
    /// What the GET stream sent, for resumption.
    replay: super::ReplayLog,
    initialized: AtomicBool,
    cancel: CancellationToken,
    origin: Origin,
    client: Mutex<Option<ClientInfo>>,
    inflight: Mutex<HashMap<RequestId, Inflight>>,
    pub(crate) observers: Observers,
    /// The cluster, when sessions are shared between replicas.
    link: OnceLock<Arc<dyn SharedLink>>,
    /// A local copy of a session another replica created (its opening and end are that
    /// replica's to report).
    adopted: AtomicBool,
    /// Started by the first queued message.
    pub(crate) engine: LazyEngine,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(
        id: SessionId,
        transport: TransportKind,
        inbound: mpsc::Sender<Box<ClientJsonRpcMessage>>,
        cancel: CancellationToken,
        origin: Origin,
        observers: Observers,
    ) -> Self {
        Self {
            id,
            id_hash: std::sync::OnceLock::new(),
            transport,
            created: Instant::now(),
            last_seen_ms: AtomicU64::new(0),
            inbound,
            pending: Mutex::new(HashMap::new()),
            stream: Mutex::new(None),
            held: Mutex::new(VecDeque::new()),
            replay: super::ReplayLog::default(),
            initialized: AtomicBool::new(false),
            cancel,
            origin,
            client: Mutex::new(None),
            inflight: Mutex::new(HashMap::new()),
            observers,
            link: OnceLock::new(),
            adopted: AtomicBool::new(false),
            engine: LazyEngine::default(),
        }
    }

    /// Connect the session to the cluster (once, at creation).
    pub(crate) fn set_link(&self, link: Arc<dyn SharedLink>, adopted: bool) {
        let _ = self.link.set(link);
        self.adopted.store(adopted, Ordering::Release);
    }

    /// The cluster link, when sessions are shared.
    pub(crate) fn link(&self) -> Option<&Arc<dyn SharedLink>> {
        self.link.get()
    }

    /// Whether this is a local copy of a session created on another replica.
    pub fn is_adopted(&self) -> bool {
        self.adopted.load(Ordering::Acquire)
    }

    /// Queue a replayed message (the stored `initialize`) without tracking or reporting it.
    pub(crate) fn replay(&self, msg: ClientJsonRpcMessage) -> Result<(), SendError> {
        if let JsonRpcMessage::Request(r) = &msg
            && let ClientRequest::InitializeRequest(i) = &r.request
        {
            self.remember_client(i);
        }
        self.inbound.try_send(Box::new(msg)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => SendError::Closed,
        })?;
        self.engine.start();
        Ok(())
    }

    /// Keep what the client said about itself in `initialize`.
    fn remember_client(&self, i: &rmcp::model::InitializeRequest) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(ClientInfo {
            name: i.params.client_info.name.clone(),
            version: i.params.client_info.version.clone(),
            protocol_version: i.params.protocol_version.to_string(),
        });
    }

    /// Where the session came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The owning subject, if authenticated.
    pub fn owner(&self) -> Option<&str> {
        self.origin.owner.as_deref()
    }

    /// What the client sent in `initialize`, once it has.
    pub fn client_info(&self) -> Option<ClientInfo> {
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// When the session was created.
    pub fn created(&self) -> Instant {
        self.created
    }

    /// Remember a request so its reply can be reported to the observers.
    fn track(&self, msg: &ClientJsonRpcMessage) {
        let JsonRpcMessage::Request(r) = msg else {
            return;
        };
        let (name, arguments) = match &r.request {
            ClientRequest::CallToolRequest(c) => {
                (Some(c.params.name.to_string()), c.params.arguments.clone())
            }
            ClientRequest::ReadResourceRequest(rr) => (Some(rr.params.uri.clone()), None),
            ClientRequest::GetPromptRequest(g) => (Some(g.params.name.clone()), None),
            ClientRequest::InitializeRequest(i) => {
                self.remember_client(i);
                (None, None)
            }
            _ => (None, None),
        };
        let entry = Inflight {
            method: r.request.method().into(),
            name,
            arguments,
            started: Instant::now(),
        };
        self.inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(r.id.clone(), entry);
    }

    /// Take the bookkeeping of an answered request.
    pub(crate) fn untrack(&self, id: &RequestId) -> Option<Inflight> {
        self.inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
    }

    /// The session id.
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    /// SHA-256 of the id, lowercase hex: how the audit trail stores it (the same value as
    /// `store::session_hash`), computed once per session.
    pub fn id_hash(&self) -> &str {
        self.id_hash
            .get_or_init(|| crate::store::session_hash(&self.id))
    }

    /// The id's log tag (`SessionId::log_tag`: the first 12 hex digits of [`Self::id_hash`]),
    /// without hashing again.
    pub fn log_tag(&self) -> &str {
        &self.id_hash()[..12]
    }

    /// The transport it arrived on.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Cancelled when the session ends.
    pub fn cancelled(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Record activity (for the idle TTL).
    pub(crate) fn touch(&self) {
        let ms = self.created.elapsed().as_millis() as u64;
        self.last_seen_ms.store(ms, Ordering::Relaxed);
    }

    /// Time since the last activity.
    pub(crate) fn idle_for(&self) -> std::time::Duration {
        let seen = self.last_seen_ms.load(Ordering::Relaxed);
        self.created
            .elapsed()
            .saturating_sub(std::time::Duration::from_millis(seen))
    }

    /// Whether `initialize` has been forwarded on this session.
    pub fn is_initialized(&self) -> bool {
        self.initialized.load(Ordering::Acquire)
    }

    /// Mark the session initialized; returns false if it already was.
    pub fn mark_initialized(&self) -> bool {
        !self.initialized.swap(true, Ordering::AcqRel)
    }

    /// Queue a message for the engine without waiting (back-pressure is an error, not memory).
    pub fn send(&self, msg: ClientJsonRpcMessage) -> Result<(), SendError> {
        self.touch();
        let permit = self.inbound.try_reserve().map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => SendError::QueueFull,
            mpsc::error::TrySendError::Closed(()) => SendError::Closed,
        })?;
        self.deliver(permit, msg);
        Ok(())
    }

    /// Queue a message, waiting for room (stdio, where the one client waits for us anyway).
    pub async fn send_wait(&self, msg: ClientJsonRpcMessage) -> Result<(), SendError> {
        self.touch();
        let permit = self
            .inbound
            .reserve()
            .await
            .map_err(|_| SendError::Closed)?;
        self.deliver(permit, msg);
        Ok(())
    }

    /// Track, report and enqueue a message into a reserved slot (cannot fail).
    fn deliver(
        &self,
        permit: mpsc::Permit<'_, Box<ClientJsonRpcMessage>>,
        msg: ClientJsonRpcMessage,
    ) {
        self.track(&msg);
        self.observers.message_received(self, &msg);
        permit.send(Box::new(msg));
        self.engine.start();
    }

    /// Client messages queued for the engine and not yet taken.
    pub fn queue_depth(&self) -> usize {
        self.inbound.max_capacity() - self.inbound.capacity()
    }

    /// The GET stream's replay log.
    pub fn replay_log(&self) -> &super::ReplayLog {
        &self.replay
    }

    /// Whether the session negotiated 2025-11-25 or later (its streams open with a priming
    /// event and `retry`).
    pub fn primes_streams(&self) -> bool {
        self.client_info()
            .is_some_and(|c| c.protocol_version.as_str() >= "2025-11-25")
    }

    /// End the session: cancel its engine and drop its stream and waiters.
    pub(crate) fn close(&self) {
        self.cancel.cancel();
        self.engine.disarm();
        self.stream.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[path = "live_replies.rs"]
mod replies;
pub use replies::{NoReply, ReplySlot, ReplyWaiter};
#[path = "live_stream.rs"]
mod stream;

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
