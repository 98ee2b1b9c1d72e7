//! MCP-level metrics: an [`Observer`] of session and request events.

use std::collections::HashMap;

use ::metrics::SharedString;
use rmcp::model::ClientJsonRpcMessage;

use super::{
    labels::{AuthFailure, McpMethod, RateLimitBucket},
    metrics,
};
use crate::events::{
    EndReason, ObservedSession, Observer, RequestEvent, SecurityEvent, SecurityEventKind,
};

/// Counts sessions, messages, requests and tool calls. Tool labels are bounded: only the
/// names of registered tools are used, anything else (unknown or disabled tools, which a
/// client can name freely) is `other`.
pub struct MetricsObserver {
    tools: HashMap<String, SharedString>,
    other: SharedString,
}

impl MetricsObserver {
    /// An observer labelling the given registered tools.
    pub fn new<S: Into<String>>(registered_tools: impl IntoIterator<Item = S>) -> Self {
        let tools = registered_tools
            .into_iter()
            .map(|n| {
                let n: String = n.into();
                (n.clone(), SharedString::from(n))
            })
            .collect();
        Self {
            tools,
            other: SharedString::const_str("other"),
        }
    }

    /// The label for a tool name.
    pub fn tool_label(&self, name: Option<&str>) -> SharedString {
        name.and_then(|n| self.tools.get(n))
            .unwrap_or(&self.other)
            .clone()
    }
}

impl Observer for MetricsObserver {
    fn session_opened(&self, session: &dyn ObservedSession) {
        metrics::session_opened(session.transport());
    }

    fn session_closed(&self, session: &dyn ObservedSession, reason: EndReason) {
        metrics::session_closed(session.transport(), reason);
    }

    fn message_received(&self, _session: &dyn ObservedSession, msg: &ClientJsonRpcMessage) {
        metrics::mcp_message(McpMethod::of(msg));
    }

    fn security_event(&self, e: &SecurityEvent<'_>) {
        match e.kind {
            SecurityEventKind::AuthenticationFailed | SecurityEventKind::Forbidden => {
                metrics::auth_failure(AuthFailure::from_reason(e.reason));
            }
            // Answered as an unknown tool, but an authorization refusal all the same.
            SecurityEventKind::ToolDenied => metrics::auth_failure(AuthFailure::InsufficientScope),
            SecurityEventKind::RateLimited => {
                metrics::rate_limited(RateLimitBucket::from_limiter(e.reason));
            }
            SecurityEventKind::CapReached => metrics::rate_limited(RateLimitBucket::Session),
            SecurityEventKind::Authenticated | SecurityEventKind::SessionBindingViolation => {}
        }
    }

    fn request_finished(&self, _session: &dyn ObservedSession, e: &RequestEvent<'_>) {
        let method = McpMethod::parse(e.method);
        metrics::mcp_request(method, e.outcome, e.latency);
        if method == McpMethod::ToolsCall {
            metrics::tool_call(self.tool_label(e.name), e.outcome, e.latency);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registered_tools_get_their_own_label() {
        let o = MetricsObserver::new(["get-server-info"]);
        assert_eq!(&*o.tool_label(Some("get-server-info")), "get-server-info");
        assert_eq!(&*o.tool_label(Some("evil-\u{1b}[31m-name")), "other");
        assert_eq!(&*o.tool_label(None), "other");
    }
}
