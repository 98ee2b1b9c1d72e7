//! `Application`: binds its own listener, exposes its address, runs until stopped.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use poem::listener::TcpAcceptor;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::JwksCache,
    config::Settings,
    http::{
        AppState, AppStateInner, admin::build_admin_app, build_app, listener::PublicAcceptor,
        readiness::Readiness, serve::serve, stream_get::StreamPaths, tls::TlsReloader,
    },
    mcp::McpEngine,
    openapi,
    ratelimit::{HttpLimits, KeyedLimiter},
    session::{EndReason, LogObserver, Observer, Observers, SessionRegistry},
    store::{AuditSink, Persistence, Store, service::instance_id},
    telemetry::{self, MetricsObserver},
    transports,
};

mod checks;
mod listen;
mod parts;
mod signals;

use checks::{check_exposure, check_tool_names};

/// How often the metrics recorder is tidied (histogram buffers drained) between scrapes.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// The HTTP service, bound and ready to run.
pub struct Application {
    acceptor: PublicAcceptor,
    addr: SocketAddr,
    admin: Option<(TcpAcceptor, SocketAddr)>,
    state: AppState,
    engines: CancellationToken,
    tls: Option<Arc<TlsReloader>>,
    jwks: Option<Arc<JwksCache>>,
    persistence: Option<Persistence>,
}

impl Application {
    /// Build the service and bind its listener (port 0 picks a free port).
    ///
    /// Refuses to start without authentication on a non-loopback bind unless
    /// `auth.allow_unauthenticated` is set; a bad TLS file or JWT key fails here, naming it.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Vec::new()).await
    }

    /// [`Self::build`] with extra event subscribers (audit stores, tests).
    pub async fn build_with(
        settings: Settings,
        extra_observers: Vec<Arc<dyn Observer>>,
    ) -> anyhow::Result<Self> {
        check_exposure(&settings)?;
        let settings = Arc::new(per_replica_quotas(settings));
        let opik = parts::off_thread(&settings, |s| s.opik.client());
        let public_docs = parts::off_thread(&settings, openapi::public_docs);
        check_tool_names(&settings)?;
        // Before anything that reports a metric (the JWKS fetch below).
        let prometheus = telemetry::metrics::install();
        let tls = (settings.tls.enabled())
            .then(|| TlsReloader::new(&settings.tls))
            .transpose()?;
        let jwks = parts::start_jwks(&settings).await?;
        let (acceptor, addr, admin) = listen::bind_all(&settings, tls.as_ref()).await?;
        let process = Arc::new(metrics_process::Collector::default());
        process.describe();
        let engines = CancellationToken::new();
        let draining = CancellationToken::new();
        let persistence =
            Persistence::start(&settings, instance_id(&addr.port().to_string())).await?;
        let observers = observers_with(persistence.as_ref(), extra_observers);
        let opik = parts::joined(opik).await?;
        let engine = McpEngine::with_opik(Arc::clone(&settings), observers.clone(), opik);
        let registry = SessionRegistry::new(
            Arc::clone(&engine),
            engines.clone(),
            draining.clone(),
            observers.clone(),
        );
        // Components add their checks here (store writable, audit queue below threshold,
        // Opik reachable when configured) with `readiness.add(..)`.
        let readiness = Readiness::new(settings.admin.readiness_timeout()).with_builtin(
            draining.clone(),
            Arc::clone(&registry),
            settings.server.max_sessions,
        );
        let cluster = parts::connect_cluster(&settings, addr, &registry).await?;
        let audit = persistence
            .as_ref()
            .map_or_else(AuditSink::disabled, Persistence::sink);
        parts::add_checks(&readiness, &settings, &audit, jwks.as_ref(), &engine);
        let broker = crate::oauth::Broker::start(
            &settings,
            engine.scopes().supported().to_vec(),
            audit.clone(),
        )
        .await?;
        let auth = parts::authenticator(&settings, jwks.clone(), broker.as_ref())?;
        let state = AppState::new(AppStateInner {
            limits: Arc::new(HttpLimits::new(&settings.rate_limit)),
            sessions: crate::app::Sessions::new(Arc::clone(&registry), cluster.clone()),
            public_docs: parts::joined(public_docs).await?,
            admin_docs: parts::admin_docs(&settings, persistence.is_some(), broker.is_some())?,
            settings,
            engine,
            registry,
            draining,
            auth,
            observers,
            readiness,
            prometheus,
            process,
            audit,
            store: persistence.as_ref().map(|p| p.store().clone()),
            cluster,
            broker,
        });
        Ok(Self {
            acceptor,
            addr,
            admin,
            state,
            engines,
            tls,
            jwks,
            persistence,
        })
    }

    /// Whether the listener speaks HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The TLS reloader (reload counters), when TLS is on.
    pub fn tls_reloader(&self) -> Option<Arc<TlsReloader>> {
        self.tls.clone()
    }

    /// The JWKS cache, when one is configured.
    pub fn jwks(&self) -> Option<Arc<JwksCache>> {
        self.jwks.clone()
    }

    /// Every rate limiter (HTTP and per tool), for measurements.
    pub fn rate_limiters(&self) -> Vec<Arc<KeyedLimiter>> {
        let mut all = self.state.limits.limiters();
        all.extend(self.state.engine.tool_limits().limiters());
        all.extend(self.state.broker.as_ref().map(|b| b.limiter()));
        all
    }

    /// The admin listener's address, when it is enabled.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(|(_, a)| *a)
    }

    /// The readiness checks (add a check before or while running).
    pub fn readiness(&self) -> Readiness {
        self.state.readiness.clone()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cancelling this token starts a graceful shutdown (as SIGTERM does).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.state.draining.clone()
    }

    /// The audit trail: security events go in here; its status says what was stored.
    pub fn audit(&self) -> AuditSink {
        self.state.audit.clone()
    }

    /// The database, when the audit trail is on.
    pub fn store(&self) -> Option<Store> {
        self.state.store.clone()
    }

    /// The session registry (for tests and admin endpoints).
    pub fn registry(&self) -> Arc<SessionRegistry> {
        Arc::clone(&self.state.registry)
    }

    /// Serve until SIGTERM/SIGINT or the shutdown token: stop accepting, end SSE streams,
    /// let in-flight requests finish within `server.shutdown_grace_secs`, end the sessions,
    /// then store every accepted audit record (database, else spill file).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let draining = state.draining.clone();
        // Handlers are registered here, before "listening" is logged: a SIGTERM right after
        // start-up is a graceful stop, not the default action (death).
        tokio::spawn(signals::shutdown_on_signal(
            signals::ShutdownSignals::install(),
            draining.clone(),
        ));
        tokio::spawn(Arc::clone(&state.registry).run_sweeper(self.engines.clone()));
        if let Some(cluster) = &state.cluster {
            cluster.spawn(self.engines.clone());
        }
        let stop = self.engines.clone();
        let sweep = Duration::from_secs(state.settings.rate_limit.sweep_interval_secs);
        tokio::spawn(crate::ratelimit::run_sweeper(
            self.rate_limiters(),
            sweep,
            stop.clone(),
        ));
        if let Some(tls) = &self.tls {
            tokio::spawn(Arc::clone(tls).run(stop.clone()));
        }
        if let Some(broker) = &state.broker {
            tokio::spawn(Arc::clone(broker).run_purge(stop.clone()));
        }
        if let Some(jwks) = &self.jwks {
            tokio::spawn(Arc::clone(jwks).run_refresher(stop));
        }
        let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
        tracing::info!(address = %self.addr, mcp_path = %state.settings.server.mcp_path, "listening");
        if state.settings.server.serves_client() {
            let url = crate::http::client::page_url(
                &state.settings.server,
                self.addr.port(),
                self.is_tls(),
            );
            tracing::info!("browser client: {url}");
        }
        // The admin listener outlives the public one, so `/readyz` answers 503 while draining.
        let admin_stop = CancellationToken::new();
        let limits = parts::conn_limits(&state.settings);
        let admin = self.admin.map(|(acceptor, addr)| {
            tracing::info!(address = %addr, "admin listening");
            let app = build_admin_app(state.clone());
            let stop = admin_stop.clone().cancelled_owned();
            let conns = (limits, StreamPaths::default());
            tokio::spawn(serve(acceptor, app, conns, stop, grace))
        });
        tokio::spawn(metrics_upkeep(state.prometheus.clone(), admin_stop.clone()));
        let app = build_app(state.clone());
        let streams = StreamPaths::new(["/sse", state.settings.server.mcp_path.as_str()]);
        serve(
            self.acceptor,
            app,
            (limits, streams),
            draining.cancelled_owned(),
            grace,
        )
        .await;
        state.registry.close_all(EndReason::Shutdown);
        self.engines.cancel();
        if let Some(cluster) = &state.cluster {
            cluster.leave().await;
        }
        if let Some(p) = &self.persistence {
            p.shutdown().await;
        }
        admin_stop.cancel();
        if let Some(admin) = admin
            && let Err(e) = admin.await
        {
            tracing::error!(error = %e, "admin listener task failed");
        }
        tracing::info!("server stopped");
        Ok(())
    }
}

/// stdio mode: one session over stdin/stdout until stdin closes.
pub async fn run_stdio(settings: Settings) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    let engines = CancellationToken::new();
    // Off is stdio's default (config/stdio_defaults.rs): nothing is written anywhere.
    let persistence = match settings.audit.enabled {
        true => {
            let id = instance_id(&format!("stdio-{}", std::process::id()));
            Persistence::start(&settings, id).await?
        }
        false => None,
    };
    let observers = observers_with(persistence.as_ref(), Vec::new());
    let engine = McpEngine::new(Arc::clone(&settings), observers.clone())?;
    let registry =
        SessionRegistry::new(engine, engines.clone(), CancellationToken::new(), observers);
    let result = transports::stdio::serve(
        registry,
        tokio::io::stdin(),
        tokio::io::stdout(),
        settings.server.max_body_bytes,
        settings.server.request_timeout(),
    )
    .await;
    engines.cancel();
    if let Some(p) = &persistence {
        p.shutdown().await;
    }
    result
}

/// The subscribers to session, request and security events: logs, metrics, the audit trail
/// (when persistence is on) and any extra ones (tests).
fn observers_with(persistence: Option<&Persistence>, extra: Vec<Arc<dyn Observer>>) -> Observers {
    // Tool-name labels come only from the tools this build knows (bounded cardinality).
    let tools = crate::mcp::tools::all_tools()
        .into_iter()
        .map(|t| t.name.to_string());
    let mut list: Vec<Arc<dyn Observer>> =
        vec![Arc::new(LogObserver), Arc::new(MetricsObserver::new(tools))];
    if let Some(p) = persistence {
        list.extend(p.observers());
    }
    list.extend(extra);
    Observers::new(list)
}

/// With `cluster.replicas = N`, each replica enforces `1/N` of every quota (docs/scaling.md).
fn per_replica_quotas(mut settings: Settings) -> Settings {
    if settings.cluster.replicas > 1 {
        settings.rate_limit = settings.rate_limit.per_replica(settings.cluster.replicas);
    }
    settings
}

/// Keep the recorder's memory bounded even when nobody scrapes.
async fn metrics_upkeep(
    handle: metrics_exporter_prometheus::PrometheusHandle,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(METRICS_UPKEEP);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => handle.run_upkeep(),
        }
    }
}
