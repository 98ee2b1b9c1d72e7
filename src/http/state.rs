//! Shared state of the HTTP service.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{
    auth::Authenticator,
    config::Settings,
    mcp::McpEngine,
    ratelimit::HttpLimits,
    session::{Observers, SessionRegistry},
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
    /// Authentication of the HTTP transports.
    pub auth: Arc<Authenticator>,
    /// HTTP request quotas and stream caps.
    pub limits: Arc<HttpLimits>,
    /// Subscribers to security events (and session/request events).
    pub observers: Observers,
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
