//! Shared state of the HTTP service.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use metrics_exporter_prometheus::PrometheusHandle;

use super::{Docs, readiness::Readiness};
use crate::{
    auth::Authenticator,
    config::Settings,
    mcp::McpEngine,
    ratelimit::HttpLimits,
    session::{Observers, SessionRegistry},
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
    /// Authentication of the HTTP transports.
    pub auth: Arc<Authenticator>,
    /// HTTP request quotas and stream caps.
    pub limits: Arc<HttpLimits>,
    /// Subscribers to security events (and session/request events).
    pub observers: Observers,
    /// Named readiness checks (`/readyz`); components add theirs at start-up.
    pub readiness: Readiness,
    /// Renders the Prometheus registry (`/metrics`).
    pub prometheus: PrometheusHandle,
    /// Process metrics (RSS, open fds, CPU, start time), sampled at scrape.
    pub process: Arc<metrics_process::Collector>,
    /// The public listener's OpenAPI document and explorer.
    pub public_docs: Docs,
    /// The admin listener's OpenAPI document and explorer.
    pub admin_docs: Docs,
    /// The audit trail (security events go in here; `/readyz` reads its health).
    pub audit: AuditSink,
    /// The database, when the audit trail is on (admin API).
    pub store: Option<Store>,
    /// The sessions facade the transports use (over `registry` and `cluster`).
    pub sessions: super::Sessions,
    /// Sessions shared with other replicas (`cluster.shared_sessions`), when on.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// The OAuth broker (`auth.broker`), when on.
    pub broker: Option<Arc<crate::oauth::Broker>>,
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
