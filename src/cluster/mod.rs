//! Stateful MCP sessions shared between replicas through PostgreSQL (`cluster.shared_sessions`;
//! design and failure modes in docs/scaling.md).
//!
//! - `shared_sessions` holds what any replica needs to serve a session: transport, owning
//!   subject, the client's `initialize` request, the replica holding its stream. A replica
//!   that gets a request for a session it does not hold *adopts* it: a local engine is fed
//!   the stored `initialize` (reply swallowed) and then serves the request. Streamable HTTP
//!   replies go on the POST response, so they work on any replica.
//! - Messages bound for a stream another replica holds (legacy SSE replies, notifications for
//!   a Streamable HTTP GET stream) are relayed with `NOTIFY` on that replica's channel
//!   (`relay.rs`); messages too large for a notification go through `relay_messages`.
//! - Ending a session (DELETE, admin, closed SSE stream) marks the row ended and notifies
//!   every replica, which drop their local copies. Idle and shutdown ends stay local: the
//!   session lives on in the database and on the other replicas.
//! - Each replica heartbeats in `cluster_instances`; a stale heartbeat means its SSE streams
//!   are gone.

mod direct;
mod ending;
mod notify;
mod peers;
mod records;
mod relay;

use std::{
    sync::{Arc, OnceLock, Weak},
    time::{Duration, Instant},
};

use dashmap::DashMap;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use sqlx::postgres::PgPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub(crate) use peers::{Holder, Peer};
pub use records::SharedRecord;

use crate::{
    config::Settings,
    domain::SessionId,
    session::{EndReason, Lookup, Origin, Session, SessionRegistry, SharedLink, TransportKind},
    store::{PgStore, StoreError, session_hash},
    telemetry::{labels::ClusterEvent, metrics},
};

/// Channel every replica listens on for ended sessions (payload: the session hash).
const END_CHANNEL: &str = "opik_mcp_session_end";
/// How long a looked-up Streamable HTTP stream holder is trusted before asking the database
/// again (its client may re-open its GET stream on another replica).
const HOLDER_TTL: Duration = Duration::from_secs(1);
/// Messages waiting to be relayed before new ones are dropped (a stuck database).
const RELAY_QUEUE: usize = 10_000;

/// This replica's membership of the cluster.
pub struct Cluster {
    pool: PgPool,
    instance: String,
    channel: String,
    inline_bytes: usize,
    heartbeat: Duration,
    dead_after: Duration,
    idle_ttl: Duration,
    /// Shared sessions with a live local copy, by hash (for end notifications).
    local: DashMap<String, SessionId>,
    /// Sessions whose stream this replica holds, by hash (for relayed messages).
    streams: DashMap<String, Weak<Session>>,
    holders: DashMap<String, Holder>,
    /// Every replica's channel and liveness, refreshed with each heartbeat.
    peers: DashMap<String, Peer>,
    touched: DashMap<String, Instant>,
    relay_tx: mpsc::Sender<(String, ServerJsonRpcMessage)>,
    relay_rx: std::sync::Mutex<Option<mpsc::Receiver<(String, ServerJsonRpcMessage)>>>,
    /// Where this replica receives direct relays (`cluster.relay_listen`), if it does.
    relay_point: Option<direct::RelayPoint>,
    relay_listener: std::sync::Mutex<Option<tokio::net::TcpListener>>,
    registry: OnceLock<Weak<SessionRegistry>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Connect (own small pool), migrate, bind the direct relay's listener if configured, and
    /// register this replica as `instance_id`.
    pub async fn connect(settings: &Settings, instance_id: &str) -> anyhow::Result<Arc<Self>> {
        let mut db = settings.database.clone();
        // Heartbeats, lookups and relays: a few connections, apart from the audit writer's.
        db.max_connections = db.max_connections.clamp(2, 8);
        let store = PgStore::connect(&db).await?;
        store.migrate().await?;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let instance = format!("{instance_id}:{}", &suffix[..8]);
        let channel = format!("opik_mcp_relay_{suffix}");
        let c = &settings.cluster;
        let (relay_tx, relay_rx) = mpsc::channel(RELAY_QUEUE);
        let relay = direct::bind(c).await.map_err(|e| {
            let at = c.relay_listen.as_deref().unwrap_or_default();
            anyhow::anyhow!("cluster.relay_listen: cannot listen on {at}: {e}")
        })?;
        let (relay_listener, relay_point) = relay.unzip();
        let cluster = Arc::new(Self {
            pool: store.pool().clone(),
            instance,
            channel,
            inline_bytes: c.inline_bytes,
            heartbeat: c.heartbeat(),
            dead_after: c.dead_after(),
            idle_ttl: settings.server.session_idle_ttl(),
            local: DashMap::new(),
            streams: DashMap::new(),
            holders: DashMap::new(),
            peers: DashMap::new(),
            touched: DashMap::new(),
            relay_tx,
            relay_rx: std::sync::Mutex::new(Some(relay_rx)),
            relay_point,
            relay_listener: std::sync::Mutex::new(relay_listener),
            registry: OnceLock::new(),
        });
        cluster.beat().await?;
        let relay = cluster.relay_point.as_ref().map(|p| p.addr.as_str());
        tracing::info!(instance = %cluster.instance, relay, "shared sessions on (cluster)");
        Ok(cluster)
    }

    /// This replica's name in `cluster_instances`.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Serve `registry`'s sessions through the cluster.
    pub fn attach(self: &Arc<Self>, registry: &Arc<SessionRegistry>) {
        let _ = self.registry.set(Arc::downgrade(registry));
        registry.set_shared(Arc::clone(self) as Arc<dyn SharedLink>);
    }

    /// Run the heartbeat, the listener and the relay sender until `stop`.
    pub fn spawn(self: &Arc<Self>, stop: CancellationToken) {
        tokio::spawn(Arc::clone(self).heartbeats(stop.clone()));
        tokio::spawn(Arc::clone(self).listen(stop.clone()));
        let rx = self
            .relay_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(rx) = rx {
            tokio::spawn(Arc::clone(self).send_relayed(rx, stop.clone()));
        }
        let listener = self
            .relay_listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let (Some(l), Some(p)) = (listener, &self.relay_point) {
            tokio::spawn(Arc::clone(self).serve_relay(l, p.token.clone(), stop));
        }
    }

    /// Record a session this replica created. `init` is the client's `initialize` (Streamable
    /// HTTP: known once the handshake succeeded); a legacy SSE session records it later with
    /// [`Self::record_initialize`]. SSE sessions hold their stream here from the start.
    pub async fn register(
        &self,
        session: &Arc<Session>,
        init: Option<&ClientJsonRpcMessage>,
    ) -> Result<(), StoreError> {
        let hash = session.id_hash().to_owned();
        let stream = (session.transport() == TransportKind::Sse).then_some(self.instance.as_str());
        let init = init
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        records::insert(&self.pool, &hash, session, init, &self.instance, stream).await?;
        // The row was just written with `last_seen_at = now()`: no refresh is due before
        // `refresh_every` (a refresh on the session's first request wrote the same moment).
        self.touched.insert(hash.clone(), Instant::now());
        self.local.insert(hash.clone(), session.id().clone());
        if stream.is_some() {
            self.streams.insert(hash, Arc::downgrade(session));
        }
        Ok(())
    }

    /// Store the `initialize` a legacy SSE client sent (before it reaches the engine, so a
    /// replica adopting the session next replays it).
    pub async fn record_initialize(
        &self,
        session: &Session,
        init: &ClientJsonRpcMessage,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_value(init).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        records::set_init(&self.pool, session.id_hash(), value).await
    }

    /// This replica now holds the session's stream (a Streamable HTTP GET).
    pub async fn stream_attached(&self, session: &Arc<Session>) {
        let hash = session.id_hash().to_owned();
        self.streams.insert(hash.clone(), Arc::downgrade(session));
        if let Err(e) = records::set_stream(&self.pool, &hash, &self.instance).await {
            tracing::warn!(error = %e, "could not record the stream holder");
        }
    }

    /// The session `id` names: the local copy (caught up with the stored `initialize` if it
    /// missed it), else adopted from the database if it is a `transport` session.
    pub async fn resolve(
        &self,
        registry: &Arc<SessionRegistry>,
        id: &SessionId,
        transport: TransportKind,
    ) -> Lookup {
        match registry.lookup(id) {
            Lookup::Live(s) => {
                self.catch_up(&s).await;
                self.touch(&s);
                Lookup::Live(s)
            }
            // Gone for good on this replica.
            Lookup::Ended(
                r @ (EndReason::Deleted | EndReason::Admin | EndReason::StreamClosed),
            ) => Lookup::Ended(r),
            Lookup::Ended(_) | Lookup::Unknown => self.adopt(registry, id, transport).await,
        }
    }

    async fn adopt(
        &self,
        registry: &Arc<SessionRegistry>,
        id: &SessionId,
        expected: TransportKind,
    ) -> Lookup {
        let hash = session_hash(id);
        let record = match records::fetch(&self.pool, &hash, self.idle_ttl, self.dead_after).await {
            Ok(Some(r)) => r,
            Ok(None) => return Lookup::Unknown,
            Err(e) => {
                tracing::warn!(error = %e, "shared session lookup failed");
                return Lookup::Unknown;
            }
        };
        if record.ended {
            return Lookup::Ended(EndReason::Deleted);
        }
        let Some(transport) = record.transport().filter(|t| *t == expected) else {
            // Another transport's session: as unknown here as it is on its creator.
            return Lookup::Unknown;
        };
        self.remember_holder(&hash, &record);
        if transport == TransportKind::Sse && !record.stream_alive {
            // Its replica died with the stream: nothing can reach this client any more.
            self.end_shared(&hash, EndReason::StreamClosed).await;
            return Lookup::Ended(EndReason::StreamClosed);
        }
        let origin = Origin {
            remote_addr: None,
            owner: record.subject.as_deref().map(Arc::from),
        };
        match registry.adopt(id.clone(), transport, origin, record.init_message()) {
            Ok(s) => {
                // The row tells when `last_seen_at` was written: the next refresh from here is
                // due `refresh_every` after that, as if this replica had written it (now, if
                // it is that old already). One write per adoption saved, none delayed.
                if let Some(at) = Instant::now().checked_sub(record.idle) {
                    self.touched.insert(hash.clone(), at);
                }
                self.touch(&s);
                self.local.insert(hash, id.clone());
                metrics::cluster_event(ClusterEvent::Adopted, 1);
                Lookup::Live(s)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot adopt a shared session");
                Lookup::Unknown
            }
        }
    }

    /// A local copy that has not seen `initialize` (an SSE stream holder whose client
    /// initialized through another replica) gets the stored one replayed.
    async fn catch_up(&self, s: &Arc<Session>) {
        if s.is_initialized() || s.transport() != TransportKind::Sse {
            return;
        }
        let hash = s.id_hash();
        if let Ok(Some(r)) = records::fetch(&self.pool, hash, self.idle_ttl, self.dead_after).await
            && let Some(init) = r.init_message()
        {
            crate::session::replay_initialize(s, init);
        }
    }

    /// Refresh the session's `last_seen_at` (at most every quarter of the idle TTL, capped at
    /// 5 s, per replica): the cluster-wide idle expiry follows whichever replica serves it.
    fn touch(&self, s: &Session) {
        let now = Instant::now();
        let due = self
            .touched
            .get(s.id_hash())
            .is_none_or(|t| now.duration_since(*t) >= self.refresh_every());
        if !due {
            return;
        }
        let hash = s.id_hash().to_owned();
        self.touched.insert(hash.clone(), now);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            if let Err(e) = records::touch(&pool, &hash).await {
                tracing::debug!(error = %e, "could not refresh a shared session");
            }
        });
    }

    /// How often a replica refreshes a session's `last_seen_at` at most: a quarter of the
    /// idle TTL, capped at 5 s.
    fn refresh_every(&self) -> Duration {
        (self.idle_ttl / 4).min(Duration::from_secs(5))
    }

    /// Whether a legacy SSE session's stream is still reachable: held here, or by a replica
    /// whose heartbeat is fresh.
    pub async fn sse_stream_alive(&self, s: &Session) -> bool {
        if s.has_stream() {
            return true;
        }
        match self.holder(s.id_hash()).await.and_then(|h| h.instance) {
            Some(i) if i != self.instance => self.peer(&i).await.is_some_and(|p| p.alive),
            _ => false,
        }
    }
}
