//! Observation hooks: the audit trail, metrics and logs subscribe to session and request
//! events here instead of being called from the transports. The event bus sits below the
//! sessions and the engine: both publish to it, neither is imported by it.

mod kinds;

pub use kinds::{ClientInfo, EndReason, ObservedSession, Origin, TransportKind};

use std::{net::IpAddr, sync::Arc, time::Duration};

use rmcp::model::{ClientJsonRpcMessage, JsonObject, RequestId};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with a result.
    Ok,
    /// A tool ran and reported `isError: true`.
    ToolError,
    /// Answered with a JSON-RPC error.
    ProtocolError,
    /// Refused by authentication or authorization.
    Denied,
    /// Refused by a rate limit.
    RateLimited,
}

impl Outcome {
    /// Stable name for logs, metrics and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ToolError => "tool_error",
            Outcome::ProtocolError => "protocol_error",
            Outcome::Denied => "denied",
            Outcome::RateLimited => "rate_limited",
        }
    }
}

/// One finished MCP request.
#[derive(Debug)]
pub struct RequestEvent<'a> {
    /// JSON-RPC id.
    pub request_id: &'a RequestId,
    /// JSON-RPC method (`tools/call`, `resources/read`…).
    pub method: &'a str,
    /// Tool name, resource URI or prompt name, when the method has one.
    pub name: Option<&'a str>,
    /// Arguments of a `tools/call`.
    pub arguments: Option<&'a JsonObject>,
    /// How it ended.
    pub outcome: Outcome,
    /// JSON-RPC error code, when it failed with one.
    pub error_code: Option<i32>,
    /// Time from accepting the request to routing its reply.
    pub latency: Duration,
}

/// The kind of a security decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEventKind {
    /// Credentials accepted (every authenticated request).
    Authenticated,
    /// Credentials missing or invalid (401).
    AuthenticationFailed,
    /// Authenticated but lacking a required scope (403).
    Forbidden,
    /// A tool the principal may not call was called (answered as an unknown tool).
    ToolDenied,
    /// A quota was exceeded (429, or a JSON-RPC error for a tool call).
    RateLimited,
    /// A request named a session owned by someone else (answered 404).
    SessionBindingViolation,
    /// A cap on streams or sessions per principal was reached (429).
    CapReached,
}

impl SecurityEventKind {
    /// Stable name for logs, metrics and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::Authenticated => "authenticated",
            SecurityEventKind::AuthenticationFailed => "authentication_failed",
            SecurityEventKind::Forbidden => "forbidden",
            SecurityEventKind::ToolDenied => "tool_denied",
            SecurityEventKind::RateLimited => "rate_limited",
            SecurityEventKind::SessionBindingViolation => "session_binding_violation",
            SecurityEventKind::CapReached => "cap_reached",
        }
    }

    /// Whether this is a refusal (logged at warn) rather than an acceptance.
    pub fn is_denial(self) -> bool {
        !matches!(self, SecurityEventKind::Authenticated)
    }
}

/// One authentication/authorization decision, rate-limit hit or session-binding violation.
/// Never carries credentials: only a short hash of them.
#[derive(Debug, Clone)]
pub struct SecurityEvent<'a> {
    /// What happened.
    pub kind: SecurityEventKind,
    /// Principal id (`jwt:<sub>`, `key:<name>`, `ip:<addr>`), when known.
    pub principal: Option<&'a str>,
    /// Client IP, when known.
    pub client_ip: Option<IpAddr>,
    /// Short hash of the credential presented (see `auth::credential_tag`), if any.
    pub credential: Option<&'a str>,
    /// Machine-readable reason (`token expired`, `missing_credentials`, `per_principal`…).
    pub reason: &'a str,
    /// What was asked for: the HTTP path, or the tool name for tool decisions.
    pub target: &'a str,
    /// Log tag of the session concerned, if any.
    pub session: Option<&'a str>,
}

/// A subscriber to session and request events. Must not block: called on the hot path.
pub trait Observer: Send + Sync + 'static {
    /// A session was created.
    fn session_opened(&self, _session: &dyn ObservedSession) {}
    /// A session ended.
    fn session_closed(&self, _session: &dyn ObservedSession, _reason: EndReason) {}
    /// A client message (request, notification or response) was accepted into the session.
    fn message_received(&self, _session: &dyn ObservedSession, _msg: &ClientJsonRpcMessage) {}
    /// A request was answered.
    fn request_finished(&self, _session: &dyn ObservedSession, _event: &RequestEvent<'_>) {}
    /// A security decision was taken (authn/authz, rate limit, session binding).
    fn security_event(&self, _event: &SecurityEvent<'_>) {}
    /// Whether new requests and sessions may be accepted. An observer that must see every
    /// request (the audit trail in fail-closed mode) returns false while it cannot record
    /// them; the transports then answer 503. Called per request: must be an atomic load.
    fn accepting(&self) -> bool {
        true
    }
}

/// The set of observers, fanned out in order.
#[derive(Clone, Default)]
pub struct Observers(Arc<Vec<Arc<dyn Observer>>>);

impl Observers {
    /// Observers from a list.
    pub fn new(list: Vec<Arc<dyn Observer>>) -> Self {
        Self(Arc::new(list))
    }

    pub(crate) fn session_opened(&self, s: &dyn ObservedSession) {
        self.0.iter().for_each(|o| o.session_opened(s));
    }

    pub(crate) fn session_closed(&self, s: &dyn ObservedSession, reason: EndReason) {
        self.0.iter().for_each(|o| o.session_closed(s, reason));
    }

    pub(crate) fn message_received(&self, s: &dyn ObservedSession, m: &ClientJsonRpcMessage) {
        self.0.iter().for_each(|o| o.message_received(s, m));
    }

    pub(crate) fn request_finished(&self, s: &dyn ObservedSession, e: &RequestEvent<'_>) {
        self.0.iter().for_each(|o| o.request_finished(s, e));
    }

    /// Fan a security event out to every observer.
    pub fn security_event(&self, e: &SecurityEvent<'_>) {
        self.0.iter().for_each(|o| o.security_event(e));
    }

    /// Whether every observer accepts new requests (see [`Observer::accepting`]).
    pub fn accepting(&self) -> bool {
        self.0.iter().all(|o| o.accepting())
    }
}

/// Logs every finished request at debug level (no arguments: they may hold secrets).
pub struct LogObserver;

impl Observer for LogObserver {
    fn request_finished(&self, session: &dyn ObservedSession, e: &RequestEvent<'_>) {
        tracing::debug!(
            mcp.session = %session.id().log_tag(),
            mcp.method = e.method,
            mcp.name = e.name.unwrap_or_default(),
            outcome = e.outcome.as_str(),
            latency_ms = e.latency.as_secs_f64() * 1000.0,
            "mcp request"
        );
    }

    fn security_event(&self, e: &SecurityEvent<'_>) {
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    security.kind = e.kind.as_str(),
                    security.reason = e.reason,
                    security.principal = e.principal.unwrap_or_default(),
                    security.credential = e.credential.unwrap_or_default(),
                    security.target = e.target,
                    client.ip = ?e.client_ip,
                    mcp.session = e.session.unwrap_or_default(),
                    "security event"
                )
            };
        }
        if e.kind.is_denial() {
            emit!(warn);
        } else {
            emit!(debug);
        }
    }
}
