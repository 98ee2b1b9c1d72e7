//! The small types around a session: why a message, a stream or a session was refused, a
//! lookup's result. (Where it came from, its transport and how it ended are in `events`:
//! the observers below the sessions read them too.)

use std::{sync::Arc, time::Instant};

use rmcp::model::JsonObject;

use super::{EndReason, Session};

/// A request accepted and not answered yet.
pub(crate) struct Inflight {
    pub(crate) method: Arc<str>,
    pub(crate) name: Option<String>,
    pub(crate) arguments: Option<JsonObject>,
    pub(crate) started: Instant,
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
