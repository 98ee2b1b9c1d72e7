//! [`AuditObserver`]: one audit record per finished MCP request, queued without waiting.

use std::sync::Arc;

use rmcp::model::RequestId;
use uuid::Uuid;

use super::{
    AuditRecord, AuditSink, Op, RecordKind,
    model::{now, session_hash},
    redact::{Redactor, digest},
};
use crate::session::{Observer, RequestEvent, Session};

/// Turns request events into audit records.
pub struct AuditObserver {
    sink: AuditSink,
    redactor: Arc<Redactor>,
    log_arguments: bool,
}

impl AuditObserver {
    /// Records go to `sink`; arguments are redacted by `redactor` and stored only when
    /// `log_arguments` (their digest always).
    pub fn new(sink: AuditSink, redactor: Arc<Redactor>, log_arguments: bool) -> Self {
        Self {
            sink,
            redactor,
            log_arguments,
        }
    }
}

/// A JSON-RPC id as JSON text, so `7` and `"7"` stay distinct.
pub(crate) fn request_id_text(id: &RequestId) -> String {
    serde_json::to_string(id).unwrap_or_default()
}

impl Observer for AuditObserver {
    /// fail-closed: no new request or session while records cannot be stored.
    fn accepting(&self) -> bool {
        self.sink.accepting()
    }

    fn request_finished(&self, session: &Session, e: &RequestEvent<'_>) {
        let (arguments_digest, arguments) = match e.arguments {
            Some(args) => {
                let redacted = self
                    .redactor
                    .redact(&serde_json::Value::Object(args.clone()));
                let d = digest(&redacted);
                (Some(d), self.log_arguments.then_some(redacted))
            }
            None => (None, None),
        };
        self.sink.submit(Op::Audit(AuditRecord {
            id: Uuid::now_v7(),
            occurred_at: now(),
            kind: RecordKind::Request,
            session_hash: Some(session_hash(session.id())),
            subject: session.owner().map(str::to_owned),
            method: Some(e.method.to_owned()),
            name: e.name.map(str::to_owned),
            arguments_digest,
            arguments,
            outcome: e.outcome,
            error_code: e.error_code,
            http_status: None,
            upstream_status: None,
            latency_us: Some(i64::try_from(e.latency.as_micros()).unwrap_or(i64::MAX)),
            request_id: Some(request_id_text(e.request_id)),
            client_addr: session.origin().remote_addr.clone(),
            detail: None,
        }));
    }
}
