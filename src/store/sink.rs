//! [`AuditSink`]: the non-blocking front of the audit writer, shared by every producer
//! (the session observers, and the security layer through [`AuditSink::security_event`]).
//!
//! `submit` never waits: it is an unbounded channel send plus two atomic updates. The queue
//! is bounded by policy instead of by the channel, so an accepted record is never dropped in
//! `fail-closed` mode: past `audit.queue_capacity` (or when neither the database nor the
//! spill file takes records) [`AuditSink::accepting`] turns false and the transports refuse
//! *new* requests with 503, while the records of requests already in flight still get in.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering},
};

use tokio::sync::mpsc;
use uuid::Uuid;

use super::model::{self, AuditRecord, Op, RecordKind, session_hash};
use crate::{config::OnFailure, domain::SessionId, events::Outcome};

/// Metric names (described in [`describe_metrics`]).
pub(crate) mod metric {
    pub const WRITTEN: &str = "opik_mcp_audit_records_written_total";
    pub const QUEUED: &str = "opik_mcp_audit_queue_depth";
    pub const SPILL_PENDING: &str = "opik_mcp_audit_spill_pending";
}

/// Describe the audit metrics to whatever `metrics` recorder is installed.
pub fn describe_metrics() {
    metrics::describe_counter!(
        metric::WRITTEN,
        "Audit operations committed to the database."
    );
    metrics::describe_gauge!(metric::QUEUED, "Audit operations queued in memory.");
    metrics::describe_gauge!(
        metric::SPILL_PENDING,
        "Audit operations in the spill file waiting for replay."
    );
}

/// Where the writer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterState {
    /// Writing to the database.
    Ok,
    /// The database is down or slow: records go to the spill file (degraded).
    Spilling,
    /// Neither the database nor the spill file takes records.
    Failing,
    /// The audit trail is disabled.
    Disabled,
}

impl WriterState {
    /// Stable name for `/readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            WriterState::Ok => "ok",
            WriterState::Spilling => "spilling",
            WriterState::Failing => "failing",
            WriterState::Disabled => "disabled",
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            0 => WriterState::Ok,
            1 => WriterState::Spilling,
            _ => WriterState::Failing,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            WriterState::Ok => 0,
            WriterState::Spilling => 1,
            WriterState::Failing | WriterState::Disabled => 2,
        }
    }
}

/// Counters and state shared by the sink and the writer.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: AtomicU8,
    pub(crate) queued: AtomicUsize,
    pub(crate) spill_pending: AtomicU64,
    pub(crate) written: AtomicU64,
    pub(crate) lost: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Shared {
    pub(crate) fn state(&self) -> WriterState {
        WriterState::from_u8(self.state.load(Ordering::Acquire))
    }

    pub(crate) fn set_state(&self, s: WriterState) {
        self.state.store(s.to_u8(), Ordering::Release);
    }

    pub(crate) fn set_error(&self, e: Option<String>) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = e;
    }

    pub(crate) fn lose(&self, n: u64, why: &str) {
        if n == 0 {
            return;
        }
        self.lost.fetch_add(n, Ordering::Relaxed);
        // Lost, spilled, replayed and batch figures are declared with the other metrics
        // (`telemetry::metrics`), so the dashboard and the alerts read what is counted here.
        crate::telemetry::metrics::audit_lost(n);
        tracing::error!(records = n, reason = why, "audit records lost");
    }
}

/// A snapshot of the audit trail's health (for `/readyz`, tests and operators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditStatus {
    /// Where the writer stands.
    pub state: WriterState,
    /// Operations queued in memory.
    pub queued: usize,
    /// Operations in the spill file waiting for replay.
    pub spill_pending: u64,
    /// Operations committed to the database since start.
    pub written: u64,
    /// Operations lost since start.
    pub lost: u64,
    /// Whether new requests are accepted.
    pub accepting: bool,
    /// The last database or spill error, while failing.
    pub last_error: Option<String>,
}

/// A security event to record: an auth denial, a rate-limit hit, a session-binding
/// violation. Built by the security layer and given to [`AuditSink::security_event`].
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    /// `Denied` or `RateLimited` (any outcome is stored as given).
    pub outcome: Outcome,
    /// Who, when known (a token's subject even if it was refused for scope).
    pub subject: Option<String>,
    /// The session involved, if any (stored hashed).
    pub session: Option<SessionId>,
    /// JSON-RPC method, when the body was read.
    pub method: Option<String>,
    /// Tool / resource / prompt name, when known.
    pub name: Option<String>,
    /// HTTP status sent (401, 403, 429…).
    pub http_status: Option<u16>,
    /// JSON-RPC error code sent, if any.
    pub error_code: Option<i32>,
    /// JSON-RPC id as JSON text, when known.
    pub request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Short machine-readable reason (`invalid_token`, `missing_scope`, `session_owner`…).
    /// Never a secret.
    pub detail: Option<String>,
}

struct Inner {
    tx: mpsc::UnboundedSender<Op>,
    shared: Arc<Shared>,
    capacity: usize,
    policy: OnFailure,
}

/// Hands operations to the audit writer without waiting. Cheap to clone.
#[derive(Clone)]
pub struct AuditSink(Option<Arc<Inner>>);

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSink")
            .field("enabled", &self.0.is_some())
            .finish()
    }
}

impl AuditSink {
    /// A sink that records nothing and always accepts (`audit.enabled = false`).
    pub fn disabled() -> Self {
        Self(None)
    }

    pub(crate) fn new(
        tx: mpsc::UnboundedSender<Op>,
        shared: Arc<Shared>,
        capacity: usize,
        policy: OnFailure,
    ) -> Self {
        Self(Some(Arc::new(Inner {
            tx,
            shared,
            capacity,
            policy,
        })))
    }

    /// Queue one operation; never blocks.
    pub fn submit(&self, op: Op) {
        let Some(inner) = &self.0 else { return };
        let depth = inner.shared.queued.fetch_add(1, Ordering::AcqRel);
        if depth >= inner.capacity && inner.policy == OnFailure::FailOpen {
            inner.shared.queued.fetch_sub(1, Ordering::AcqRel);
            inner.shared.lose(1, "queue full (fail-open)");
            return;
        }
        if inner.tx.send(op).is_err() {
            inner.shared.queued.fetch_sub(1, Ordering::AcqRel);
            inner.shared.lose(1, "the audit writer has stopped");
        }
    }

    /// Record a security event (auth denial, rate-limit hit, session-binding violation).
    pub fn security_event(&self, e: SecurityEvent) {
        if self.0.is_none() {
            return;
        }
        self.submit(Op::Audit(AuditRecord {
            id: Uuid::now_v7(),
            occurred_at: model::now(),
            kind: RecordKind::Security,
            session_hash: e.session.as_ref().map(session_hash),
            subject: e.subject,
            method: e.method,
            name: e.name,
            arguments_digest: None,
            arguments: None,
            outcome: e.outcome,
            error_code: e.error_code,
            http_status: e.http_status.map(i32::from),
            upstream_status: None,
            latency_us: None,
            request_id: e.request_id,
            client_addr: e.client_addr,
            detail: e.detail,
        }));
    }

    /// Whether new requests may be served: always in `fail-open` mode; in `fail-closed`
    /// mode only while records can be stored somewhere and the queue has room.
    pub fn accepting(&self) -> bool {
        let Some(inner) = &self.0 else { return true };
        inner.policy == OnFailure::FailOpen
            || (inner.shared.state() != WriterState::Failing
                && inner.shared.queued.load(Ordering::Acquire) < inner.capacity)
    }

    /// A snapshot of the writer's health.
    pub fn status(&self) -> AuditStatus {
        let Some(inner) = &self.0 else {
            return AuditStatus {
                state: WriterState::Disabled,
                queued: 0,
                spill_pending: 0,
                written: 0,
                lost: 0,
                accepting: true,
                last_error: None,
            };
        };
        let s = &inner.shared;
        AuditStatus {
            state: s.state(),
            queued: s.queued.load(Ordering::Acquire),
            spill_pending: s.spill_pending.load(Ordering::Acquire),
            written: s.written.load(Ordering::Acquire),
            lost: s.lost.load(Ordering::Acquire),
            accepting: self.accepting(),
            last_error: s
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// The configured failure policy (`None` when disabled).
    pub fn policy(&self) -> Option<OnFailure> {
        self.0.as_ref().map(|i| i.policy)
    }
}
