//! `Application`: binds its own listener, exposes its address, runs until stopped.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use poem::{
    Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::Settings,
    http::{AppState, AppStateInner, build_app},
    mcp::McpEngine,
    session::{EndReason, LogObserver, Observer, Observers, SessionRegistry},
    store::{AuditSink, Persistence, Store, service::instance_id},
    transports,
};

/// The HTTP service, bound and ready to run.
pub struct Application {
    acceptor: TcpAcceptor,
    addr: SocketAddr,
    state: AppState,
    engines: CancellationToken,
    persistence: Option<Persistence>,
}

impl Application {
    /// Build the service and bind its listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let bind = settings.server.bind_address();
        let acceptor = TcpListener::bind(bind.clone())
            .into_acceptor()
            .await
            .map_err(|e| bind_error(&bind, e))?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("listener has no socket address")?;
        let engines = CancellationToken::new();
        let draining = CancellationToken::new();
        let engine = McpEngine::new(Arc::clone(&settings));
        let persistence =
            Persistence::start(&settings, instance_id(&addr.port().to_string())).await?;
        let registry = SessionRegistry::new(
            Arc::clone(&engine),
            engines.clone(),
            draining.clone(),
            observers(persistence.as_ref()),
        );
        let state = AppState::new(AppStateInner {
            settings,
            engine,
            registry,
            draining,
            audit: persistence
                .as_ref()
                .map_or_else(AuditSink::disabled, Persistence::sink),
            store: persistence.as_ref().map(|p| p.store().clone()),
        });
        Ok(Self {
            acceptor,
            addr,
            state,
            engines,
            persistence,
        })
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
        tokio::spawn(shutdown_on_signal(draining.clone()));
        tokio::spawn(Arc::clone(&state.registry).run_sweeper(self.engines.clone()));
        let grace = Duration::from_secs(state.settings.server.shutdown_grace_secs);
        tracing::info!(address = %self.addr, mcp_path = %state.settings.server.mcp_path, "listening");
        let app = build_app(state.clone());
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, draining.cancelled_owned(), Some(grace))
            .await;
        state.registry.close_all(EndReason::Shutdown);
        self.engines.cancel();
        if let Some(p) = &self.persistence {
            p.shutdown().await;
        }
        tracing::info!("server stopped");
        result.context("HTTP server failed")
    }
}

/// stdio mode: one session over stdin/stdout until stdin closes.
pub async fn run_stdio(settings: Settings) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    let engines = CancellationToken::new();
    let engine = McpEngine::new(Arc::clone(&settings));
    let persistence = Persistence::start(
        &settings,
        instance_id(&format!("stdio-{}", std::process::id())),
    )
    .await?;
    let registry = SessionRegistry::new(
        engine,
        engines.clone(),
        CancellationToken::new(),
        observers(persistence.as_ref()),
    );
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

/// The subscribers to session and request events (audit and metrics add theirs here).
fn observers(persistence: Option<&Persistence>) -> Observers {
    let mut list: Vec<Arc<dyn Observer>> = vec![Arc::new(LogObserver)];
    if let Some(p) = persistence {
        list.extend(p.observers());
    }
    Observers::new(list)
}

fn bind_error(bind: &str, e: std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "cannot listen on {bind}: the port is already in use; stop the other process or \
             choose another port with --sse-port / SSE_PORT"
        ),
        std::io::ErrorKind::PermissionDenied => anyhow::anyhow!(
            "cannot listen on {bind}: permission denied (ports below 1024 need privileges)"
        ),
        _ => anyhow::Error::new(e).context(format!("cannot listen on {bind}")),
    }
}

async fn shutdown_on_signal(token: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: shutting down"),
            _ = token.cancelled() => return,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = token.cancelled() => return,
        }
    }
    token.cancel();
}
