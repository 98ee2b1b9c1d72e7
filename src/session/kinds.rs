//! The small types around a session: where it came from, what the client said, which
//! transport it uses, why a message, a stream or a session was refused, how it ended.

use std::{sync::Arc, time::Instant};

use rmcp::model::JsonObject;

use super::Session;

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

/// A request accepted and not answered yet.
pub(crate) struct Inflight {
    pub(crate) method: Arc<str>,
    pub(crate) name: Option<String>,
    pub(crate) arguments: Option<JsonObject>,
    pub(crate) started: Instant,
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

/// Why a message could not be queued for the MCP engine.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// The bounded queue is full: the client sends faster than the engine answers.
    #[error("session queue is full")]
    QueueFull,
    /// The session ended.
    #[error("session is closed")]
    Closed,
    /// A request with the same id is already in flight on this session.
    #[error("a request with this id is already in flight")]
    DuplicateId,
}

/// Why a stream could not be attached.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamAttachError {
    /// The session already has an open stream.
    #[error("this session already has an open stream")]
    AlreadyOpen,
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

/// Result of looking a session up.
#[derive(Debug)]
pub enum Lookup {
    /// A live session.
    Live(Arc<Session>),
    /// It existed and ended recently.
    Ended(EndReason),
    /// Never seen (or forgotten).
    Unknown,
}

/// Why a session could not be created.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    /// The concurrent-session cap is reached.
    #[error("the server is at its limit of {0} concurrent sessions; retry later")]
    Full(usize),
    /// The server is shutting down.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The owner already holds `limits.max_sessions_per_principal` sessions.
    #[error("this principal already holds its limit of {0} sessions")]
    OwnerFull(usize),
    /// An observer that must record every session cannot (audit fail-closed).
    #[error("the audit trail cannot record new sessions right now; retry later")]
    AuditUnavailable,
}
