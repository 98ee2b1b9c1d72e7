//! The vocabulary the observers share with the sessions: where a session came from, what its
//! client said, which transport it uses, how it ended, and the read-only view of a session an
//! observer gets ([`ObservedSession`]). Below `session/`, so the engine, the store and the
//! metrics can observe sessions without depending on them.

use std::sync::Arc;

use crate::domain::SessionId;

/// Where a session came from, fixed at creation.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Client address (`ip:port`), when known.
    pub remote_addr: Option<String>,
    /// Authenticated subject that owns the session (set by the auth layer).
    pub owner: Option<Arc<str>>,
}

/// What the client said about itself in `initialize`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// `clientInfo.name`.
    pub name: String,
    /// `clientInfo.version`.
    pub version: String,
    /// Requested protocol version.
    pub protocol_version: String,
}

/// Which transport a session arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Legacy HTTP+SSE (2024-11-05).
    Sse,
    /// Streamable HTTP (2025-03-26 and later).
    StreamableHttp,
    /// stdin/stdout.
    Stdio,
    /// One stateless 2026-07-28 request (no session on the wire; an engine for one request).
    Stateless,
}

impl TransportKind {
    /// Stable name for logs and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Sse => "sse",
            TransportKind::StreamableHttp => "streamable-http",
            TransportKind::Stdio => "stdio",
            TransportKind::Stateless => "stateless",
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The client deleted it (`DELETE /mcp`).
    Deleted,
    /// Its legacy SSE stream closed.
    StreamClosed,
    /// No activity for the idle TTL.
    IdleTimeout,
    /// The server is shutting down.
    Shutdown,
    /// The MCP engine stopped (protocol error or end of input).
    EngineStopped,
    /// An operator ended it through the admin API.
    Admin,
}

impl EndReason {
    /// Stable name for logs, metrics and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Deleted => "deleted",
            EndReason::StreamClosed => "stream_closed",
            EndReason::IdleTimeout => "idle_timeout",
            EndReason::Shutdown => "shutdown",
            EndReason::EngineStopped => "engine_stopped",
            EndReason::Admin => "admin",
        }
    }
}

/// What an observer may read of a session (implemented by `session::Session`).
pub trait ObservedSession: Send + Sync {
    /// The session id.
    fn id(&self) -> &SessionId;
    /// SHA-256 of the id, hex: how the audit trail names the session.
    fn id_hash(&self) -> &str;
    /// Short tag of the id for logs.
    fn log_tag(&self) -> &str;
    /// The authenticated subject that owns the session, if any.
    fn owner(&self) -> Option<&str>;
    /// Where the session came from.
    fn origin(&self) -> &Origin;
    /// What the client said in `initialize`, once it has.
    fn client_info(&self) -> Option<ClientInfo>;
    /// The transport the session arrived on.
    fn transport(&self) -> TransportKind;
}
