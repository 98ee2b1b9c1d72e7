//! [`AuditObserver`]: one audit record per finished MCP request, queued without waiting.

use std::sync::Arc;

use rmcp::model::RequestId;
use uuid::Uuid;

use super::{
    AuditRecord, AuditSink, Op, RecordKind,
    model::now,
    redact::{Redactor, digest},
};
use crate::events::{ObservedSession, Observer, RequestEvent};

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

    fn security_event(&self, e: &crate::events::SecurityEvent<'_>) {
        record_security(&self.sink, e);
    }

    fn request_finished(&self, session: &dyn ObservedSession, e: &RequestEvent<'_>) {
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
            session_hash: Some(session.id_hash().to_owned()),
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

impl AuditObserver {
    /// The audit row of a security decision from the security layer. Successful
    /// authentications are not stored (one per request would double the trail); every
    /// refusal is.
    fn security_row(e: &crate::events::SecurityEvent<'_>) -> Option<super::SecurityEvent> {
        use crate::events::{Outcome, SecurityEventKind as K};
        let (outcome, status) = match e.kind {
            K::Authenticated => return None,
            K::AuthenticationFailed => (Outcome::Denied, Some(401)),
            K::Forbidden => (Outcome::Denied, Some(403)),
            K::ToolDenied => (Outcome::Denied, None),
            K::SessionBindingViolation => (Outcome::Denied, Some(404)),
            K::RateLimited | K::CapReached => (Outcome::RateLimited, Some(429)),
        };
        let session = e
            .session
            .map(|tag| format!("; session {tag}"))
            .unwrap_or_default();
        Some(super::SecurityEvent {
            outcome,
            subject: e.principal.map(str::to_owned),
            session: None,
            method: None,
            name: Some(e.target.to_owned()),
            http_status: status,
            error_code: None,
            request_id: None,
            client_addr: e.client_ip.map(|ip| ip.to_string()),
            detail: Some(format!("{}: {}{session}", e.kind.as_str(), e.reason)),
        })
    }
}

/// Security decisions reach the audit trail through the same observer list as requests.
pub(crate) fn record_security(sink: &AuditSink, e: &crate::events::SecurityEvent<'_>) {
    if let Some(row) = AuditObserver::security_row(e) {
        sink.security_event(row);
    }
}
