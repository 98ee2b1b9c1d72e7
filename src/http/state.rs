//! Shared state of the HTTP service.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{
    config::Settings,
    mcp::McpEngine,
    session::SessionRegistry,
    store::{AuditSink, Store},
};

/// Handles every HTTP handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
pub struct Inner {
    /// Effective settings.
    pub settings: Arc<Settings>,
    /// The MCP engine.
    pub engine: Arc<McpEngine>,
    /// Live sessions.
    pub registry: Arc<SessionRegistry>,
    /// Fires when the server starts draining (SIGTERM/SIGINT): SSE streams end.
    pub draining: CancellationToken,
    /// The audit trail (security events go in here; `/readyz` reads its health).
    pub audit: AuditSink,
    /// The database, when the audit trail is on (admin API).
    pub store: Option<Store>,
}

impl AppState {
    /// Wrap the parts.
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
