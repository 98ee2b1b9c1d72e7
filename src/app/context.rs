//! What the HTTP middlewares learn about a request and hand, through the request
//! extensions, to the transports below them: the access-log context the handlers fill and
//! the client IP. A type here, so the transports import nothing from `http::middleware`.

use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
};

use poem::Request;
use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcMessage};

use crate::{
    session::Session,
    telemetry::{labels::McpMethod, subject_hash},
};

/// The client IP the middlewares settled on (the trusted proxy header, else the socket),
/// set for every request of the MCP routes.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The client IP of `req`, when the middleware set it.
    pub fn of(req: &Request) -> Option<IpAddr> {
        req.extensions().get::<ClientIp>().and_then(|c| c.0)
    }
}

/// Longest tool name written to the log.
const MAX_TOOL: usize = 64;

/// Per-request details the handlers add to the access-log event.
#[derive(Debug, Default)]
pub struct LogContext(Mutex<Fields>);

#[derive(Debug, Default, Clone)]
pub(crate) struct Fields {
    pub(crate) session: Option<String>,
    pub(crate) subject_hash: Option<String>,
    pub(crate) method: Option<McpMethod>,
    pub(crate) tool: Option<String>,
}

impl LogContext {
    /// The context of `req`, when the access log is active.
    pub fn of(req: &Request) -> Option<&Arc<LogContext>> {
        req.extensions().get::<Arc<LogContext>>()
    }

    fn with(&self, f: impl FnOnce(&mut Fields)) {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Record the MCP method and, for `tools/call`, the tool name (sanitized: it is
    /// client-controlled).
    pub fn message(&self, msg: &ClientJsonRpcMessage) {
        let tool = match msg {
            JsonRpcMessage::Request(r) => match &r.request {
                ClientRequest::CallToolRequest(c) => Some(sanitize(&c.params.name)),
                _ => None,
            },
            _ => None,
        };
        self.with(|f| {
            f.method = Some(McpMethod::of(msg));
            f.tool = tool;
        });
    }

    /// Record the session (as its log tag) and its owner (hashed).
    pub fn session(&self, session: &Session) {
        let tag = session.log_tag().to_owned();
        let owner = session.owner().map(subject_hash);
        self.with(|f| {
            f.session = Some(tag);
            if owner.is_some() {
                f.subject_hash = owner;
            }
        });
    }

    pub(crate) fn fields(&self) -> Fields {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn sanitize(name: &str) -> String {
    let ok = name.len() <= MAX_TOOL
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b));
    if ok {
        name.to_owned()
    } else {
        "(invalid)".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_are_sanitized_for_the_log() {
        assert_eq!(sanitize("get-server-info"), "get-server-info");
        assert_eq!(sanitize("bad\nname"), "(invalid)");
        assert_eq!(sanitize(&"x".repeat(65)), "(invalid)");
    }
}
