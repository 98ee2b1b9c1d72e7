//! The session registry shared by both HTTP transports: a concurrent map with a cap, an idle
//! TTL and tombstones (so a request for an ended session can say "gone" rather than "unknown").

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use dashmap::DashMap;
use futures::StreamExt;
use rmcp::{RoleServer, ServiceExt, model::ClientJsonRpcMessage, service::DynService};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::{
    EndReason, Lookup, Observers, Origin, RegistryError, Session, SessionSink, SharedLink,
    TransportKind,
};
use crate::{domain::SessionId, mcp::McpEngine};

/// How long an ended session is remembered, and how many at most.
const TOMBSTONE_TTL: Duration = Duration::from_secs(15 * 60);
const TOMBSTONE_MAX: usize = 10_000;

/// Builds the rmcp service one session runs. The Opik handler unless replaced with
/// [`SessionRegistry::set_handler`] (the conformance fixture server of the bench crate runs
/// the suite's fixtures behind the same transports, sessions and middleware).
pub type HandlerFactory = Arc<dyn Fn() -> Box<dyn DynService<RoleServer>> + Send + Sync>;

/// All live sessions.
pub struct SessionRegistry {
    sessions: DashMap<SessionId, Arc<Session>>,
    ended: Mutex<HashMap<SessionId, (Instant, EndReason)>>,
    count: AtomicUsize,
    /// Sessions ended since freed memory was last handed back (see [`super::trim`]).
    ended_since_trim: AtomicUsize,
    max: usize,
    /// Live sessions per owner (authenticated sessions only).
    owned: DashMap<Arc<str>, usize>,
    max_per_owner: usize,
    queue: usize,
    idle_ttl: Duration,
    engine: Arc<McpEngine>,
    /// Cancels every engine (after the HTTP server has drained).
    engines: CancellationToken,
    /// Set while draining: no new sessions.
    draining: CancellationToken,
    observers: Observers,
    /// The cluster, when sessions are shared between replicas.
    shared: OnceLock<Arc<dyn SharedLink>>,
    /// Replaces the Opik handler, when set.
    handler: OnceLock<HandlerFactory>,
}

impl SessionRegistry {
    /// A registry creating sessions served by `engine`. Engines stop when `engines` is
    /// cancelled; no session is created once `draining` is.
    pub fn new(
        engine: Arc<McpEngine>,
        engines: CancellationToken,
        draining: CancellationToken,
        observers: Observers,
    ) -> Arc<Self> {
        let s = &engine.settings().server;
        Arc::new(Self {
            sessions: DashMap::new(),
            ended: Mutex::new(HashMap::new()),
            count: AtomicUsize::new(0),
            ended_since_trim: AtomicUsize::new(0),
            max: s.max_sessions,
            owned: DashMap::new(),
            max_per_owner: engine.settings().limits.max_sessions_per_principal,
            queue: s.session_queue,
            idle_ttl: s.session_idle_ttl(),
            engine,
            engines,
            draining,
            observers,
            shared: OnceLock::new(),
            handler: OnceLock::new(),
        })
    }

    /// Share this registry's sessions with other replicas through `link` (set at start-up,
    /// before the first session).
    pub fn set_shared(&self, link: Arc<dyn SharedLink>) {
        let _ = self.shared.set(link);
    }

    /// Serve every session with the services `factory` builds instead of the Opik handler
    /// (set at start-up, before the first session; a second call is ignored).
    pub fn set_handler(&self, factory: HandlerFactory) {
        let _ = self.handler.set(factory);
    }

    /// The service a new session runs.
    fn new_handler(&self) -> Box<dyn DynService<RoleServer>> {
        match self.handler.get() {
            Some(factory) => factory(),
            None => self.engine.handler().into_dyn(),
        }
    }

    /// Take a slot under the cap, or say why not.
    fn reserve(&self) -> Result<(), RegistryError> {
        if self.count.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.count.fetch_sub(1, Ordering::AcqRel);
            return Err(RegistryError::Full(self.max));
        }
        Ok(())
    }

    /// Live sessions.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Whether there are no live sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queued client messages across all sessions, and the deepest single queue.
    pub fn queue_depths(&self) -> (usize, usize) {
        self.sessions.iter().fold((0, 0), |(sum, max), s| {
            let d = s.queue_depth();
            (sum + d, max.max(d))
        })
    }

    /// Create a session; its MCP engine starts with its first message.
    pub fn create(
        self: &Arc<Self>,
        transport: TransportKind,
        origin: Origin,
    ) -> Result<Arc<Session>, RegistryError> {
        if self.draining.is_cancelled() {
            return Err(RegistryError::ShuttingDown);
        }
        if !self.observers.accepting() {
            return Err(RegistryError::AuditUnavailable);
        }
        self.reserve()?;
        if let Some(owner) = &origin.owner {
            let mut n = self.owned.entry(Arc::clone(owner)).or_insert(0);
            if *n >= self.max_per_owner {
                drop(n);
                self.count.fetch_sub(1, Ordering::AcqRel);
                return Err(RegistryError::OwnerFull(self.max_per_owner));
            }
            *n += 1;
        }
        let session = self.start(SessionId::generate(), transport, origin, false);
        self.observers.session_opened(&*session);
        tracing::info!(session = %session.id().log_tag(), transport = transport.as_str(), "session opened");
        Ok(session)
    }

    /// Create the local copy of a session another replica created (shared sessions): same
    /// id, transport and owner; the stored `initialize`, when there is one, is replayed into
    /// its engine. Counts under `server.max_sessions`, not as a new session of its owner.
    /// Two requests adopting at once get the same copy.
    pub fn adopt(
        self: &Arc<Self>,
        id: SessionId,
        transport: TransportKind,
        origin: Origin,
        init: Option<rmcp::model::ClientJsonRpcMessage>,
    ) -> Result<Arc<Session>, RegistryError> {
        if let Some(s) = self.sessions.get(&id) {
            return Ok(Arc::clone(s.value()));
        }
        // Not refused while draining: the session exists, and its client is still being
        // served by this replica until its connection closes.
        self.reserve()?;
        let session = self.start(id, transport, origin, true);
        if let Some(init) = init {
            super::replay_initialize(&session, init);
        }
        tracing::debug!(session = %session.id().log_tag(), "shared session adopted");
        Ok(session)
    }

    /// Register a session and arm its engine (the slot is already reserved). If another
    /// task registered the same id first, its session wins and the slot is given back.
    fn start(
        self: &Arc<Self>,
        id: SessionId,
        transport: TransportKind,
        origin: Origin,
        adopted: bool,
    ) -> Arc<Session> {
        use dashmap::mapref::entry::Entry;
        let (tx, rx) = mpsc::channel(self.queue);
        let ct = self.engines.child_token();
        let session = Arc::new(Session::new(
            id.clone(),
            transport,
            tx,
            ct.clone(),
            origin,
            self.observers.clone(),
        ));
        if let Some(link) = self.shared.get() {
            session.set_link(Arc::clone(link), adopted);
        }
        let limits = &self.engine.settings().limits;
        session.replay_log().set_limits(super::ReplayLimits {
            events: limits.stream_replay_events,
            age: limits.stream_replay_age(),
        });
        session.touch();
        match self.sessions.entry(id.clone()) {
            Entry::Occupied(e) => {
                self.count.fetch_sub(1, Ordering::AcqRel);
                return Arc::clone(e.get());
            }
            Entry::Vacant(v) => {
                v.insert(Arc::clone(&session));
            }
        }
        // Started by the first queued message: an idle stream holds no engine. Weak
        // references, so the armed engine keeps neither its session nor the registry alive.
        let (weak_session, registry) = (Arc::downgrade(&session), Arc::downgrade(self));
        session.engine.arm(Box::new(move || {
            let (Some(session), Some(registry)) = (weak_session.upgrade(), registry.upgrade())
            else {
                return;
            };
            let handler = registry.new_handler();
            tokio::spawn(async move {
                if let Err(e) = serve(handler, session, rx, ct).await {
                    tracing::debug!(session = %id.log_tag(), error = %e, "engine did not start");
                }
                registry.end(&id, EndReason::EngineStopped);
            });
        }));
        session
    }

    /// An engine for one stateless request: not registered, not counted, not reported as a
    /// session to the observers (its requests are). Close it after the reply.
    pub fn ephemeral(&self, origin: Origin) -> Arc<Session> {
        let (tx, rx) = mpsc::channel(4);
        let ct = self.engines.child_token();
        let session = Arc::new(Session::new(
            SessionId::generate(),
            TransportKind::Stateless,
            tx,
            ct.clone(),
            origin,
            self.observers.clone(),
        ));
        tokio::spawn(serve(self.new_handler(), Arc::clone(&session), rx, ct));
        session
    }

    /// The ids of the live sessions (admin API).
    pub fn live_ids(&self) -> Vec<SessionId> {
        self.sessions.iter().map(|s| s.key().clone()).collect()
    }

    /// Whether new requests may be accepted (see [`super::Observer::accepting`]).
    pub fn accepting(&self) -> bool {
        self.observers.accepting()
    }

    /// Look a session up (and count it as activity).
    pub fn lookup(&self, id: &SessionId) -> Lookup {
        if let Some(s) = self.sessions.get(id) {
            s.touch();
            return Lookup::Live(Arc::clone(s.value()));
        }
        match self.ended.lock().unwrap_or_else(|p| p.into_inner()).get(id) {
            Some((_, reason)) => Lookup::Ended(*reason),
            None => Lookup::Unknown,
        }
    }

    /// End a session; idempotent. Returns whether it was live.
    pub fn end(&self, id: &SessionId, reason: EndReason) -> bool {
        let Some((_, session)) = self.sessions.remove(id) else {
            return false;
        };
        self.count.fetch_sub(1, Ordering::AcqRel);
        self.ended_since_trim.fetch_add(1, Ordering::Relaxed);
        if let Some(owner) = session
            .origin()
            .owner
            .as_ref()
            .filter(|_| !session.is_adopted())
        {
            self.owned.remove_if_mut(owner, |_, n| {
                *n = n.saturating_sub(1);
                *n == 0
            });
        }
        session.close();
        if !session.is_adopted() {
            self.observers.session_closed(&*session, reason);
        }
        if let Some(link) = session.link() {
            link.ended(&session, reason);
        }
        let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
        if ended.len() >= TOMBSTONE_MAX {
            prune(&mut ended, Duration::ZERO);
        }
        ended.insert(id.clone(), (Instant::now(), reason));
        tracing::info!(session = %id.log_tag(), reason = reason.as_str(), "session closed");
        true
    }

    /// End sessions idle for longer than the TTL (sessions with an open stream are not idle:
    /// a client is attached). Returns how many ended.
    pub fn sweep(&self) -> usize {
        let idle: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|s| !s.has_stream() && s.idle_for() > self.idle_ttl)
            .map(|s| s.key().clone())
            .collect();
        let n = idle
            .iter()
            .filter(|id| self.end(id, EndReason::IdleTimeout))
            .count();
        prune(
            &mut self.ended.lock().unwrap_or_else(|p| p.into_inner()),
            TOMBSTONE_TTL,
        );
        n
    }

    /// End every session (shutdown).
    pub fn close_all(&self, reason: EndReason) {
        let ids: Vec<SessionId> = self.sessions.iter().map(|s| s.key().clone()).collect();
        for id in ids {
            self.end(&id, reason);
        }
    }

    /// Run [`Self::sweep`] periodically until `stop`.
    pub async fn run_sweeper(self: Arc<Self>, stop: CancellationToken) {
        let period = (self.idle_ttl / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        let mut tick = tokio::time::interval(period);
        let mut trim = tokio::time::interval(super::trim::CHECK_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => {
                    let n = self.sweep();
                    if n > 0 {
                        tracing::info!(ended = n, "idle sessions expired");
                    }
                }
                _ = trim.tick() => {
                    let ended = self.ended_since_trim.load(Ordering::Relaxed);
                    if ended >= super::trim::AFTER_SESSIONS {
                        self.ended_since_trim.fetch_sub(ended, Ordering::Relaxed);
                        super::trim::release_freed_memory().await;
                    }
                }
            }
        }
    }
}

/// Run a session's engine until it stops; an error when its handshake failed.
async fn serve(
    handler: Box<dyn DynService<RoleServer>>,
    session: Arc<Session>,
    rx: mpsc::Receiver<Box<ClientJsonRpcMessage>>,
    ct: CancellationToken,
) -> Result<(), rmcp::service::ServerInitializeError> {
    let inbound = ReceiverStream::new(rx).map(|m| *m);
    let running = handler
        .serve_with_ct((SessionSink::new(session), inbound), ct)
        .await?;
    let _ = running.waiting().await;
    Ok(())
}

fn prune(ended: &mut HashMap<SessionId, (Instant, EndReason)>, older_than: Duration) {
    ended.retain(|_, (at, _)| at.elapsed() < older_than);
}

impl crate::store::api::LiveSessions for SessionRegistry {
    fn end_by_hash(&self, hash: &str) -> bool {
        let id = self
            .live_ids()
            .into_iter()
            .find(|id| crate::store::session_hash(id) == hash);
        id.is_some_and(|id| self.end(&id, EndReason::Admin))
    }
}
